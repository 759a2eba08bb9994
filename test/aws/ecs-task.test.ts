// The check stage's ECS port: the revision it registers (a pure function of the service's task
// definition), and its calls on the wire through the real SDK client against recorded answers.

import { ECSClient, type TaskDefinition } from '@aws-sdk/client-ecs';
import { afterEach, describe, expect, it } from 'vitest';
import {
  CheckTaskDefinitionError,
  checkLogStream,
  checkTaskDefinitionRequest,
  createCheckTaskPort,
} from '../../src/aws/ecs-task.js';
import { type JsonService, serveJsonService } from '../helpers/json-service.js';

const ARN = 'arn:aws:ecs:eu-central-1:123456789012:task-definition/rocket-chat-chat-db:3';
const COMMAND = {
  entryPoint: ['sh', '-c'],
  command: ['echo check'],
  environment: [{ name: 'CHATDB_CHECK_DB', value: 'rocketchat' }],
};

function serviceTd(): TaskDefinition {
  return {
    taskDefinitionArn: ARN,
    family: 'rocket-chat-chat-db',
    revision: 3,
    status: 'ACTIVE',
    networkMode: 'bridge',
    executionRoleArn: 'arn:aws:iam::123456789012:role/exec',
    taskRoleArn: 'arn:aws:iam::123456789012:role/task',
    memory: '1024',
    requiresAttributes: [{ name: 'ecs.capability.efs' }],
    compatibilities: ['EC2'],
    registeredAt: new Date(0),
    containerDefinitions: [
      {
        name: 'mongo',
        image: 'mongo:4.4',
        essential: true,
        command: ['mongod', '--bind_ip_all'],
        portMappings: [{ containerPort: 27017, hostPort: 27017 }],
        links: ['backup'],
        dependsOn: [{ containerName: 'backup', condition: 'START' }],
        healthCheck: { command: ['CMD', 'mongo', '--eval', '1'] },
        secrets: [
          {
            name: 'MONGO_INITDB_ROOT_PASSWORD',
            valueFrom: 'arn:aws:ssm:eu-central-1:123456789012:parameter/p',
          },
        ],
        environment: [
          { name: 'TZ', value: 'UTC' },
          { name: 'CHATDB_CHECK_DB', value: 'stale' },
        ],
        mountPoints: [
          { sourceVolume: 'chat-db', containerPath: '/data/db' },
          { sourceVolume: 'chat-dump', containerPath: '/dump' },
        ],
        logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': '/ecs/chat' } },
      },
      { name: 'backup', image: 'backup:1', essential: false },
    ],
    volumes: [
      {
        name: 'chat-db',
        efsVolumeConfiguration: {
          fileSystemId: 'fs-0db0c4a7e1',
          rootDirectory: '/aws-backup-restore_A',
          transitEncryption: 'ENABLED',
        },
      },
      { name: 'chat-dump', efsVolumeConfiguration: { fileSystemId: 'fs-0d0d0d0d01' } },
    ],
  };
}

const input = (over: Partial<Parameters<typeof checkTaskDefinitionRequest>[1]> = {}) => ({
  from: ARN,
  volumeName: 'chat-db',
  rootDirectory: '/chatdb-restore_2026-05-14T10-00-00Z',
  container: () => COMMAND,
  ...over,
});

