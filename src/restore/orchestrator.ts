// Runs sessions: every user request and every stage outcome becomes an event for the pure
// transition function; the result is persisted before anything else happens, and only then are its
// effects carried out (run a stage, arm the expiry timer, release the lock). Stages run as
// activities over the AWS ports; their mid-stage checkpoints are persisted through the same path,
// so a process killed anywhere resumes from the last persisted step and never repeats a mutation.

import type { RecoveryPoint } from '../aws/ports.js';
import { isAbort } from './activities/errors.js';
import type { ActivityLog } from './activities/index.js';
import {
  type Activities,
  isTransient,
  PickNeeded,
  PlanChanged,
  type RestoreTarget,
  retiredByRevisions,
  type SsmCommandRef,
  StageFailure,
  UPDATE_ACTIONS_WITHOUT_SERVICE_ROLE,
} from './activities/index.js';
import type { ApproverCheck } from './approval.js';
import { drillPlanEvent } from './drill-plan.js';
import { isRestoreError, RestoreError } from './errors.js';
import { estimateRestore, lastDrill, restoreSamples } from './estimate.js';
import { KeyQueue } from './key-queue.js';
import type { LockHolder, SessionLock } from './lock.js';
import { newSessionId } from './names.js';
import {
  buildCleanupPlan,
  buildRestorePlan,
  buildRollbackPlan,
  type Plan,
  pickTarget,
  type RestorePlan,
  type RollbackPlan,
} from './plan.js';
import { outlinePoint } from './point-outline.js';
import type { Actor, ListResult, Outcome, PointSpec, RestoreService, SessionListener } from './service.js';
import {
  type CleanupCandidate,
  createSession,
  cutoverHistory,
  isOpen,
  type JsonObject,
  type JsonValue,
  livePoint,
  type Production,
  type RestoreSession,
  rollbackTarget,
  type SessionEffect,
  type SessionKind,
  type StageName,
  stageState,
  undeliveredNotices,
} from './session.js';
import { type LeftDir, teardownPending } from './staged.js';
import { stageDefinition } from './stages/index.js';
import type { SessionStore } from './store.js';
import { type AwsPatch, type SessionEvent, transition } from './transitions.js';

export interface OrchestratorLog extends ActivityLog {
  error(obj: object, msg?: string): void;
}

export interface RestoreServiceDeps {
  activities: Activities;
  store: SessionStore;
  lock: SessionLock;
  approvers: ApproverCheck;
  confirmTtlMs: number;
  /** The template's path in the infra repo, for the diff's headers. */
  templateFile?: string;
  log: OrchestratorLog;
  now?: () => Date;
  newId?: (now: Date) => string;
}

/** Where production stands when a stage fails in a way its activity did not classify. */
function productionIfUnclassified(stage: StageName): Production {
  return stageDefinition(stage)?.productionIfUnclassified ?? 'unchanged';
}

interface Running {
  stage: StageName;
  abort: AbortController;
  done: Promise<void>;
}

