import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RestoreJobCheckpoint } from '../../../src/restore/activities/index.js';
import { StageFailure } from '../../../src/restore/activities/index.js';
import { activityNextStep } from '../../../src/slack/views/next-step.js';
import { type SimWithPorts, startSimWithPorts } from '../../helpers/sim-ports.js';
import { activitiesFor, defaultTarget, LIVE_DB_DIR, POINTS, pointArn, recordingHooks } from './support.js';

let env: SimWithPorts;

beforeAll(async () => {
  env = await startSimWithPorts({ speed: 5000 });
});
afterAll(async () => {
  await env?.close();
});

async function point(id: string) {
  return env.ports.backup.describeRecoveryPoint(env.sim.scenario.backupVault, pointArn(env, id));
}

describe('runRestoreJob', () => {
  it('lists the restore dirs, starts an item-level job, reports progress and waits for COMPLETED', async () => {
    const { activities } = activitiesFor(env);
    const rec = recordingHooks<RestoreJobCheckpoint>();
    const before = (await env.state()).restoreJobs.length;
    const result = await activities.runRestoreJob(
      {
        point: await point(POINTS.nested26h),
        target: defaultTarget(env),
        restoreMode: { kind: 'item', path: LIVE_DB_DIR },
        idempotencyToken: 'chatdb-restore-happy',
      },
      rec.hooks,
    );
    // restoreDirsBefore is checkpointed before the job exists, then the job id.
    expect(rec.checkpoints.map((c) => Object.keys(c)[0])).toEqual(['restoreDirsBefore', 'restoreJobId']);
    expect(result.restoreDirsBefore).toEqual(
      [LIVE_DB_DIR.slice(1), 'aws-backup-restore_2026-02-03T09-12-44-120Z'].sort(),
    );
    const jobs = (await env.state()).restoreJobs;
    expect(jobs).toHaveLength(before + 1);
    const job = jobs.find((j) => j.id === result.restoreJobId);
    expect(job).toMatchObject({
      status: 'COMPLETED',
      recoveryPointId: POINTS.nested26h,
      itemsToRestore: [LIVE_DB_DIR],
    });
    // StartRestoreJob got AWS's own restore metadata for the point (KMS key, performance mode,
    // creation token…), in place on the point's file system, with the items to restore.
    const aws = await env.ports.backup.getRestoreMetadata(
      env.sim.scenario.backupVault,
      pointArn(env, POINTS.nested26h),
    );
    expect(Object.keys(aws)).toEqual(
      expect.arrayContaining(['KmsKeyId', 'PerformanceMode', 'CreationToken']),
    );
    expect((job as { metadata?: unknown }).metadata).toEqual({
      ...aws,
      'file-system-id': defaultTarget(env).fileSystemId,
      newFileSystem: 'false',
      ItemsToRestore: JSON.stringify([LIVE_DB_DIR]),
    });
    expect(result.completedAt).toBeInstanceOf(Date);
    expect(rec.progress.at(-1)).toEqual({ percentDone: 100, etaMinutes: 0 });
    expect(rec.progress.length).toBeGreaterThan(1);
  });

  it('after a crash right after the job id was checkpointed, a re-run waits for the same job', async () => {
    const { activities } = activitiesFor(env);
    const input = {
      point: await point(POINTS.newest),
      target: defaultTarget(env),
      restoreMode: { kind: 'full' } as const,
      idempotencyToken: 'chatdb-restore-crash1',
    };
    const before = (await env.state()).restoreJobs.length;
    const first = recordingHooks<RestoreJobCheckpoint>((patch) => {
      if ('restoreJobId' in patch) first.controller.abort();
    });
    await expect(activities.runRestoreJob(input, first.hooks)).rejects.toMatchObject({ name: 'AbortError' });
    const saved = Object.assign({}, ...first.checkpoints) as {
      restoreDirsBefore: string[];
      restoreJobId: string;
    };
    expect(saved.restoreJobId).toBeTruthy();

    const calls = async () => (await env.state()).calls;
    const sent = await calls();
    const second = recordingHooks<RestoreJobCheckpoint>();
    const result = await activities.runRestoreJob({ ...input, ...saved }, second.hooks);
    expect(result.restoreJobId).toBe(saved.restoreJobId);
    expect(result.restoreDirsBefore).toEqual(saved.restoreDirsBefore);
    expect(second.checkpoints).toEqual([]);
    const jobs = (await env.state()).restoreJobs;
    expect(jobs).toHaveLength(before + 1);
    expect(jobs.filter((j) => j.id === saved.restoreJobId)).toHaveLength(1);
    // The resumed run neither listed again (the job's directory may exist by now) nor started a job.
    const after = await calls();
    expect(after['ssm:SendCommand']).toBe(sent['ssm:SendCommand']);
    expect(after['backup:StartRestoreJob']).toBe(sent['backup:StartRestoreJob']);
  });

  it('when the job id checkpoint itself was lost, the idempotency token still yields one job', async () => {
    const { activities } = activitiesFor(env);
    const input = {
      point: await point(POINTS.newest),
      target: defaultTarget(env),
      restoreMode: { kind: 'full' } as const,
      idempotencyToken: 'chatdb-restore-crash2',
    };
    const before = (await env.state()).restoreJobs.length;
    const first = recordingHooks<RestoreJobCheckpoint>((patch) => {
      if ('restoreJobId' in patch) first.controller.abort();
    });
    await expect(activities.runRestoreJob(input, first.hooks)).rejects.toMatchObject({ name: 'AbortError' });
    const [listed] = first.checkpoints as { restoreDirsBefore: string[] }[];
    const sends = (await env.state()).calls['backup:StartRestoreJob'] ?? 0;

    const result = await activities.runRestoreJob(
      { ...input, restoreDirsBefore: listed?.restoreDirsBefore ?? [] },
      recordingHooks<RestoreJobCheckpoint>().hooks,
    );
    const state = await env.state();
    expect(state.calls['backup:StartRestoreJob']).toBe(sends + 1);
    expect(state.restoreJobs).toHaveLength(before + 1);
    expect(result.restoreJobId).toBe((first.checkpoints[1] as { restoreJobId: string }).restoreJobId);
  });

  it('a FAILED job is a StageFailure with AWS StatusMessage, production unchanged', async () => {
    const { activities } = activitiesFor(env);
    env.sim.setFaults({ restoreJob: 'FAILED' });
    const error = await activities
      .runRestoreJob(
        {
          point: await point(POINTS.newest),
          target: defaultTarget(env),
          restoreMode: { kind: 'full' },
          idempotencyToken: 'chatdb-restore-failed',
        },
        recordingHooks<RestoreJobCheckpoint>().hooks,
      )
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StageFailure);
    const failure = error as StageFailure;
    expect(failure).toMatchObject({ stage: 'restore', code: 'restore_job_failed', production: 'unchanged' });
    expect(failure.reason).toContain(
      'Restore failed: an internal error occurred while reading the recovery point. Retry the restore job.',
    );
    expect(activityNextStep(failure)).toMatch(/unchanged/);
  });

  it('an ABORTED job says ABORTED', async () => {
    const { activities } = activitiesFor(env);
    env.sim.setFaults({ restoreJob: 'ABORTED' });
    await expect(
      activities.runRestoreJob(
        {
          point: await point(POINTS.newest),
          target: defaultTarget(env),
          restoreMode: { kind: 'full' },
          idempotencyToken: 'chatdb-restore-aborted',
        },
        recordingHooks<RestoreJobCheckpoint>().hooks,
      ),
    ).rejects.toMatchObject({
      code: 'restore_job_failed',
      reason: expect.stringMatching(/ABORTED: Restore job was aborted/),
    });
  });

  it('poll errors that outlive the SDK retries are logged and retried, not fatal', async () => {
    // Two attempts per call, so a burst of three 5xx answers reaches the activity once.
    await env.close();
    env = await startSimWithPorts({ speed: 5000, maxAttempts: 2 });
    const { activities, logs } = activitiesFor(env);
    const rec = recordingHooks<RestoreJobCheckpoint>((patch) => {
      if ('restoreJobId' in patch) env.sim.setFaults({ burst5xx: { backup: 3 } });
    });
    const result = await activities.runRestoreJob(
      {
        point: await point(POINTS.newest),
        target: defaultTarget(env),
        restoreMode: { kind: 'full' },
        idempotencyToken: 'chatdb-restore-5xx',
      },
      rec.hooks,
    );
    expect(result.restoreJobId).toBeTruthy();
    const warned = logs.find('DescribeRestoreJob failed; asking again at the next poll');
    expect(warned.length).toBe(1);
    const state = await env.state();
    const injected = state.faultsInjected as Record<string, { '5xx': number }>;
    expect(injected['backup:DescribeRestoreJob']?.['5xx']).toBe(3);
  });
});