describe('the check revision', () => {
  it('keeps image, roles, network mode, memory and logs; swaps the root and the command; drops what ties it to production', () => {
    const seen: unknown[] = [];
    const { request, containerName, log } = checkTaskDefinitionRequest(
      serviceTd(),
      input({
        container: (mount) => {
          seen.push(mount);
          return COMMAND;
        },
      }),
    );
    expect(seen).toEqual([{ containerName: 'mongo', containerPath: '/data/db' }]);
    expect(containerName).toBe('mongo');
    expect(log).toEqual({ group: '/ecs/chat' });
    expect(request).toEqual({
      family: 'rocket-chat-chat-db',
      taskRoleArn: 'arn:aws:iam::123456789012:role/task',
      executionRoleArn: 'arn:aws:iam::123456789012:role/exec',
      networkMode: 'bridge',
      memory: '1024',
      volumes: [
        {
          name: 'chat-db',
          efsVolumeConfiguration: {
            fileSystemId: 'fs-0db0c4a7e1',
            rootDirectory: '/chatdb-restore_2026-05-14T10-00-00Z',
            transitEncryption: 'ENABLED',
          },
        },
      ],
      containerDefinitions: [
        {
          name: 'mongo',
          image: 'mongo:4.4',
          essential: true,
          entryPoint: ['sh', '-c'],
          command: ['echo check'],
          environment: [
            { name: 'TZ', value: 'UTC' },
            { name: 'CHATDB_CHECK_DB', value: 'rocketchat' },
          ],
          mountPoints: [{ sourceVolume: 'chat-db', containerPath: '/data/db', readOnly: false }],
          volumesFrom: [],
          logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': '/ecs/chat' } },
        },
      ],
    });
  });

  it('can go to another family', () => {
    expect(checkTaskDefinitionRequest(serviceTd(), input({ family: 'chat-db-check' })).request.family).toBe(
      'chat-db-check',
    );
  });

  it('refuses a task definition without the volume, without a container mounting it, or without awslogs', () => {
    expect(() => checkTaskDefinitionRequest(serviceTd(), input({ volumeName: 'chat-data' }))).toThrow(
      expect.objectContaining({ code: 'volume_not_found' }),
    );
    const unmounted = serviceTd();
    for (const c of unmounted.containerDefinitions ?? []) c.mountPoints = [];
    expect(() => checkTaskDefinitionRequest(unmounted, input())).toThrow(
      expect.objectContaining({ code: 'volume_not_mounted' }),
    );
    const noLogs = serviceTd();
    const mongo = noLogs.containerDefinitions?.[0];
    if (mongo) mongo.logConfiguration = { logDriver: 'json-file' };
    expect(() => checkTaskDefinitionRequest(noLogs, input())).toThrow(CheckTaskDefinitionError);
  });

  it('finds the log stream as awslogs names it, with or without a prefix', () => {
    const task = {
      arn: 'arn:aws:ecs:eu-central-1:1:task/rocket-chat/abc123',
      lastStatus: 'STOPPED',
      desiredStatus: 'STOPPED',
      runtimeId: 'abc123-999',
    };
    expect(checkLogStream({ group: 'g', streamPrefix: 'chat-db' }, 'mongo', task)).toBe(
      'chat-db/mongo/abc123',
    );
    expect(checkLogStream({ group: 'g' }, 'mongo', task)).toBe('abc123-999');
  });
});

