import type { RecoveryPoint, RestoreJob } from '../../aws/ports.js';
import { listRestoreDirs, parseListRestoreDirs } from '../scripts.js';
import { asStage, StageFailure } from './errors.js';
import { clamp, isTransient, sleep, throwIfAborted } from './poll.js';
import { runScript, type ScriptHooks } from './run-script.js';
import type { ActivityDeps, ActivityHooks, RestoreMode, RestoreTarget } from './types.js';

export interface RestoreJobInput {
  point: RecoveryPoint;
  target: RestoreTarget;
  restoreMode: RestoreMode;
  /** Derived from the session id, so a resumed session finds its own job rather than a second one. */
  idempotencyToken: string;
  /** From an earlier, interrupted run: the listing taken before the job started. */
  restoreDirsBefore?: string[];
  /** From an earlier, interrupted run. */
  restoreJobId?: string;
  /** From an earlier run: `restoreJobId` is already the whole-volume fallback. */
  fullFallback?: boolean;
}

export type RestoreJobCheckpoint =
  | { restoreDirsBefore: string[] }
  | { restoreJobId: string }
  | { restoreJobId: string; fullFallback: true };

export interface RestoreJobHooks extends ActivityHooks<RestoreJobCheckpoint>, ScriptHooks {
  progress(p: { percentDone: number | undefined; etaMinutes: number | undefined }): void;
}

export interface RestoreJobResult {
  restoreJobId: string;
  restoreDirsBefore: string[];
  completedAt: Date;
  /** The item-level job found its items missing and a whole-volume job of the point ran instead. */
  fullFallback: boolean;
}

/** How AWS Backup words an item-level job whose items the point does not hold. */
const ITEMS_MISSING = /not found|does not exist|no such file/i;

/** Of the remaining time, how much to wait before asking again: about ten progress updates. */
const ETA_FRACTION = 0.1;

/**
 * Lists the restore dirs, starts the restore job and waits for it. Each step is skipped when the
 * input says an earlier run did it, and each is checkpointed before the next mutation, so a run
 * after a crash never lists after the job made its directory and never starts a second job.
 */
export async function runRestoreJob(
  deps: ActivityDeps,
  input: RestoreJobInput,
  hooks: RestoreJobHooks,
): Promise<RestoreJobResult> {
  const { settings, log } = deps;
  const { signal } = hooks;
  return asStage('restore', 'unchanged', 'restore_job', async () => {
    let restoreDirsBefore = input.restoreDirsBefore;
    if (restoreDirsBefore === undefined) {
      throwIfAborted(signal);
      const listing = await runScript(
        deps,
        'restore',
        'restore_job',
        listRestoreDirs(settings.inspectorMount),
        parseListRestoreDirs,
        hooks,
      );
      restoreDirsBefore = listing.dirs.map((d) => d.name);
      await hooks.checkpoint({ restoreDirsBefore });
    }

    let restoreJobId = input.restoreJobId;
    let fullFallback = input.fullFallback === true;
    if (restoreJobId === undefined) {
      throwIfAborted(signal);
      restoreJobId = await startJob(deps, input, input.restoreMode, input.idempotencyToken);
      await hooks.checkpoint({ restoreJobId });
    }

    for (;;) {
      const job = await waitForJob(deps, restoreJobId, hooks);
      if (job.status === 'COMPLETED') {
        hooks.progress({ percentDone: 100, etaMinutes: 0 });
        return { restoreJobId, restoreDirsBefore, completedAt: job.completedAt ?? new Date(), fullFallback };
      }
      if (input.restoreMode.kind === 'item' && !fullFallback && ITEMS_MISSING.test(job.statusMessage ?? '')) {
        // The record said the database lived at that path, but the point does not hold it: restore
        // the whole volume of the same point instead, under the same confirmation.
        log.warn(
          { restoreJobId, reason: job.statusMessage },
          'items not in the point; restoring the whole volume',
        );
        throwIfAborted(signal);
        restoreJobId = await startJob(deps, input, { kind: 'full' }, `${input.idempotencyToken}-full`);
        fullFallback = true;
        await hooks.checkpoint({ restoreJobId, fullFallback: true });
        continue;
      }
      throw new StageFailure({
        stage: 'restore',
        code: 'restore_job_failed',
        reason: `Restore job ${restoreJobId} ${job.status}${job.statusMessage ? `: ${job.statusMessage}` : ''}`,
        production: 'unchanged',
        activity: 'restore_job',
      });
    }
  });
}

async function startJob(
  { ports, settings, log }: ActivityDeps,
  input: RestoreJobInput,
  mode: RestoreMode,
  idempotencyToken: string,
): Promise<string> {
  // AWS's own restore metadata for the point, then our file system, in place, and the items.
  const restoreMetadata = await ports.backup.getRestoreMetadata(input.point.vault, input.point.arn);
  const id = await ports.backup.startRestoreJob({
    restoreMetadata,
    recoveryPointArn: input.point.arn,
    fileSystemId: input.target.fileSystemId,
    roleArn: settings.restoreRoleArn,
    idempotencyToken,
    ...(mode.kind === 'item' ? { itemsToRestore: [mode.path] } : {}),
  });
  log.info({ restoreJobId: id, point: input.point.id, mode }, 'restore job started');
  return id;
}

/** Polls the job until it ends, reporting progress; returns it in its final state. */
async function waitForJob(
  { ports, settings, log }: ActivityDeps,
  restoreJobId: string,
  hooks: RestoreJobHooks,
): Promise<RestoreJob> {
  const { signal } = hooks;
  for (;;) {
    throwIfAborted(signal);
    let job: RestoreJob;
    try {
      job = await ports.backup.describeRestoreJob(restoreJobId);
    } catch (error) {
      if (!isTransient(error)) throw error;
      log.warn({ err: error, restoreJobId }, 'DescribeRestoreJob failed; asking again at the next poll');
      await sleep(settings.pollMinMs, signal);
      continue;
    }
    if (job.status === 'COMPLETED' || job.status === 'FAILED' || job.status === 'ABORTED') return job;
    const remainingMs = remainingTimeMs(job, Date.now());
    hooks.progress({
      percentDone: job.percentDone,
      etaMinutes: remainingMs === undefined ? undefined : Math.ceil(remainingMs / 60_000),
    });
    const interval = clamp(settings.pollMinMs, settings.pollMaxMs, (remainingMs ?? 0) * ETA_FRACTION);
    await sleep(interval, signal);
  }
}

/**
 * What is left of the job, from AWS's own estimate: the expected total scaled by the share not
 * yet done, or, without a percentage, the expected end counted from the job's creation.
 */
export function remainingTimeMs(job: RestoreJob, now: number): number | undefined {
  if (job.expectedCompletionMinutes === undefined) return undefined;
  const totalMs = job.expectedCompletionMinutes * 60_000;
  if (job.percentDone !== undefined && job.percentDone > 0)
    return Math.max(0, totalMs * (1 - job.percentDone / 100));
  if (job.createdAt !== undefined) return Math.max(0, job.createdAt.getTime() + totalMs - now);
  return totalMs;
}
