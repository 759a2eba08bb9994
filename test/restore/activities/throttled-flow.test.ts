import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CutoverCheckpoint, RestoreJobCheckpoint } from '../../../src/restore/activities/index.js';
import { type SimWithPorts, startSimWithPorts } from '../../helpers/sim-ports.js';
import { activitiesFor, LIVE_DB_DIR, markerOf, POINTS, recordingHooks } from './support.js';

let env: SimWithPorts;
const SERVICES = ['backup', 'efs', 'ecs', 'cloudformation', 'ssm'];

beforeAll(async () => {
  env = await startSimWithPorts({
    speed: 5000,
    fastRetries: true,
    scenario: { faults: { throttle: Object.fromEntries(SERVICES.map((s) => [s, 0.3])) } },
  });
});
afterAll(async () => {
  await env?.close();
});

describe('the whole restore with 30% of every service call throttled', () => {
  it('resolves, restores item-level, locates, flattens, cuts over and verifies', async () => {
    const { activities } = activitiesFor(env);
    const target = await activities.resolveTarget();
    expect(target.currentRoot).toBe(LIVE_DB_DIR);
    const point = await activities.resolvePoint(target, { kind: 'id', id: POINTS.nested26h });
    const plan = activities.planRestore(target, point, await activities.readRootHistory(target), []);
    expect(plan.restoreMode).toEqual({ kind: 'item', path: LIVE_DB_DIR });

    const job = await activities.runRestoreJob(
      { point, target, restoreMode: plan.restoreMode, idempotencyToken: 'chatdb-restore-rthrottle' },
      recordingHooks<RestoreJobCheckpoint>().hooks,
    );
    const found = await activities.locate({
      restoreDirsBefore: job.restoreDirsBefore,
      expectedRelPath: plan.expectedRelPath,
      liveRoot: target.currentRoot,
      pointCreatedAt: point.createdAt,
    });
    const flat = await activities.flattenData({
      dataDir: found.dataDir,
      flatName: '/chatdb-restore_2026-11-23T08-00-00Z_rthrottle',
      liveRoot: target.currentRoot,
    });
    expect(markerOf(env, flat.flatDir)).toBe(POINTS.nested26h);

    const done = await activities.cutover(
      {
        target,
        expectedTemplateSha256: target.templateSha256,
        expectedTaskDefinitionArn: target.taskDefinitionArn,
        newRoot: flat.flatDir,
        changeSetName: 'chatdb-restore-rthrottle-1',
        sessionId: 'rthrottle',
        state: { stoppedTaskArns: [] },
      },
      recordingHooks<CutoverCheckpoint>().hooks,
    );
    const verified = await activities.verify({
      target,
      newTaskDefinitionArn: done.newTaskDefinitionArn,
      expectRoot: flat.flatDir,
    });
    expect(verified.healthStatus).toBe('HEALTHY');

    const after = await activities.resolveTarget();
    expect(after.currentRoot).toBe(flat.flatDir);

    const state = await env.state();
    const injected = Object.values(state.faultsInjected as Record<string, { throttle: number }>);
    // About a hundred calls at 30%: far more than a handful were throttled and retried.
    expect(injected.reduce((sum, v) => sum + v.throttle, 0)).toBeGreaterThan(10);
    expect(state.restoreJobs).toHaveLength(1);
    // Calls counts include throttled attempts; the stack counts the executions it accepted.
    expect((state.stack as { executions: { accepted: number } }).executions.accepted).toBe(1);
  });
});
