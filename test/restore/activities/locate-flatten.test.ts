import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Activities, RestoreJobCheckpoint, RestoreMode } from '../../../src/restore/activities/index.js';
import { StageFailure } from '../../../src/restore/activities/index.js';
import { type SimWithPorts, startSimWithPorts } from '../../helpers/sim-ports.js';
import {
  activitiesFor,
  defaultTarget,
  LIVE_DB_DIR,
  markerOf,
  POINTS,
  pointArn,
  recordingHooks,
} from './support.js';

let env: SimWithPorts;
let activities: Activities;
const LIVE_REL = LIVE_DB_DIR.slice(1);
const STALE = 'aws-backup-restore_2026-02-03T09-12-44-120Z';
/** The point's times, as locate weighs the data dirs' newest writes against them. */
function timesOf(point: { createdAt: Date; completedAt?: Date }) {
  return {
    pointCreatedAt: point.createdAt,
    ...(point.completedAt === undefined ? {} : { pointCompletedAt: point.completedAt }),
  };
}

beforeAll(async () => {
  env = await startSimWithPorts({ speed: 5000 });
  ({ activities } = activitiesFor(env));
});
afterAll(async () => {
  await env?.close();
});

async function restore(pointId: string, mode: RestoreMode, token: string) {
  const point = await env.ports.backup.describeRecoveryPoint(
    env.sim.scenario.backupVault,
    pointArn(env, pointId),
  );
  const job = await activities.runRestoreJob(
    { point, target: defaultTarget(env), restoreMode: mode, idempotencyToken: token },
    recordingHooks<RestoreJobCheckpoint>().hooks,
  );
  return { point, job };
}

