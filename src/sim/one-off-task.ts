// One-off ECS tasks, as RunTask starts them outside any service, for the check stage's task of the
// chat-db image. The lifecycle follows ECS's documented task states, in simulated time:
//   PROVISIONING → PENDING → RUNNING → (the essential container exits) → STOPPED
// - RunTask with a clientToken already used in the cluster (within 24 hours) returns the task that
//   token started; with other parameters it is a ConflictException.
// - Before RUNNING, ECS sets up the EFS volumes; a RootDirectory that is not a directory stops the
//   task with ResourceInitializationError (stopCode TaskFailedToStart, no exit code). A start
//   failure (e.g. CannotPullContainerError) given by the caller stops it the same way.
// - At RUNNING, the awslogs driver creates the container's stream, `<prefix>/<container>/<task id>`
//   (or the Docker container id without a prefix), and the container's command runs for real with
//   stand-in mongod and mongosh (mongod.ts) on the host directory of its volume. When it exits
//   (and at least runMs has passed), its output is in the stream and the task stops:
//   stopCode EssentialContainerExited, stoppedReason "Essential container in task exited", the
//   container's exitCode.
// - StopTask ends it: SIGTERM to the command, stopCode UserInitiated.
// Not modelled: placement, capacity, ENIs, task overrides, more than one container, events
// streamed while the container runs (they arrive when it exits).
//
// ecs.ts routes RunTask (ecs-run-task.ts), DescribeTasks and StopTask of these tasks here;
// everything it needs comes in through OneOffTaskOptions.

import { randomBytes, randomUUID } from 'node:crypto';
import { join, resolve } from 'node:path';
import { SimError } from './kernel.js';
import type { LogsWorld } from './logs.js';
import { judgeDataDir, runCheckCommand, type SnapshotData } from './mongod.js';
import type { Timers } from './stack-world.js';
import type { TaskDefinitionSpec } from './template-ecs.js';

export interface OneOffTaskDefinition extends TaskDefinitionSpec {
  arn: string;
  family: string;
  revision: number;
}

export interface OneOffTaskOptions {
  timers: Timers;
  region: string;
  accountId: string;
  now(): number;
  logs: LogsWorld;
  /** File system id → the host directory holding its contents. */
  fileSystems: ReadonlyMap<string, string>;
  /** ECS's own check of the task's EFS volumes (ecs.ts): its reason, or undefined when they mount. */
  mountFailure(td: TaskDefinitionSpec): string | undefined;
  /** What the scenario says a snapshot's database holds (mongod.ts). */
  dataFor(snapshot: string): SnapshotData | undefined;
  /** Each task's container gets a fresh directory below this one. */
  workDir: string;
  /** The scenario's task start time, as for service tasks. */
  taskStartMs: number;
  /** The least time the container runs (mongod's recovery and the check), in simulated ms. */
  runMs: number;
}

export interface RunInput {
  cluster: { name: string; arn: string };
  taskDefinition: OneOffTaskDefinition;
  launchType?: string;
  startedBy?: string;
  clientToken?: string;
  /** Stop before RUNNING with this reason, as ECS does when it cannot pull the image or place the task. */
  startFailure?: string;
  /** Stay PROVISIONING until stopped: ECS finds no capacity to place the task. */
  stuck?: boolean;
}

export interface OneOffTask {
  id: string;
  arn: string;
  input: RunInput;
  lastStatus: 'PROVISIONING' | 'PENDING' | 'RUNNING' | 'DEACTIVATING' | 'STOPPED';
  desiredStatus: 'RUNNING' | 'STOPPED';
  createdAt: number;
  pullStartedAt?: number;
  pullStoppedAt?: number;
  startedAt?: number;
  stoppingAt?: number;
  stoppedAt?: number;
  stopCode?: string;
  stoppedReason?: string;
  exitCode?: number;
  runtimeId: string;
  containerArn: string;
  version: number;
  logStream?: { group: string; stream: string };
  stopCommand?: () => void;
  /** Ends a RUNNING task once its command has exited (and, unless stopped, runMs has passed). */
  settle?: () => void;
}

export interface OneOffTasks {
  run(input: RunInput): OneOffTask;
  find(cluster: { arn: string }, ref: string): OneOffTask | undefined;
  stop(task: OneOffTask, reason: string): void;
  /** The task as DescribeTasks and RunTask return it. */
  wire(task: OneOffTask): Record<string, unknown>;
  all(): readonly OneOffTask[];
}

