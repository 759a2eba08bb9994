// The session's state machine: transition(session, event, { now }) is pure. It either accepts the
// event, returning the next session and the effects the orchestrator must carry out once that
// session is persisted, or refuses it with a code and a reason and leaves the session as it was.
//
// Who may do what:
// - confirm: not the requester; a member of CHATDB_APPROVERS when set; the plan's hash as shown.
// - reject: an approver other than the requester (the requester withdraws with cancel).
// - cancel: until the point of no return (the cutover's stack update, or a cleanup's deletion) has
//   begun; before the work starts the requester or any approver, once it runs only the requester,
//   the confirmer or a named approver (cancelRule in approval.ts, which the card reads too).
// - a drill: nobody confirms it; anyone the approvers allow may cancel it until its teardown, and
//   a restore's start ends it at once (`take_over`, whoever starts the restore).
// - choosing what a cleanup deletes: the requester, before confirmation.
// - picking a data dir locate could not choose (awaiting_pick): the requester; confirming the
//   pick: like confirming a plan (not the requester, an approver, the pick's hash as shown).
// Every user action on a session awaiting confirmation (or a pick) past its expiresAt is refused `expired`,
// whether or not the expiry timer has fired; the orchestrator then sends `expire`.

import { cancelRule, mayCancel } from './approval.js';
import type { CandidateEvidence, UnprovenCode } from './data-evidence.js';
import type { Refusal, RefusalCode } from './errors.js';
import { statusRefusal } from './lifecycle.js';
import {
  CHANGE_SET_NAME,
  changeSetName,
  drillChangeSetName,
  isDataDirPath,
  isRestoreDirName,
  isRootDirectory,
  LOOSE_RESTORE_DIR_NAME,
  RESTORE_JOB_ID,
  SSM_COMMAND_ID,
  SSM_INSTANCE_ID,
  TASK_ARN,
  TASK_DEFINITION_ARN,
} from './names.js';
import { type DataDirPick, isCandidate, pickable, pickHash } from './pick.js';
import {
  dataLossWindowMs,
  isIsoTime,
  isRootDbFilePath,
  isTopLevelCandidate,
  type Plan,
  planHash,
  planProblems,
  whyNotDeletable,
} from './plan.js';
import {
  type CleanupCandidate,
  isOpen,
  type JsonObject,
  type JsonValue,
  type Notice,
  type NoticeKind,
  nextPendingStage,
  POINT_OF_NO_RETURN,
  PRODUCTIONS,
  type Production,
  pastPointOfNoReturn,
  type RestoreSession,
  releaseLockEffect,
  runningStage,
  type SessionAws,
  type SessionEffect,
  type SessionFailure,
  type SessionStatus,
  STAGE_NAMES,
  type StageName,
  stageState,
} from './session.js';
import {
  planTeardown,
  stagedReady,
  startStaged,
  stopStaging,
  type TeardownOutcome,
  teardownDone,
  workingStage,
} from './staged.js';
import { stageDefinition } from './stages/index.js';

/** A user's standing against CHATDB_APPROVERS: 'unknown' when the group could not be read. */
export type ApproverVerdict = boolean | 'unknown';

export type AwsPatch = { [K in keyof SessionAws]?: SessionAws[K] | undefined };
export type RootsPatch = { previous?: string; next?: string };

export type SessionEvent =
  /** The stage "resolve" produced a plan (and, for a cleanup, the candidate directories). */
  | { type: 'resolved'; plan: Plan; cleanupCandidates?: CleanupCandidate[] }
  | {
      type: 'resolve_failed';
      reason: string;
      code?: string;
      /**
       * The caller that opened the session tells the requester itself (a start refused before its
       * plan): the failure's notices are recorded as told on the session's card.
       */
      told?: boolean;
    }
  | { type: 'confirm'; user: string; planHash: string; isApprover: ApproverVerdict }
  /** The requester starts the stages before the cutover ahead of the confirmation (staged.ts). */
  | { type: 'start_staged'; user: string; planHash: string }
  /** `planHash`: the plan the rejecter was shown (the Reject dialog's); a different plan is refused. */
  | { type: 'reject'; user: string; isApprover: ApproverVerdict; reason?: string; planHash?: string }
  /** `approversNamed`: CHATDB_APPROVERS names people or a group (not "anyone"); default true. */
  | { type: 'cancel'; user: string; isApprover: ApproverVerdict; approversNamed?: boolean }
  /** A drill gives way: `by` started restore session `sessionId`, which needs the file system now. */
  | { type: 'take_over'; by: string; sessionId: string }
  /** The expiry timer fired. */
  | { type: 'expire' }
  /** The requester's choice of directories for a cleanup (replaces the previous choice). */
  | { type: 'cleanup_choose'; user: string; paths: string[] }
  | { type: 'stage_started'; stage: StageName }
  | { type: 'stage_progress'; stage?: StageName; percentDone?: number; etaMinutes?: number }
  /** AWS ids recorded before or after a mutation inside a stage. */
  | { type: 'stage_checkpoint'; stage: StageName; aws: AwsPatch; roots?: RootsPatch }
  | { type: 'stage_done'; stage: StageName; detail?: JsonObject; aws?: AwsPatch; roots?: RootsPatch }
  | {
      type: 'stage_failed';
      stage: StageName;
      reason: string;
      production: Production;
      /** The activity that classified the failure, when one did (`StageFailure.activity`). */
      activity?: string;
      code?: string;
      /** What the stage saw (e.g. the data dirs locate could not choose between), for the card. */
      detail?: JsonObject;
      service?: SessionFailure['service'];
    }
  /** Locate found data dirs the evidence cannot tell apart: wait for the engineers' pick. */
  | {
      type: 'pick_needed';
      stage: 'locate';
      restoreDir: string;
      code: UnprovenCode;
      why: string;
      candidates: CandidateEvidence[];
    }
  /** The requester picks one of those data dirs (replacing an earlier pick). */
  | { type: 'pick'; user: string; path: string }
  /** A second engineer confirms the pick the card showed (its hash). */
  | { type: 'confirm_pick'; user: string; pickHash: string; isApprover: ApproverVerdict }
  /** A re-read of the stack found it differs from the confirmed plan: confirm again. */
  | { type: 'plan_changed'; plan: Plan; changes?: string[] }
  /** The orchestrator picked this session up again after a restart. */
  | { type: 'resumed' }
  | { type: 'notice_posted'; id: string; ts: string }
  | { type: 'card_posted'; ts: string }
  /** A staged session that ended before its cutover: what its teardown deleted and left (staged.ts). */
  | ({ type: 'teardown_done' } & TeardownOutcome);

export type SessionEventType = SessionEvent['type'];

