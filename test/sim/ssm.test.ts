import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  CancelCommandCommand,
  GetCommandInvocationCommand,
  type GetCommandInvocationCommandOutput,
  ListCommandInvocationsCommand,
  ListCommandsCommand,
  SendCommandCommand,
  SSMClient,
  waitUntilCommandExecuted,
} from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIVE_DB_DIR } from '../../src/sim/scenario.js';
import type { Simulator } from '../../src/sim/server.js';
import { clientConfig, eventually, INSPECTOR, withSim } from './support.js';

let sim: Simulator;
let ssm: SSMClient;

beforeAll(async () => {
  sim = await withSim();
  ssm = new SSMClient(clientConfig(sim));
});
afterAll(async () => {
  ssm.destroy();
  await sim.close();
});

async function send(client: SSMClient, commands: string[], executionTimeout?: string): Promise<string> {
  const r = await client.send(
    new SendCommandCommand({
      DocumentName: 'AWS-RunShellScript',
      InstanceIds: [INSPECTOR],
      Comment: 'test',
      Parameters: { commands, ...(executionTimeout ? { executionTimeout: [executionTimeout] } : {}) },
    }),
  );
  expect(r.Command?.Status).toBe('Pending');
  return r.Command?.CommandId as string;
}

async function result(client: SSMClient, commandId: string): Promise<GetCommandInvocationCommandOutput> {
  return eventually(async () => {
    const inv = await client.send(
      new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: INSPECTOR }),
    );
    return ['Pending', 'InProgress', 'Delayed'].includes(inv.Status ?? '') ? undefined : inv;
  });
}