export function createOneOffTasks(opts: OneOffTaskOptions): OneOffTasks {
  const tasks: OneOffTask[] = [];
  const T = opts.taskStartMs;
  const bump = (task: OneOffTask) => {
    task.version += 1;
  };

  const finish = (
    task: OneOffTask,
    fields: Pick<OneOffTask, 'stopCode' | 'stoppedReason'> & { exitCode?: number },
  ) => {
    if (task.lastStatus === 'STOPPED') return;
    Object.assign(task, fields, { desiredStatus: 'STOPPED', stoppingAt: task.stoppingAt ?? opts.now() });
    task.lastStatus = 'STOPPED';
    task.stoppedAt = opts.now();
    bump(task);
  };

  const start = (task: OneOffTask) => {
    if (task.desiredStatus === 'STOPPED') return finish(task, {});
    task.pullStoppedAt = opts.now();
    const td = task.input.taskDefinition;
    const failure = task.input.startFailure ?? opts.mountFailure(td);
    if (failure) return finish(task, { stopCode: 'TaskFailedToStart', stoppedReason: failure });
    task.lastStatus = 'RUNNING';
    task.startedAt = opts.now();
    bump(task);
    runContainer(task);
  };

  const runContainer = (task: OneOffTask) => {
    const td = task.input.taskDefinition;
    const container = td.containerDefinitions[0] ?? {};
    task.logStream = openLogStream(task, container);
    const argv = [...strings(container.entryPoint), ...strings(container.command)];
    const mount = hostMount(td, container);
    const run = mount
      ? runCheckCommand({
          argv,
          environment: environmentOf(container),
          containerPath: mount.containerPath,
          hostDir: mount.hostDir,
          judgement: judgeDataDir(mount.hostDir, opts.dataFor),
          workDir: join(opts.workDir, task.id),
        })
      : { result: Promise.resolve({ exitCode: 0, lines: [] }), stop: () => {} };
    task.stopCommand = run.stop;
    let minElapsed = false;
    let result: { exitCode: number; lines: string[] } | undefined;
    const settle = () => {
      if (!result || task.lastStatus !== 'RUNNING') return;
      const { exitCode } = result;
      if (task.desiredStatus === 'STOPPED') {
        // StopTask: the container stopped on its SIGTERM.
        writeLog(task, result.lines);
        finish(task, { stopCode: 'UserInitiated', stoppedReason: task.stoppedReason ?? '', exitCode });
        return;
      }
      if (!minElapsed) return;
      writeLog(task, result.lines);
      task.lastStatus = 'DEACTIVATING';
      task.stoppingAt = opts.now();
      bump(task);
      opts.timers.after(T * 0.1, () =>
        finish(task, {
          stopCode: 'EssentialContainerExited',
          stoppedReason: 'Essential container in task exited',
          exitCode,
        }),
      );
    };
    task.settle = settle;
    opts.timers.after(opts.runMs, () => {
      minElapsed = true;
      settle();
    });
    run.result.then((r) => {
      result = r;
      settle();
    });
  };

  const openLogStream = (task: OneOffTask, container: Record<string, unknown>) => {
    const config = container.logConfiguration as
      | { logDriver?: string; options?: Record<string, string> }
      | undefined;
    const group = config?.options?.['awslogs-group'];
    if (config?.logDriver !== 'awslogs' || !group) return undefined;
    const prefix = config.options?.['awslogs-stream-prefix'];
    const stream = prefix ? `${prefix}/${String(container.name)}/${task.id}` : task.runtimeId;
    opts.logs.createLogGroup(group);
    opts.logs.createLogStream(group, stream);
    return { group, stream };
  };

  const writeLog = (task: OneOffTask, lines: string[]) => {
    if (!task.logStream) return;
    const base = task.startedAt ?? opts.now();
    opts.logs.putLogEvents(
      task.logStream.group,
      task.logStream.stream,
      lines.map((message, i) => ({ timestamp: base + i, message })),
    );
  };

  const hostMount = (td: OneOffTaskDefinition, container: Record<string, unknown>) => {
    const mountPoints = (container.mountPoints ?? []) as { sourceVolume?: string; containerPath?: string }[];
    for (const m of mountPoints) {
      const efs = td.volumes.find((v) => v.name === m.sourceVolume)?.efsVolumeConfiguration;
      const fsDir = efs ? opts.fileSystems.get(efs.fileSystemId) : undefined;
      if (!efs || fsDir === undefined || !m.containerPath) continue;
      const root = efs.rootDirectory ?? '/';
      return {
        containerPath: m.containerPath,
        hostDir: resolve(fsDir, `.${root.startsWith('/') ? root : `/${root}`}`),
      };
    }
    return undefined;
  };

  return {
    run(input) {
      const same = sameToken(tasks, input, opts.now());
      if (same) return same;
      const id = randomBytes(16).toString('hex');
      const task: OneOffTask = {
        id,
        arn: `arn:aws:ecs:${opts.region}:${opts.accountId}:task/${input.cluster.name}/${id}`,
        input,
        lastStatus: 'PROVISIONING',
        desiredStatus: 'RUNNING',
        createdAt: opts.now(),
        runtimeId: `${id}-${randomDigits(10)}`,
        containerArn: `arn:aws:ecs:${opts.region}:${opts.accountId}:container/${input.cluster.name}/${id}/${randomUUID()}`,
        version: 1,
      };
      tasks.push(task);
      if (input.stuck === true) return task;
      opts.timers.after(T * 0.25, () => {
        if (task.lastStatus !== 'PROVISIONING') return;
        task.lastStatus = 'PENDING';
        task.pullStartedAt = opts.now();
        bump(task);
        opts.timers.after(T * 0.75, () => start(task));
      });
      return task;
    },

    find(cluster, ref) {
      return tasks.find((t) => t.input.cluster.arn === cluster.arn && (t.arn === ref || t.id === ref));
    },

    stop(task, reason) {
      if (task.desiredStatus === 'STOPPED') return;
      task.desiredStatus = 'STOPPED';
      task.stopCode = 'UserInitiated';
      task.stoppedReason = reason;
      task.stoppingAt = opts.now();
      bump(task);
      if (task.lastStatus === 'RUNNING') {
        task.stopCommand?.();
        task.settle?.();
      } else if (task.lastStatus !== 'STOPPED') {
        finish(task, { stopCode: 'UserInitiated', stoppedReason: reason });
      }
    },

    wire: (task) => taskWire(task, opts.region),
    all: () => tasks,
  };
}

