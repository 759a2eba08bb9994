// Restoring while the confirmation is pending ("Start restoring now"), as pure edits of a session
// draft that transitions.ts calls. The requester of a restore may start the stages before the
// cutover (restore, locate, flatten, check) while a second engineer has not yet confirmed; the
// confirmation then gates only the cutover:
//
//   awaiting_confirmation ─start_staged→ staging ─confirm→ running (the work goes on, then the cutover)
//   staging ─the stage before the cutover done→ awaiting_confirmation (all staged) ─confirm→ running: cutover
//   staging ─pick_needed→ awaiting_pick ─confirm_pick→ staging, or running once confirmed meanwhile
//   staging, awaiting_confirmation, awaiting_pick ─reject, expire, cancel→ ended, with a teardown
//
// While staging, the confirm stage waits (running) and the work stage runs after it: runningStage()
// names the work, and the confirm stage ends when the confirmation arrives. Production is never
// touched before the confirmation: the cutover is the point of no return and only `confirm` (or a
// confirmed pick) starts it.
//
// A staged session that ends before its cutover deletes what it restored: its flat directory (a
// name derived from the session, so certainly its own) and the restore directory locate recorded.
// The names are fixed in the ending event (persisted before the teardown runs); the orchestrator
// runs the teardown and records its outcome with `teardown_done`, so a restart runs it again and the
// delete script answers `absent` for what is already gone. AWS Backup cannot stop a restore job
// (StopBackupJob stops backup jobs only), so a job still running leaves its directory for cleanup.

import type { Refusal } from './errors.js';
import { isFlatDirName, isRestoreDirName, LOOSE_RESTORE_DIR_NAME } from './names.js';
import {
  type JsonObject,
  POINT_OF_NO_RETURN,
  type RestoreSession,
  runningStage,
  type SessionEffect,
  type StageName,
  stageState,
} from './session.js';

export interface StagedRecord {
  /** The requester, who pressed Start restoring now. */
  by: string;
  at: string;
  /** Set when the session ended before its cutover: what its teardown deletes, and what it did. */
  teardown?: StagedTeardown;
}

/** Why a directory is left on the volume for `/chatdb-restore cleanup` instead of deleted now. */
export type LeftReason =
  /** AWS is still writing it: a restore job cannot be stopped. */
  | 'job_running'
  /** The job finished, but locate never said which new directory is this session's. */
  | 'not_located'
  /** The deletion failed; its error is recorded. */
  | 'delete_failed';

export interface LeftDir {
  /** A name at the volume root; absent while the running job has not yet created it. */
  name?: string;
  why: LeftReason;
  restoreJobId?: string;
}

export interface StagedTeardown {
  status: 'pending' | 'done';
  /** Top-level names this session created, to be deleted (its flat dir, its restore dir). */
  names: string[];
  /** The restore job, when the session ended before it was recorded complete. */
  restoreJobId?: string;
  /** The job may still be running: the teardown asks AWS before deleting its directory. */
  jobUnfinished?: boolean;
  /** The listing taken before the restore job: tells a new directory from an old one. */
  restoreDirsBefore?: string[];
  /** The live root at the plan: never deleted (the teardown reads it again too). */
  liveRoot: string;
  deleted?: string[];
  absent?: string[];
  left?: LeftDir[];
  error?: string;
  endedAt?: string;
}

/** What the teardown reports (`teardown_done`). */
export interface TeardownOutcome {
  deleted: string[];
  absent: string[];
  left: LeftDir[];
  error?: string;
}

type Notify = (stage: StageName | undefined, kind: 'staged' | 'staged_ready', data: JsonObject) => void;

const refuse = (code: Refusal['code'], reason: string, details?: Refusal['details']): Refusal =>
  details === undefined ? { ok: false, code, reason } : { ok: false, code, reason, details };

/**
 * `start_staged`: the requester starts the stages before the cutover (lifecycle.ts lets it through
 * only while awaiting confirmation; the caller checked the deadline). Bound to the plan shown.
 */
export function startStaged(
  d: RestoreSession,
  e: { user: string; planHash: string },
  now: string,
  effects: SessionEffect[],
  notify: Notify,
): Refusal | undefined {
  if (e.user !== d.requester) {
    return refuse(
      'not_requester',
      'Only the engineer who asked for this restore can start it before the confirmation.',
      {
        what: 'staged',
      },
    );
  }
  if (e.planHash !== d.planHash) {
    return refuse('plan_changed', 'The plan changed since this card was shown; look at the current plan.', {
      current: d.planHash,
    });
  }
  if (d.staged !== undefined) {
    return refuse('already_staged', `${d.staged.by} already started restoring at ${d.staged.at}.`, {
      by: d.staged.by,
      at: d.staged.at,
    });
  }
  const next = d.stages.find((stage) => stage.status === 'pending')?.name;
  if (next === undefined || next === POINT_OF_NO_RETURN[d.kind]) {
    return refuse(
      'already_staged',
      'Nothing is left to do before the cutover: the data is already restored.',
    );
  }
  d.staged = { by: e.user, at: now };
  d.status = 'staging';
  effects.push({ type: 'run_stage', stage: next });
  notify('confirm', 'staged', { by: e.user, expiresAt: d.expiresAt });
  return undefined;
}

