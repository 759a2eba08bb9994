// The SSM script runner against the simulator, through the real SDK: whatever ends the bot's wait
// for a command (a shutdown, an error) cancels the command, and an AccessDenied while waiting is
// reported as AccessDenied, never as a timeout.

import { afterEach, describe, expect, it } from 'vitest';
import type { Activities } from '../../../src/restore/activities/index.js';
import { StageFailure } from '../../../src/restore/activities/index.js';
import { type SimWithPorts, startSimWithPorts } from '../../helpers/sim-ports.js';
import { waitFor } from '../../helpers/wait.js';
import { CHANNEL, CONFIRMER, harness, REQUESTER } from '../orchestrator/support.js';
import { activitiesFor, LIVE_DB_DIR } from './support.js';

interface SsmCommandState {
  commandId: string;
  status: string;
}

let env: SimWithPorts | undefined;
afterEach(async () => {
  await env?.close();
  env = undefined;
});

/** Commands take ten simulated hours (7.2 s at speed 5000): still running when the test acts. */
async function slowCommands(): Promise<{ env: SimWithPorts; activities: Activities }> {
  env = await startSimWithPorts({ speed: 5000, scenario: { durations: { ssmCommandMs: '10h' } } });
  return { env, activities: activitiesFor(env).activities };
}

async function commands(e: SimWithPorts): Promise<SsmCommandState[]> {
  return (await e.state()).ssmCommands as SsmCommandState[];
}

const LOCATE_INPUT = {
  restoreDirsBefore: [],
  liveRoot: LIVE_DB_DIR,
  pointCreatedAt: new Date(),
};

describe('waiting for an SSM command', () => {
  it('an aborted wait (the bot shutting down) cancels the running command', async () => {
    const { env: e, activities } = await slowCommands();
    const controller = new AbortController();
    const located = activities.locate(LOCATE_INPUT, { signal: controller.signal });
    const running = await waitFor(async () => (await commands(e)).find((c) => c.status === 'InProgress'), {
      what: 'a running SSM command',
    });
    controller.abort();
    await expect(located).rejects.toMatchObject({ name: 'AbortError' });
    const state = await e.state();
    expect(state.calls['ssm:CancelCommand']).toBe(1);
    expect(
      (state.ssmCommands as SsmCommandState[]).find((c) => c.commandId === running.commandId),
    ).toMatchObject({ status: 'Cancelled' });
  });

  it('AccessDenied on GetCommandInvocation is reported as AccessDenied, and the command is cancelled', async () => {
    const { env: e, activities } = await slowCommands();
    e.sim.setFaults({ revoke: ['ssm:GetCommandInvocation'] });
    const error = await activities.locate(LOCATE_INPUT).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(StageFailure);
    const failure = error as StageFailure;
    expect(failure).toMatchObject({ stage: 'locate', code: 'aws_error', production: 'unchanged' });
    expect(failure.reason).toContain('GetCommandInvocation: AccessDeniedException');
    expect(failure.reason).toContain('ssm:GetCommandInvocation');
    expect(failure.reason).not.toMatch(/WaiterTimeout|did not finish/);
    const state = await e.state();
    expect(state.calls['ssm:GetCommandInvocation']).toBe(1);
    expect(state.calls['ssm:CancelCommand']).toBe(1);
    expect((state.ssmCommands as SsmCommandState[])[0]?.status).toBe('Cancelled');
  });

  it('a cancel that is itself refused does not hide why the wait ended', async () => {
    const { env: e, activities } = await slowCommands();
    e.sim.setFaults({ revoke: ['ssm:GetCommandInvocation', 'ssm:CancelCommand'] });
    const error = (await activities.locate(LOCATE_INPUT).catch((err: unknown) => err)) as StageFailure;
    expect(error.reason).toContain('GetCommandInvocation: AccessDeniedException');
    const denied = (await e.state()).accessDenied as { action: string }[];
    expect(denied.map((d) => d.action)).toEqual(['ssm:GetCommandInvocation', 'ssm:CancelCommand']);
  });

  it('closing the restore service during a stage cancels the stage’s SSM command and starts nothing after it', async () => {
    const { env: e } = await slowCommands();
    const { runtime } = harness(e);
    const session = await runtime.service.start(
      { channel: CHANNEL, user: REQUESTER },
      { kind: 'latest' },
      'latest',
    );
    const confirmed = await runtime.service.confirm(session.id, CONFIRMER, session.planHash as string);
    expect(confirmed.ok).toBe(true);
    // The restore stage lists the restore dirs over SSM before it starts the job.
    const running = await waitFor(async () => (await commands(e)).find((c) => c.status === 'InProgress'), {
      what: 'the restore stage’s listing command',
    });
    await runtime.close();
    const state = await e.state();
    expect(state.calls['ssm:CancelCommand']).toBe(1);
    expect(
      (state.ssmCommands as SsmCommandState[]).find((c) => c.commandId === running.commandId)?.status,
    ).toBe('Cancelled');
    expect(state.calls['backup:StartRestoreJob'] ?? 0).toBe(0);
  });
});
