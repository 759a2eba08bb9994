// ECS through the real SDK client against the simulator: the operations the bot uses, the
// ListTasks paginator, and the servicesStable waiter, and rolling deployments as ECS documents
// them: stalled at 100 %/100 % until the old task is stopped, start-first with maximumPercent
// room, stop-first with minimumHealthyPercent 0, and "unable to place" on EC2 with a host port.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  CloudFormationClient,
  CreateChangeSetCommand,
  DescribeStackResourceCommand,
  DescribeStacksCommand,
  ExecuteChangeSetCommand,
  waitUntilChangeSetCreateComplete,
  waitUntilStackUpdateComplete,
} from '@aws-sdk/client-cloudformation';
import {
  ClientException,
  ClusterNotFoundException,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ECSClient,
  InvalidParameterException,
  ListTasksCommand,
  paginateListTasks,
  ServiceNotFoundException,
  StopTaskCommand,
  type Task,
  waitUntilServicesStable,
} from '@aws-sdk/client-ecs';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_TEMPLATE } from '../../src/sim/default-template.js';
import type { Simulator } from '../../src/sim/server.js';
import { waitFor } from '../helpers/wait.js';
import { clientConfig, DB_FS, DUMP_FS, withSim } from './support.js';

const STACK = 'rocket-chat';
const LIVE_ROOT = '/aws-backup-restore_2026-05-14T17-27-00-417720408Z';
const NEW_ROOT = '/chatdb-restore_2026-06-01T10-00-00Z';
const WAIT = { minDelay: 0.05, maxDelay: 0.2 };

let sim: Simulator | undefined;
let ecs: ECSClient;
let cfn: CloudFormationClient;

afterEach(async () => {
  ecs?.destroy();
  cfn?.destroy();
  await sim?.close();
  sim = undefined;
});

/** A fresh world at 1000× speed: a 60 s task start takes 60 ms, CloudFormation's 3 h limit 10.8 s. */
async function start(faults: Record<string, unknown> = {}, templateBody?: string) {
  sim = await withSim({
    speed: 1000,
    scenario: { faults, ...(templateBody === undefined ? {} : { templateBody }) },
  });
  ecs = new ECSClient(clientConfig(sim));
  cfn = new CloudFormationClient(clientConfig(sim));
  const { StackResourceDetail } = await cfn.send(
    new DescribeStackResourceCommand({ StackName: STACK, LogicalResourceId: 'Cluster' }),
  );
  return { sim, cluster: StackResourceDetail?.PhysicalResourceId as string };
}

async function serviceTasks(
  cluster: string,
  desiredStatus: 'RUNNING' | 'STOPPED' = 'RUNNING',
): Promise<Task[]> {
  const arns: string[] = [];
  for await (const page of paginateListTasks(
    { client: ecs },
    { cluster, serviceName: 'chat-db', desiredStatus },
  )) {
    arns.push(...(page.taskArns ?? []));
  }
  if (arns.length === 0) return [];
  return (await ecs.send(new DescribeTasksCommand({ cluster, tasks: arns }))).tasks ?? [];
}

/** The default template with the chat-db service's deployment configuration (and more) replaced. */
function dbDeployment(min: number, max: number, template = DEFAULT_TEMPLATE): string {
  const out = template.replace(
    /MinimumHealthyPercent: 100\n(\s+)MaximumPercent: 100/,
    `MinimumHealthyPercent: ${min}\n$1MaximumPercent: ${max}`,
  );
  if (out === template) throw new Error('the chat-db deployment configuration was not found');
  return out;
}

async function deployNewRoot(root: string, template = DEFAULT_TEMPLATE) {
  const stack = (await cfn.send(new DescribeStacksCommand({ StackName: STACK }))).Stacks?.[0];
  await cfn.send(
    new CreateChangeSetCommand({
      StackName: STACK,
      ChangeSetName: 'cutover',
      TemplateBody: template.replace(LIVE_ROOT, root),
      Parameters: (stack?.Parameters ?? []).map((p) => ({
        ParameterKey: p.ParameterKey,
        UsePreviousValue: true,
      })),
      Capabilities: stack?.Capabilities,
    }),
  );
  await waitUntilChangeSetCreateComplete(
    { client: cfn, maxWaitTime: 30, ...WAIT },
    { StackName: STACK, ChangeSetName: 'cutover' },
  );
  await cfn.send(new ExecuteChangeSetCommand({ StackName: STACK, ChangeSetName: 'cutover' }));
}

