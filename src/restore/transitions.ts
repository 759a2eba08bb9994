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

import type { CandidateEvidence, UnprovenCode } from './data-evidence.js';
import type { Refusal } from './errors.js';
import { statusRefusal } from './lifecycle.js';
import type { Plan } from './plan.js';
import {
  type CleanupCandidate,
  isOpen,
  type JsonObject,
  type Production,
  type RestoreSession,
  type SessionAws,
  type SessionEffect,
  type SessionFailure,
  type StageName,
} from './session.js';
import type { TeardownOutcome } from './staged.js';
import { refuse, unexpected, whoConfirmed } from './transitions/gates.js';
import { HANDLERS } from './transitions/handlers.js';
import type { EventOf, Step } from './transitions/step.js';

// The handlers' table and their shared edits and checks live in transitions/; these are part of
// what this module offers.
export { leftOnVolume } from './transitions/draft.js';
export { MAX_REJECT_REASON } from './transitions/gates.js';

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
  const outcome = dispatch(d, event, { nowDate: ctx.now, now, effects });
  if (outcome !== undefined) return outcome;
  d.revision = session.revision + 1;
  d.updatedAt = now;
  if (!UNLOGGED.has(event.type)) d.events.push(logRecord(event, now));
  return { ok: true, session: d, effects };
}

/** The event's own handler (transitions/handlers.ts) applied to the draft. */
function dispatch<T extends SessionEventType>(
  d: RestoreSession,
  e: EventOf<T>,
  step: Step,
): Refusal | undefined {
  return HANDLERS[e.type](d, e, step);
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
