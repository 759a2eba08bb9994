// What each kind of session resolves to: the `resolved` event with its plan (preflight-checked),
// or `resolve_failed` saying why there is nothing to do. The opener runs one of these once the
// session is persisted and holds the lock.

import {
  type RestoreTarget,
  retiredByRevisions,
  UPDATE_ACTIONS_WITHOUT_SERVICE_ROLE,
} from '../activities/index.js';
import { drillPlanEvent } from '../drill-plan.js';
import { estimateRestore, lastDrill, restoreSamples } from '../estimate.js';
import {
  buildCleanupPlan,
  buildRestorePlan,
  buildRollbackPlan,
  type RestorePlan,
  type RollbackPlan,
} from '../plan.js';
import { outlinePoint } from '../point-outline.js';
import type { Actor, PointSpec } from '../service.js';
import {
  type CleanupCandidate,
  cutoverHistory,
  livePoint,
  type RestoreSession,
  rollbackTarget,
} from '../session.js';
import type { SessionEvent } from '../transitions.js';
import type { Runner } from './context.js';
import { allSessions } from './session-loop.js';

/** A cut-over alone: the change set, the deployment and the verify. */
const CUTOVER_ESTIMATE_MINUTES = 10;

/**
 * The plan, once what would make its cutover fail has been checked (preflight): refused here,
 * before any restore job, or carried as a warning for the confirming engineer.
 */
async function checkedPlan<P extends RestorePlan | RollbackPlan>(
  rt: Runner,
  target: RestoreTarget,
  plan: P,
): Promise<P> {
  const checked = await rt.deps.activities.preflight(target, plan.targetRoot);
  if (checked.serviceRoleArn !== undefined) return plan;
  return {
    ...plan,
    warnings: [{ code: 'no_service_role', actions: [...UPDATE_ACTIONS_WITHOUT_SERVICE_ROLE] }],
  };
}

/** Resolves the point and builds a restore plan for it (start, and Retry after a failed job). */
export async function restorePlanEvent(
  rt: Runner,
  session: RestoreSession,
  target: RestoreTarget,
  actor: Actor,
  spec: PointSpec,
): Promise<SessionEvent> {
  const sessionsSoFar = await allSessions(rt);
  const { point, outline, basis } = await outlinePoint(rt.deps.activities, target, spec, sessionsSoFar);
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
  return { type: 'resolved', plan: await checkedPlan(rt, target, plan) };
}

/** Back to the root the last cutover of this bot replaced; `of`: the cutover the button offered to undo. */
export async function rollbackPlanEvent(
  rt: Runner,
  target: RestoreTarget,
  actor: Actor,
  of: string | undefined,
): Promise<SessionEvent> {
  const back = rollbackTarget(await allSessions(rt), target.fileSystemId);
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
  return { type: 'resolved', plan: await checkedPlan(rt, target, plan) };
}

/** The directories a cleanup may offer, each with its size, kind and whether it may go now. */
export async function cleanupPlanEvent(
  rt: Runner,
  target: RestoreTarget,
  actor: Actor,
): Promise<SessionEvent> {
  const { activities } = rt.deps;
  // Roots the bot's own cutovers replaced, and those the task definition revisions show
  // replaced (by hand or by other tools), including the volume root itself.
  const at = rt.now();
  const sessions = cutoverHistory(await allSessions(rt), target.fileSystemId).map((c) => ({
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
}

/** A drill of the point: its plan, with what earlier drills left for its teardown to sweep. */
export async function drillPlanEventOf(
  rt: Runner,
  session: RestoreSession,
  target: RestoreTarget,
  actor: Actor,
  spec: PointSpec,
): Promise<SessionEvent> {
  return drillPlanEvent(rt.deps.activities, session, target, actor, spec, await allSessions(rt));
}

/** Restores again the point of `failed`, a session whose restore job failed. */
export async function retryRestorePlanEvent(
  rt: Runner,
  session: RestoreSession,
  target: RestoreTarget,
  actor: Actor,
  failed: RestoreSession | undefined,
  of: string,
): Promise<SessionEvent> {
  const point = failed?.plan?.kind === 'restore' ? failed.plan.recoveryPoint : undefined;
  if (failed?.status !== 'failed' || failed.failure?.stage !== 'restore' || point === undefined) {
    return retryRefused(of, 'it did not fail at its restore job');
  }
  return restorePlanEvent(rt, session, target, actor, { kind: 'arn', arn: point.arn });
}

/** Cuts over to the directory `failed` already restored and flattened (its cutover or verify failed). */
export async function retryCutoverPlanEvent(
  rt: Runner,
  session: RestoreSession,
  target: RestoreTarget,
  actor: Actor,
  failed: RestoreSession | undefined,
  of: string,
): Promise<SessionEvent> {
  const why = await whyNoCutoverRetry(rt, failed, target);
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
  return { type: 'resolved', plan: await checkedPlan(rt, target, plan) };
}

function retryRefused(of: string, why: string): SessionEvent {
  return {
    type: 'resolve_failed',
    code: 'retry_refused',
    reason: `Session ${of} cannot be retried: ${why}. Nothing was started.`,
  };
}

/**
 * Why a failed restore's flattened directory cannot take a new cut-over now (undefined when it
 * can): the session must have failed at the cutover or verify with production back on its old
 * root, and the directory must still be on the volume, not live, and not replaced since.
 */
async function whyNoCutoverRetry(
  rt: Runner,
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
  const later = cutoverHistory(await allSessions(rt), target.fileSystemId).filter(
    (c) => Date.parse(c.cutAt) > Date.parse(failed.ended?.at ?? failed.updatedAt),
  );
  if (later.length > 0) return `session ${later.at(-1)?.sessionId} cut over since`;
  const listing = await rt.deps.activities.cleanupCandidates(target, {
    liveRoot: target.currentRoot,
    retiredRoots: [],
    now: rt.now(),
  });
  if (!listing.candidates.some((c) => `/${c.name}` === flatDir)) {
    return `${flatDir} is no longer on the volume`;
  }
  return undefined;
}
