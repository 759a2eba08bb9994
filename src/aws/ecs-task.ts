// The ECS calls of the check stage: a one-off task of the chat-db image on a restored directory.
// A port of its own beside EcsPort (ports.ts), to be merged with it later.
//
// - registerCheckTaskDefinition: DescribeTaskDefinition of the service's revision, then
//   RegisterTaskDefinition of a copy whose chat-db volume has the new RootDirectory and whose
//   container runs the check. Same image, roles, network mode, log configuration, cpu and memory.
// - runCheckTask: RunTask in the service's cluster with the service's launch type (or capacity
//   providers), platform version and network configuration, read with DescribeServices; a client
//   token makes a retried call return the same task.
// - describeCheckTask / waitCheckTaskStopped: DescribeTasks, and the SDK's tasksStopped waiter.
// - deregisterCheckTaskDefinition: DeregisterTaskDefinition.

import {
  type ContainerDefinition,
  DeregisterTaskDefinitionCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  type ECSClient,
  paginateListTaskDefinitions,
  RegisterTaskDefinitionCommand,
  type RegisterTaskDefinitionCommandInput,
  RunTaskCommand,
  type RunTaskCommandInput,
  type Task as SdkTask,
  type TaskDefinition as SdkTaskDefinition,
  waitUntilTasksStopped,
} from '@aws-sdk/client-ecs';
import { AwsCallError, call, toAwsCallError } from './errors.js';
import type { WaitTiming } from './ports.js';

export interface ContainerCommand {
  entryPoint: string[];
  command: string[];
  environment: { name: string; value: string }[];
}

export interface CheckTaskDefinitionInput {
  /** The revision to copy: the chat-db service's task definition. */
  from: string;
  /** Defaults to the copied revision's family. */
  family?: string;
  /** The EFS volume that gets the restored directory as its root. */
  volumeName: string;
  rootDirectory: string;
  /** The check's command, given where the volume is mounted in the container. */
  container(mount: { containerName: string; containerPath: string }): ContainerCommand;
}

/** Where the check container's log goes (the awslogs driver's options). */
export interface CheckLogTarget {
  group: string;
  region?: string;
  /** Streams are `<prefix>/<container>/<task id>`; without a prefix, the Docker container id. */
  streamPrefix?: string;
}

export interface CheckTaskDefinition {
  arn: string;
  family: string;
  revision: number;
  containerName: string;
  log: CheckLogTarget;
}

/** A check revision as DescribeTaskDefinition shows it: where its volume points, and whether it is ACTIVE. */
export interface DescribedCheckTaskDefinition extends CheckTaskDefinition {
  /** The named EFS volume's RootDirectory ('/' when unset); undefined without that volume. */
  rootDirectory?: string;
  status: string;
}

export interface CheckTask {
  arn: string;
  /** PROVISIONING, PENDING, ACTIVATING, RUNNING, DEACTIVATING, STOPPING, DEPROVISIONING, STOPPED. */
  lastStatus: string;
  desiredStatus: string;
  stopCode?: string;
  stoppedReason?: string;
  /** The check container's exit code, once it has exited. */
  exitCode?: number;
  /** Why the container stopped, when ECS says (e.g. CannotPullContainerError: …). */
  containerReason?: string;
  /** The Docker container id: the log stream's name when the awslogs driver has no prefix. */
  runtimeId?: string;
  startedAt?: Date;
  stoppedAt?: Date;
}

export interface RunCheckTaskInput {
  cluster: string;
  /** The chat-db service, whose launch settings and network configuration the task copies. */
  service: string;
  taskDefinitionArn: string;
  /** RunTask's idempotency token (at most 64 characters), derived from the session. */
  clientToken: string;
  /** Shown on the task, e.g. `chatdb-restore/<session>` (at most 128 characters). */
  startedBy: string;
}

