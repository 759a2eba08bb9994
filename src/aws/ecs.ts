import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  type ECSClient,
  paginateListTaskDefinitions,
  paginateListTasks,
  type Task as SdkTask,
  StopTaskCommand,
  waitUntilServicesStable,
} from '@aws-sdk/client-ecs';
import { AwsCallError, call, toAwsCallError } from './errors.js';
import type { EcsPort, Task, WaitTiming } from './ports.js';

/** DescribeTasks takes at most 100 tasks a call. */
const DESCRIBE_TASKS_BATCH = 100;

export function createEcsPort(client: ECSClient, timing: WaitTiming): EcsPort {
  return {
    async describeService(cluster, service) {
      const r = await call('DescribeServices', () =>
        client.send(new DescribeServicesCommand({ cluster, services: [service] })),
      );
      const s = r.services?.[0];
      if (!s) {
        const reason = r.failures?.[0]?.reason ?? 'MISSING';
        throw new AwsCallError('DescribeServices', 'ServiceNotFound', `Service ${service}: ${reason}`);
      }
      return {
        arn: s.serviceArn ?? '',
        name: s.serviceName ?? service,
        clusterArn: s.clusterArn ?? '',
        status: s.status ?? 'UNKNOWN',
        taskDefinitionArn: s.taskDefinition ?? '',
        desiredCount: s.desiredCount ?? 0,
        runningCount: s.runningCount ?? 0,
        deployments: (s.deployments ?? []).map((d) => ({
          id: d.id ?? '',
          status: d.status ?? '',
          rolloutState: d.rolloutState,
          taskDefinitionArn: d.taskDefinition ?? '',
          desiredCount: d.desiredCount ?? 0,
          runningCount: d.runningCount ?? 0,
          pendingCount: d.pendingCount ?? 0,
        })),
        events: (s.events ?? []).slice(0, 10).map((e) => ({
          at: e.createdAt ?? new Date(0),
          message: e.message ?? '',
        })),
      };
    },

    async listServiceTasks(cluster, service, desiredStatus = 'RUNNING') {
      const arns: string[] = [];
      try {
        for await (const page of paginateListTasks(
          { client },
          { cluster, serviceName: service, desiredStatus },
        )) {
          arns.push(...(page.taskArns ?? []));
        }
      } catch (error) {
        throw toAwsCallError('ListTasks', error);
      }
      const tasks: Task[] = [];
      for (let i = 0; i < arns.length; i += DESCRIBE_TASKS_BATCH) {
        const batch = arns.slice(i, i + DESCRIBE_TASKS_BATCH);
        const r = await call('DescribeTasks', () =>
          client.send(new DescribeTasksCommand({ cluster, tasks: batch })),
        );
        tasks.push(...(r.tasks ?? []).map(toTask));
      }
      return tasks;
    },

    async describeTaskDefinition(arn) {
      const r = await call('DescribeTaskDefinition', () =>
        client.send(new DescribeTaskDefinitionCommand({ taskDefinition: arn })),
      );
      const td = r.taskDefinition;
      if (!td?.taskDefinitionArn) {
        throw new AwsCallError(
          'DescribeTaskDefinition',
          'ClientException',
          `Unable to describe task definition ${arn}.`,
        );
      }
      return {
        arn: td.taskDefinitionArn,
        family: td.family ?? '',
        revision: td.revision ?? 0,
        ...(td.registeredAt === undefined ? {} : { registeredAt: td.registeredAt }),
        ...(td.deregisteredAt === undefined ? {} : { deregisteredAt: td.deregisteredAt }),
        ...(td.status === undefined ? {} : { status: td.status }),
        hasHealthCheck: (td.containerDefinitions ?? []).some((c) => c.healthCheck !== undefined),
        volumes: (td.volumes ?? []).map((v) => ({
          name: v.name ?? '',
          fileSystemId: v.efsVolumeConfiguration?.fileSystemId,
          rootDirectory:
            v.efsVolumeConfiguration?.rootDirectory ?? (v.efsVolumeConfiguration ? '/' : undefined),
        })),
      };
    },

    async listTaskDefinitionRevisions(family) {
      const arns: string[] = [];
      try {
        for (const status of ['ACTIVE', 'INACTIVE'] as const) {
          for await (const page of paginateListTaskDefinitions(
            { client },
            { familyPrefix: family, status, sort: 'ASC' },
          )) {
            arns.push(...(page.taskDefinitionArns ?? []));
          }
        }
      } catch (error) {
        throw toAwsCallError('ListTaskDefinitions', error);
      }
      const revision = (arn: string) => Number(arn.split(':').at(-1));
      return arns.sort((a, b) => revision(a) - revision(b));
    },

    async stopTask(cluster, taskArn, reason) {
      await call('StopTask', () => client.send(new StopTaskCommand({ cluster, task: taskArn, reason })));
    },

    async waitServiceStable(cluster, service, maxWaitSeconds) {
      try {
        await waitUntilServicesStable(
          {
            client,
            maxWaitTime: maxWaitSeconds,
            minDelay: timing.minDelaySeconds,
            maxDelay: timing.maxDelaySeconds,
          },
          { cluster, services: [service] },
        );
      } catch (error) {
        throw toAwsCallError('waitUntilServicesStable', error);
      }
    },
  };
}

function toTask(t: SdkTask): Task {
  return {
    arn: t.taskArn ?? '',
    taskDefinitionArn: t.taskDefinitionArn ?? '',
    lastStatus: t.lastStatus ?? 'UNKNOWN',
    desiredStatus: t.desiredStatus ?? 'UNKNOWN',
    healthStatus: t.healthStatus,
    stoppedReason: t.stoppedReason,
    startedAt: t.startedAt,
    stoppedAt: t.stoppedAt,
  };
}