describe('the nesting case: a point taken while the DB lived in an aws-backup-restore_ dir', () => {
  it('item-level: restores only that dir, locates it at the expected place, flattens it to the point data', async () => {
    const point = await env.ports.backup.describeRecoveryPoint(
      env.sim.scenario.backupVault,
      pointArn(env, POINTS.nested26h),
    );
    const target = await activities.resolveTarget();
    const plan = activities.planRestore(target, point, await activities.readRootHistory(target), []);
    expect(plan.restoreMode).toEqual({ kind: 'item', path: LIVE_DB_DIR });
    expect(plan.expectedRelPath).toBe(LIVE_REL);
    expect(plan.evidence).toMatchObject({ root: LIVE_DB_DIR, basis: 'task_definitions' });

    const { job } = await restore(POINTS.nested26h, plan.restoreMode, 'nest-item');
    const found = await activities.locate({
      ...timesOf(point),
      restoreDirsBefore: job.restoreDirsBefore,
      expectedRelPath: plan.expectedRelPath,
      liveRoot: LIVE_DB_DIR,
    });
    expect(found.restoreDir).toMatch(/^aws-backup-restore_\d{4}-\d\d-\d\dT[\d-]+Z$/);
    expect(found.dataDir).toBe(`${found.restoreDir}/${LIVE_REL}`);
    expect(found.rule).toBe('expected');
    expect(found.fileCount).toBeGreaterThan(10);
    expect(found.sizeBytes).toBeGreaterThan(10_000);
    // The stale chain nested in the live dir came along, and is named for cleanup.
    expect(found.warnings.some((w) => w.includes(`${LIVE_REL}/${STALE}`))).toBe(true);

    const flatName = '/chatdb-restore_2026-11-23T08-00-00Z_ritem';
    const flat = await activities.flattenData({ dataDir: found.dataDir, flatName, liveRoot: LIVE_DB_DIR });
    expect(flat).toMatchObject({ flatDir: flatName, already: false });
    expect(markerOf(env, flat.flatDir)).toBe(POINTS.nested26h);
    // The chain it carried went back into the restore dir, not into the new root.
    expect(existsSync(join(env.settings.inspectorMount, flat.flatDir, STALE))).toBe(false);
    // The live database was not touched.
    expect(markerOf(env, LIVE_DB_DIR)).toBe('live');

    const again = await activities.flattenData({ dataDir: found.dataDir, flatName, liveRoot: LIVE_DB_DIR });
    expect(again).toMatchObject({ flatDir: flatName, already: true });
    expect(markerOf(env, flat.flatDir)).toBe(POINTS.nested26h);
  });

  it('whole-volume: the restore dir holds every chain; the expected path picks the right data dir', async () => {
    const point = await env.ports.backup.describeRecoveryPoint(
      env.sim.scenario.backupVault,
      pointArn(env, POINTS.nested26h),
    );
    const { job } = await restore(POINTS.nested26h, { kind: 'full' }, 'nest-full');
    const found = await activities.locate({
      ...timesOf(point),
      restoreDirsBefore: job.restoreDirsBefore,
      expectedRelPath: LIVE_REL,
      liveRoot: LIVE_DB_DIR,
    });
    expect(found.dataDir).toBe(`${found.restoreDir}/${LIVE_REL}`);
    expect(found.warnings.filter((w) => w.startsWith('stale data dir')).length).toBe(2);

    const flatName = '/chatdb-restore_2026-11-23T08-00-00Z_rfull';
    const flat = await activities.flattenData({ dataDir: found.dataDir, flatName, liveRoot: LIVE_DB_DIR });
    expect(markerOf(env, flat.flatDir)).toBe(POINTS.nested26h);
    expect(flat.leftovers.length).toBeGreaterThan(0);
    expect(existsSync(join(env.settings.inspectorMount, found.restoreDir, STALE))).toBe(true);
  });

  it('whole-volume without an expected path: the only data dir written in the backup window is chosen', async () => {
    const point = await env.ports.backup.describeRecoveryPoint(
      env.sim.scenario.backupVault,
      pointArn(env, POINTS.nested26h),
    );
    const { job } = await restore(POINTS.nested26h, { kind: 'full' }, 'nest-unknown');
    const found = await activities.locate({
      ...timesOf(point),
      restoreDirsBefore: job.restoreDirsBefore,
      liveRoot: LIVE_DB_DIR,
    });
    expect(found).toMatchObject({ dataDir: `${found.restoreDir}/${LIVE_REL}`, rule: 'fresh' });
    expect(found.candidates.map((c) => c.relation).sort()).toEqual(['in_window', 'older', 'older']);
    expect(found.warnings.filter((w) => w.startsWith('stale data dir')).length).toBe(2);
  });

  it('a point from when the DB lived at the volume root: the restore dir itself is the data dir', async () => {
    const point = await env.ports.backup.describeRecoveryPoint(
      env.sim.scenario.backupVault,
      pointArn(env, POINTS.rootNewest),
    );
    const { job } = await restore(POINTS.rootNewest, { kind: 'full' }, 'root-era');
    const found = await activities.locate({
      ...timesOf(point),
      restoreDirsBefore: job.restoreDirsBefore,
      expectedRelPath: '',
      liveRoot: LIVE_DB_DIR,
    });
    expect(found.dataDir).toBe(found.restoreDir);
    const flat = await activities.flattenData({
      dataDir: found.dataDir,
      flatName: 'chatdb-restore_2026-05-13T03-06-01Z_rroot',
      liveRoot: LIVE_DB_DIR,
    });
    expect(flat.flatDir).toBe('/chatdb-restore_2026-05-13T03-06-01Z_rroot');
    expect(markerOf(env, flat.flatDir)).toBe(POINTS.rootNewest);
  });
});

describe('from the task definition revisions alone', () => {
  it('a point younger than the only revision: item-level restore of its root', async () => {
    const target = await activities.resolveTarget();
    const point = await activities.resolvePoint(target, { kind: 'id', id: POINTS.newest });
    const plan = activities.planRestore(target, point, await activities.readRootHistory(target), []);
    expect(plan).toMatchObject({
      restoreMode: { kind: 'item', path: LIVE_DB_DIR },
      expectedRelPath: LIVE_REL,
      evidence: { root: LIVE_DB_DIR, basis: 'task_definitions' },
    });
  });

  it('a point older than every revision: whole volume, and locate takes the copy written in the window', async () => {
    const target = await activities.resolveTarget();
    const point = await activities.resolvePoint(target, { kind: 'id', id: POINTS.rootNewest });
    const plan = activities.planRestore(target, point, await activities.readRootHistory(target), []);
    expect(plan).toMatchObject({
      restoreMode: { kind: 'full' },
      expectedRelPath: undefined,
      evidence: { basis: 'unknown' },
    });
    const { job } = await restore(POINTS.rootNewest, plan.restoreMode, 'no-history-root');
    const found = await activities.locate({
      ...timesOf(point),
      restoreDirsBefore: job.restoreDirsBefore,
      liveRoot: LIVE_DB_DIR,
    });
    expect(found).toMatchObject({ dataDir: found.restoreDir, rule: 'fresh' });
    const flat = await activities.flattenData({
      dataDir: found.dataDir,
      flatName: '/chatdb-restore_2026-05-13T03-06-01Z_rnohist',
      liveRoot: LIVE_DB_DIR,
    });
    expect(markerOf(env, flat.flatDir)).toBe(POINTS.rootNewest);
  });
});

