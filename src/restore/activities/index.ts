// The restore's I/O, as Temporal-style activities: plain async functions over the AWS ports, each
// with typed inputs and outputs, never reading env or the session store. Checkpoints and progress
// go out through callbacks so the orchestrator persists them; every activity can be re-run after
// a crash at any point and re-reads AWS instead of repeating a mutation.

import type { RecoveryPoint } from '../../aws/ports.js';
import type { StagedTeardown } from '../staged.js';
import { type CheckCheckpoint, type CheckInput, checkRestoredData } from './check.js';
import { cleanupCandidates, deleteDirs } from './cleanup.js';
import { type CutoverHooks, type CutoverInput, cutover } from './cutover.js';
import { findUnlocatedDirs, type UnlocatedJob } from './drill-sweep.js';
import { type FlattenInput, flattenData } from './flatten-data.js';
import { type LocateInput, locate } from './locate.js';
import { planRestore } from './plan-restore.js';
import { preflight } from './preflight.js';
import {
  deleteChangeSets,
  type RehearseCheckpoint,
  type RehearseInput,
  rehearseCutover,
} from './rehearse.js';
import { inConfiguredVault, listPoints, resolvePoint, whyNotRestorable } from './resolve-point.js';
import { resolveTarget } from './resolve-target.js';
import { readRootHistory } from './root-history.js';
import { type RestoreJobHooks, type RestoreJobInput, runRestoreJob } from './run-restore-job.js';
import type { ScriptHooks } from './run-script.js';
import { serviceHealth } from './service-health.js';
import { stagedTeardown } from './staged-teardown.js';
import type {
  ActivityDeps,
  ActivityHooks,
  CutoverRecord,
  PointSpec,
  RestoreTarget,
  RootRevision,
} from './types.js';
import { type VerifyInput, verify } from './verify.js';

export function createActivities(deps: ActivityDeps) {
  return {
    resolveTarget: () => resolveTarget(deps),
    listPoints: (target: RestoreTarget, limit?: number) => listPoints(deps, target, limit),
    resolvePoint: (target: RestoreTarget, spec: PointSpec) => resolvePoint(deps, target, spec),
    readRootHistory: (target: RestoreTarget) => readRootHistory(deps, target),
    whyNotRestorable: (point: RecoveryPoint) => whyNotRestorable(deps, point),
    inConfiguredVault: (point: RecoveryPoint) => inConfiguredVault(deps, point),
    planRestore: (
      target: RestoreTarget,
      point: RecoveryPoint,
      revisions: readonly RootRevision[],
      history: readonly CutoverRecord[],
    ) => planRestore(target, point, revisions, history),
    preflight: (target: RestoreTarget, newRoot: string) => preflight(deps, target, newRoot),
    runRestoreJob: (input: RestoreJobInput, hooks: RestoreJobHooks) => runRestoreJob(deps, input, hooks),
    locate: (input: LocateInput, hooks?: ScriptHooks) => locate(deps, input, hooks),
    flattenData: (input: FlattenInput, hooks?: ScriptHooks) => flattenData(deps, input, hooks),
    checkRestoredData: (input: CheckInput, hooks: ActivityHooks<CheckCheckpoint>) =>
      checkRestoredData(deps, input, hooks),
    cutover: (input: CutoverInput, hooks: CutoverHooks) => cutover(deps, input, hooks),
    verify: (input: VerifyInput, hooks?: { signal?: AbortSignal }) => verify(deps, input, hooks),
    serviceHealth: (target: RestoreTarget) => serviceHealth(deps, target),
    rehearseCutover: (input: RehearseInput, hooks: ActivityHooks<RehearseCheckpoint>) =>
      rehearseCutover(deps, input, hooks),
    deleteChangeSets: (target: RestoreTarget, names: readonly string[]) =>
      deleteChangeSets(deps, target, names),
    findUnlocatedDirs: (jobs: readonly UnlocatedJob[], exclude: readonly string[], hooks?: ScriptHooks) =>
      findUnlocatedDirs(deps, jobs, exclude, hooks),
    cleanupCandidates: (
      target: RestoreTarget,
      opts: { liveRoot: string; retiredRoots: readonly { root: string; retiredAt: Date }[]; now: Date },
    ) => cleanupCandidates(deps, target, opts),
    deleteDirs: (
      target: RestoreTarget,
      names: readonly string[],
      opts: { liveRoot: string; protect?: readonly string[] },
      hooks?: ScriptHooks,
    ) => deleteDirs(deps, target, names, opts, hooks),
    stagedTeardown: (teardown: StagedTeardown, hooks?: ScriptHooks) => stagedTeardown(deps, teardown, hooks),
  };
}

export type Activities = ReturnType<typeof createActivities>;

export type { CheckCheckpoint, CheckInput, CheckResult } from './check.js';
export { checkClientToken, checkFamily } from './check.js';
export type { CleanupCandidateView, CleanupListingResult } from './cleanup.js';
export { RETIRED_GRACE_MS } from './cleanup.js';
export type {
  CutoverCheckpoint,
  CutoverHooks,
  CutoverInput,
  CutoverResult,
  CutoverState,
} from './cutover.js';
export { firstFailureReason } from './cutover.js';
export type { FoundLeftover, UnlocatedJob } from './drill-sweep.js';
export type { ActivityName, PlanChange, StageFailureCode } from './errors.js';
export { PickNeeded, PlanChanged, StageFailure } from './errors.js';
export type { FlattenDataResult, FlattenInput } from './flatten-data.js';
export type { LocateInput, LocateResult } from './locate.js';
export { DEPLOYMENT_MARGIN_MS, ESTIMATE, expectedDurationMinutes, rootAt } from './plan-restore.js';
export { isTransient } from './poll.js';
export type { PreflightResult } from './preflight.js';
export { UPDATE_ACTIONS_WITHOUT_SERVICE_ROLE } from './preflight.js';
export type { RehearseCheckpoint, RehearseInput, RehearseResult } from './rehearse.js';
export { retiredByRevisions } from './root-history.js';
export type {
  RestoreJobCheckpoint,
  RestoreJobHooks,
  RestoreJobInput,
  RestoreJobResult,
} from './run-restore-job.js';
export { remainingTimeMs } from './run-restore-job.js';
export type { ScriptHooks, SsmCommandRef } from './run-script.js';
export type * from './types.js';
export type { VerifyInput, VerifyResult } from './verify.js';
