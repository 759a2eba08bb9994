// A one-off check task in the simulator, end to end but for the HTTP routing the lead adds later:
// the bot's own builder turns the chat-db task definition into the check revision
// (checkTaskDefinitionRequest + checkCommand), the simulator runs it (PROVISIONING → PENDING →
// RUNNING → STOPPED) with the real check-wrapper.sh and mongo-check.js under sh and the stand-in
// mongod/mongosh, the output lands in the task's CloudWatch Logs stream, and parseCheckOutput
// reads it. Each snapshot's data comes from the scenario's data, so the report tells which point
// was checked; torn copies fail the way mongod reports them.

import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { TaskDefinition } from '@aws-sdk/client-ecs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkLogStream, checkTaskDefinitionRequest } from '../../src/aws/ecs-task.js';
import { checkCommand } from '../../src/restore/check/check-command.js';
import { parseCheckOutput } from '../../src/restore/check/report.js';
import { createSimClock } from '../../src/sim/clock.js';
import { writeMongoDataDir } from '../../src/sim/data-dir.js';
import { createLogs, type LogsWorld } from '../../src/sim/logs.js';
import { type SnapshotData, tearDataDir } from '../../src/sim/mongod.js';
import {
  createOneOffTasks,
  type OneOffTask,
  type OneOffTaskDefinition,
  type OneOffTasks,
} from '../../src/sim/one-off-task.js';
import { createTimers } from '../../src/sim/stack-world.js';
import type { TaskDefinitionSpec } from '../../src/sim/template-ecs.js';
import { waitFor } from '../helpers/wait.js';

const FS = 'fs-0db0c4a7e1';
const POINT = '8E1A3C5F-7B9D-4F2A-A4C6-738495A6B7C8';
const OTHER_POINT = 'C9B7D5F3-1E2A-4C4B-8D6F-8495A6B7C8D9';
const FLAT = 'chatdb-restore_2026-05-14T10-00-00Z';
const CLUSTER = { name: 'rocket-chat', arn: 'arn:aws:ecs:eu-central-1:123456789012:cluster/rocket-chat' };

const SERVICE_TD: TaskDefinition = {
  taskDefinitionArn: 'arn:aws:ecs:eu-central-1:123456789012:task-definition/rocket-chat-chat-db:3',
  family: 'rocket-chat-chat-db',
  revision: 3,
  networkMode: 'awsvpc',
  requiresCompatibilities: ['FARGATE'],
  cpu: '512',
  memory: '1024',
  executionRoleArn: 'arn:aws:iam::123456789012:role/chat-db-execution',
  taskRoleArn: 'arn:aws:iam::123456789012:role/chat-db-task',
  containerDefinitions: [
    {
      name: 'mongo',
      image: 'mongo:7.0',
      essential: true,
      portMappings: [{ containerPort: 27017, hostPort: 27017 }],
      healthCheck: { command: ['CMD', 'mongosh', '--eval', 'db.adminCommand("ping")'] },
      mountPoints: [
        { sourceVolume: 'chat-db', containerPath: '/data/db' },
        { sourceVolume: 'chat-dump', containerPath: '/dump' },
      ],
      logConfiguration: {
        logDriver: 'awslogs',
        options: {
          'awslogs-group': '/ecs/rocket-chat',
          'awslogs-region': 'eu-central-1',
          'awslogs-stream-prefix': 'chat-db',
        },
      },
    },
  ],
  volumes: [
    { name: 'chat-db', efsVolumeConfiguration: { fileSystemId: FS, transitEncryption: 'ENABLED' } },
    { name: 'chat-dump', efsVolumeConfiguration: { fileSystemId: 'fs-0d0d0d0d01' } },
  ],
};

