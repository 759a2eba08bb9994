// The check stage inside the restore service, against the simulator: the real check revision,
// RunTask, the wrapper and check script run under sh with the stand-in mongod, the report read
// back through GetLogEvents. A good point's own data reaches the session; a torn point stops the
// restore before any change set exists.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultScenarioInput } from '../../../src/sim/scenario.js';
import { nextStep } from '../../../src/slack/views/next-step.js';
import { type SimWithPorts, startSimWithPorts } from '../../helpers/sim-ports.js';
import { POINTS } from '../activities/support.js';
import { CHANNEL, CONFIRMER, harness, REQUESTER, restoreConfirmed, settled } from './support.js';

const NEWEST_MESSAGE = '2026-05-16T03:12:44.000Z';
const COUNTS = {
  rocketchat_message: 182_311,
  rocketchat_room: 431,
  rocketchat_subscription: 9_204,
  users: 318,
  rocketchat_settings: 1_204,
};

/** The default scenario with the newest point changed as given. */
function scenarioWithNewest(change: Record<string, unknown>): Record<string, unknown> {
  const input = defaultScenarioInput();
  const points = (input.recoveryPoints as Record<string, unknown>[]).map((p) =>
    p.id === POINTS.newest ? { ...p, ...change } : p,
  );
  return { recoveryPoints: points };
}

interface StackState {
  taskDefinitions: { arn: string; family: string; status: string; volumes: { rootDirectory?: string }[] }[];
  oneOffTasks: { arn: string; taskDefinition: string; lastStatus: string; exitCode?: number }[];
}

describe('the check stage', () => {
  let env: SimWithPorts | undefined;
  afterEach(async () => {
    await env?.close();
    env = undefined;
  });

  it("checks a good point with MongoDB before the cutover and records that point's own data", async () => {
    env = await startSimWithPorts({
      speed: 4000,
      scenario: scenarioWithNewest({
        check: { newestMessageAt: NEWEST_MESSAGE, counts: COUNTS },
      }),
    });
    const { runtime } = harness(env);
    const done = await restoreConfirmed(runtime, { kind: 'id', id: POINTS.newest }, POINTS.newest);

    const check = done.stages.find((s) => s.name === 'check');
    const flatten = done.stages.find((s) => s.name === 'flatten');
    const cutover = done.stages.find((s) => s.name === 'cutover');
    expect(check?.status).toBe('done');
    expect(Date.parse(check?.startedAt ?? '')).toBeGreaterThanOrEqual(Date.parse(flatten?.endedAt ?? ''));
    expect(Date.parse(check?.endedAt ?? '')).toBeLessThanOrEqual(Date.parse(cutover?.startedAt ?? ''));
    expect(check?.detail).toMatchObject({
      database: 'rocketchat',
      newestMessageAt: NEWEST_MESSAGE,
      counts: { messages: 182_311, rooms: 431, subscriptions: 9_204, users: 318 },
      deregistered: true,
    });

    const state = await env.state();
    const stack = state.stack as unknown as StackState;
    // One check task, of a revision in its own family, on the flattened directory, now INACTIVE.
    expect(stack.oneOffTasks).toHaveLength(1);
    const task = stack.oneOffTasks[0];
    expect(task).toMatchObject({ lastStatus: 'STOPPED', exitCode: 0 });
    const revision = stack.taskDefinitions.find((td) => td.arn === task?.taskDefinition);
    expect(revision?.family).toBe('chat-db-check');
    expect(revision?.status).toBe('INACTIVE');
    expect(revision?.volumes[0]?.rootDirectory).toBe(done.aws.flatDir);
    expect(done.aws.checkTaskArn).toBe(task?.arn);
    // The chat-db family's record of where the DB lived holds no check revision.
    expect(stack.taskDefinitions.filter((td) => td.family === 'chat-db').map((td) => td.arn)).not.toContain(
      revision?.arn,
    );
    await runtime.close();
  });

  it('stops a torn point before the change set, quoting MongoDB and naming the next older point', async () => {
    env = await startSimWithPorts({
      speed: 4000,
      scenario: scenarioWithNewest({ torn: 'truncated-messages' }),
    });
    const { runtime } = harness(env);
    const before = await env.state();
    const s = runtime.service;
    const session = await s.start(
      { channel: CHANNEL, user: REQUESTER },
      { kind: 'id', id: POINTS.newest },
      'x',
    );
    await s.confirm(session.id, CONFIRMER, session.planHash as string);
    const done = await settled(runtime, session.id);

    expect(done.status).toBe('failed');
    expect(done.failure).toMatchObject({ stage: 'check', code: 'check_failed', production: 'unchanged' });
    expect(done.failure?.reason).toContain('verify() returned WT_ERROR. This indicates structural damage.');
    expect(nextStep(done)).toContain(POINTS.nested26h);
    expect(nextStep(done)).toContain(done.aws.flatDir);
    const detail = done.stages.find((st) => st.name === 'check')?.detail;
    expect(detail).toMatchObject({ olderPoint: { id: POINTS.nested26h }, check: { code: 'check_failed' } });
    expect(done.stages.find((st) => st.name === 'cutover')?.status).toBe('skipped');

    const state = await env.state();
    expect(state.calls['cloudformation:CreateChangeSet'] ?? 0).toBe(
      before.calls['cloudformation:CreateChangeSet'] ?? 0,
    );
    expect(state.calls['cloudformation:ExecuteChangeSet'] ?? 0).toBe(0);
    const stack = state.stack as unknown as StackState;
    const chatDb = stack.taskDefinitions.filter((td) => td.family === 'chat-db');
    expect(chatDb.every((td) => td.volumes[0]?.rootDirectory !== done.aws.flatDir)).toBe(true);
    expect(stack.taskDefinitions.find((td) => td.family === 'chat-db-check')?.status).toBe('INACTIVE');
    // The flattened copy stays for cleanup.
    const mount = env.sim.env().CHATDB_INSPECTOR_MOUNT as string;
    expect(existsSync(join(mount, done.aws.flatDir ?? '/nowhere', 'WiredTiger.wt'))).toBe(true);
    await runtime.close();
  });
});