export interface CheckTaskPort {
  registerCheckTaskDefinition(input: CheckTaskDefinitionInput): Promise<CheckTaskDefinition>;
  runCheckTask(input: RunCheckTaskInput): Promise<CheckTask>;
  /** undefined when ECS no longer knows the task (stopped tasks are kept for at least an hour). */
  describeCheckTask(cluster: string, taskArn: string): Promise<CheckTask | undefined>;
  /** The SDK's tasksStopped waiter. Throws WaiterTimeout or the waiter's failure. */
  waitCheckTaskStopped(cluster: string, taskArn: string, maxWaitSeconds: number): Promise<void>;
  deregisterCheckTaskDefinition(arn: string): Promise<void>;
  /**
   * The ACTIVE revisions of exactly this family, oldest first: a check revision registered just
   * before a crash is found here (RegisterTaskDefinition takes no idempotency token).
   */
  listActiveRevisions(family: string): Promise<string[]>;
  /** A check revision: its container, log target and the root of the volume `volumeName`. */
  describeCheckTaskDefinition(arn: string, volumeName: string): Promise<DescribedCheckTaskDefinition>;
}

export type CheckTaskDefinitionErrorCode = 'volume_not_found' | 'volume_not_mounted' | 'no_awslogs';

/** The service's task definition cannot be turned into a check (what it lacks is in `code`). */
export class CheckTaskDefinitionError extends Error {
  constructor(
    readonly code: CheckTaskDefinitionErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'CheckTaskDefinitionError';
  }
}

export function createCheckTaskPort(client: ECSClient, timing: WaitTiming): CheckTaskPort {
  return {
    async registerCheckTaskDefinition(input) {
      const described = await call('DescribeTaskDefinition', () =>
        client.send(new DescribeTaskDefinitionCommand({ taskDefinition: input.from })),
      );
      if (!described.taskDefinition) {
        throw new AwsCallError(
          'DescribeTaskDefinition',
          'ClientException',
          `Unable to describe task definition ${input.from}.`,
        );
      }
      const { request, containerName, log } = checkTaskDefinitionRequest(described.taskDefinition, input);
      const r = await call('RegisterTaskDefinition', () =>
        client.send(new RegisterTaskDefinitionCommand(request)),
      );
      const td = r.taskDefinition;
      if (!td?.taskDefinitionArn) {
        throw new AwsCallError(
          'RegisterTaskDefinition',
          'ClientException',
          'RegisterTaskDefinition returned no task definition.',
        );
      }
      return {
        arn: td.taskDefinitionArn,
        family: td.family ?? request.family ?? '',
        revision: td.revision ?? 0,
        containerName,
        log,
      };
    },

    async runCheckTask(input) {
      const services = await call('DescribeServices', () =>
        client.send(new DescribeServicesCommand({ cluster: input.cluster, services: [input.service] })),
      );
      const svc = services.services?.[0];
      if (!svc) {
        const reason = services.failures?.[0]?.reason ?? 'MISSING';
        throw new AwsCallError('DescribeServices', 'ServiceNotFound', `Service ${input.service}: ${reason}`);
      }
      const request: RunTaskCommandInput = {
        cluster: input.cluster,
        taskDefinition: input.taskDefinitionArn,
        count: 1,
        clientToken: input.clientToken,
        startedBy: input.startedBy,
        ...(svc.capacityProviderStrategy?.length
          ? { capacityProviderStrategy: svc.capacityProviderStrategy }
          : svc.launchType
            ? { launchType: svc.launchType }
            : {}),
        ...(svc.platformVersion ? { platformVersion: svc.platformVersion } : {}),
        ...(svc.networkConfiguration ? { networkConfiguration: svc.networkConfiguration } : {}),
      };
      const r = await call('RunTask', () => client.send(new RunTaskCommand(request)));
      const task = r.tasks?.[0];
      if (!task) {
        const failure = r.failures?.[0];
        throw new AwsCallError(
          'RunTask',
          failure?.reason ?? 'NoTaskStarted',
          [failure?.arn, failure?.reason, failure?.detail].filter(Boolean).join(': ') ||
            'RunTask started no task.',
        );
      }
      return toCheckTask(task);
    },

    async describeCheckTask(cluster, taskArn) {
      const r = await call('DescribeTasks', () =>
        client.send(new DescribeTasksCommand({ cluster, tasks: [taskArn] })),
      );
      const task = r.tasks?.[0];
      return task ? toCheckTask(task) : undefined;
    },

    async waitCheckTaskStopped(cluster, taskArn, maxWaitSeconds) {
      try {
        await waitUntilTasksStopped(
          {
            client,
            maxWaitTime: maxWaitSeconds,
            minDelay: timing.minDelaySeconds,
            maxDelay: timing.maxDelaySeconds,
          },
          { cluster, tasks: [taskArn] },
        );
      } catch (error) {
        throw toAwsCallError('waitUntilTasksStopped', error);
      }
    },

    async listActiveRevisions(family) {
      const arns: string[] = [];
      try {
        for await (const page of paginateListTaskDefinitions(
          { client },
          { familyPrefix: family, status: 'ACTIVE', sort: 'ASC' },
        )) {
          arns.push(...(page.taskDefinitionArns ?? []));
        }
      } catch (error) {
        throw toAwsCallError('ListTaskDefinitions', error);
      }
      // The API reference calls familyPrefix "the full family name"; its name says prefix. Either
      // way only this family's own revisions count.
      return arns.filter((arn) => arn.slice(arn.lastIndexOf('/') + 1).replace(/:\d+$/, '') === family);
    },

    async describeCheckTaskDefinition(arn, volumeName) {
      const r = await call('DescribeTaskDefinition', () =>
        client.send(new DescribeTaskDefinitionCommand({ taskDefinition: arn })),
      );
      const td = r.taskDefinition;
      const container = td?.containerDefinitions?.[0];
      if (!td?.taskDefinitionArn || !container?.name) {
        throw new AwsCallError(
          'DescribeTaskDefinition',
          'ClientException',
          `Unable to describe task definition ${arn}.`,
        );
      }
      const efs = td.volumes?.find((v) => v.name === volumeName)?.efsVolumeConfiguration;
      return {
        arn: td.taskDefinitionArn,
        family: td.family ?? '',
        revision: td.revision ?? 0,
        containerName: container.name,
        log: awslogsTarget(container),
        ...(efs === undefined ? {} : { rootDirectory: efs.rootDirectory ?? '/' }),
        status: td.status ?? 'UNKNOWN',
      };
    },

    async deregisterCheckTaskDefinition(arn) {
      await call('DeregisterTaskDefinition', () =>
        client.send(new DeregisterTaskDefinitionCommand({ taskDefinition: arn })),
      );
    },
  };
}

