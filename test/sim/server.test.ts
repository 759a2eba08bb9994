import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import {
  BackupClient,
  ListBackupVaultsCommand,
  ListRecoveryPointsByResourceCommand,
} from '@aws-sdk/client-backup';
import {
  CloudFormationClient,
  CreateStackCommand,
  DescribeStacksCommand,
} from '@aws-sdk/client-cloudformation';
import { CreateClusterCommand, ECSClient } from '@aws-sdk/client-ecs';
import { DescribeFileSystemsCommand, DescribeMountTargetsCommand, EFSClient } from '@aws-sdk/client-efs';
import { DescribeInstanceInformationCommand, SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Simulator } from '../../src/sim/server.js';
import { clientConfig, DB_FS, DB_FS_ARN, withSim } from './support.js';

const run = promisify(execFile);

let sim: Simulator;
beforeAll(async () => {
  sim = await withSim();
});
afterAll(async () => {
  await sim.close();
});

describe('unknown operations', () => {
  it('names the service and operation in each protocol', async () => {
    const cases: [string, () => Promise<unknown>][] = [
      ['ecs:CreateCluster', () => new ECSClient(clientConfig(sim)).send(new CreateClusterCommand({}))],
      [
        'ssm:DescribeInstanceInformation',
        () => new SSMClient(clientConfig(sim)).send(new DescribeInstanceInformationCommand({})),
      ],
      [
        'cloudformation:CreateStack',
        () => new CloudFormationClient(clientConfig(sim)).send(new CreateStackCommand({ StackName: 'x' })),
      ],
      [
        'backup:ListBackupVaults',
        () => new BackupClient(clientConfig(sim)).send(new ListBackupVaultsCommand({})),
      ],
      [
        'efs:DescribeMountTargets',
        () => new EFSClient(clientConfig(sim)).send(new DescribeMountTargetsCommand({ FileSystemId: DB_FS })),
      ],
    ];
    for (const [op, call] of cases) {
      await expect(call(), op).rejects.toMatchObject({
        name: 'UnknownOperationException',
        message: `The simulator does not implement ${op}`,
      });
      expect(sim.state().calls[op], op).toBe(1);
    }
  });

  it('answers a path no AWS service has with a 404 naming it', async () => {
    const res = await fetch(`${sim.endpoint}/no/such/thing`);
    expect(res.status).toBe(404);
    expect(res.headers.get('x-amzn-errortype')).toBe('UnknownOperationException');
    expect(((await res.json()) as { Message: string }).Message).toContain('GET /no/such/thing');
  });
});

describe('faults at the protocol layer', () => {
  it('throttles a fraction of calls; the SDK retries them and succeeds; counts show the retries', async () => {
    const s = await withSim({ scenario: { faults: { throttle: { backup: 0.4 } }, seed: 7 } });
    const backup = new BackupClient(clientConfig(s, 20));
    try {
      let attempts = 0;
      for (let i = 0; i < 6; i++) {
        const r = await backup.send(new ListRecoveryPointsByResourceCommand({ ResourceArn: DB_FS_ARN }));
        expect(r.RecoveryPoints?.length).toBe(3);
        attempts += r.$metadata.attempts ?? 1;
      }
      const state = s.state();
      const key = 'backup:ListRecoveryPointsByResource';
      const throttled = state.faultsInjected[key]?.throttle ?? 0;
      expect(throttled).toBeGreaterThan(0);
      expect(state.calls[key]).toBe(6 + throttled);
      expect(attempts).toBe(6 + throttled);
    } finally {
      backup.destroy();
      await s.close();
    }
  });

  it('answers CloudFormation throttling as awsQuery XML with code Throttling', async () => {
    sim.setFaults({ throttle: { cloudformation: 1 } });
    const cfn = new CloudFormationClient(clientConfig(sim, 2));
    try {
      await expect(cfn.send(new DescribeStacksCommand({ StackName: 'rocket-chat' }))).rejects.toMatchObject({
        name: 'Throttling',
        $metadata: { httpStatusCode: 400, attempts: 2 },
      });
    } finally {
      sim.setFaults({ throttle: null });
      cfn.destroy();
    }
    expect(sim.state().faults.throttle).toBeUndefined();
  });

  it('serves a 5xx burst; the SDK retries through it, or gives up when it outlasts its attempts', async () => {
    const efs = new EFSClient(clientConfig(sim, 3));
    try {
      sim.setFaults({ burst5xx: { efs: 2 } });
      const r = await efs.send(new DescribeFileSystemsCommand({ FileSystemId: DB_FS }));
      expect(r.$metadata.attempts).toBe(3);
      expect(sim.state().faultsInjected['efs:DescribeFileSystems']?.['5xx']).toBe(2);
      expect(sim.state().faults.burst5xx).toBeUndefined();

      sim.setFaults({ burst5xx: { efs: 3 } });
      const error = await efs
        .send(new DescribeFileSystemsCommand({ FileSystemId: DB_FS }))
        .catch((e: unknown) => e);
      expect(
        (error as { $metadata: { httpStatusCode: number } }).$metadata.httpStatusCode,
      ).toBeGreaterThanOrEqual(500);
      expect(['InternalFailure', 'ServiceUnavailable']).toContain((error as Error).name);
    } finally {
      efs.destroy();
    }
  });

  it('adds the scenario latency to every call', async () => {
    const s = await withSim({ scenario: { latencyMs: 300 } });
    const efs = new EFSClient(clientConfig(s));
    try {
      const started = performance.now();
      await efs.send(new DescribeFileSystemsCommand({ FileSystemId: DB_FS }));
      expect(performance.now() - started).toBeGreaterThanOrEqual(290);
    } finally {
      efs.destroy();
      await s.close();
    }
  });
});