export const SESSION_EVENT_TYPES = [
  'resolved',
  'resolve_failed',
  'confirm',
  'reject',
  'cancel',
  'take_over',
  'expire',
  'cleanup_choose',
  'stage_started',
  'stage_progress',
  'stage_checkpoint',
  'stage_done',
  'stage_failed',
  'pick_needed',
  'pick',
  'confirm_pick',
  'plan_changed',
  'resumed',
  'notice_posted',
  'card_posted',
  'start_staged',
  'teardown_done',
] as const satisfies readonly SessionEventType[];

export interface TransitionContext {
  now: Date;
}

export type TransitionResult = { ok: true; session: RestoreSession; effects: SessionEffect[] } | Refusal;

/** Stages whose activity the orchestrator runs (resolve and confirm end through their own events). */
function runnable(stage: StageName): boolean {
  return stageDefinition(stage) !== undefined;
}

// Not worth an audit line each: progress ticks and Slack delivery receipts.
const UNLOGGED: ReadonlySet<SessionEventType> = new Set(['stage_progress', 'notice_posted', 'card_posted']);

export function transition(
  session: RestoreSession,
  event: SessionEvent,
  ctx: TransitionContext,
): TransitionResult {
  const refused = (isOpen(session) ? eventRefusal(session, event) : undefined) ?? statusGate(session, event);
  if (refused !== undefined) return refused;
  const d = structuredClone(session);
  const now = ctx.now.toISOString();
  const effects: SessionEffect[] = [];
  const outcome = apply(d, event, ctx.now, effects);
  if (outcome !== undefined) return outcome;
  d.revision = session.revision + 1;
  d.updatedAt = now;
  if (!UNLOGGED.has(event.type)) d.events.push(logRecord(event, now));
  return { ok: true, session: d, effects };
}