/** The stage that does work while staging (the confirm stage waits beside it), if one runs. */
export function workingStage(d: RestoreSession): StageName | undefined {
  const running = runningStage(d);
  return running === 'confirm' ? undefined : running;
}

/**
 * A stage ended while staging and `next` is the cutover: everything before it is done, and the
 * session waits for the confirmation again (its deadline unchanged).
 */
export function stagedReady(d: RestoreSession, effects: SessionEffect[], notify: Notify): void {
  d.status = 'awaiting_confirmation';
  effects.push({ type: 'await_confirmation', expiresAt: d.expiresAt });
  notify('confirm', 'staged_ready', { expiresAt: d.expiresAt });
}

/** A staged session ends unconfirmed: the work stage under way is aborted and skipped. */
export function stopStaging(d: RestoreSession, effects: SessionEffect[], now: string, why: string): void {
  const work = d.status === 'staging' ? workingStage(d) : undefined;
  if (work === undefined) return;
  effects.push({ type: 'abort_stage', stage: work });
  const stage = stageState(d, work);
  if (stage === undefined) return;
  stage.status = 'skipped';
  stage.endedAt = now;
  stage.error = why;
}

/**
 * After a staged session ended before its cutover (rejected, expired, cancelled): fixes what its
 * teardown deletes and asks for it. Nothing is asked when nothing was started.
 */
export function planTeardown(d: RestoreSession, effects: SessionEffect[]): void {
  if (d.staged === undefined || d.plan?.kind !== 'restore' || d.staged.teardown !== undefined) return;
  // Run after finish(), which marks the stages never started as skipped: a start time tells.
  const started = (name: StageName) => stageState(d, name)?.startedAt !== undefined;
  if (!started('restore') && d.aws.restoreJobId === undefined) return;
  const names: string[] = [];
  // The flat name is derived from the session: once flatten began, whatever holds it is ours.
  const flat = d.plan.targetRoot.replace(/^\//, '');
  if ((started('flatten') || d.aws.flatDir !== undefined) && isFlatDirName(flat)) names.push(flat);
  if (d.aws.restoreDir !== undefined && isRestoreDirName(d.aws.restoreDir)) names.push(d.aws.restoreDir);
  const jobDone = stageState(d, 'restore')?.status === 'done';
  const teardown: StagedTeardown = { status: 'pending', names, liveRoot: d.plan.currentRoot };
  if (d.aws.restoreJobId !== undefined) teardown.restoreJobId = d.aws.restoreJobId;
  if (!jobDone) teardown.jobUnfinished = true;
  if (d.aws.restoreDirsBefore !== undefined) teardown.restoreDirsBefore = [...d.aws.restoreDirsBefore];
  d.staged.teardown = teardown;
  effects.push({ type: 'teardown_staged' });
}

/** Whether a session still owes its teardown (the orchestrator runs it, after a restart too). */
export function teardownPending(s: Pick<RestoreSession, 'staged'>): boolean {
  return s.staged?.teardown?.status === 'pending';
}

/** `teardown_done`: records what the teardown deleted and left, once. */
export function teardownDone(d: RestoreSession, e: TeardownOutcome, now: string): Refusal | undefined {
  const teardown = d.staged?.teardown;
  if (teardown === undefined) return refuse('unexpected_event', 'This session has no teardown.');
  if (teardown.status === 'done') return refuse('already_posted', 'The teardown was already recorded.');
  const ours = new Set(teardown.names);
  const named = (list: unknown) =>
    Array.isArray(list) && list.every((n) => typeof n === 'string' && ours.has(n));
  const leftOk =
    Array.isArray(e.left) &&
    e.left.every(
      (l) =>
        typeof l === 'object' &&
        l !== null &&
        ['job_running', 'not_located', 'delete_failed'].includes(l.why) &&
        (l.name === undefined || LOOSE_RESTORE_DIR_NAME.test(l.name) || ours.has(l.name)),
    );
  if (!named(e.deleted) || !named(e.absent) || !leftOk) {
    return refuse('invalid_checkpoint', 'The teardown reported names that are not this session’s.');
  }
  teardown.status = 'done';
  teardown.deleted = [...e.deleted];
  teardown.absent = [...e.absent];
  teardown.left = structuredClone(e.left);
  if (typeof e.error === 'string' && e.error !== '') teardown.error = e.error.slice(0, 1000);
  teardown.endedAt = now;
  return undefined;
}