describe('the /_sim endpoints', () => {
  it('GET /_sim/state returns the world as JSON', async () => {
    const res = await fetch(`${sim.endpoint}/_sim/state`);
    expect(res.status).toBe(200);
    const state = (await res.json()) as Record<string, unknown> & {
      fileSystems: {
        id: string;
        tree: { children: { name: string; size: number; children?: unknown[] }[] };
      }[];
      recoveryPoints: unknown[];
      inspector: { mountPath: string };
      calls: Record<string, number>;
    };
    expect(state.fileSystems.map((f) => f.id)).toEqual([DB_FS, 'fs-0d0d0d0d01']);
    const live = state.fileSystems[0]?.tree.children.find(
      (c) => c.name === 'aws-backup-restore_2026-05-14T17-27-00-417720408Z',
    );
    expect(live?.size).toBeGreaterThan(0);
    expect(live?.children?.length).toBeGreaterThan(5);
    expect(state.recoveryPoints).toHaveLength(11);
    expect(state.inspector.mountPath).toBe(sim.env().CHATDB_INSPECTOR_MOUNT);
    expect(state).toHaveProperty('restoreJobs');
    expect(state).toHaveProperty('stack');
    expect(state).toHaveProperty('faultsInjected');
    expect(state.calls['ecs:CreateCluster']).toBe(1);
  });

  it('POST /_sim/faults merges, clears with null or {}, and rejects nonsense', async () => {
    const post = (body: unknown) =>
      fetch(`${sim.endpoint}/_sim/faults`, { method: 'POST', body: JSON.stringify(body) });
    expect(await (await post({ throttle: { ssm: 0.2 }, restoreJob: 'FAILED' })).json()).toEqual({
      throttle: { ssm: 0.2 },
      restoreJob: 'FAILED',
    });
    expect(await (await post({ throttle: { ecs: 0.1 } })).json()).toEqual({
      throttle: { ssm: 0.2, ecs: 0.1 },
      restoreJob: 'FAILED',
    });
    expect(await (await post({ throttle: {}, restoreJob: null })).json()).toEqual({});
    const bad = await post({ throttle: { s3: 0.5 } });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toContain('s3');
    expect((await post({ restoreJob: 'EXPLODED' })).status).toBe(400);
    expect((await fetch(`${sim.endpoint}/_sim/faults`, { method: 'POST', body: '{' })).status).toBe(400);
  });

  it('POST /_sim/speed changes the clock', async () => {
    const res = await fetch(`${sim.endpoint}/_sim/speed`, {
      method: 'POST',
      body: JSON.stringify({ speed: 100 }),
    });
    expect(await res.json()).toEqual({ speed: 100 });
    expect(sim.state().speed).toBe(100);
    expect((await fetch(`${sim.endpoint}/_sim/speed`, { method: 'POST', body: '{"speed":-1}' })).status).toBe(
      400,
    );
    sim.setSpeed(2400);
  });
});

describe('env()', () => {
  it('is all an unmodified SDK client needs: a child process reaches the simulator through AWS_ENDPOINT_URL', async () => {
    const env = sim.env();
    expect(env).toMatchObject({
      AWS_REGION: 'eu-central-1',
      CHATDB_STACK_NAME: 'rocket-chat',
      CHATDB_BACKUP_VAULT: 'chat-backups',
      CHATDB_RESTORE_ROLE_ARN: 'arn:aws:iam::123456789012:role/chatdb-restore',
      CHATDB_INSPECTOR_INSTANCE_ID: 'i-0a1b2c3d4e5f60718',
    });
    expect(env.CHATDB_INSPECTOR_MOUNT).toMatch(/^\/[A-Za-z0-9._/-]+$/);
    const script = `
      import { BackupClient, ListRecoveryPointsByResourceCommand } from '@aws-sdk/client-backup';
      const r = await new BackupClient({}).send(new ListRecoveryPointsByResourceCommand({ ResourceArn: ${JSON.stringify(DB_FS_ARN)} }));
      console.log(JSON.stringify(r.RecoveryPoints.map((p) => p.Status)));
    `;
    const before = sim.state().calls['backup:ListRecoveryPointsByResource'] ?? 0;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
      cwd: process.cwd(),
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: sim.stateDir, ...env },
    });
    expect(JSON.parse(stdout)).toHaveLength(3);
    expect(sim.state().calls['backup:ListRecoveryPointsByResource']).toBe(before + 1);
  });
});