const DATA: Record<string, SnapshotData> = {
  [POINT]: {
    newestMessageAt: Date.parse('2026-05-13T03:12:44Z'),
    counts: {
      rocketchat_message: 182_311,
      rocketchat_room: 431,
      rocketchat_subscription: 9_204,
      users: 318,
      rocketchat_settings: 1_204,
    },
  },
  [OTHER_POINT]: {
    newestMessageAt: Date.parse('2026-05-14T01:00:00Z'),
    counts: {
      rocketchat_message: 190_000,
      rocketchat_room: 440,
      rocketchat_subscription: 9_300,
      users: 320,
      rocketchat_settings: 1_204,
    },
    invalid: { rocketchat_room: ['Detected one or more invalid documents. See logs.'] },
  },
};

let dir: string;
let fsDir: string;
let logs: LogsWorld;
let tasks: OneOffTasks;
let closeTimers: () => void;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'chatdb-one-off-'));
  fsDir = join(dir, 'efs', FS);
  mkdirSync(fsDir, { recursive: true });
  const clock = createSimClock(1000);
  const timers = createTimers(clock);
  closeTimers = () => {
    timers.close();
    clock.close();
  };
  logs = createLogs({ region: 'eu-central-1', accountId: '123456789012', now: () => Date.now() });
  tasks = createOneOffTasks({
    timers,
    region: 'eu-central-1',
    accountId: '123456789012',
    now: () => Date.now(),
    logs,
    fileSystems: new Map([[FS, fsDir]]),
    mountFailure: (td) => rootMissing(td),
    dataFor: (snapshot) => DATA[snapshot],
    workDir: join(dir, 'tasks'),
    taskStartMs: 60_000,
    runMs: 30_000,
  });
});

afterEach(() => {
  closeTimers();
  rmSync(dir, { recursive: true, force: true });
});

/** ECS's mount check, reduced to what these tests need: the root must be a directory. */
function rootMissing(td: TaskDefinitionSpec): string | undefined {
  const efs = td.volumes[0]?.efsVolumeConfiguration;
  const root = resolve(fsDir, `.${efs?.rootDirectory ?? '/'}`);
  return statSync(root, { throwIfNoEntry: false })?.isDirectory()
    ? undefined
    : `ResourceInitializationError: failed to invoke EFS utils commands to set up EFS volumes: stderr: mount.nfs4: mounting ${FS}.efs.eu-central-1.amazonaws.com:${efs?.rootDirectory} failed, reason given by server: No such file or directory : unsuccessful EFS utils command execution; code: 32`;
}

/** The check revision the bot would register, as the simulator would hold it. */
function checkRevision(root = `/${FLAT}`) {
  const built = checkTaskDefinitionRequest(SERVICE_TD, {
    from: SERVICE_TD.taskDefinitionArn as string,
    volumeName: 'chat-db',
    rootDirectory: root,
    container: ({ containerPath }) => checkCommand({ database: 'rocketchat', dbPath: containerPath }),
  });
  const td: OneOffTaskDefinition = {
    ...(built.request as unknown as TaskDefinitionSpec),
    arn: 'arn:aws:ecs:eu-central-1:123456789012:task-definition/rocket-chat-chat-db:4',
    family: built.request.family as string,
    revision: 4,
  };
  return { td, built };
}

async function runToEnd(td: OneOffTaskDefinition, input: Partial<Parameters<OneOffTasks['run']>[0]> = {}) {
  const task = tasks.run({ cluster: CLUSTER, taskDefinition: td, clientToken: 'chatdb-check-s1', ...input });
  const seen: string[] = [];
  await waitFor(
    () => {
      if (seen.at(-1) !== task.lastStatus) seen.push(task.lastStatus);
      return task.lastStatus === 'STOPPED';
    },
    { what: 'the check task to stop', intervalMs: 2 },
  );
  return { task, seen };
}

function readOutput(task: OneOffTask) {
  const stream = task.logStream?.stream as string;
  const page = logs.module.ops.GetLogEvents?.({
    logGroupName: '/ecs/rocket-chat',
    logStreamName: stream,
    startFromHead: true,
  }) as { events: { message: string }[] };
  const lines = page.events.map((e) => e.message);
  return parseCheckOutput({ lines, ...(task.exitCode === undefined ? {} : { exitCode: task.exitCode }) });
}