export function createRestoreService(deps: RestoreServiceDeps): RestoreService & { idle(): Promise<void> } {
  const { activities, store, lock, approvers, log } = deps;
  const now = deps.now ?? (() => new Date());
  const newId = deps.newId ?? ((at: Date) => newSessionId(at));
  const sessions = new Map<string, RestoreSession>();
  const queues = new KeyQueue();
  const running = new Map<string, Running>();
  const wanted = new Map<string, StageName>();
  const listFlights = new Map<number, Promise<ListResult>>();
  const timers = new Map<string, NodeJS.Timeout>();
  const listeners = new Set<SessionListener>();
  const teardowns = new Map<string, Promise<void>>();
  let closed = false;

  /** One event at a time per session: the transition sees the latest persisted state. */
  function serial<T>(id: string, fn: () => Promise<T>): Promise<T> {
    return queues.run(id, fn);
  }

  function emit(session: RestoreSession): void {
    for (const listener of listeners) {
      try {
        listener(session);
      } catch (error) {
        log.error({ err: error, session: session.id }, 'session listener failed');
      }
    }
  }

  async function persistNew(session: RestoreSession, effects: SessionEffect[]): Promise<void> {
    await store.save(session);
    sessions.set(session.id, session);
    emit(session);
    runEffects(session, effects);
  }

  function apply(id: string, event: SessionEvent): Promise<Outcome> {
    return serial(id, async () => {
      const current = sessions.get(id);
      if (current === undefined) {
        return { ok: false, code: 'unexpected_event', reason: `There is no session ${id}.` } as Outcome;
      }
      const result = transition(current, event, { now: now() });
      if (!result.ok) return { ...result, session: current };
      await store.save(result.session);
      sessions.set(id, result.session);
      emit(result.session);
      runEffects(result.session, result.effects);
      return { ok: true, session: result.session };
    });
  }

  /** What `event` would do now, persisting nothing: the session as it is, or the refusal. */
  function dryRun(id: string, event: SessionEvent): Outcome {
    const current = sessions.get(id);
    if (current === undefined) {
      return { ok: false, code: 'unexpected_event', reason: `There is no session ${id}.` };
    }
    const result = transition(current, event, { now: now() });
    return result.ok ? { ok: true, session: current } : { ...result, session: current };
  }

  function runEffects(session: RestoreSession, effects: SessionEffect[]): void {
    for (const effect of effects) {
      switch (effect.type) {
        case 'run_stage':
          if (effect.stage !== 'resolve') startStage(session.id, effect.stage);
          break;
        case 'abort_stage':
          running.get(session.id)?.abort.abort();
          break;
        case 'await_confirmation':
          armExpiry(session.id, effect.expiresAt);
          break;
        case 'release_lock':
          clearExpiry(session.id);
          if (effect.fileSystemId !== undefined) {
            lock.release(effect.fileSystemId, session.id).catch((error: unknown) => {
              log.error({ err: error, session: session.id }, 'could not release the file system lock');
            });
          }
          break;
        case 'notify':
          // Notices are delivered by whoever subscribes (the Slack notifier) from the session itself.
          break;
        case 'teardown_staged':
          runTeardown(session.id);
          break;
      }
    }
  }

  function armExpiry(id: string, expiresAt: string): void {
    clearExpiry(id);
    if (closed) return;
    // setTimeout holds at most ~24.8 days; a confirmation window is minutes.
    const delay = Math.min(Math.max(0, Date.parse(expiresAt) - now().getTime()), 2 ** 31 - 1);
    const timer = setTimeout(() => {
      timers.delete(id);
      apply(id, { type: 'expire' }).then(
        (outcome) => {
          // Confirmed or changed in the meantime: the refusal is the expected answer.
          if (!outcome.ok && outcome.code === 'not_expired' && outcome.session) {
            armExpiry(id, outcome.session.expiresAt);
          }
        },
        (error: unknown) => log.error({ err: error, session: id }, 'could not expire the session'),
      );
    }, delay + 5);
    timer.unref();
    timers.set(id, timer);
  }

  function clearExpiry(id: string): void {
    const timer = timers.get(id);
    if (timer !== undefined) clearTimeout(timer);
    timers.delete(id);
  }

  function startStage(id: string, stage: StageName): void {
    if (closed) return;
    if (running.has(id)) {
      // A stage that just ended asked for the next one from inside its own runner.
      wanted.set(id, stage);
      return;
    }
    const abort = new AbortController();
    const entry: Running = { stage, abort, done: Promise.resolve() };
    running.set(id, entry);
    entry.done = runStage(id, stage, abort.signal)
      .catch((error: unknown) => {
        log.error({ err: error, session: id, stage }, 'stage runner failed');
      })
      .finally(() => {
        if (running.get(id) === entry) running.delete(id);
        const next = wanted.get(id);
        wanted.delete(id);
        if (next !== undefined) startStage(id, next);
      });
  }

  async function runStage(id: string, stage: StageName, signal: AbortSignal): Promise<void> {
    let session = sessions.get(id);
    if (session === undefined) return;
    if (stageState(session, stage)?.status === 'pending') {
      const started = await apply(id, { type: 'stage_started', stage });
      if (!started.ok) {
        log.warn({ session: id, stage, code: started.code }, 'stage did not start');
        return;
      }
      session = started.session;
    }
    if (stageState(session, stage)?.status !== 'running') return;
    const plan = session.plan;
    if (plan === undefined) return;
    const target = targetFromPlan(plan);
    const checkpoint = async (aws: AwsPatch, roots?: { previous?: string; next?: string }) => {
      const outcome = await apply(id, {
        type: 'stage_checkpoint',
        stage,
        aws,
        ...(roots === undefined ? {} : { roots }),
      });
      // A refused checkpoint means the session moved on (cancelled, expired): stop before the
      // activity's next mutation.
      if (!outcome.ok) throw abortError(`checkpoint refused: ${outcome.reason}`);
    };

    const progress = (report: { percentDone?: number; etaMinutes?: number }) => {
      apply(id, { type: 'stage_progress', stage, ...report }).catch((error: unknown) =>
        log.warn({ err: error, session: id }, 'could not record progress'),
      );
    };
    // Each SSM command is recorded before its wait, so even a command that hangs gets its link.
    const commandSent = async (command: SsmCommandRef) => {
      const sent = sessions.get(id)?.aws.ssmCommands ?? [];
      await checkpoint({ ssmCommands: [...sent, { ...command, stage }] });
    };
    const definition = stageDefinition(stage);

    try {
      if (definition === undefined) throw new Error(`stage ${stage} has no activity`);
      const done = await definition.run(activities, session, target, {
        signal,
        checkpoint,
        progress,
        commandSent,
        ...(deps.templateFile === undefined ? {} : { templateFile: deps.templateFile }),
      });
      if (signal.aborted) return;
      const outcome = await apply(id, { type: 'stage_done', stage, ...done });
      if (!outcome.ok && outcome.code !== 'finished') {
        // An outcome the session cannot accept ends it, saying what was seen: never a silent hang.
        log.warn({ session: id, stage, code: outcome.code, reason: outcome.reason }, 'stage_done refused');
        await apply(id, {
          type: 'stage_failed',
          stage,
          code: 'unacceptable_outcome',
          reason: `The stage reported an outcome the session cannot accept: ${outcome.reason} It saw: ${describeOutcome(done)}.`,
          production: productionIfUnclassified(stage),
        });
      }
    } catch (error) {
      if (signal.aborted || isAbort(error)) return;
      if (error instanceof PlanChanged) {
        await replan(id, error);
        return;
      }
      if (error instanceof PickNeeded) {
        await askForPick(id, error);
        return;
      }
      const failure = asFailure(stage, error);
      log.warn({ session: id, stage, code: failure.code, reason: failure.reason }, 'stage failed');
      // What the failure card adds (after a failed cutover: whether chat-db runs and is healthy).
      const service = await definition?.onFailure?.(activities, target);
      await apply(id, {
        type: 'stage_failed',
        stage,
        ...failure,
        ...(service === undefined ? {} : { service }),
      });
    }
  }

  /**
   * A staged session ended before its cutover: once its aborted stage has stopped, delete what it
   * restored (the names its ending persisted) and record what was deleted and left.
   */
  function runTeardown(id: string): void {
    if (closed || teardowns.has(id)) return;
    const work = (async () => {
      await running.get(id)?.done;
      const teardown = sessions.get(id)?.staged?.teardown;
      if (teardown === undefined || teardown.status !== 'pending') return;
      let outcome: Extract<SessionEvent, { type: 'teardown_done' }>;
      try {
        outcome = { type: 'teardown_done', ...(await activities.stagedTeardown(teardown)) };
      } catch (error) {
        // Nothing could be asked or deleted: all of it is left for cleanup, by name where known.
        const left: LeftDir[] = teardown.names.map((name) => ({ name, why: 'delete_failed' }));
        if (teardown.jobUnfinished === true && teardown.restoreJobId !== undefined)
          left.push({ why: 'job_running', restoreJobId: teardown.restoreJobId });
        const reason = error instanceof Error ? error.message : String(error);
        outcome = { type: 'teardown_done', deleted: [], absent: [], left, error: reason };
      }
      if (closed) return;
      const recorded = await apply(id, outcome);
      if (!recorded.ok) log.warn({ session: id, code: recorded.code }, 'teardown not recorded');
    })()
      .catch((error: unknown) => log.error({ err: error, session: id }, 'teardown failed'))
      .finally(() => teardowns.delete(id));
    teardowns.set(id, work);
  }

  /** The stack moved since the confirmation: build the plan afresh and ask again. */
  async function replan(id: string, change: PlanChanged): Promise<void> {
    const session = sessions.get(id);
    if (session?.plan === undefined) return;
    try {
      const fresh = await activities.resolveTarget();
      const target = pickTarget(fresh);
      const plan: Plan = { ...session.plan, ...target };
      const outcome = await apply(id, {
        type: 'plan_changed',
        plan,
        changes: change.changes.map(describeChange),
      });
      if (!outcome.ok) {
        await apply(id, {
          type: 'stage_failed',
          stage: 'cutover',
          reason: `The stack changed since the confirmation (${change.message}) and the plan could not be renewed: ${outcome.reason}`,
          production: 'unchanged',
          code: 'plan_changed',
        });
      }
    } catch (error) {
      const failure = asFailure('cutover', error);
      await apply(id, { type: 'stage_failed', stage: 'cutover', ...failure, production: 'unchanged' });
    }
  }

  /** Locate could not choose: the session waits for the engineers' pick, or fails saying why not. */
  async function askForPick(id: string, ask: PickNeeded): Promise<void> {
    const outcome = await apply(id, {
      type: 'pick_needed',
      stage: 'locate',
      restoreDir: ask.restoreDir,
      code: ask.unproven,
      why: ask.why,
      candidates: [...ask.candidates],
    });
    if (outcome.ok || outcome.code === 'finished') return;
    await apply(id, {
      type: 'stage_failed',
      stage: 'locate',
      code: 'data_dir_unproven',
      reason: `${ask.why} The engineers could not be asked to pick: ${outcome.reason}`,
      production: 'unchanged',
      detail: { candidates: structuredClone(ask.candidates) as unknown as JsonValue },
    });
  }

  // -------------------------------------------------------------------------------------------
  // Opening sessions

  async function open(
    actor: Actor,
    kind: SessionKind,
    pointInput: string | undefined,
    resolve: (session: RestoreSession, target: RestoreTarget) => Promise<SessionEvent>,
  ): Promise<RestoreSession> {
    const at = now();
    const id = newId(at);
    const created = createSession({
      id,
      kind,
      channel: actor.channel,
      requester: actor.user,
      now: at,
      confirmTtlMs: deps.confirmTtlMs,
      ...(pointInput === undefined ? {} : { pointInput }),
      ...(actor.cardTs === undefined ? {} : { cardTs: actor.cardTs }),
    });
    // A refusal is told by the caller that posted the card (see Actor.cardTs).
    const told = actor.cardTs === undefined ? {} : { told: true };

    // The target decides which lock to take, so it is read before anything is stored.
    let target: RestoreTarget | undefined;
    let targetError: unknown;
    try {
      target = await activities.resolveTarget();
    } catch (error) {
      targetError = error;
    }
    await serial(id, () => persistNew(created.session, []));
    const started = await apply(id, { type: 'stage_started', stage: 'resolve' });
    if (!started.ok) throw RestoreError.fromRefusal(started);

    // The lock names a persisted session (a lock naming an unknown one counts as stale).
    if (target !== undefined) {
      const holder = {
        sessionId: id,
        requester: actor.user,
        channel: actor.channel,
        since: at.toISOString(),
      };
      let held = await lock.acquire(target.fileSystemId, holder);
      // A restore never waits for a drill: the drill gives way (persisted as cancelled first), and
      // its lock is then stale and reclaimed under the lock's guard, so both never hold it.
      if (!held.ok && kind !== 'drill' && (await takeOverDrill(held.held, id, actor.user))) {
        held = await lock.acquire(target.fileSystemId, holder);
      }
      if (!held.ok) {
        await apply(id, {
          type: 'resolve_failed',
          code: 'locked',
          reason: `Session ${held.held.sessionId} of <@${held.held.requester}> has held ${target.fileSystemId} since ${held.held.since}.`,
          ...told,
        });
        throw new RestoreError(
          'locked',
          `Another session (${held.held.sessionId}) holds ${target.fileSystemId}.`,
          {
            ...held.held,
            fileSystemId: target.fileSystemId,
          },
        );
      }
    }

    let event: SessionEvent;
    if (target === undefined) {
      const failure = asFailure('resolve', targetError);
      event = {
        type: 'resolve_failed',
        reason: failure.reason,
        ...(failure.code ? { code: failure.code } : {}),
      };
    } else {
      try {
        event = await resolve(started.session, target);
      } catch (error) {
        const failure = asFailure('resolve', error);
        event = {
          type: 'resolve_failed',
          reason: failure.reason,
          ...(failure.code ? { code: failure.code } : {}),
        };
      }
    }
    const resolved = await apply(id, event.type === 'resolve_failed' ? { ...event, ...told } : event);
    if (!resolved.ok) {
      // A plan that fails its own checks must not be confirmable.
      const failed = await apply(id, {
        type: 'resolve_failed',
        reason: resolved.reason,
        code: resolved.code,
        ...told,
      });
      if (target !== undefined) await lock.release(target.fileSystemId, id).catch(() => undefined);
      // Ended while it resolved (cancelled, or a drill taken over by a restore): that is its story.
      if (!failed.ok && failed.code === 'finished' && failed.session !== undefined) return failed.session;
      if (!failed.ok) throw RestoreError.fromRefusal(failed);
      return failed.session;
    }
    if (target !== undefined && !isOpen(resolved.session)) {
      await lock.release(target.fileSystemId, id).catch(() => undefined);
    }
    return resolved.session;
  }

  /** Ends an open drill holding the lock in favour of session `by`; false when the holder is no drill. */
  async function takeOverDrill(held: LockHolder, sessionId: string, user: string): Promise<boolean> {
    const drill = sessions.get(held.sessionId);
    if (drill?.kind !== 'drill' || !isOpen(drill)) return false;
    const outcome = await apply(drill.id, { type: 'take_over', by: user, sessionId });
    if (!outcome.ok) log.warn({ session: drill.id, code: outcome.code }, 'the drill did not give way');
    return outcome.ok;
  }

  /**
   * The plan, once what would make its cutover fail has been checked (preflight): refused here,
   * before any restore job, or carried as a warning for the confirming engineer.
   */
  async function checkedPlan<P extends RestorePlan | RollbackPlan>(
    target: RestoreTarget,
    plan: P,
  ): Promise<P> {
    const checked = await activities.preflight(target, plan.targetRoot);
    if (checked.serviceRoleArn !== undefined) return plan;
    return {
      ...plan,
      warnings: [{ code: 'no_service_role', actions: [...UPDATE_ACTIONS_WITHOUT_SERVICE_ROLE] }],
    };
  }

  /** Resolves the point and builds a restore plan for it (start, and Retry after a failed job). */
  async function restorePlanEvent(
    session: RestoreSession,
    target: RestoreTarget,
    actor: Actor,
    spec: PointSpec,
  ): Promise<SessionEvent> {
    const sessionsSoFar = await allSessions();
    const { point, outline, basis } = await outlinePoint(activities, target, spec, sessionsSoFar);
    const plan = buildRestorePlan({
      ...basis,
      sessionId: session.id,
      requester: actor.user,
      expectedDurationMinutes: outline.expectedDurationMinutes,
    });
    const live = livePoint(sessionsSoFar, target.fileSystemId, target.currentRoot);
    if (live?.arn === point.arn) plan.liveFrom = live.sessionId;
    const estimate = estimateRestore(restoreSamples(sessionsSoFar, target.fileSystemId), point.sizeBytes);
    if (estimate !== undefined) {
      plan.expectedDurationMinutes = estimate.totalMinutes;
      plan.estimate = {
        jobMinutes: estimate.jobMinutes,
        afterJobMinutes: estimate.afterJobMinutes,
        samples: estimate.samples,
      };
    }
    const drilled = lastDrill(sessionsSoFar, target.fileSystemId);
    if (drilled !== undefined) plan.lastDrill = drilled;
    return { type: 'resolved', plan: await checkedPlan(target, plan) };
  }

  /**
   * Why a failed restore's flattened directory cannot take a new cut-over now (undefined when it
   * can): the session must have failed at the cutover or verify with production back on its old
   * root, and the directory must still be on the volume, not live, and not replaced since.
   */
  async function whyNoCutoverRetry(
    failed: RestoreSession | undefined,
    target: RestoreTarget,
  ): Promise<string | undefined> {
    const flatDir = failed?.aws.flatDir;
    if (failed === undefined || failed.plan?.kind !== 'restore' || flatDir === undefined) {
      return 'it has no restored and flattened directory';
    }
    const f = failed.failure;
    if (failed.status !== 'failed' || (f?.stage !== 'cutover' && f?.stage !== 'verify')) {
      return 'it did not fail at its cut-over or verify';
    }
    if (failed.plan.fileSystemId !== target.fileSystemId) return 'it restored another file system';
    if (target.currentRoot === flatDir) return `chat-db already runs on ${flatDir}`;
    const later = cutoverHistory(await allSessions(), target.fileSystemId).filter(
      (c) => Date.parse(c.cutAt) > Date.parse(failed.ended?.at ?? failed.updatedAt),
    );
    if (later.length > 0) return `session ${later.at(-1)?.sessionId} cut over since`;
    const listing = await activities.cleanupCandidates(target, {
      liveRoot: target.currentRoot,
      retiredRoots: [],
      now: now(),
    });
    if (!listing.candidates.some((c) => `/${c.name}` === flatDir)) {
      return `${flatDir} is no longer on the volume`;
    }
    return undefined;
  }

  async function allSessions(): Promise<RestoreSession[]> {
    const listing = await store.list();
    for (const bad of listing.corrupt) log.warn({ file: bad.file, code: bad.code }, bad.message);
    // The in-memory copy is never older than the stored one.
    return listing.sessions.map((s) => sessions.get(s.id) ?? s);
  }

  async function verdict(user: string) {
    return approvers.verdict(user);
  }

  async function readPoints(limit: number): Promise<ListResult> {
    const target = await activities.resolveTarget();
    const points = await activities.listPoints(target, limit);
    const live = livePoint(await allSessions(), target.fileSystemId, target.currentRoot);
    return {
      ...(live === undefined ? {} : { livePoint: live }),
      stackName: target.stackName,
      fileSystemId: target.fileSystemId,
      fileSystemArn: target.fileSystemArn,
      currentRoot: target.currentRoot,
      points: numberPoints(points, activities),
    } satisfies ListResult;
  }

  // -------------------------------------------------------------------------------------------

  return {
    listPoints(limit) {
      // During an outage several engineers run `list` at once; they share one read of the stack
      // and the vault instead of each costing a template parse and a round of AWS calls.
      let flight = listFlights.get(limit);
      if (flight === undefined) {
        flight = readPoints(limit).finally(() => listFlights.delete(limit));
        listFlights.set(limit, flight);
      }
      return flight;
    },

    start(actor, spec: PointSpec, pointInput) {
      return open(actor, 'restore', pointInput, (session, target) =>
        restorePlanEvent(session, target, actor, spec),
      );
    },

    drill(actor, spec: PointSpec, pointInput) {
      return open(actor, 'drill', pointInput, async (session, target) =>
        drillPlanEvent(activities, session, target, actor, spec, await allSessions()),
      );
    },

    rollback(actor, of) {
      return open(actor, 'rollback', undefined, async (_session, target) => {
        const back = rollbackTarget(await allSessions(), target.fileSystemId);
        if (of !== undefined && back !== undefined && back.sessionId !== of) {
          return {
            type: 'resolve_failed',
            code: 'superseded',
            reason: `Session ${of} is no longer the last cutover of ${target.fileSystemId}: session ${back.sessionId} cut over since. Nothing was started.`,
          };
        }
        if (back === undefined) {
          return {
            type: 'resolve_failed',
            code: 'nothing_to_roll_back',
            reason: `No session of this bot has cut ${target.fileSystemId} over, so there is no previous root to go back to. The live root is ${target.currentRoot}.`,
          };
        }
        if (back.expectedCurrentRoot !== target.currentRoot) {
          return {
            type: 'resolve_failed',
            code: 'drift',
            reason: `The live root is ${target.currentRoot}, but the last cutover (session ${back.sessionId}) set ${back.expectedCurrentRoot}. Someone changed the stack since; roll back by hand.`,
          };
        }
        const plan = buildRollbackPlan({
          target,
          requester: actor.user,
          targetRoot: back.root,
          rollbackOf: back.sessionId,
          expectedDurationMinutes: 10,
        });
        return { type: 'resolved', plan: await checkedPlan(target, plan) };
      });
    },

    cleanup(actor) {
      return open(actor, 'cleanup', undefined, async (_session, target) => {
        // Roots the bot's own cutovers replaced, and those the task definition revisions show
        // replaced (by hand or by other tools), including the volume root itself.
        const at = now();
        const sessions = cutoverHistory(await allSessions(), target.fileSystemId).map((c) => ({
          root: c.from,
          retiredAt: new Date(c.cutAt),
        }));
        const revisions = await activities.readRootHistory(target);
        const retired = [...sessions, ...retiredByRevisions(revisions, target.currentRoot, at)];
        const listing = await activities.cleanupCandidates(target, {
          liveRoot: target.currentRoot,
          retiredRoots: retired,
          now: at,
        });
        const candidates: CleanupCandidate[] = listing.candidates.map((c) => ({
          path: `/${c.name}`,
          sizeBytes: c.sizeBytes,
          kind: c.kind,
          ...(c.files === undefined ? {} : { files: [...c.files] }),
          deletable: c.deletable,
          ...(c.whyNot === undefined ? {} : { whyNot: c.whyNot }),
          ...(c.retiredAt === undefined ? {} : { retiredAt: c.retiredAt.toISOString() }),
        }));
        const plan = buildCleanupPlan({
          target,
          requester: actor.user,
          expectedDurationMinutes: 1,
        });
        return { type: 'resolved', plan, cleanupCandidates: candidates };
      });
    },

    retryRestore(actor, of) {
      const failed = sessions.get(of);
      const point = failed?.plan?.kind === 'restore' ? failed.plan.recoveryPoint : undefined;
      return open(actor, 'restore', failed?.pointInput, async (session, target) => {
        if (failed?.status !== 'failed' || failed.failure?.stage !== 'restore' || point === undefined) {
          return retryRefused(of, 'it did not fail at its restore job');
        }
        return restorePlanEvent(session, target, actor, { kind: 'arn', arn: point.arn });
      });
    },

    retryCutover(actor, of) {
      const failed = sessions.get(of);
      return open(actor, 'restore', failed?.pointInput, async (session, target) => {
        const why = await whyNoCutoverRetry(failed, target);
        if (why !== undefined || failed?.plan?.kind !== 'restore')
          return retryRefused(of, why ?? 'it is not a restore');
        const plan = buildRestorePlan({
          sessionId: session.id,
          target,
          requester: actor.user,
          point: failed.plan.recoveryPoint,
          restoreMode: failed.plan.restoreMode,
          expectedDurationMinutes: CUTOVER_ESTIMATE_MINUTES,
          reuses: failed.id,
        });
        return { type: 'resolved', plan: await checkedPlan(target, plan) };
      });
    },

    startStaged(sessionId, user, planHash) {
      return apply(sessionId, { type: 'start_staged', user, planHash });
    },

    async confirm(sessionId, user, planHash) {
      return apply(sessionId, { type: 'confirm', user, planHash, isApprover: await verdict(user) });
    },

    async reject(sessionId, user, opts = {}) {
      return apply(sessionId, {
        type: 'reject',
        user,
        isApprover: await verdict(user),
        ...(opts.reason === undefined ? {} : { reason: opts.reason }),
        ...(opts.planHash === undefined ? {} : { planHash: opts.planHash }),
      });
    },

    async mayReject(sessionId, user, planHash) {
      return dryRun(sessionId, { type: 'reject', user, isApprover: await verdict(user), planHash });
    },

    async cancel(sessionId, user) {
      return apply(sessionId, {
        type: 'cancel',
        user,
        isApprover: await verdict(user),
        approversNamed: approvers.policy.kind !== 'anyone',
      });
    },

    chooseCleanup(sessionId, user, paths) {
      return apply(sessionId, { type: 'cleanup_choose', user, paths });
    },

    pickDataDir(sessionId, user, path) {
      return apply(sessionId, { type: 'pick', user, path });
    },

    async confirmPick(sessionId, user, pickHash) {
      return apply(sessionId, { type: 'confirm_pick', user, pickHash, isApprover: await verdict(user) });
    },

    get(sessionId) {
      return sessions.get(sessionId);
    },

    open(channel) {
      return [...sessions.values()]
        .filter((s) => isOpen(s) && (channel === undefined || s.channel === channel))
        .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
    },

    recent(channel, limit) {
      return [...sessions.values()]
        .filter((s) => s.channel === channel)
        .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
        .slice(0, limit);
    },

    since(at) {
      return [...sessions.values()]
        .filter((s) => Date.parse(s.createdAt) > at.getTime())
        .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
    },

    async setCard(sessionId, ts) {
      const outcome = await apply(sessionId, { type: 'card_posted', ts });
      if (!outcome.ok && outcome.code !== 'already_posted') throw RestoreError.fromRefusal(outcome);
    },

    async markNoticePosted(sessionId, noticeId, ts) {
      const outcome = await apply(sessionId, { type: 'notice_posted', id: noticeId, ts });
      if (!outcome.ok && outcome.code !== 'already_posted') throw RestoreError.fromRefusal(outcome);
    },

    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    async resumeAll() {
      const all = await allSessions();
      const resumed: RestoreSession[] = [];
      for (const stored of all) {
        if (!sessions.has(stored.id)) sessions.set(stored.id, stored);
      }
      for (const stored of all) {
        const session = sessions.get(stored.id) as RestoreSession;
        if (!isOpen(session)) {
          // Finished, but the thread may still miss its last notices, or a staged one its teardown.
          if (undeliveredNotices(session).length > 0) emit(session);
          if (teardownPending(session)) runTeardown(session.id);
          continue;
        }
        if (session.plan !== undefined) {
          await lock.acquire(session.plan.fileSystemId, {
            sessionId: session.id,
            requester: session.requester,
            channel: session.channel,
            since: session.createdAt,
          });
        }
        if (session.status === 'resolving') {
          // Resolving reads AWS only; nothing to undo. The user starts again with fresh data.
          const outcome = await apply(session.id, {
            type: 'resolve_failed',
            code: 'interrupted',
            reason:
              'The bot restarted while it was resolving this request; nothing was changed. Start it again.',
          });
          if (outcome.ok) resumed.push(outcome.session);
          continue;
        }
        const outcome = await apply(session.id, { type: 'resumed' });
        if (outcome.ok) resumed.push(outcome.session);
        else
          log.warn({ session: session.id, code: outcome.code, reason: outcome.reason }, 'could not resume');
      }
      return resumed;
    },

    async idle() {
      // Stages hand over to the next one as they finish, so wait until nothing runs any more.
      for (;;) {
        const pending = [...running.values()].map((r) => r.done).concat([...teardowns.values()]);
        const queued = queues.pending();
        if (pending.length === 0 && queued.length === 0) return;
        await Promise.allSettled([...pending, ...queued]);
      }
    },

    async close() {
      closed = true;
      for (const id of [...timers.keys()]) clearExpiry(id);
      for (const r of running.values()) r.abort.abort();
      await Promise.allSettled([...running.values()].map((r) => r.done));
      await Promise.allSettled([...teardowns.values()]);
      await Promise.allSettled(queues.pending());
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Helpers

/** A cut-over alone: the change set, the deployment and the verify. */
const CUTOVER_ESTIMATE_MINUTES = 10;

function retryRefused(of: string, why: string): SessionEvent {
  return {
    type: 'resolve_failed',
    code: 'retry_refused',
    reason: `Session ${of} cannot be retried: ${why}. Nothing was started.`,
  };
}

function abortError(message: string): Error {
  const error = new Error(message);
  error.name = 'AbortError';
  return error;
}

/** What the activities need of the target, rebuilt from the persisted plan (no AWS reads). */
function targetFromPlan(plan: Plan): RestoreTarget {
  const [, , , region = '', accountId = ''] = plan.fileSystemArn.split(':');
  return {
    stackName: plan.stackName,
    stackStatus: 'UNKNOWN',
    templateSha256: plan.templateSha256,
    fileSystemId: plan.fileSystemId,
    fileSystemArn: plan.fileSystemArn,
    fileSystemLogicalId: 'DbStorage',
    cluster: plan.cluster,
    service: plan.service,
    serviceArn: plan.service,
    taskDefinitionArn: plan.taskDefinitionArn,
    volumeName: plan.volumeName,
    currentRoot: plan.currentRoot,
    region,
    accountId,
  };
}

function describeOutcome(done: { aws?: AwsPatch; detail?: JsonObject }): string {
  const shown = JSON.stringify(done.aws ?? done.detail ?? {});
  return shown.length > 600 ? `${shown.slice(0, 600)}…` : shown;
}

/**
 * The list as `start <n>` counts it: only points of the configured vault get a number; another
 * vault's point is shown, unnumbered, with the reason it cannot be restored.
 */
function numberPoints(
  points: readonly RecoveryPoint[],
  rules: Pick<Activities, 'whyNotRestorable' | 'inConfiguredVault'>,
): ListResult['points'] {
  let n = 0;
  return points.map((point) => {
    const whyNot = rules.whyNotRestorable(point);
    const index = rules.inConfiguredVault(point) ? ++n : undefined;
    return {
      ...(index === undefined ? {} : { index }),
      point,
      restorable: whyNot === undefined,
      ...(whyNot ? { whyNot } : {}),
    };
  });
}

function describeChange(change: unknown): string {
  if (typeof change === 'string') return change;
  const c = change as { what?: string; field?: string; expected?: string; actual?: string };
  const what = c.what ?? c.field ?? 'stack';
  return c.expected !== undefined
    ? `${what}: was ${c.expected}, now ${c.actual ?? '?'}`
    : JSON.stringify(change);
}

interface FailureFields {
  reason: string;
  production: Production;
  activity?: string;
  code?: string;
  detail?: JsonObject;
}

function asFailure(stage: StageName, error: unknown): FailureFields {
  if (error instanceof StageFailure) {
    return {
      reason: error.reason,
      production: error.production,
      activity: error.activity,
      code: error.code,
      ...(error.candidates === undefined && error.detail === undefined
        ? {}
        : {
            detail: {
              ...(error.candidates === undefined
                ? {}
                : { candidates: structuredClone(error.candidates) as unknown as JsonValue }),
              ...structuredClone(error.detail),
            },
          }),
    };
  }
  if (isRestoreError(error)) {
    return { reason: error.message, production: productionIfUnclassified(stage), code: error.code };
  }
  const message = error instanceof Error ? error.message : String(error);
  return {
    reason: message,
    production: productionIfUnclassified(stage),
    code: isTransient(error) ? 'aws_unavailable' : 'internal',
  };
}