describe('the check task port on the wire', () => {
  let service: JsonService | undefined;
  let client: ECSClient | undefined;
  afterEach(async () => {
    client?.destroy();
    await service?.close();
  });

  async function start(ops: Record<string, (input: Record<string, unknown>) => unknown>) {
    service = await serveJsonService('AmazonEC2ContainerServiceV20141113', ops);
    client = new ECSClient({
      endpoint: service.endpoint,
      region: 'eu-central-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
      maxAttempts: 1,
    });
    return createCheckTaskPort(client, { minDelaySeconds: 1, maxDelaySeconds: 1 });
  }

  const SERVICE = {
    serviceName: 'chat-db',
    launchType: 'FARGATE',
    platformVersion: '1.4.0',
    networkConfiguration: {
      awsvpcConfiguration: { subnets: ['subnet-1'], securityGroups: ['sg-1'], assignPublicIp: 'DISABLED' },
    },
  };

  it("registers from the described revision, and runs it like the service with the session's token", async () => {
    const port = await start({
      DescribeTaskDefinition: () => ({ taskDefinition: { ...serviceTd(), registeredAt: 0 } }),
      RegisterTaskDefinition: (req) => ({
        taskDefinition: { ...req, taskDefinitionArn: `${ARN.slice(0, -1)}4`, revision: 4 },
      }),
      DescribeServices: () => ({ services: [SERVICE], failures: [] }),
      RunTask: () => ({
        tasks: [
          {
            taskArn: 'arn:aws:ecs:eu-central-1:123456789012:task/rocket-chat/t1',
            lastStatus: 'PROVISIONING',
            desiredStatus: 'RUNNING',
            containers: [{ name: 'mongo' }],
          },
        ],
        failures: [],
      }),
    });
    const td = await port.registerCheckTaskDefinition(input());
    expect(td).toEqual({
      arn: `${ARN.slice(0, -1)}4`,
      family: 'rocket-chat-chat-db',
      revision: 4,
      containerName: 'mongo',
      log: { group: '/ecs/chat' },
    });
    const task = await port.runCheckTask({
      cluster: 'rocket-chat',
      service: 'chat-db',
      taskDefinitionArn: td.arn,
      clientToken: 'chatdb-check-s1',
      startedBy: 'chatdb-restore/s1',
    });
    expect(task).toEqual({
      arn: 'arn:aws:ecs:eu-central-1:123456789012:task/rocket-chat/t1',
      lastStatus: 'PROVISIONING',
      desiredStatus: 'RUNNING',
    });
    const run = service?.calls.find((c) => c.op === 'RunTask')?.input;
    expect(run).toEqual({
      cluster: 'rocket-chat',
      taskDefinition: td.arn,
      count: 1,
      clientToken: 'chatdb-check-s1',
      startedBy: 'chatdb-restore/s1',
      launchType: 'FARGATE',
      platformVersion: '1.4.0',
      networkConfiguration: SERVICE.networkConfiguration,
    });
  });

  it("turns RunTask's failures into an AwsCallError in ECS's words", async () => {
    const port = await start({
      DescribeServices: () => ({ services: [SERVICE], failures: [] }),
      RunTask: () => ({
        tasks: [],
        failures: [
          { arn: 'arn:aws:ecs:eu-central-1:123456789012:container-instance/x', reason: 'RESOURCE:MEMORY' },
        ],
      }),
    });
    await expect(
      port.runCheckTask({
        cluster: 'c',
        service: 'chat-db',
        taskDefinitionArn: ARN,
        clientToken: 't',
        startedBy: 's',
      }),
    ).rejects.toMatchObject({ operation: 'RunTask', awsCode: 'RESOURCE:MEMORY' });
  });

  it('describes a stopped task with its exit code, and a task ECS no longer knows as undefined', async () => {
    const port = await start({
      DescribeTasks: (req) =>
        (req.tasks as string[])[0] === 'gone'
          ? { tasks: [], failures: [{ arn: 'gone', reason: 'MISSING' }] }
          : {
              tasks: [
                {
                  taskArn: 't1',
                  lastStatus: 'STOPPED',
                  desiredStatus: 'STOPPED',
                  stopCode: 'EssentialContainerExited',
                  stoppedReason: 'Essential container in task exited',
                  stoppedAt: 1_778_750_000,
                  containers: [{ name: 'mongo', exitCode: 1, runtimeId: 'r1' }],
                },
              ],
              failures: [],
            },
      DeregisterTaskDefinition: (req) => ({
        taskDefinition: { taskDefinitionArn: req.taskDefinition, status: 'INACTIVE' },
      }),
    });
    expect(await port.describeCheckTask('c', 't1')).toEqual({
      arn: 't1',
      lastStatus: 'STOPPED',
      desiredStatus: 'STOPPED',
      stopCode: 'EssentialContainerExited',
      stoppedReason: 'Essential container in task exited',
      exitCode: 1,
      runtimeId: 'r1',
      stoppedAt: new Date(1_778_750_000_000),
    });
    expect(await port.describeCheckTask('c', 'gone')).toBeUndefined();
    await port.deregisterCheckTaskDefinition(ARN);
    expect(service?.calls.at(-1)).toEqual({ op: 'DeregisterTaskDefinition', input: { taskDefinition: ARN } });
  });
});