// The stand-in container is real processes (sh, node): on a loaded 2-core machine they can take
// longer than waitFor's default to start and to end after SIGTERM.
const PROCESS_WAIT = { timeoutMs: 60_000 };

describe('a one-off check task', () => {
  it('runs the check on a good copy and reports that snapshot’s data through its log stream', async () => {
    writeMongoDataDir(join(fsDir, FLAT), POINT, 'live');
    const { td, built } = checkRevision();
    const { task, seen } = await runToEnd(td);
    expect(seen).toEqual(['PROVISIONING', 'PENDING', 'RUNNING', 'DEACTIVATING', 'STOPPED']);
    expect(task).toMatchObject({
      exitCode: 0,
      stopCode: 'EssentialContainerExited',
      stoppedReason: 'Essential container in task exited',
    });
    // The stream is where the bot will look for it.
    const wire = tasks.wire(task) as { containers: { runtimeId?: string }[] };
    const described = {
      arn: task.arn,
      lastStatus: 'STOPPED',
      desiredStatus: 'STOPPED',
      runtimeId: wire.containers[0]?.runtimeId,
    };
    expect(checkLogStream(built.log, built.containerName, described)).toBe(task.logStream?.stream);
    expect(task.logStream?.stream).toBe(`chat-db/mongo/${task.id}`);
    expect(readOutput(task)).toEqual({
      ok: true,
      report: {
        database: 'rocketchat',
        mongodbVersion: '7.0.14',
        newestMessageAt: new Date('2026-05-13T03:12:44Z'),
        counts: { messages: 182_311, rooms: 431, subscriptions: 9_204, users: 318 },
        collections: expect.any(Array),
      },
    });
  });

  it('fails a copy whose collection the scenario marks as failing validate, in validate’s words', async () => {
    writeMongoDataDir(join(fsDir, FLAT), OTHER_POINT, 'live');
    const { task } = await runToEnd(checkRevision().td);
    expect(task.exitCode).toBe(1);
    expect(readOutput(task)).toMatchObject({
      code: 'check_failed',
      failures: ['rocketchat_room: Detected one or more invalid documents. See logs.'],
    });
  });

  it('fails a copy without its journal the way mongod does: fatal assertion, exit before connections', async () => {
    writeMongoDataDir(join(fsDir, FLAT), POINT, 'live');
    tearDataDir(join(fsDir, FLAT), 'no-journal');
    const { task } = await runToEnd(checkRevision().td);
    expect(task.exitCode).toBe(2);
    const outcome = readOutput(task);
    expect(outcome).toMatchObject({
      ok: false,
      code: 'mongod_exited',
      wrapper: { code: 'mongod_exited', value: 14 },
    });
    expect(!outcome.ok && outcome.mongodSays).toContain('Terminating.: 2: No such file or directory');
  });

  it('fails a copy without WiredTiger.turtle: mongod starts empty, the collections are missing', async () => {
    writeMongoDataDir(join(fsDir, FLAT), POINT, 'live');
    tearDataDir(join(fsDir, FLAT), 'no-turtle');
    const { task } = await runToEnd(checkRevision().td);
    expect(task.exitCode).toBe(1);
    const outcome = readOutput(task);
    expect(!outcome.ok && outcome.failures).toContain('rocketchat_message: the collection does not exist');
  });

  it('fails a copy with a truncated collection file: validate reports structural damage', async () => {
    writeMongoDataDir(join(fsDir, FLAT), POINT, 'live');
    tearDataDir(join(fsDir, FLAT), 'truncated-messages');
    const { task } = await runToEnd(checkRevision().td);
    const outcome = readOutput(task);
    expect(outcome).toMatchObject({
      code: 'check_failed',
      failures: [
        'rocketchat_message: verify() returned WT_ERROR. This indicates structural damage. Not examining individual documents.',
      ],
    });
    expect(!outcome.ok && outcome.mongodSays[0]).toMatch(
      /^WiredTiger error message: __wt_block_read_off:226:collection-0-/,
    );
  });

  it('stops with ResourceInitializationError, no exit code and no stream when the root is not there', async () => {
    const { task, seen } = await runToEnd(checkRevision('/chatdb-restore_gone').td);
    expect(seen).toEqual(['PROVISIONING', 'PENDING', 'STOPPED']);
    expect(task.stopCode).toBe('TaskFailedToStart');
    expect(task.stoppedReason).toMatch(/^ResourceInitializationError: .*No such file or directory/);
    expect(task.exitCode).toBeUndefined();
    expect(logs.state()).toEqual([]);
    expect((tasks.wire(task) as { containers: { reason?: string }[] }).containers[0]?.reason).toBe(
      task.stoppedReason,
    );
  });

  it('stops with the start failure it is given, as when ECS cannot pull the image', async () => {
    writeMongoDataDir(join(fsDir, FLAT), POINT, 'live');
    const reason = 'CannotPullContainerError: pull image manifest has been retried 5 time(s): not found';
    const { task } = await runToEnd(checkRevision().td, { startFailure: reason });
    expect(task).toMatchObject({ stopCode: 'TaskFailedToStart', stoppedReason: reason });
  });

  it('returns the same task for the same client token, and stops on StopTask with the container’s exit', async () => {
    writeMongoDataDir(join(fsDir, FLAT), POINT, 'live');
    const { td } = checkRevision();
    const slowClock = createSimClock(1000);
    const slowTimers = createTimers(slowClock);
    const slow = createOneOffTasks({
      timers: slowTimers,
      region: 'eu-central-1',
      accountId: '123456789012',
      now: () => Date.now(),
      logs,
      fileSystems: new Map([[FS, fsDir]]),
      mountFailure: () => undefined,
      dataFor: (snapshot) => DATA[snapshot],
      workDir: join(dir, 'slow'),
      taskStartMs: 60_000,
      runMs: 3_600_000,
    });
    const first = slow.run({
      cluster: CLUSTER,
      taskDefinition: td,
      clientToken: 'chatdb-check-s2',
      startedBy: 'chatdb-restore/s2',
    });
    const again = {
      cluster: CLUSTER,
      taskDefinition: td,
      clientToken: 'chatdb-check-s2',
      startedBy: 'chatdb-restore/s2',
    };
    expect(slow.run(again)).toBe(first);
    expect(() => slow.run({ ...again, taskDefinition: { ...td, arn: `${td.arn}0` } })).toThrow(
      expect.objectContaining({ code: 'ConflictException' }),
    );
    // The token is the cluster's: in another cluster it starts a task of its own.
    const other = slow.run({ ...again, cluster: { name: 'other', arn: `${CLUSTER.arn}-other` } });
    expect(other).not.toBe(first);
    expect(slow.find(CLUSTER, first.id)).toBe(first);
    await waitFor(() => first.lastStatus === 'RUNNING', { what: 'RUNNING', ...PROCESS_WAIT });
    slow.stop(first, 'chatdb-restore: session cancelled');
    await waitFor(() => first.lastStatus === 'STOPPED', { what: 'STOPPED', ...PROCESS_WAIT });
    expect(first).toMatchObject({
      stopCode: 'UserInitiated',
      stoppedReason: 'chatdb-restore: session cancelled',
    });
    await waitFor(() => other.lastStatus === 'RUNNING', { what: 'the other task RUNNING', ...PROCESS_WAIT });
    slow.stop(other, 'done');
    await waitFor(() => other.lastStatus === 'STOPPED', { what: 'the other task STOPPED', ...PROCESS_WAIT });
    slowTimers.close();
    slowClock.close();
    expect(tasks.all()).toHaveLength(0);
    expect(slow.wire(first)).toMatchObject({
      group: 'family:rocket-chat-chat-db',
      startedBy: 'chatdb-restore/s2',
      lastStatus: 'STOPPED',
    });
  }, 240_000);
});