describe('locate and flatten failures', () => {
  it('no new restore dir: the listing before already has every dir', async () => {
    const { job } = await restore(POINTS.newest, { kind: 'full' }, 'no-new');
    const dirs = [...job.restoreDirsBefore];
    const at = { pointCreatedAt: new Date() };
    const found = await activities.locate({
      ...at,
      restoreDirsBefore: dirs,
      liveRoot: LIVE_DB_DIR,
      expectedRelPath: LIVE_REL,
    });
    await expect(
      activities.locate({ ...at, restoreDirsBefore: [...dirs, found.restoreDir], liveRoot: LIVE_DB_DIR }),
    ).rejects.toMatchObject({ stage: 'locate', detailCode: 'no_new_restore_dir', production: 'unchanged' });
  });

  it('an SSM command that times out is a StageFailure saying so', async () => {
    env.sim.setFaults({ ssm: 'timeout' });
    const error = await activitiesFor(env, { ssmTimeoutSeconds: 30 })
      .activities.locate({ restoreDirsBefore: [], liveRoot: LIVE_DB_DIR, pointCreatedAt: new Date() })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StageFailure);
    expect(error).toMatchObject({ stage: 'locate', code: 'ssm_timeout', production: 'unchanged' });
    expect((error as StageFailure).reason).toMatch(/timed out \(TimedOut\)/);
  });

  it('an SSM command that fails without output reports its status and stderr', async () => {
    env.sim.setFaults({ ssm: 'fail' });
    const error = await activities
      .flattenData({ dataDir: `${STALE}/x`, flatName: '/chatdb-restore_x_y', liveRoot: LIVE_DB_DIR })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ stage: 'flatten', code: 'ssm_failed', production: 'unchanged' });
    expect((error as StageFailure).reason).toMatch(/ended Failed \(exit 1\): simulated failure/);
  });

  it('records each SSM command before waiting for it: a failed one is recorded too, with its node', async () => {
    env.sim.setFaults({ ssm: 'fail' });
    const sent: { commandId: string; instanceId: string }[] = [];
    const error = await activities
      .flattenData(
        { dataDir: `${STALE}/x`, flatName: '/chatdb-restore_x_y', liveRoot: LIVE_DB_DIR },
        { commandSent: async (c) => void sent.push(c) },
      )
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ stage: 'flatten', code: 'ssm_failed' });
    const last = ((await env.state()).ssmCommands as { commandId: string; instanceId: string }[]).at(-1);
    expect(sent).toEqual([{ commandId: last?.commandId, instanceId: env.sim.scenario.inspector.instanceId }]);
    expect((error as StageFailure).reason).toContain(`SSM command ${last?.commandId} on`);
  });

  it('a command that cannot be recorded (the session moved on) is cancelled, not left running unseen', async () => {
    const error = await activities
      .locate(
        { restoreDirsBefore: [], liveRoot: LIVE_DB_DIR, pointCreatedAt: new Date() },
        {
          commandSent: async () => {
            throw new Error('checkpoint refused: the session was cancelled');
          },
        },
      )
      .catch((e: unknown) => e);
    expect(String(error)).toContain('the session was cancelled');
    const state = await env.state();
    const last = (state.ssmCommands as { status: string }[]).at(-1);
    expect(last?.status).toMatch(/^Cancel/);
    expect(state.calls['ssm:CancelCommand']).toBeGreaterThan(0);
  });

  it('flatten refuses to touch the live root, before any script runs', async () => {
    const sends = (await env.state()).calls['ssm:SendCommand'];
    await expect(
      activities.flattenData({ dataDir: LIVE_REL, flatName: '/chatdb-restore_x_y', liveRoot: LIVE_DB_DIR }),
    ).rejects.toMatchObject({ stage: 'flatten', code: 'invalid_value', production: 'unchanged' });
    expect((await env.state()).calls['ssm:SendCommand']).toBe(sends);
  });
});