/**
 * The RegisterTaskDefinition request for the check: only the container that mounts the volume,
 * only that volume, with the new root. The container loses what would tie it to production or
 * keep it from being placed beside the running chat-db task on the same host: port mappings,
 * links, dependencies on the dropped containers, the health check (a one-off task is not
 * replaced when unhealthy, and mongod is not on the usual port), and secrets it does not need.
 */
export function checkTaskDefinitionRequest(
  td: SdkTaskDefinition,
  input: CheckTaskDefinitionInput,
): { request: RegisterTaskDefinitionCommandInput; containerName: string; log: CheckLogTarget } {
  const volume = (td.volumes ?? []).find((v) => v.name === input.volumeName);
  if (!volume?.efsVolumeConfiguration) {
    throw new CheckTaskDefinitionError(
      'volume_not_found',
      `${td.taskDefinitionArn ?? input.from} has no EFS volume named ${input.volumeName}.`,
    );
  }
  const container = (td.containerDefinitions ?? []).find((c) =>
    (c.mountPoints ?? []).some((m) => m.sourceVolume === input.volumeName && m.containerPath),
  );
  const mount = container?.mountPoints?.find((m) => m.sourceVolume === input.volumeName);
  if (!container?.name || !mount?.containerPath) {
    throw new CheckTaskDefinitionError(
      'volume_not_mounted',
      `No container of ${td.family} mounts ${input.volumeName}.`,
    );
  }
  const log = awslogsTarget(container);
  const command = input.container({ containerName: container.name, containerPath: mount.containerPath });
  const ours = new Set(command.environment.map((e) => e.name));
  const {
    portMappings: _ports,
    links: _links,
    dependsOn: _dependsOn,
    healthCheck: _healthCheck,
    secrets: _secrets,
    readonlyRootFilesystem: _readonly,
    ...kept
  } = container;
  const checkContainer: ContainerDefinition = {
    ...kept,
    essential: true,
    entryPoint: command.entryPoint,
    command: command.command,
    environment: [
      ...(container.environment ?? []).filter((e) => !ours.has(e.name ?? '')),
      ...command.environment,
    ],
    mountPoints: [{ ...mount, readOnly: false }],
    volumesFrom: [],
  };
  const request: RegisterTaskDefinitionCommandInput = {
    family: input.family ?? td.family,
    containerDefinitions: [checkContainer],
    volumes: [
      {
        ...volume,
        efsVolumeConfiguration: { ...volume.efsVolumeConfiguration, rootDirectory: input.rootDirectory },
      },
    ],
    ...(td.taskRoleArn ? { taskRoleArn: td.taskRoleArn } : {}),
    ...(td.executionRoleArn ? { executionRoleArn: td.executionRoleArn } : {}),
    ...(td.networkMode ? { networkMode: td.networkMode } : {}),
    ...(td.requiresCompatibilities ? { requiresCompatibilities: td.requiresCompatibilities } : {}),
    ...(td.cpu ? { cpu: td.cpu } : {}),
    ...(td.memory ? { memory: td.memory } : {}),
    ...(td.runtimePlatform ? { runtimePlatform: td.runtimePlatform } : {}),
    ...(td.ephemeralStorage ? { ephemeralStorage: td.ephemeralStorage } : {}),
    ...(td.placementConstraints?.length ? { placementConstraints: td.placementConstraints } : {}),
  };
  return { request, containerName: container.name, log };
}

