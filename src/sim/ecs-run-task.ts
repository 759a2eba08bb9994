// The ECS operations of one-off tasks, beside the service scheduler in ecs.ts:
// RegisterTaskDefinition, DeregisterTaskDefinition and RunTask, as the API reference documents them.
// - RegisterTaskDefinition: `family` (up to 255 letters, digits, - and _) and at least one
//   container with a name and an image; FARGATE needs awsvpc and task-level cpu and memory. Each
//   call adds the family's next revision, ACTIVE.
//   https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_RegisterTaskDefinition.html
// - DeregisterTaskDefinition: `family:revision` or an ARN ("You must specify a revision"); the
//   revision becomes INACTIVE and running tasks are unaffected. The reference does not say what a
//   second call returns; here it returns the INACTIVE revision again.
//   https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DeregisterTaskDefinition.html
// - RunTask: an INACTIVE revision cannot run new tasks; awsvpc needs a networkConfiguration;
//   `count` 1 to 10; `startedBy` up to 128 characters; the client token up to 64 ASCII
//   characters (one-off-task.ts keeps it 24 hours, scoped to the cluster). A placement that fails
//   comes back in `failures`, not as an error.
//   https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_RunTask.html
//   https://docs.aws.amazon.com/AmazonECS/latest/developerguide/api_failures_messages.html

import type { Faults, OpInput } from './kernel.js';
import { SimError } from './kernel.js';
import type { OneOffTaskDefinition, OneOffTasks } from './one-off-task.js';
import type { TaskDefinitionSpec } from './template-ecs.js';

export interface RunTaskContext {
  faults: Faults;
  oneOff: OneOffTasks;
  findCluster(ref: unknown): { name: string; arn: string };
  findTaskDefinition(ref: string): (OneOffTaskDefinition & { status: 'ACTIVE' | 'INACTIVE' }) | undefined;
  register(spec: TaskDefinitionSpec & { family: string }): string;
  deregister(arn: string): void;
  wire(td: OneOffTaskDefinition): unknown;
}

/** What Fargate answers when it has no capacity for a task (re:Post knowledge center, ecs-fargate-runtask-capacity). */
export const NO_CAPACITY =
  'Capacity is unavailable at this time. Please try again later or in a different availability zone';

const FAMILY = /^[A-Za-z0-9_-]{1,255}$/;
const STARTED_BY = /^[A-Za-z0-9/_-]{1,128}$/;
/** Printable ASCII, up to 64 characters (ECS_Idempotency). */
const CLIENT_TOKEN = /^[\x21-\x7e]{1,64}$/;

export function runTaskOps(ctx: RunTaskContext): Record<string, (input: OpInput) => unknown> {
  return {
    RegisterTaskDefinition(input) {
      const spec = taskDefinitionSpecOf(input);
      const arn = ctx.register(spec);
      return { taskDefinition: ctx.wire(ctx.findTaskDefinition(arn) as OneOffTaskDefinition), tags: [] };
    },

    DeregisterTaskDefinition(input) {
      const ref = typeof input.taskDefinition === 'string' ? input.taskDefinition : '';
      if (!ref.startsWith('arn:') && !/^[A-Za-z0-9_-]+:\d+$/.test(ref)) {
        throw new SimError('ClientException', 'You must specify a revision of the task definition.');
      }
      const td = ctx.findTaskDefinition(ref);
      if (!td) throw new SimError('ClientException', 'The specified task definition does not exist.');
      ctx.deregister(td.arn);
      return { taskDefinition: ctx.wire(td) };
    },

    RunTask(input) {
      const cluster = ctx.findCluster(input.cluster);
      const ref = typeof input.taskDefinition === 'string' ? input.taskDefinition : '';
      if (ref === '') throw new SimError('InvalidParameterException', 'TaskDefinition cannot be empty.');
      const td = ctx.findTaskDefinition(ref);
      if (!td) throw new SimError('ClientException', 'TaskDefinition not found.');
      if (td.status !== 'ACTIVE') throw new SimError('ClientException', 'TaskDefinition is inactive');
      checkRunInput(input, td);
      const failure = ctx.faults.take('runTaskFails');
      if (failure !== undefined) {
        return { tasks: [], failures: [{ arn: td.arn, reason: failure === true ? NO_CAPACITY : failure }] };
      }
      const start = ctx.faults.take('oneOffTaskStart');
      const image = String(td.containerDefinitions[0]?.image ?? '');
      const task = ctx.oneOff.run({
        cluster,
        taskDefinition: td,
        ...(typeof input.launchType === 'string' ? { launchType: input.launchType } : {}),
        ...(typeof input.startedBy === 'string' ? { startedBy: input.startedBy } : {}),
        ...(typeof input.clientToken === 'string' ? { clientToken: input.clientToken } : {}),
        ...(start === 'pull_error'
          ? {
              startFailure: `CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref ${image}: not found`,
            }
          : {}),
        ...(start === 'stuck' ? { stuck: true } : {}),
      });
      return { tasks: [ctx.oneOff.wire(task)], failures: [] };
    },
  };
}

