// The stack module's CloudFormation and ECS, reached through the server (its own tests cover the ops).
import {
  CloudFormationClient,
  DescribeStackResourceCommand,
  DescribeStacksCommand,
  GetTemplateCommand,
} from '@aws-sdk/client-cloudformation';
import { DescribeServicesCommand, DescribeTaskDefinitionCommand, ECSClient } from '@aws-sdk/client-ecs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_TEMPLATE } from '../../src/sim/default-template.js';
import { LIVE_DB_DIR } from '../../src/sim/scenario.js';
import type { Simulator } from '../../src/sim/server.js';
import { clientConfig, DB_FS, withSim } from './support.js';

let sim: Simulator;
let cfn: CloudFormationClient;
let ecs: ECSClient;

beforeAll(async () => {
  sim = await withSim();
  cfn = new CloudFormationClient(clientConfig(sim));
  ecs = new ECSClient(clientConfig(sim, 10));
});
afterAll(async () => {
  cfn.destroy();
  ecs.destroy();
  await sim.close();
});

describe('CloudFormation and ECS through the server', () => {
  it('serves the scenario stack over awsQuery, errors as ErrorResponse XML', async () => {
    const { Stacks } = await cfn.send(new DescribeStacksCommand({ StackName: 'rocket-chat' }));
    expect(Stacks?.[0]?.StackName).toBe('rocket-chat');
    expect(Stacks?.[0]?.StackStatus).toMatch(/_COMPLETE$/);
    expect(Stacks?.[0]?.CreationTime).toBeInstanceOf(Date);
    const { TemplateBody } = await cfn.send(new GetTemplateCommand({ StackName: 'rocket-chat' }));
    expect(TemplateBody).toContain(`RootDirectory: ${LIVE_DB_DIR}`);
    await expect(cfn.send(new DescribeStacksCommand({ StackName: 'nope' }))).rejects.toMatchObject({
      name: 'ValidationError',
      message: 'Stack with id nope does not exist',
      $metadata: { httpStatusCode: 400 },
    });
  });

  it('serves the chat-db service over awsJson1_1 on the scenario file system, retrying through throttling', async () => {
    const cluster = await cfn.send(
      new DescribeStackResourceCommand({ StackName: 'rocket-chat', LogicalResourceId: 'Cluster' }),
    );
    sim.setFaults({ throttle: { ecs: 0.5 } });
    try {
      const { services } = await ecs.send(
        new DescribeServicesCommand({
          cluster: cluster.StackResourceDetail?.PhysicalResourceId,
          services: ['chat-db'],
        }),
      );
      const service = services?.[0];
      expect(service).toMatchObject({ serviceName: 'chat-db', desiredCount: 1, runningCount: 1 });
      const { taskDefinition } = await ecs.send(
        new DescribeTaskDefinitionCommand({ taskDefinition: service?.taskDefinition }),
      );
      const volume = taskDefinition?.volumes?.find((v) => v.name === 'chat-db');
      expect(volume?.efsVolumeConfiguration).toMatchObject({
        fileSystemId: DB_FS,
        rootDirectory: LIVE_DB_DIR,
      });
    } finally {
      sim.setFaults({ throttle: null });
    }
    const state = sim.state();
    expect(state.calls['ecs:DescribeServices']).toBe(
      1 + (state.faultsInjected['ecs:DescribeServices']?.throttle ?? 0),
    );
    const stack = state.stack as {
      taskDefinitions: { volumes: { name: string; rootDirectory: string }[] }[];
    };
    expect(
      stack.taskDefinitions.flatMap((t) => t.volumes).find((v) => v.name === 'chat-db')?.rootDirectory,
    ).toBe(LIVE_DB_DIR);
  });

  it('takes the stack template from the scenario when it gives one', async () => {
    const marked = `# scenario copy\n${DEFAULT_TEMPLATE}`;
    const other = await withSim({ scenario: { stackName: 'chat-two', templateBody: marked } });
    const client = new CloudFormationClient(clientConfig(other));
    try {
      const { TemplateBody } = await client.send(new GetTemplateCommand({ StackName: 'chat-two' }));
      expect(TemplateBody).toBe(marked);
      expect(other.env().CHATDB_STACK_NAME).toBe('chat-two');
    } finally {
      client.destroy();
      await other.close();
    }
  });
});