function awslogsTarget(container: ContainerDefinition): CheckLogTarget {
  const config = container.logConfiguration;
  const group = config?.options?.['awslogs-group'];
  if (config?.logDriver !== 'awslogs' || !group) {
    throw new CheckTaskDefinitionError(
      'no_awslogs',
      `Container ${container.name} does not log to CloudWatch Logs (awslogs with awslogs-group), so the check's report could not be read.`,
    );
  }
  const region = config.options?.['awslogs-region'];
  const streamPrefix = config.options?.['awslogs-stream-prefix'];
  return { group, ...(region ? { region } : {}), ...(streamPrefix ? { streamPrefix } : {}) };
}

/** The CloudWatch Logs stream of the check container of a task, as the awslogs driver names it. */
export function checkLogStream(
  log: CheckLogTarget,
  containerName: string,
  task: CheckTask,
): string | undefined {
  if (log.streamPrefix === undefined) return task.runtimeId;
  const taskId = task.arn.slice(task.arn.lastIndexOf('/') + 1);
  return `${log.streamPrefix}/${containerName}/${taskId}`;
}

function toCheckTask(t: SdkTask): CheckTask {
  // The task has one container, the check.
  const c = t.containers?.[0];
  return {
    arn: t.taskArn ?? '',
    lastStatus: t.lastStatus ?? 'UNKNOWN',
    desiredStatus: t.desiredStatus ?? 'UNKNOWN',
    ...(t.stopCode ? { stopCode: t.stopCode } : {}),
    ...(t.stoppedReason ? { stoppedReason: t.stoppedReason } : {}),
    ...(c?.exitCode === undefined ? {} : { exitCode: c.exitCode }),
    ...(c?.reason ? { containerReason: c.reason } : {}),
    ...(c?.runtimeId ? { runtimeId: c.runtimeId } : {}),
    ...(t.startedAt ? { startedAt: t.startedAt } : {}),
    ...(t.stoppedAt ? { stoppedAt: t.stoppedAt } : {}),
  };
}