/** Applies the event to the draft `d`; returns a refusal, or undefined when accepted. */
function apply(
  d: RestoreSession,
  e: SessionEvent,
  nowDate: Date,
  effects: SessionEffect[],
): Refusal | undefined {
  const now = nowDate.toISOString();
  switch (e.type) {
    case 'resolved': {
      if (stageState(d, 'resolve')?.status !== 'running') {
        return refuse('wrong_stage', 'The stage "resolve" was not started.', { stage: 'resolve' });
      }
      const bad = planFit(d, e.plan);
      if (bad !== undefined) return bad;
      let candidates: CleanupCandidate[] | undefined;
      if (d.kind === 'cleanup') {
        candidates = e.cleanupCandidates ?? [];
        if (!candidates.every(validCandidate)) {
          return refuse(
            'invalid_plan',
            'A cleanup candidate is not a cleanup directory or the database files at the volume root.',
          );
        }
        if (e.plan.kind === 'cleanup' && e.plan.paths.length > 0) {
          return refuse('invalid_plan', 'A cleanup plan starts with nothing chosen.');
        }
      } else if (e.cleanupCandidates !== undefined) {
        return refuse('invalid_plan', `A ${d.kind} session has no cleanup candidates.`);
      }
      setPlan(d, e.plan);
      if (candidates !== undefined) d.cleanup = { candidates: structuredClone(candidates), chosen: [] };
      if (e.plan.kind === 'restore' && e.plan.reuses !== undefined)
        reuseRestored(d, e.plan.targetRoot, e.plan.reuses.sessionId);
      endStage(d, 'resolve', 'done', now);
      if (d.kind === 'drill') {
        // Nobody confirms a drill: production does not change. Its stages start at once.
        d.status = 'running';
        const first = nextPendingStage(d);
        if (first !== undefined) effects.push({ type: 'run_stage', stage: first });
        return undefined;
      }
      startStage(d, 'confirm', now);
      d.status = 'awaiting_confirmation';
      effects.push({ type: 'await_confirmation', expiresAt: d.expiresAt });
      notify(d, effects, now, 'confirm', 'confirm_requested', {
        planHash: d.planHash ?? '',
        expiresAt: d.expiresAt,
      });
      return undefined;
    }

    case 'resolve_failed': {
      fail(d, effects, now, {
        stage: 'resolve',
        reason: e.reason,
        production: 'unchanged',
        ...(e.code === undefined ? {} : { code: e.code }),
      });
      const card = d.card?.ts;
      if (e.told === true && card !== undefined) {
        for (const notice of d.notices) notice.postedTs ??= card;
      }
      return undefined;
    }

    case 'confirm': {
      if (expired(d, nowDate)) return expiredRefusal(d);
      if (e.user === d.requester) {
        return refuse('self_confirm', 'You asked for this session; a second engineer must confirm it.');
      }
      const approver = approverGate(e.isApprover, 'confirm');
      if (approver !== undefined) return approver;
      if (e.planHash !== d.planHash) {
        return refuse(
          'plan_changed',
          'The plan changed since this card was shown; confirm the current plan.',
          {
            current: d.planHash,
          },
        );
      }
      if (d.plan?.kind === 'cleanup') {
        if (d.plan.paths.length === 0) {
          return refuse('nothing_chosen', 'Nothing is chosen for deletion yet.');
        }
        const blocked = blockedPaths(d, d.plan.paths, nowDate);
        if (blocked.length > 0) {
          return refuse('invalid_choice', `These may not be deleted now: ${blocked.join('; ')}.`, {
            paths: blocked,
          });
        }
      }
      d.confirmer = e.user;
      d.confirmedAt = now;
      endStage(d, 'confirm', 'done', now);
      // Staged: the work under way goes on (a pick still waits for its own confirmation).
      const waited = d.status === 'awaiting_confirmation';
      if (waited) {
        const next = nextPendingStage(d);
        if (next !== undefined) effects.push({ type: 'run_stage', stage: next });
      }
      if (d.status !== 'awaiting_pick') d.status = 'running';
      const window = d.plan === undefined ? undefined : dataLossWindowMs(d.plan, nowDate);
      notify(d, effects, now, 'confirm', 'confirmed', {
        by: e.user,
        ...(window === undefined ? {} : { dataLossWindowMs: window }),
        ...(d.staged === undefined ? {} : { staged: waited ? 'cutover_now' : 'after_staging' }),
      });
      return undefined;
    }

    case 'reject': {
      if (expired(d, nowDate)) return expiredRefusal(d);
      if (e.user === d.requester) {
        return refuse('self_reject', 'You asked for this session; use Cancel to withdraw it.');
      }
      const approver = approverGate(e.isApprover, 'reject');
      if (approver !== undefined) return approver;
      if (e.planHash !== undefined && e.planHash !== d.planHash) {
        return refuse(
          'plan_changed',
          'The plan changed since this card was shown; look at the current plan.',
          {
            current: d.planHash,
          },
        );
      }
      const why = rejectReason(e.reason);
      stopStaging(d, effects, now, `rejected by ${e.user}`);
      endStage(d, 'confirm', 'failed', now, `rejected by ${e.user}`);
      finish(d, effects, 'rejected', now, e.user);
      if (why !== undefined) d.ended = { ...(d.ended ?? { at: now }), reason: why };
      planTeardown(d, effects);
      notify(d, effects, now, 'confirm', 'rejected', {
        by: e.user,
        ...(why === undefined ? {} : { reason: why }),
      });
      return undefined;
    }

    case 'cancel': {
      if ((awaitingSomeone(d) || d.status === 'staging') && expired(d, nowDate)) return expiredRefusal(d);
      if (d.status === 'running' && pastPointOfNoReturn(d)) {
        const stage = POINT_OF_NO_RETURN[d.kind];
        return refuse(
          'cancel_too_late',
          stage === 'cutover'
            ? 'The stack update has started; it cannot be cancelled. Use rollback once it ends.'
            : 'The deletion has started; it cannot be cancelled.',
          { stage },
        );
      }
      const may = mayCancel(cancelRule(d, e.approversNamed ?? true), e.user, e.isApprover);
      if (may === 'unknown') return approversUnavailable();
      if (!may) {
        return refuse(
          'not_requester_or_approver',
          d.status === 'running'
            ? 'Only the requester, the confirmer or an approver can cancel a session that is running.'
            : 'Only the requester or an approver can cancel this session.',
          { status: d.status },
        );
      }
      stopStaging(d, effects, now, `cancelled by ${e.user}`);
      const running = runningStage(d);
      if (running !== undefined) {
        if (runnable(running) || running === 'resolve') effects.push({ type: 'abort_stage', stage: running });
        endStage(d, running, 'skipped', now, `cancelled by ${e.user}`);
      }
      finish(d, effects, 'cancelled', now, e.user);
      planTeardown(d, effects);
      const left = staysOnVolume(d);
      notify(d, effects, now, undefined, 'cancelled', {
        by: e.user,
        ...(d.aws.restoreJobId === undefined ? {} : { restoreJobId: d.aws.restoreJobId }),
        ...(left === undefined ? {} : { leftForCleanup: left }),
      });
      return undefined;
    }

    case 'take_over': {
      const running = runningStage(d);
      if (running !== undefined) {
        effects.push({ type: 'abort_stage', stage: running });
        endStage(d, running, 'skipped', now, `taken over by session ${e.sessionId}`);
      }
      finish(d, effects, 'cancelled', now, e.by);
      d.ended = { ...(d.ended ?? { at: now }), reason: `taken over by session ${e.sessionId}` };
      notify(d, effects, now, undefined, 'cancelled', {
        by: e.by,
        takenOverBy: e.sessionId,
        ...(d.aws.restoreJobId === undefined ? {} : { restoreJobId: d.aws.restoreJobId }),
      });
      return undefined;
    }

    case 'expire': {
      if (!expired(d, nowDate)) {
        return refuse('not_expired', `The session expires at ${d.expiresAt}.`, { expiresAt: d.expiresAt });
      }
      stopStaging(d, effects, now, 'expired');
      const stage = runningStage(d);
      if (stage === 'resolve') effects.push({ type: 'abort_stage', stage });
      if (stage !== undefined) endStage(d, stage, 'failed', now, 'expired');
      const picking = d.status === 'awaiting_pick';
      finish(d, effects, 'expired', now);
      planTeardown(d, effects);
      const left = staysOnVolume(d);
      notify(d, effects, now, picking ? 'locate' : 'confirm', 'expired', {
        expiresAt: d.expiresAt,
        ...(left === undefined ? {} : { leftForCleanup: left }),
      });
      return undefined;
    }

    case 'cleanup_choose': {
      if (expired(d, nowDate)) return expiredRefusal(d);
      if (e.user !== d.requester) {
        return refuse(
          'not_requester',
          'Only the engineer who asked for this cleanup chooses what it deletes.',
        );
      }
      if (!Array.isArray(e.paths) || new Set(e.paths).size !== e.paths.length) {
        return refuse('invalid_choice', 'The choice lists a directory twice.');
      }
      const offered = new Map((d.cleanup?.candidates ?? []).map((c) => [c.path, c]));
      const unknown = e.paths.filter((p) => !offered.has(p));
      if (unknown.length > 0) {
        return refuse('invalid_choice', 'The choice names directories that were not offered.', {
          paths: unknown,
        });
      }
      const notDeletable = e.paths.filter((p) => offered.get(p)?.deletable !== true);
      const blocked = [
        ...notDeletable,
        ...blockedPaths(d, e.paths, nowDate).filter((p) => !notDeletable.includes(p)),
      ];
      if (blocked.length > 0) {
        return refuse('invalid_choice', 'The choice names directories that may not be deleted.', {
          paths: blocked,
        });
      }
      const chosen = [...e.paths].sort();
      if (d.plan?.kind !== 'cleanup' || d.cleanup === undefined) return refuse('not_ready', 'No plan yet.');
      // The database files at the volume root are one item, deleted by their exact names.
      const names = chosen.flatMap((p) => offered.get(p)?.files?.map((f) => `/${f}`) ?? [p]);
      setPlan(d, { ...d.plan, paths: names.sort() });
      d.cleanup.chosen = chosen;
      return undefined;
    }

    case 'stage_started': {
      if (d.status === 'resolving') {
        if (e.stage !== 'resolve' || stageState(d, 'resolve')?.status !== 'pending') {
          return refuse('wrong_stage', `The session is resolving; ${e.stage} cannot start now.`, {
            stage: e.stage,
          });
        }
        startStage(d, 'resolve', now);
        return undefined;
      }
      const running = workingStage(d);
      const next = nextPendingStage(d);
      if (running !== undefined || e.stage !== next || !runnable(e.stage)) {
        return refuse('wrong_stage', `The next stage is ${running ?? next ?? 'none'}, not ${e.stage}.`, {
          stage: e.stage,
          expected: running ?? next,
        });
      }
      startStage(d, e.stage, now);
      delete d.progress;
      notify(d, effects, now, e.stage, 'started', stageStartData(d, e.stage));
      return undefined;
    }

    case 'stage_progress': {
      const stage = activeStage(d, e.stage);
      if (typeof stage !== 'string') return stage;
      const percentOk =
        e.percentDone === undefined ||
        (Number.isFinite(e.percentDone) && e.percentDone >= 0 && e.percentDone <= 100);
      const etaOk = e.etaMinutes === undefined || (Number.isFinite(e.etaMinutes) && e.etaMinutes >= 0);
      if (!percentOk || !etaOk) return refuse('invalid_checkpoint', 'Progress is a percentage and minutes.');
      d.progress = { at: now };
      if (e.percentDone !== undefined) d.progress.percentDone = e.percentDone;
      if (e.etaMinutes !== undefined) d.progress.etaMinutes = e.etaMinutes;
      return undefined;
    }

    case 'stage_checkpoint': {
      const stage = activeStage(d, e.stage);
      if (typeof stage !== 'string') return stage;
      return mergeReports(d, e.aws, e.roots);
    }

    case 'stage_done': {
      const stage = activeStage(d, e.stage);
      if (typeof stage !== 'string') return stage;
      const merged = mergeReports(d, e.aws ?? {}, e.roots);
      if (merged !== undefined) return merged;
      const missing = (stageDefinition(stage)?.requires ?? []).filter((key) => d.aws[key] === undefined);
      if (missing.length > 0) {
        return refuse(
          'invalid_checkpoint',
          `The stage ${stage} ended without recording ${missing.join(', ')}.`,
          {
            missing,
          },
        );
      }
      endStage(d, stage, 'done', now, undefined, e.detail);
      delete d.progress;
      notify(d, effects, now, stage, 'done', e.detail ?? {});
      const next = nextPendingStage(d);
      if (next !== undefined && d.status === 'staging' && next === POINT_OF_NO_RETURN[d.kind]) {
        // Staged: everything before the cutover is done; the cutover waits for the confirmation.
        stagedReady(d, effects, (at, kind, data) => notify(d, effects, now, at, kind, data));
      } else if (next !== undefined) {
        effects.push({ type: 'run_stage', stage: next });
      } else {
        // A drill that failed before its teardown ends failed once the teardown is done.
        finish(d, effects, d.failure === undefined ? 'succeeded' : 'failed', now);
        notify(d, effects, now, undefined, 'summary', {});
      }
      return undefined;
    }

    case 'stage_failed': {
      const stage = e.stage === 'resolve' && d.status === 'resolving' ? 'resolve' : activeStage(d, e.stage);
      if (typeof stage !== 'string') return stage;
      if (!PRODUCTIONS.includes(e.production)) {
        return refuse('invalid_checkpoint', 'production is unchanged, rolled_back, cut_over or unknown.');
      }
      fail(d, effects, now, {
        stage,
        reason: e.reason,
        production: e.production,
        ...(e.activity === undefined ? {} : { activity: e.activity }),
        ...(e.code === undefined ? {} : { code: e.code }),
        ...(e.detail === undefined ? {} : { detail: e.detail }),
      });
      if (e.service !== undefined && d.failure !== undefined) d.failure.service = structuredClone(e.service);
      return undefined;
    }

    case 'pick_needed':
      return askForPick(d, e, nowDate, effects);

    case 'pick':
      return pickDataDir(d, e, nowDate, effects);

    case 'confirm_pick':
      return confirmPick(d, e, nowDate, effects);

    case 'plan_changed': {
      if (d.status === 'running') {
        const gateStage = POINT_OF_NO_RETURN[d.kind];
        if (d.kind === 'cleanup' || runningStage(d) !== gateStage || d.aws.executedAt !== undefined) {
          return refuse('wrong_stage', 'A plan can only change before the cutover executes its change set.', {
            stage: runningStage(d),
          });
        }
      }
      const bad = planFit(d, e.plan);
      if (bad !== undefined) return bad;
      if (planHash(e.plan) === d.planHash)
        return refuse('plan_unchanged', 'The new plan is the same as the old.');
      const old = d.plan;
      if (old?.kind === 'restore' && e.plan.kind === 'restore') {
        if (e.plan.recoveryPoint.arn !== old.recoveryPoint.arn || e.plan.targetRoot !== old.targetRoot) {
          return refuse('invalid_plan', 'A changed plan keeps the recovery point and the target root.');
        }
      }
      if (old?.kind === 'rollback' && e.plan.kind === 'rollback' && d.status === 'running') {
        if (e.plan.targetRoot !== old.targetRoot) {
          return refuse('invalid_plan', 'A changed rollback plan keeps its target root.');
        }
      }
      if (d.status === 'running') {
        // Back to the confirmation; the stages already done (restore, locate, flatten) stay done.
        const cut = stageState(d, POINT_OF_NO_RETURN[d.kind]);
        if (cut !== undefined) {
          cut.status = 'pending';
          delete cut.startedAt;
        }
        const confirm = stageState(d, 'confirm');
        if (confirm !== undefined) delete confirm.endedAt;
        startStage(d, 'confirm', now);
        delete d.confirmer;
        delete d.confirmedAt;
        delete d.progress;
        d.attempt += 1;
        delete d.aws.changeSetName;
        delete d.aws.changeSetId;
        delete d.aws.templateDiff;
        d.status = 'awaiting_confirmation';
      }
      if (d.kind === 'cleanup' && d.cleanup !== undefined && e.plan.kind === 'cleanup') {
        d.cleanup.chosen = [...e.plan.paths];
      }
      setPlan(d, e.plan);
      d.expiresAt = new Date(nowDate.getTime() + d.confirmTtlMs).toISOString();
      effects.push({ type: 'await_confirmation', expiresAt: d.expiresAt });
      notify(d, effects, now, 'confirm', 'plan_changed', {
        planHash: d.planHash ?? '',
        changes: e.changes ?? [],
        expiresAt: d.expiresAt,
      });
      return undefined;
    }

    case 'resumed': {
      if (awaitingSomeone(d)) {
        effects.push({ type: 'await_confirmation', expiresAt: d.expiresAt });
        return undefined;
      }
      // Staging waits for the confirmation while its work runs: both go on.
      if (d.status === 'staging') effects.push({ type: 'await_confirmation', expiresAt: d.expiresAt });
      const stage = workingStage(d) ?? nextPendingStage(d);
      if (stage === undefined) return refuse('wrong_stage', 'There is no stage left to resume.');
      effects.push({ type: 'run_stage', stage });
      notify(d, effects, now, stage, 'resumed', {});
      return undefined;
    }

    case 'start_staged':
      if (expired(d, nowDate)) return expiredRefusal(d);
      return startStaged(d, e, now, effects, (at, kind, data) => notify(d, effects, now, at, kind, data));

    case 'teardown_done': {
      const recorded = teardownDone(d, e, now);
      if (recorded !== undefined) return recorded;
      notify(d, effects, now, undefined, 'staged_teardown', {});
      return undefined;
    }

    case 'notice_posted': {
      const notice = d.notices.find((n) => n.id === e.id);
      if (notice === undefined) return refuse('unknown_notice', `No notice ${e.id} in this session.`);
      if (notice.postedTs !== undefined) {
        return refuse('already_posted', `Notice ${e.id} was already posted.`, { ts: notice.postedTs });
      }
      if (typeof e.ts !== 'string' || e.ts === '')
        return refuse('invalid_checkpoint', 'A posted notice has a ts.');
      notice.postedTs = e.ts;
      return undefined;
    }

    case 'card_posted': {
      if (typeof e.ts !== 'string' || e.ts === '')
        return refuse('invalid_checkpoint', 'A posted card has a ts.');
      if (d.card?.ts === e.ts)
        return refuse('already_posted', 'The card was already recorded.', { ts: e.ts });
      d.card = { ts: e.ts };
      return undefined;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Picking a data dir (pick.ts): locate asks, the requester picks, a second engineer confirms

type EventOf<T extends SessionEventType> = Extract<SessionEvent, { type: T }>;

/** Locate ends without a choice: the session waits, with nothing moved, for the engineers' pick. */
function askForPick(
  d: RestoreSession,
  e: EventOf<'pick_needed'>,
  nowDate: Date,
  effects: SessionEffect[],
): Refusal | undefined {
  const stage = activeStage(d, e.stage);
  if (typeof stage !== 'string') return stage;
  if (stage !== 'locate' || d.kind !== 'restore') {
    return refuse('wrong_stage', `Only a restore's locate stage asks for a pick, not ${stage}.`, { stage });
  }
  const candidates = Array.isArray(e.candidates) ? e.candidates : [];
  if (!candidates.every((c) => isCandidate(c, e.restoreDir)) || pickable({ candidates }).length === 0) {
    return refuse('invalid_checkpoint', 'A pick needs complete data dirs inside the new restore dir.');
  }
  const merged = mergeReports(d, { restoreDir: e.restoreDir }, undefined);
  if (merged !== undefined) return merged;
  const now = nowDate.toISOString();
  endStage(d, 'locate', 'done', now, undefined, {
    restoreDir: e.restoreDir,
    unproven: e.code,
    candidates: structuredClone(candidates) as unknown as JsonValue,
  });
  d.pick = {
    restoreDir: e.restoreDir,
    code: e.code,
    why: e.why,
    candidates: structuredClone(candidates),
    askedAt: now,
  };
  d.status = 'awaiting_pick';
  delete d.progress;
  renewExpiry(d, nowDate, effects);
  notify(d, effects, now, 'locate', 'pick_requested', { why: e.why, expiresAt: d.expiresAt });
  return undefined;
}

function pickDataDir(
  d: RestoreSession,
  e: EventOf<'pick'>,
  nowDate: Date,
  effects: SessionEffect[],
): Refusal | undefined {
  const gate = pickGate(d, nowDate);
  if (gate !== undefined) return gate;
  const pick = d.pick as DataDirPick;
  if (e.user !== d.requester) {
    return refuse('not_requester', 'Only the engineer who asked for this restore picks the data dir.', {
      what: 'pick',
    });
  }
  if (!pickable(pick).some((c) => c.path === e.path)) {
    return refuse('invalid_choice', 'That is not one of the complete data dirs found.', {
      what: 'pick',
      paths: [String(e.path)],
    });
  }
  if (pick.picked?.path === e.path) return refuse('pick_unchanged', `/${e.path} is already the pick.`);
  const now = nowDate.toISOString();
  const hash = pickHash({
    sessionId: d.id,
    planHash: d.planHash ?? '',
    restoreDir: pick.restoreDir,
    path: e.path,
  });
  pick.picked = { path: e.path, by: e.user, at: now, hash };
  renewExpiry(d, nowDate, effects);
  notify(d, effects, now, 'locate', 'picked', { path: e.path, by: e.user, expiresAt: d.expiresAt });
  return undefined;
}

function confirmPick(
  d: RestoreSession,
  e: EventOf<'confirm_pick'>,
  nowDate: Date,
  effects: SessionEffect[],
): Refusal | undefined {
  const gate = pickGate(d, nowDate);
  if (gate !== undefined) return gate;
  const pick = d.pick as DataDirPick;
  const picked = pick.picked;
  if (picked === undefined) return refuse('nothing_picked', 'No data dir has been picked yet.');
  if (e.user === d.requester) {
    return refuse('self_confirm', 'You asked for this session; a second engineer must confirm the pick.');
  }
  const approver = approverGate(e.isApprover, 'confirm');
  if (approver !== undefined) return approver;
  if (e.pickHash !== picked.hash) {
    return refuse('pick_changed', 'The pick changed since this card was shown; confirm the current pick.', {
      current: picked.path,
    });
  }
  const chosen = pick.candidates.find((c) => c.path === picked.path) as CandidateEvidence;
  const merged = mergeReports(
    d,
    { dataDir: chosen.path, dataSizeBytes: chosen.sizeBytes, dataFileCount: chosen.fileCount },
    undefined,
  );
  if (merged !== undefined) return merged;
  const now = nowDate.toISOString();
  pick.confirmer = e.user;
  pick.confirmedAt = now;
  const locate = stageState(d, 'locate');
  if (locate !== undefined) {
    locate.detail = {
      ...(locate.detail ?? {}),
      dataDir: chosen.path,
      sizeBytes: chosen.sizeBytes,
      fileCount: chosen.fileCount,
      rule: 'picked',
    };
  }
  // Staged and not yet confirmed: the work goes on, the cutover still waits for the confirmation.
  d.status = d.confirmer === undefined && d.staged !== undefined ? 'staging' : 'running';
  const next = nextPendingStage(d);
  if (next !== undefined) effects.push({ type: 'run_stage', stage: next });
  notify(d, effects, now, 'locate', 'pick_confirmed', { path: chosen.path, by: e.user, pickedBy: picked.by });
  return undefined;
}

/** A pick or its confirmation (lifecycle.ts lets them through only while awaiting_pick): not past the deadline. */
function pickGate(d: RestoreSession, now: Date): Refusal | undefined {
  return expired(d, now) ? expiredRefusal(d) : undefined;
}

/** Someone has the session's TTL from now to act; the expiry timer is re-armed. */
function renewExpiry(d: RestoreSession, nowDate: Date, effects: SessionEffect[]): void {
  d.expiresAt = new Date(nowDate.getTime() + d.confirmTtlMs).toISOString();
  effects.push({ type: 'await_confirmation', expiresAt: d.expiresAt });
}

// ---------------------------------------------------------------------------------------------
// Gates

function refuse(code: RefusalCode, reason: string, details?: Refusal['details']): Refusal {
  return details === undefined ? { ok: false, code, reason } : { ok: false, code, reason, details };
}

function unexpected(d: RestoreSession, type: SessionEventType): Refusal {
  return refuse('unexpected_event', `${type} does not apply to a session that is ${d.status}.`, {
    status: d.status,
    event: type,
  });
}

function expired(d: RestoreSession, now: Date): boolean {
  return now.getTime() >= Date.parse(d.expiresAt);
}

function expiredRefusal(d: RestoreSession): Refusal {
  return refuse('expired', `The confirmation window closed at ${d.expiresAt}; start a new session.`, {
    expiresAt: d.expiresAt,
  });
}

function whoConfirmed(d: RestoreSession): Refusal['details'] {
  return { confirmer: d.confirmer, confirmedAt: d.confirmedAt };
}

/** Waiting for a person (a confirmation or a pick), with an expiry timer armed. */
function awaitingSomeone(d: RestoreSession): boolean {
  return d.status === 'awaiting_confirmation' || d.status === 'awaiting_pick';
}

/** Checks on the event itself, made before the status's (lifecycle.ts says which). */
function eventRefusal(d: RestoreSession, e: SessionEvent): Refusal | undefined {
  if (e.type === 'stage_done' && e.stage === 'resolve') {
    return refuse('wrong_stage', 'The stage "resolve" ends with `resolved` or `resolve_failed`.', {
      stage: e.stage,
    });
  }
  if (e.type === 'cleanup_choose' && d.kind !== 'cleanup') {
    return refuse('unexpected_event', `A ${d.kind} session has nothing to choose.`);
  }
  if (e.type === 'take_over' && d.kind !== 'drill') {
    return refuse('unexpected_event', `Only a drill gives way to another session; this is a ${d.kind}.`);
  }
  if (e.type === 'start_staged' && d.kind !== 'restore') {
    return refuse('unexpected_event', `A ${d.kind} session restores nothing to start early.`);
  }
  // A staged restore can wait for a pick before its plan is confirmed: the plan is confirmed (or
  // rejected) there too, but only once.
  if (
    (e.type === 'confirm' || e.type === 'reject') &&
    d.status === 'awaiting_pick' &&
    d.confirmer !== undefined
  ) {
    return refuse(
      'already_confirmed',
      `${d.confirmer} already confirmed this session at ${d.confirmedAt ?? '?'}.`,
      whoConfirmed(d),
    );
  }
  if ((e.type === 'pick' || e.type === 'confirm_pick') && d.status !== 'awaiting_pick') {
    if (d.pick?.confirmedAt !== undefined) {
      return refuse(
        'already_confirmed',
        `${d.pick.confirmer ?? 'Someone'} already confirmed the pick at ${d.pick.confirmedAt}.`,
        { confirmer: d.pick.confirmer, confirmedAt: d.pick.confirmedAt },
      );
    }
  }
  return undefined;
}

const STAGE_EVENTS: ReadonlySet<SessionEventType> = new Set([
  'pick_needed',
  'stage_progress',
  'stage_checkpoint',
  'stage_done',
  'stage_failed',
]);

/** The lifecycle table's refusal of the event in the session's status, with its reason. */
function statusGate(d: RestoreSession, e: SessionEvent): Refusal | undefined {
  const code = statusRefusal(d.status, e.type);
  switch (code) {
    case undefined:
      return undefined;
    case 'finished':
      return refuse('finished', `The session has already ended (${d.status}).`, {
        status: d.status,
        endedAt: d.ended?.at,
      });
    case 'not_ready':
      return refuse('not_ready', 'The plan is still being worked out.');
    case 'already_confirmed':
      return refuse(
        'already_confirmed',
        e.type === 'expire'
          ? 'The session was confirmed; it no longer expires.'
          : `${d.confirmer ?? 'Someone'} already confirmed this session at ${d.confirmedAt ?? '?'}.`,
        whoConfirmed(d),
      );
    case 'unexpected_event':
      if (e.type === 'pick' || e.type === 'confirm_pick') {
        return refuse(
          'unexpected_event',
          `No data dir waits to be picked while the session is ${d.status}.`,
          {
            status: d.status,
          },
        );
      }
      return STAGE_EVENTS.has(e.type)
        ? refuse('unexpected_event', `No stage runs while the session is ${d.status}.`, { status: d.status })
        : unexpected(d, e.type);
    default:
      return refuse(code, `${e.type} is refused while the session is ${d.status}.`, {
        status: d.status,
        event: e.type,
      });
  }
}

export const MAX_REJECT_REASON = 500;

/** A rejecter's reason as stored: trimmed, control characters out, at most 500 characters. */
function rejectReason(text: string | undefined): string | undefined {
  if (typeof text !== 'string') return undefined;
  const clean = text
    .replace(/\p{Cc}+/gu, ' ')
    .trim()
    .slice(0, MAX_REJECT_REASON);
  return clean === '' ? undefined : clean;
}

function approverGate(verdict: ApproverVerdict, action: 'confirm' | 'reject'): Refusal | undefined {
  if (verdict === 'unknown') return approversUnavailable();
  if (verdict !== true)
    return refuse('not_approver', `Only a member of the approvers can ${action} a session.`);
  return undefined;
}

function approversUnavailable(): Refusal {
  return refuse(
    'approvers_unavailable',
    'The approvers group could not be read just now; try again in a moment.',
  );
}

/** The stage an in-stage event names must be the one running. */
function activeStage(d: RestoreSession, named: StageName | undefined): StageName | Refusal {
  if (d.status !== 'running' && d.status !== 'staging') {
    return refuse('unexpected_event', `No stage runs while the session is ${d.status}.`, {
      status: d.status,
    });
  }
  const running = runningStage(d);
  if (running === undefined || !runnable(running) || (named !== undefined && named !== running)) {
    return refuse('wrong_stage', `The running stage is ${running ?? 'none'}, not ${named ?? 'given'}.`, {
      stage: named,
      running,
    });
  }
  return running;
}

function planFit(d: RestoreSession, plan: Plan): Refusal | undefined {
  if (plan?.kind !== d.kind) return refuse('invalid_plan', `A ${d.kind} session needs a ${d.kind} plan.`);
  if (plan.requester !== d.requester) return refuse('invalid_plan', 'The plan names another requester.');
  const problems = planProblems(plan, d.id);
  if (problems.length > 0) {
    return refuse('invalid_plan', `The plan is not sound: ${problems.join('; ')}.`, { problems });
  }
  return undefined;
}

const CANDIDATE_KINDS: readonly CleanupCandidate['kind'][] = [
  'restore',
  'retired',
  'drill',
  'failed_restore',
  'lost_found',
  'root_files',
];

function validCandidate(c: CleanupCandidate): boolean {
  if (typeof c !== 'object' || c === null) return false;
  const files = c.files;
  const where =
    c.kind === 'root_files'
      ? c.path === '/' &&
        Array.isArray(files) &&
        files.length > 0 &&
        new Set(files).size === files.length &&
        files.every((f) => isRootDbFilePath(`/${f}`))
      : isTopLevelCandidate(c.path) && files === undefined;
  return (
    where &&
    Number.isFinite(c.sizeBytes) &&
    CANDIDATE_KINDS.includes(c.kind) &&
    typeof c.deletable === 'boolean' &&
    (c.retiredAt === undefined || isIsoTime(c.retiredAt))
  );
}

/** Chosen paths the deletion rules forbid right now, with why (live root, retired < 24 h). */
function blockedPaths(d: RestoreSession, paths: readonly string[], now: Date): string[] {
  const liveRoot = d.plan?.currentRoot ?? '/';
  // A database file at the volume root answers to its item (`/`), which carries the retirement.
  const byPath = new Map(
    (d.cleanup?.candidates ?? []).flatMap((c) => [
      [c.path, c] as const,
      ...(c.files ?? []).map((f) => [`/${f}`, c] as const),
    ]),
  );
  const blocked: string[] = [];
  for (const path of paths) {
    const why = whyNotDeletable(path, { liveRoot, retiredAt: byPath.get(path)?.retiredAt, now });
    if (why !== undefined) blocked.push(`${path}: ${why}`);
  }
  return blocked;
}

// ---------------------------------------------------------------------------------------------
// Reports from stages

function mergeReports(d: RestoreSession, aws: AwsPatch, roots: RootsPatch | undefined): Refusal | undefined {
  const problems = awsPatchProblems(d, aws);
  if (roots !== undefined) {
    for (const key of ['previous', 'next'] as const) {
      const v = roots[key];
      if (v !== undefined && !isRootDirectory(v)) problems.push(`roots.${key}`);
    }
  }
  if (problems.length > 0) {
    return refuse(
      'invalid_checkpoint',
      `The stage reported values that fail their checks: ${problems.join(', ')}.`,
      {
        problems,
      },
    );
  }
  for (const [key, value] of Object.entries(aws) as [keyof SessionAws, unknown][]) {
    if (value === undefined) {
      if (key !== 'stoppedTaskArns') delete d.aws[key];
    } else {
      (d.aws as unknown as Record<string, unknown>)[key] = structuredClone(value);
    }
  }
  if (roots?.previous !== undefined) d.roots.previous = roots.previous;
  if (roots?.next !== undefined) d.roots.next = roots.next;
  return undefined;
}

/** A resumed stage sends its scripts again; a bound keeps a looping one from growing the session. */
const MAX_SSM_COMMANDS = 100;

function isSsmCommandRecord(v: unknown): boolean {
  if (typeof v !== 'object' || v === null) return false;
  const r = v as Record<string, unknown>;
  return (
    typeof r.commandId === 'string' &&
    SSM_COMMAND_ID.test(r.commandId) &&
    typeof r.instanceId === 'string' &&
    SSM_INSTANCE_ID.test(r.instanceId) &&
    STAGE_NAMES.includes(r.stage as StageName) &&
    Object.keys(r).length === 3
  );
}
const MAX_DIFF = 1_000_000;

function awsPatchProblems(d: RestoreSession, aws: AwsPatch): string[] {
  const problems: string[] = [];
  if (typeof aws !== 'object' || aws === null) return ['aws'];
  const str = (v: unknown, re: RegExp) => typeof v === 'string' && re.test(v);
  const count = (v: unknown) => Number.isSafeInteger(v) && (v as number) >= 0;
  const restoreDir = aws.restoreDir ?? d.aws.restoreDir;
  for (const [key, v] of Object.entries(aws)) {
    if (v === undefined) continue;
    let ok: boolean;
    switch (key as keyof SessionAws) {
      case 'restoreJobId':
        ok = str(v, RESTORE_JOB_ID);
        break;
      case 'restoreDirsBefore':
        // Listed from the disk: the scripts' own pattern, odd timestamps included.
        ok = Array.isArray(v) && v.every((name) => str(name, LOOSE_RESTORE_DIR_NAME));
        break;
      case 'fullFallback':
        ok = v === true && d.plan?.kind === 'restore' && d.plan.restoreMode.kind === 'item';
        break;
      case 'restoreJobCompletedAt':
      case 'executeCalledAt':
      case 'executedAt':
        ok = isIsoTime(v);
        break;
      case 'restoreDir':
        ok = isRestoreDirName(v) && !(d.aws.restoreDirsBefore ?? []).includes(v as string);
        break;
      case 'dataDir':
        ok = isDataDirPath(v) && restoreDir !== undefined && `${v as string}/`.startsWith(`${restoreDir}/`);
        break;
      case 'dataSizeBytes':
      case 'dataFileCount':
        ok = count(v);
        break;
      case 'flatDir':
        ok = (d.plan?.kind === 'restore' || d.plan?.kind === 'drill') && v === d.plan.targetRoot;
        break;
      case 'changeSetName':
        ok =
          str(v, CHANGE_SET_NAME) &&
          v === (d.kind === 'drill' ? drillChangeSetName(d.id) : changeSetName(d.id, d.attempt));
        break;
      case 'changeSetDeletedAt':
        ok = d.kind === 'drill' && isIsoTime(v);
        break;
      case 'changeSetId':
        ok = typeof v === 'string' && v.length > 0 && v.length <= 2048 && !/\p{Cc}/u.test(v);
        break;
      case 'oldTaskDefinitionArn':
      case 'newTaskDefinitionArn':
      case 'checkTaskDefinitionArn':
        ok = str(v, TASK_DEFINITION_ARN);
        break;
      case 'stoppingTaskArn':
      case 'newTaskArn':
      case 'checkTaskArn':
        ok = str(v, TASK_ARN);
        break;
      case 'stoppedTaskArns':
        ok = Array.isArray(v) && v.every((arn) => str(arn, TASK_ARN));
        break;
      case 'templateDiff':
        ok = typeof v === 'string' && v.length <= MAX_DIFF;
        break;
      case 'ssmCommands':
        ok = Array.isArray(v) && v.length <= MAX_SSM_COMMANDS && v.every(isSsmCommandRecord);
        break;
      case 'deletedPaths':
        ok =
          Array.isArray(v) &&
          (d.plan?.kind === 'cleanup'
            ? v.every((p) => (d.plan as { paths: unknown[] }).paths.includes(p))
            : d.plan?.kind === 'drill' && v.every((p) => isDrillDeletable(d, p)));
        break;
      default:
        ok = false;
    }
    if (!ok) problems.push(`aws.${key}`);
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------
// Draft edits

function setPlan(d: RestoreSession, plan: Plan): void {
  d.plan = structuredClone(plan);
  d.planHash = planHash(plan);
  if (plan.kind === 'drill') {
    // Production stays on its root; nothing is ever cut over to the drill's directory.
    d.roots.previous = plan.currentRoot;
  } else if (plan.kind !== 'cleanup') {
    d.roots.previous = plan.currentRoot;
    d.roots.next = plan.targetRoot;
  }
}

/** What a drill's teardown may report deleted: its own directories and those it sweeps. */
function isDrillDeletable(d: RestoreSession, path: unknown): boolean {
  if (d.plan?.kind !== 'drill' || typeof path !== 'string' || !path.startsWith('/')) return false;
  const name = path.slice(1);
  const own = [d.plan.targetRoot.slice(1), d.aws.restoreDir];
  const swept = (d.plan.sweep ?? []).flatMap((left) => left.dirs);
  // An earlier drill's job directory found by elimination is named only by the teardown.
  const unlocated = (d.plan.sweep ?? []).some((left) => left.unlocatedJob !== undefined);
  return [...own, ...swept].includes(name) || (unlocated && isRestoreDirName(name));
}

/** A retried cut-over: the data is already restored and flattened, so only cutover and verify run. */
function reuseRestored(d: RestoreSession, flatDir: string, from: string): void {
  d.aws.flatDir = flatDir;
  for (const name of ['restore', 'locate', 'flatten'] as const) {
    const stage = stageState(d, name);
    if (stage === undefined) continue;
    stage.status = 'skipped';
    stage.detail = { reusedFrom: from };
  }
}

function startStage(d: RestoreSession, name: StageName, now: string): void {
  const stage = stageState(d, name);
  if (stage === undefined) return;
  stage.status = 'running';
  stage.startedAt = now;
  delete stage.endedAt;
  delete stage.error;
}

function endStage(
  d: RestoreSession,
  name: StageName,
  status: 'done' | 'failed' | 'skipped',
  now: string,
  error?: string,
  detail?: JsonObject,
): void {
  const stage = stageState(d, name);
  if (stage === undefined) return;
  stage.status = status;
  stage.endedAt = now;
  if (error !== undefined) stage.error = error;
  if (detail !== undefined) stage.detail = structuredClone(detail);
}

/** Ends the session: pending stages become skipped, the lock is to be released. */
function finish(
  d: RestoreSession,
  effects: SessionEffect[],
  status: SessionStatus,
  now: string,
  by?: string,
): void {
  d.status = status;
  d.ended = by === undefined ? { at: now } : { at: now, by };
  for (const stage of d.stages) if (stage.status === 'pending') stage.status = 'skipped';
  // A staged session that fails while its confirmation still waits: the wait ends too.
  for (const stage of d.stages) if (stage.status === 'running') endStage(d, stage.name, 'skipped', now);
  delete d.progress;
  effects.push(releaseLockEffect(d));
}

function fail(
  d: RestoreSession,
  effects: SessionEffect[],
  now: string,
  f: {
    stage: StageName;
    reason: string;
    production: Production;
    activity?: string;
    code?: string;
    detail?: JsonObject;
  },
): void {
  const reason = typeof f.reason === 'string' && f.reason !== '' ? f.reason : 'No reason was given.';
  endStage(d, f.stage, 'failed', now, reason, f.detail);
  d.failure = { stage: f.stage, reason, production: f.production };
  if (f.code !== undefined) d.failure.code = f.code;
  if (f.activity !== undefined) d.failure.activity = f.activity;
  if (d.kind === 'drill' && d.status === 'running' && stageState(d, 'teardown')?.status === 'pending') {
    // A drill never leaves anything behind: the stages after the failure are skipped and its
    // teardown runs; the drill ends (failed) when the teardown has.
    for (const stage of d.stages)
      if (stage.status === 'pending' && stage.name !== 'teardown') stage.status = 'skipped';
    delete d.progress;
    effects.push({ type: 'run_stage', stage: 'teardown' });
  } else {
    finish(d, effects, 'failed', now);
  }
  notify(d, effects, now, f.stage, 'failed', {
    reason,
    production: f.production,
    ...(f.code === undefined ? {} : { code: f.code }),
  });
}

/** What a session ending now leaves for cleanup: a staged one's teardown says it instead. */
function staysOnVolume(d: RestoreSession): string | undefined {
  return d.staged?.teardown === undefined ? leftOnVolume(d) : undefined;
}

/** What a session that stops early leaves on the volume for cleanup. */
export function leftOnVolume(d: Pick<RestoreSession, 'aws'>): string | undefined {
  return d.aws.flatDir ?? (d.aws.restoreDir === undefined ? undefined : `/${d.aws.restoreDir}`);
}

/** Adds a notice with a deterministic id and asks for its delivery. */
function notify(
  d: RestoreSession,
  effects: SessionEffect[],
  now: string,
  stage: StageName | undefined,
  kind: NoticeKind,
  data: JsonObject,
): void {
  const base = `${stage ?? 'session'}:${kind}`;
  let id = base;
  for (let n = 2; d.notices.some((notice) => notice.id === id); n++) id = `${base}#${n}`;
  const notice: Notice = { id, at: now, kind, data };
  if (stage !== undefined) notice.stage = stage;
  d.notices.push(notice);
  effects.push({ type: 'notify', noticeId: id });
}

function stageStartData(d: RestoreSession, stage: StageName): JsonObject {
  return stageDefinition(stage)?.startData?.(d) ?? {};
}

function logRecord(e: SessionEvent, at: string) {
  const record: RestoreSession['events'][number] = { at, type: e.type };
  if ('user' in e) record.by = e.user;
  if (e.type === 'take_over') record.by = e.by;
  const detail: JsonObject = {};
  if ('stage' in e && e.stage !== undefined) detail.stage = e.stage;
  if (e.type === 'stage_failed') {
    detail.reason = e.reason;
    detail.production = e.production;
  }
  if (e.type === 'resolve_failed') detail.reason = e.reason;
  if (e.type === 'confirm') detail.planHash = e.planHash;
  if (e.type === 'cleanup_choose') detail.paths = [...e.paths];
  if (e.type === 'pick') detail.path = e.path;
  if (e.type === 'confirm_pick') detail.pickHash = e.pickHash;
  if (e.type === 'pick_needed') detail.unproven = e.code;
  if (e.type === 'plan_changed') detail.changes = [...(e.changes ?? [])];
  if ((e.type === 'stage_checkpoint' || e.type === 'stage_done') && e.aws !== undefined) {
    detail.aws = Object.keys(e.aws);
  }
  if (Object.keys(detail).length > 0) record.detail = detail;
  return record;
}