describe('ECS through the SDK', () => {
  it('describes the chat-db service, its running task and its task definition', async () => {
    const { cluster } = await start();
    const { services, failures } = await ecs.send(
      new DescribeServicesCommand({ cluster, services: ['chat-db', 'ghost'] }),
    );
    expect(failures).toEqual([
      { arn: `arn:aws:ecs:eu-central-1:123456789012:service/${cluster}/ghost`, reason: 'MISSING' },
    ]);
    const svc = services?.[0];
    expect(svc).toMatchObject({
      serviceName: 'chat-db',
      clusterArn: `arn:aws:ecs:eu-central-1:123456789012:cluster/${cluster}`,
      desiredCount: 1,
      runningCount: 1,
      deploymentConfiguration: { minimumHealthyPercent: 100, maximumPercent: 100 },
    });
    expect(svc?.createdAt).toBeInstanceOf(Date);
    expect(svc?.deployments?.[0]?.rolloutState).toBe('COMPLETED');
    expect(svc?.deployments?.[0]?.createdAt).toBeInstanceOf(Date);
    expect(svc?.events?.[0]?.createdAt).toBeInstanceOf(Date);

    const [task] = await serviceTasks(cluster);
    expect(task).toMatchObject({
      lastStatus: 'RUNNING',
      desiredStatus: 'RUNNING',
      healthStatus: 'HEALTHY',
      taskDefinitionArn: svc?.taskDefinition,
      launchType: 'FARGATE',
    });
    expect(task?.startedAt).toBeInstanceOf(Date);
    expect(task?.containers?.[0]).toMatchObject({
      name: 'mongo',
      lastStatus: 'RUNNING',
      healthStatus: 'HEALTHY',
    });

    const { taskDefinition } = await ecs.send(
      new DescribeTaskDefinitionCommand({ taskDefinition: svc?.taskDefinition }),
    );
    expect(taskDefinition).toMatchObject({ family: 'chat-db', revision: 1, status: 'ACTIVE' });
    expect(taskDefinition?.registeredAt).toBeInstanceOf(Date);
    expect(taskDefinition?.volumes).toEqual([
      {
        name: 'chat-db',
        efsVolumeConfiguration: {
          fileSystemId: DB_FS,
          rootDirectory: LIVE_ROOT,
          transitEncryption: 'ENABLED',
        },
      },
      { name: 'chat-dump', efsVolumeConfiguration: { fileSystemId: DUMP_FS, transitEncryption: 'ENABLED' } },
    ]);
    expect(taskDefinition?.containerDefinitions?.[0]?.healthCheck?.command?.[0]).toBe('CMD-SHELL');

    const stable = await waitUntilServicesStable(
      { client: ecs, maxWaitTime: 10, ...WAIT },
      { cluster, services: ['chat-db', 'chat'] },
    );
    expect(stable.state).toBe('SUCCESS');
  });

  it('answers errors with the names the SDK knows', async () => {
    const { cluster } = await start();
    await expect(
      ecs.send(new DescribeServicesCommand({ cluster: 'nope', services: ['chat-db'] })),
    ).rejects.toBeInstanceOf(ClusterNotFoundException);
    await expect(ecs.send(new ListTasksCommand({ cluster, serviceName: 'ghost' }))).rejects.toBeInstanceOf(
      ServiceNotFoundException,
    );
    const notFound = await ecs
      .send(new StopTaskCommand({ cluster, task: '0'.repeat(32) }))
      .catch((e: unknown) => e);
    expect(notFound).toBeInstanceOf(InvalidParameterException);
    expect(notFound).toMatchObject({ message: 'The referenced task was not found.' });
    await expect(
      ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'chat-db:42' })),
    ).rejects.toBeInstanceOf(ClientException);
    const missing = await ecs.send(new DescribeTasksCommand({ cluster, tasks: ['0'.repeat(32)] }));
    expect(missing.failures?.[0]?.reason).toBe('MISSING');
  });

  it('replaces a stopped task, and pages ListTasks with the SDK paginator', async () => {
    const { cluster } = await start();
    for (let i = 0; i < 3; i++) {
      const [task] = await serviceTasks(cluster);
      const stopped = await ecs.send(
        new StopTaskCommand({ cluster, task: task?.taskArn, reason: `stop ${i}` }),
      );
      expect(stopped.task).toMatchObject({ taskArn: task?.taskArn, desiredStatus: 'STOPPED' });
      await waitUntilServicesStable(
        { client: ecs, maxWaitTime: 20, ...WAIT },
        { cluster, services: ['chat-db'] },
      );
      await waitFor(async () => (await serviceTasks(cluster))[0]?.healthStatus === 'HEALTHY', {
        what: 'the replacement to be healthy',
      });
    }
    const pages: string[][] = [];
    for await (const page of paginateListTasks(
      { client: ecs },
      { cluster, serviceName: 'chat-db', desiredStatus: 'STOPPED' },
    )) {
      pages.push(page.taskArns ?? []);
    }
    expect(pages.length).toBeGreaterThan(1);
    expect(pages.flat()).toHaveLength(3);
    const stopped = (await ecs.send(new DescribeTasksCommand({ cluster, tasks: pages.flat() }))).tasks ?? [];
    expect(stopped.map((t) => t.stoppedReason).sort()).toEqual(['stop 0', 'stop 1', 'stop 2']);
    for (const t of stopped) {
      expect(t).toMatchObject({ lastStatus: 'STOPPED', stopCode: 'UserInitiated' });
      expect(t.stoppedAt).toBeInstanceOf(Date);
    }
  });

  it('at 100 %/100 % the deployment stalls: no new task until the old one is stopped', async () => {
    const { sim: s, cluster } = await start();
    mkdirSync(join(s.env().CHATDB_INSPECTOR_MOUNT as string, NEW_ROOT));
    const [old] = await serviceTasks(cluster);
    await deployNewRoot(NEW_ROOT);

    const waiting = await waitFor(
      async () => {
        const svc = (await ecs.send(new DescribeServicesCommand({ cluster, services: ['chat-db'] })))
          .services?.[0];
        return svc?.deployments?.length === 2 ? svc : undefined;
      },
      { what: 'the new deployment' },
    );
    expect(waiting.deployments?.[0]).toMatchObject({
      status: 'PRIMARY',
      rolloutState: 'IN_PROGRESS',
      runningCount: 0,
      pendingCount: 0,
    });
    expect(waiting.deployments?.[1]).toMatchObject({
      status: 'ACTIVE',
      taskDefinition: old?.taskDefinitionArn,
    });
    await expect(
      waitUntilServicesStable({ client: ecs, maxWaitTime: 1, ...WAIT }, { cluster, services: ['chat-db'] }),
    ).rejects.toMatchObject({ name: 'TimeoutError' });
    expect((await serviceTasks(cluster)).map((t) => t.taskArn)).toEqual([old?.taskArn]);

    await ecs.send(new StopTaskCommand({ cluster, task: old?.taskArn, reason: 'chatdb-restore: cut over' }));
    const stable = await waitUntilServicesStable(
      { client: ecs, maxWaitTime: 30, ...WAIT },
      { cluster, services: ['chat-db'] },
    );
    expect(stable.state).toBe('SUCCESS');
    const svc = (await ecs.send(new DescribeServicesCommand({ cluster, services: ['chat-db'] })))
      .services?.[0];
    expect(svc?.taskDefinition).toMatch(/:task-definition\/chat-db:2$/);
    const [running] = await serviceTasks(cluster);
    expect(running).toMatchObject({ lastStatus: 'RUNNING', taskDefinitionArn: svc?.taskDefinition });
    const { taskDefinition } = await ecs.send(
      new DescribeTaskDefinitionCommand({ taskDefinition: svc?.taskDefinition }),
    );
    expect(taskDefinition?.volumes?.[0]?.efsVolumeConfiguration?.rootDirectory).toBe(NEW_ROOT);
    expect(
      (await waitUntilStackUpdateComplete({ client: cfn, maxWaitTime: 30, ...WAIT }, { StackName: STACK }))
        .state,
    ).toBe('SUCCESS');
  });

  it('with maximumPercent room ECS starts the new task first and stops the old one once it is healthy', async () => {
    const template = dbDeployment(100, 200);
    const { sim: s, cluster } = await start({}, template);
    mkdirSync(join(s.env().CHATDB_INSPECTOR_MOUNT as string, NEW_ROOT));
    const [old] = await serviceTasks(cluster);
    await deployNewRoot(NEW_ROOT, template);
    expect(
      (await waitUntilStackUpdateComplete({ client: cfn, maxWaitTime: 30, ...WAIT }, { StackName: STACK }))
        .state,
    ).toBe('SUCCESS');
    const [running] = await serviceTasks(cluster);
    const [stopped] = (await serviceTasks(cluster, 'STOPPED')).filter((t) => t.taskArn === old?.taskArn);
    expect(stopped?.stopCode).toBe('ServiceSchedulerInitiated');
    // The new task ran before the old one was asked to stop.
    expect((running?.startedAt?.getTime() ?? Infinity) <= (stopped?.stoppingAt?.getTime() ?? 0)).toBe(true);
  });

  it('with minimumHealthyPercent 0 ECS stops the old task before it starts the new one', async () => {
    const template = dbDeployment(0, 100);
    const { sim: s, cluster } = await start({}, template);
    mkdirSync(join(s.env().CHATDB_INSPECTOR_MOUNT as string, NEW_ROOT));
    const [old] = await serviceTasks(cluster);
    await deployNewRoot(NEW_ROOT, template);
    expect(
      (await waitUntilStackUpdateComplete({ client: cfn, maxWaitTime: 30, ...WAIT }, { StackName: STACK }))
        .state,
    ).toBe('SUCCESS');
    const [stopped] = (await serviceTasks(cluster, 'STOPPED')).filter((t) => t.taskArn === old?.taskArn);
    const [running] = await serviceTasks(cluster);
    expect(stopped?.stopCode).toBe('ServiceSchedulerInitiated');
    expect((stopped?.stoppedAt?.getTime() ?? 0) <= (running?.startedAt?.getTime() ?? 0)).toBe(true);
  });

  it('on EC2 a fixed host port the old task holds leaves the new one unplaced until it is stopped', async () => {
    const template = dbDeployment(100, 200)
      .replace(
        /(DbTaskDefinition:[\s\S]*?)RequiresCompatibilities: \[FARGATE\]\n\s+NetworkMode: awsvpc/,
        '$1RequiresCompatibilities: [EC2]\n      NetworkMode: bridge',
      )
      .replace(/(\s+)- ContainerPort: 27017/, '$1- ContainerPort: 27017$1  HostPort: 27017')
      .replace(/(ServiceName: chat-db[\s\S]*?)LaunchType: FARGATE/, '$1LaunchType: EC2');
    const { sim: s, cluster } = await start({}, template);
    mkdirSync(join(s.env().CHATDB_INSPECTOR_MOUNT as string, NEW_ROOT));
    const [old] = await serviceTasks(cluster);
    await deployNewRoot(NEW_ROOT, template);
    const svc = await waitFor(
      async () => {
        const found = (await ecs.send(new DescribeServicesCommand({ cluster, services: ['chat-db'] })))
          .services?.[0];
        return found?.events?.some((e) => e.message?.includes('was unable to place a task'))
          ? found
          : undefined;
      },
      { what: 'the unable-to-place event' },
    );
    expect(svc.deployments?.[0]).toMatchObject({ runningCount: 0, pendingCount: 0 });
    await ecs.send(new StopTaskCommand({ cluster, task: old?.taskArn }));
    expect(
      (await waitUntilStackUpdateComplete({ client: cfn, maxWaitTime: 30, ...WAIT }, { StackName: STACK }))
        .state,
    ).toBe('SUCCESS');
  });

  it('a RootDirectory that does not exist stops the new tasks with ResourceInitializationError', async () => {
    const { sim: s, cluster } = await start();
    const [old] = await serviceTasks(cluster);
    await deployNewRoot('/aws-backup-restore_gone');
    await waitFor(
      async () =>
        (await ecs.send(new DescribeServicesCommand({ cluster, services: ['chat-db'] }))).services?.[0]
          ?.deployments?.length === 2,
      { what: 'the new deployment' },
    );
    await ecs.send(new StopTaskCommand({ cluster, task: old?.taskArn }));
    await expect(
      waitUntilStackUpdateComplete({ client: cfn, maxWaitTime: 60, ...WAIT }, { StackName: STACK }),
    ).rejects.toThrow(/"state":"FAILURE"/);

    const failed = (await serviceTasks(cluster, 'STOPPED')).filter((t) =>
      t.taskDefinitionArn?.endsWith(':2'),
    );
    expect(failed.length).toBeGreaterThanOrEqual(3);
    expect(failed[0]?.stoppedReason).toBe(
      `ResourceInitializationError: failed to invoke EFS utils commands to set up EFS volumes: stderr: mount.nfs4: mounting ${DB_FS}.efs.eu-central-1.amazonaws.com:/aws-backup-restore_gone failed, reason given by server: No such file or directory : unsuccessful EFS utils command execution; code: 32`,
    );
    const stable = await waitUntilServicesStable(
      { client: ecs, maxWaitTime: 30, ...WAIT },
      { cluster, services: ['chat-db'] },
    );
    expect(stable.state).toBe('SUCCESS');
    const svc = (await ecs.send(new DescribeServicesCommand({ cluster, services: ['chat-db'] })))
      .services?.[0];
    expect(svc?.taskDefinition).toBe(old?.taskDefinitionArn);
    const world = s.state().stack as { stack: { status: string } };
    expect(world.stack.status).toBe('UPDATE_ROLLBACK_COMPLETE');
  });
});