/** RunTask's client token is scoped to the cluster and lives 24 hours (ECS_Idempotency). */
const CLIENT_TOKEN_TTL_MS = 24 * 3_600_000;

/** The task an earlier RunTask with this token started; a token reused with other parameters is a conflict. */
function sameToken(tasks: readonly OneOffTask[], input: RunInput, now: number): OneOffTask | undefined {
  if (input.clientToken === undefined) return undefined;
  const same = tasks.find(
    (t) =>
      t.input.clientToken === input.clientToken &&
      t.input.cluster.arn === input.cluster.arn &&
      now - t.createdAt < CLIENT_TOKEN_TTL_MS,
  );
  if (!same) return undefined;
  const differs =
    same.input.taskDefinition.arn !== input.taskDefinition.arn ||
    same.input.startedBy !== input.startedBy ||
    same.input.launchType !== input.launchType;
  if (differs) {
    throw new SimError(
      'ConflictException',
      'The client token has already been used with different request parameters.',
    );
  }
  return same;
}

function taskWire(t: OneOffTask, region: string): Record<string, unknown> {
  const td = t.input.taskDefinition;
  const container = td.containerDefinitions[0] ?? {};
  const seconds = (ms: number | undefined) => (ms === undefined ? undefined : ms / 1000);
  const containerStatus =
    t.lastStatus === 'STOPPED' ? 'STOPPED' : t.lastStatus === 'RUNNING' ? 'RUNNING' : 'PENDING';
  return {
    attachments: [],
    availabilityZone: `${region}a`,
    clusterArn: t.input.cluster.arn,
    containers: [
      {
        containerArn: t.containerArn,
        taskArn: t.arn,
        name: container.name,
        image: container.image,
        ...(t.startedAt === undefined ? {} : { runtimeId: t.runtimeId }),
        lastStatus: containerStatus,
        ...(t.exitCode === undefined ? {} : { exitCode: t.exitCode }),
        ...(t.stopCode === 'TaskFailedToStart' ? { reason: t.stoppedReason } : {}),
        networkBindings: [],
        networkInterfaces: [],
        healthStatus: 'UNKNOWN',
      },
    ],
    createdAt: seconds(t.createdAt),
    desiredStatus: t.desiredStatus,
    group: `family:${td.family}`,
    healthStatus: 'UNKNOWN',
    lastStatus: t.lastStatus,
    launchType: t.input.launchType ?? 'FARGATE',
    ...(td.cpu === undefined ? {} : { cpu: td.cpu }),
    ...(td.memory === undefined ? {} : { memory: td.memory }),
    platformVersion: '1.4.0',
    platformFamily: 'Linux',
    ...(t.pullStartedAt === undefined ? {} : { pullStartedAt: seconds(t.pullStartedAt) }),
    ...(t.pullStoppedAt === undefined ? {} : { pullStoppedAt: seconds(t.pullStoppedAt) }),
    ...(t.startedAt === undefined ? {} : { startedAt: seconds(t.startedAt) }),
    ...(t.input.startedBy === undefined ? {} : { startedBy: t.input.startedBy }),
    ...(t.stopCode === undefined ? {} : { stopCode: t.stopCode }),
    ...(t.stoppingAt === undefined ? {} : { stoppingAt: seconds(t.stoppingAt) }),
    ...(t.stoppedAt === undefined
      ? {}
      : { stoppedAt: seconds(t.stoppedAt), executionStoppedAt: seconds(t.stoppedAt) }),
    ...(t.stoppedReason === undefined ? {} : { stoppedReason: t.stoppedReason }),
    tags: [],
    taskArn: t.arn,
    taskDefinitionArn: td.arn,
    version: t.version,
  };
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function environmentOf(container: Record<string, unknown>): { name: string; value: string }[] {
  const env = (container.environment ?? []) as { name?: unknown; value?: unknown }[];
  return env.flatMap((e) =>
    typeof e.name === 'string' && typeof e.value === 'string' ? [{ name: e.name, value: e.value }] : [],
  );
}

function randomDigits(n: number): string {
  let out = '';
  while (out.length < n) out += String((randomBytes(1)[0] ?? 0) % 10);
  return out;
}
