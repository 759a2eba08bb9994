import { cpSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CutoverCheckpoint, RestoreTarget } from '../../../src/restore/activities/index.js';
import { StageFailure } from '../../../src/restore/activities/index.js';
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
  cpSync(join(env.settings.inspectorMount, LIVE_DB_DIR), join(env.settings.inspectorMount, NEW_ROOT), {
    recursive: true,
  });
  const { activities } = activitiesFor(env);
  target = await activities.resolveTarget();
  const done = await activities.cutover(
    {
      target,
      expectedTemplateSha256: target.templateSha256,
      expectedTaskDefinitionArn: target.taskDefinitionArn,
      newRoot: NEW_ROOT,
      changeSetName: 'chatdb-restore-rverify-1',
      sessionId: 'rverify',
      state: { stoppedTaskArns: [] },
    },
    recordingHooks<CutoverCheckpoint>().hooks,
  );
  newTaskDefinitionArn = done.newTaskDefinitionArn;
});
afterAll(async () => {
  await env?.close();
  await new Promise((resolve) => http?.close(resolve));
});

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
    expect(f.next).toMatch(/rollback/);
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
