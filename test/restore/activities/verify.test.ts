import { cpSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CutoverCheckpoint, RestoreTarget } from '../../../src/restore/activities/index.js';
import { StageFailure } from '../../../src/restore/activities/index.js';
import { DEFAULT_TEMPLATE } from '../../../src/sim/default-template.js';
import { activityNextStep } from '../../../src/slack/views/next-step.js';
import { type SimWithPorts, startSimWithPorts } from '../../helpers/sim-ports.js';
import { activitiesFor, LIVE_DB_DIR, recordingHooks } from './support.js';

let env: SimWithPorts;
let target: RestoreTarget;
let newTaskDefinitionArn: string;
let http: Server;
let base: string;
const NEW_ROOT = '/chatdb-restore_2026-11-23T08-00-00Z_rverify';

beforeAll(async () => {
  http = createServer((req, res) => {
    res.writeHead(req.url === '/ok' ? 200 : 503, { 'content-type': 'text/plain' });
    res.end(req.url === '/ok' ? 'ok' : 'starting');
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;

  env = await startSimWithPorts({ speed: 5000 });
  ({ target, newTaskDefinitionArn } = await cutOver(env));
});
afterAll(async () => {
  await env?.close();
  await new Promise((resolve) => http?.close(resolve));
});

/** Points the stack at a copy of the live data, as the cutover stage does. */
async function cutOver(sim: SimWithPorts): Promise<{ target: RestoreTarget; newTaskDefinitionArn: string }> {
  cpSync(join(sim.settings.inspectorMount, LIVE_DB_DIR), join(sim.settings.inspectorMount, NEW_ROOT), {
    recursive: true,
  });
  const { activities } = activitiesFor(sim);
  const resolved = await activities.resolveTarget();
  const done = await activities.cutover(
    {
      target: resolved,
      expectedTemplateSha256: resolved.templateSha256,
      expectedTaskDefinitionArn: resolved.taskDefinitionArn,
      newRoot: NEW_ROOT,
      changeSetName: 'chatdb-restore-rverify-1',
      sessionId: 'rverify',
      state: { stoppedTaskArns: [] },
    },
    recordingHooks<CutoverCheckpoint>().hooks,
  );
  return { target: resolved, newTaskDefinitionArn: done.newTaskDefinitionArn };
}

async function failure(promise: Promise<unknown>): Promise<StageFailure> {
  const error = await promise.catch((e: unknown) => e);
  expect(error).toBeInstanceOf(StageFailure);
  return error as StageFailure;
}

describe('verify', () => {
  it('finds the HEALTHY task on the new revision and the health URL answering 2xx', async () => {
    const { activities } = activitiesFor(env);
    const result = await activities.verify({
      target,
      newTaskDefinitionArn,
      expectRoot: NEW_ROOT,
      healthUrl: `${base}/ok`,
    });
    expect(result.healthStatus).toBe('HEALTHY');
    expect(result.healthUrlStatus).toBe(200);
    const tasks = await env.ports.ecs.listServiceTasks(target.cluster, target.service);
    expect(tasks.find((t) => t.arn === result.taskArn)?.taskDefinitionArn).toBe(newTaskDefinitionArn);
  });

  it('a health URL that keeps answering 503 fails the stage; production is cut over', async () => {
    const { activities, logs } = activitiesFor(env, { healthWaitMs: 300 });
    const f = await failure(
      activities.verify({
        target,
        newTaskDefinitionArn,
        expectRoot: NEW_ROOT,
        healthUrl: `${base}/starting`,
      }),
    );
    expect(f).toMatchObject({ stage: 'verify', code: 'health_url_failed', production: 'cut_over' });
    expect(f.reason).toContain('answered HTTP 503');
    expect(activityNextStep(f)).toMatch(/rollback/);
    expect(logs.find('health URL not healthy yet').length).toBeGreaterThan(0);
  });

  it('a revision that mounts another root fails before looking at tasks', async () => {
    const { activities } = activitiesFor(env);
    const f = await failure(
      activities.verify({ target, newTaskDefinitionArn, expectRoot: '/chatdb-restore_other' }),
    );
    expect(f).toMatchObject({ code: 'unexpected_root', production: 'cut_over' });
    expect(f.reason).toContain(NEW_ROOT);
  });

  it('a crash-looping task is no_running_task with ECS reason', async () => {
    const { activities } = activitiesFor(env, { healthWaitMs: 1500 });
    env.sim.setFaults({ taskCrashLoop: true });
    const [running] = await env.ports.ecs.listServiceTasks(target.cluster, target.service);
    expect(running).toBeDefined();
    await env.ports.ecs.stopTask(
      target.cluster,
      running?.arn as string,
      'test: make the service start a new task',
    );
    const f = await failure(activities.verify({ target, newTaskDefinitionArn, expectRoot: NEW_ROOT }));
    expect(f).toMatchObject({ stage: 'verify', code: 'no_running_task', production: 'cut_over' });
    expect(f.reason).toContain('Essential container in task exited');
  });
});

describe('verify, by what the task definition lets ECS report', () => {
  const worlds: SimWithPorts[] = [];
  afterAll(async () => {
    for (const w of worlds) await w.close();
  });
  async function world(scenario: Record<string, unknown>) {
    const w = await startSimWithPorts({ speed: 5000, scenario });
    worlds.push(w);
    return { w, ...(await cutOver(w)) };
  }

  it('with a health check, a task that stays up but does not report HEALTHY in time fails the stage as unhealthy', async () => {
    // The cutover runs fast. Then time slows to 50×: the replacement task starts after about a
    // second and its health check passes only after 10 simulated minutes (12 s), beyond the wait.
    const { w, target: t, newTaskDefinitionArn: arn } = await world({ durations: { taskHealthyMs: '10m' } });
    expect((await w.ports.ecs.describeTaskDefinition(arn)).hasHealthCheck).toBe(true);
    w.sim.setSpeed(50);
    const [running] = await w.ports.ecs.listServiceTasks(t.cluster, t.service, 'RUNNING');
    await w.ports.ecs.stopTask(t.cluster, running?.arn as string, 'test: a replacement task starts');
    const { activities } = activitiesFor(w, { healthWaitMs: 5_000, healthStableMs: 500 });
    const f = await failure(
      activities.verify({ target: t, newTaskDefinitionArn: arn, expectRoot: NEW_ROOT }),
    );
    expect(f).toMatchObject({ stage: 'verify', code: 'unhealthy', production: 'cut_over' });
    expect(f.reason).toContain('its health check did not pass within 5 s (health: UNKNOWN)');
  });

  it('without a health check, a task that stays up counts once it has, without waiting out the bound', async () => {
    const templateBody = DEFAULT_TEMPLATE.replace(/^ {10}HealthCheck:\n(?: {12}.*\n)+/m, '');
    expect(templateBody).not.toContain('HealthCheck');
    const { w, target: t, newTaskDefinitionArn: arn } = await world({ templateBody });
    expect((await w.ports.ecs.describeTaskDefinition(arn)).hasHealthCheck).toBe(false);
    // A ten-minute bound: only a verify that stops at the stable period returns within the test.
    const { activities } = activitiesFor(w, { healthWaitMs: 10 * 60_000, healthStableMs: 300 });
    const result = await activities.verify({ target: t, newTaskDefinitionArn: arn, expectRoot: NEW_ROOT });
    expect(result.healthStatus).toBe('UNKNOWN');
    const tasks = await w.ports.ecs.listServiceTasks(t.cluster, t.service, 'RUNNING');
    expect(tasks.find((x) => x.arn === result.taskArn)?.taskDefinitionArn).toBe(arn);
  }, 30_000);
});