describe('SSM Run Command on the inspection host', () => {
  it('runs the script with bash against the mounted chat-db volume; the SDK waiter sees Success', async () => {
    const mount = sim.env().CHATDB_INSPECTOR_MOUNT as string;
    const id = await send(ssm, [
      'set -euo pipefail',
      `cd '${mount}'`,
      'ls -1',
      `test -f '.${LIVE_DB_DIR}/storage.bson' && echo found-db`,
      'echo "shell=$BASH_VERSION" >&2',
    ]);
    await waitUntilCommandExecuted(
      { client: ssm, maxWaitTime: 60, minDelay: 1, maxDelay: 1 },
      { CommandId: id, InstanceId: INSPECTOR },
    );
    const inv = await ssm.send(new GetCommandInvocationCommand({ CommandId: id, InstanceId: INSPECTOR }));
    expect(inv.Status).toBe('Success');
    expect(inv.ResponseCode).toBe(0);
    expect(inv.StandardOutputContent).toContain(LIVE_DB_DIR.slice(1));
    expect(inv.StandardOutputContent).toContain('found-db');
    expect(inv.StandardErrorContent).toMatch(/^shell=\d/);
    expect(inv.ExecutionStartDateTime).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    expect(inv.ExecutionEndDateTime).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    expect(inv.PluginName).toBe('aws:runShellScript');
  });

  it('has the chat-db file system mounted: mountpoint(1) says so for the mount, and only for it', async () => {
    const mount = sim.env().CHATDB_INSPECTOR_MOUNT as string;
    const id = await send(ssm, [
      `mountpoint -q -- '${mount}' && echo mount-yes`,
      `mountpoint '${mount}/..' || echo "parent-no $?"`,
      `mountpoint -q -- '${mount}${LIVE_DB_DIR}' || echo "subdir-no $?"`,
    ]);
    const out = (await result(ssm, id)).StandardOutputContent ?? '';
    expect(out).toContain('mount-yes');
    expect(out).toContain('is not a mountpoint');
    expect(out).toContain('parent-no 32');
    expect(out).toContain('subdir-no 32');
  });

  it('lets the script change the volume (a rename is visible in the world)', async () => {
    const mount = sim.env().CHATDB_INSPECTOR_MOUNT as string;
    const id = await send(ssm, [`mkdir '${mount}/made-by-ssm' && touch '${mount}/made-by-ssm/x'`]);
    expect((await result(ssm, id)).Status).toBe('Success');
    expect(existsSync(join(mount, 'made-by-ssm', 'x'))).toBe(true);
    const tree = sim.state().fileSystems[0]?.tree as { children: { name: string }[] };
    expect(tree.children.map((c) => c.name)).toContain('made-by-ssm');
  });

  it('reports a non-zero exit as Failed with the exit status, as the SSM agent does', async () => {
    const id = await send(ssm, ['echo partial', 'echo broken >&2', 'exit 3']);
    await expect(
      waitUntilCommandExecuted(
        { client: ssm, maxWaitTime: 60, minDelay: 1, maxDelay: 1 },
        { CommandId: id, InstanceId: INSPECTOR },
      ),
    ).rejects.toThrow();
    const inv = await result(ssm, id);
    expect(inv.Status).toBe('Failed');
    expect(inv.ResponseCode).toBe(3);
    expect(inv.StandardOutputContent).toBe('partial\n');
    expect(inv.StandardErrorContent).toBe('broken\nfailed to run commands: exit status 3');
  });

  it('truncates stdout at 24000 and stderr at 8000 characters', async () => {
    const id = await send(ssm, [
      "head -c 30000 /dev/zero | tr '\\0' a",
      "head -c 10000 /dev/zero | tr '\\0' b >&2",
    ]);
    const inv = await result(ssm, id);
    expect(inv.Status).toBe('Success');
    expect(inv.StandardOutputContent).toHaveLength(24_000);
    expect(inv.StandardErrorContent).toHaveLength(8_000);
    const listed = await ssm.send(new ListCommandInvocationsCommand({ CommandId: id, Details: true }));
    expect(listed.CommandInvocations?.[0]?.CommandPlugins?.[0]?.Output).toHaveLength(2_500);
  });

  it('kills a script that outlives executionTimeout and reports TimedOut', async () => {
    const id = await send(ssm, ['echo started', 'sleep 30', 'echo never'], '1');
    const inv = await result(ssm, id);
    expect(inv.Status).toBe('TimedOut');
    expect(inv.StatusDetails).toBe('ExecutionTimedOut');
    expect(inv.StandardOutputContent).toBe('started\n');
  });

  it('applies the one-shot ssm faults: fail, then timeout', async () => {
    sim.setFaults({ ssm: 'fail' });
    const failed = await result(ssm, await send(ssm, ['echo hello']));
    expect(failed).toMatchObject({ Status: 'Failed', ResponseCode: 1 });
    expect(failed.StandardOutputContent).toBe('');
    expect(failed.StandardErrorContent).toContain('failed to run commands: exit status 1');

    sim.setFaults({ ssm: 'timeout' });
    const timedOut = await result(ssm, await send(ssm, ['echo hello'], '600'));
    expect(timedOut.Status).toBe('TimedOut');

    const fine = await result(ssm, await send(ssm, ['echo hello']));
    expect(fine.StandardOutputContent).toBe('hello\n');
  });

  it('refuses unknown instances, other documents and a missing commands parameter', async () => {
    await expect(
      ssm.send(
        new SendCommandCommand({
          DocumentName: 'AWS-RunShellScript',
          InstanceIds: ['i-0123456789abcdef0'],
          Parameters: { commands: ['true'] },
        }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidInstanceId' });
    await expect(
      ssm.send(
        new SendCommandCommand({
          DocumentName: 'AWS-RunPowerShellScript',
          InstanceIds: [INSPECTOR],
          Parameters: {},
        }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidDocument' });
    await expect(
      ssm.send(new SendCommandCommand({ DocumentName: 'AWS-RunShellScript', InstanceIds: [INSPECTOR] })),
    ).rejects.toMatchObject({ name: 'InvalidParameters' });
    await expect(
      ssm.send(new GetCommandInvocationCommand({ CommandId: 'not-a-uuid', InstanceId: INSPECTOR })),
    ).rejects.toMatchObject({ name: 'InvalidCommandId' });
  });

  it('lists invocations (paginated, with plugin details) and commands', async () => {
    const id = await send(ssm, ['echo listed']);
    await result(ssm, id);
    const first = await ssm.send(new ListCommandInvocationsCommand({ InstanceId: INSPECTOR, Details: true }));
    expect(first.CommandInvocations).toHaveLength(3);
    expect(first.NextToken).toBeTruthy();
    const newest = first.CommandInvocations?.[0];
    expect(newest?.CommandId).toBe(id);
    expect(newest?.CommandPlugins?.[0]).toMatchObject({
      Name: 'aws:runShellScript',
      Status: 'Success',
      Output: 'listed\n',
    });
    const next = await ssm.send(
      new ListCommandInvocationsCommand({ InstanceId: INSPECTOR, NextToken: first.NextToken }),
    );
    expect(next.CommandInvocations?.[0]?.CommandId).not.toBe(id);
    const one = await ssm.send(new ListCommandInvocationsCommand({ CommandId: id }));
    expect(one.CommandInvocations?.map((i) => i.CommandId)).toEqual([id]);
    const commands = await ssm.send(new ListCommandsCommand({ CommandId: id }));
    expect(commands.Commands?.[0]).toMatchObject({ CommandId: id, Status: 'Success', CompletedCount: 1 });
  });
});

describe('SSM eventual consistency', () => {
  it('answers InvocationDoesNotExist right after SendCommand; the waiter rides it out', async () => {
    const slow = await withSim({
      speed: 1,
      scenario: { durations: { ssmInvocationDelayMs: '3s', ssmCommandMs: '3s' } },
    });
    const client = new SSMClient(clientConfig(slow));
    try {
      const id = await send(client, ['echo late']);
      await expect(
        client.send(new GetCommandInvocationCommand({ CommandId: id, InstanceId: INSPECTOR })),
      ).rejects.toMatchObject({ name: 'InvocationDoesNotExist' });
      await waitUntilCommandExecuted(
        { client, maxWaitTime: 60, minDelay: 1, maxDelay: 1 },
        { CommandId: id, InstanceId: INSPECTOR },
      );
      const inv = await client.send(
        new GetCommandInvocationCommand({ CommandId: id, InstanceId: INSPECTOR }),
      );
      expect(inv.StandardOutputContent).toBe('late\n');
    } finally {
      client.destroy();
      await slow.close();
    }
  });
});

describe('delivery timeout and cancellation', () => {
  it('a command the agent does not pick up within TimeoutSeconds never runs', async () => {
    const late = await withSim({ scenario: { durations: { ssmInvocationDelayMs: '2m' } } });
    const client = new SSMClient(clientConfig(late));
    const marker = `${late.env().CHATDB_INSPECTOR_MOUNT as string}/ran-late`;
    const r = await client.send(
      new SendCommandCommand({
        DocumentName: 'AWS-RunShellScript',
        InstanceIds: [INSPECTOR],
        TimeoutSeconds: 30,
        Parameters: { commands: [`touch '${marker}'`] },
      }),
    );
    expect(r.Command?.TimeoutSeconds).toBe(30);
    const inv = await result(client, r.Command?.CommandId as string);
    expect(inv).toMatchObject({ Status: 'TimedOut', StatusDetails: 'DeliveryTimedOut' });
    expect(existsSync(marker)).toBe(false);
    client.destroy();
    await late.close();
  });

  it('CancelCommand stops a running command: Cancelled, and the script goes no further', async () => {
    const mount = sim.env().CHATDB_INSPECTOR_MOUNT as string;
    const id = await send(ssm, ['sleep 20', `touch '${mount}/after-cancel'`]);
    await eventually(async () => {
      const inv = await ssm.send(new GetCommandInvocationCommand({ CommandId: id, InstanceId: INSPECTOR }));
      return inv.Status === 'InProgress' ? inv : undefined;
    });
    await ssm.send(new CancelCommandCommand({ CommandId: id, InstanceIds: [INSPECTOR] }));
    expect(await result(ssm, id)).toMatchObject({ Status: 'Cancelled' });
    await new Promise((r) => setTimeout(r, 200));
    expect(existsSync(join(mount, 'after-cancel'))).toBe(false);
  });
});