function checkRunInput(input: OpInput, td: OneOffTaskDefinition): void {
  const count = input.count === undefined ? 1 : Number(input.count);
  if (!Number.isInteger(count) || count < 1 || count > 10) {
    throw new SimError('InvalidParameterException', 'count must be between 1 and 10.');
  }
  if (count !== 1) throw new SimError('InvalidParameterException', 'The simulator runs one task a call.');
  if (input.startedBy !== undefined && !STARTED_BY.test(String(input.startedBy))) {
    throw new SimError(
      'InvalidParameterException',
      'startedBy must be up to 128 letters, digits, -, / and _.',
    );
  }
  if (input.clientToken !== undefined && !CLIENT_TOKEN.test(String(input.clientToken))) {
    throw new SimError('InvalidParameterException', 'clientToken must be up to 64 ASCII characters.');
  }
  if (td.networkMode === 'awsvpc' && input.networkConfiguration === undefined) {
    throw new SimError(
      'InvalidParameterException',
      "Network Configuration must be provided when networkMode 'awsvpc' is specified.",
    );
  }
}

function taskDefinitionSpecOf(input: OpInput): TaskDefinitionSpec & { family: string } {
  const family = typeof input.family === 'string' ? input.family : '';
  if (!FAMILY.test(family)) {
    throw new SimError(
      'ClientException',
      'Family contains invalid characters: up to 255 letters, numbers, hyphens and underscores.',
    );
  }
  const containers = Array.isArray(input.containerDefinitions) ? input.containerDefinitions : [];
  if (containers.length === 0) {
    throw new SimError('ClientException', 'Container list cannot be empty.');
  }
  for (const c of containers as Record<string, unknown>[]) {
    if (typeof c?.name !== 'string' || typeof c.image !== 'string') {
      throw new SimError(
        'ClientException',
        'Container.name and Container.image should not be null or empty.',
      );
    }
  }
  const str = (key: string) => (typeof input[key] === 'string' ? { [key]: input[key] as string } : {});
  const compat = Array.isArray(input.requiresCompatibilities)
    ? (input.requiresCompatibilities as string[])
    : [];
  if (compat.includes('FARGATE')) {
    if (input.networkMode !== 'awsvpc') {
      throw new SimError('ClientException', 'Fargate only supports network mode ‘awsvpc’.');
    }
    if (typeof input.cpu !== 'string' || typeof input.memory !== 'string') {
      throw new SimError('ClientException', "Fargate requires that 'cpu' be defined at the task level.");
    }
    const awslogs = (containers as { logConfiguration?: { logDriver?: unknown } }[]).some(
      (c) => c.logConfiguration?.logDriver === 'awslogs',
    );
    if (awslogs && typeof input.executionRoleArn !== 'string') {
      throw new SimError(
        'ClientException',
        'Fargate requires task definition to have execution role ARN to support log driver awslogs.',
      );
    }
  }
  return {
    family,
    containerDefinitions: structuredClone(containers) as Record<string, unknown>[],
    volumes: structuredClone(
      Array.isArray(input.volumes) ? input.volumes : [],
    ) as TaskDefinitionSpec['volumes'],
    ...(compat.length > 0 ? { requiresCompatibilities: compat } : {}),
    ...str('cpu'),
    ...str('memory'),
    ...str('networkMode'),
    ...str('executionRoleArn'),
    ...str('taskRoleArn'),
  };
}
