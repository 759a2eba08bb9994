// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${...} here are IAM policy placeholders, not JS templates.
// The simulator answers as the bot's task role: deploy/iam-policy.json with this world's
// parameters, evaluated on every call, refusals in each protocol's own error shape.

import { BackupClient, StartRestoreJobCommand } from '@aws-sdk/client-backup';
import {
  CloudFormationClient,
  CreateChangeSetCommand,
  GetTemplateCommand,
} from '@aws-sdk/client-cloudformation';
import { DescribeServicesCommand, ECSClient } from '@aws-sdk/client-ecs';
import { afterEach, describe, expect, it } from 'vitest';
import { deniedResource, loadPolicy, type PolicyDocument } from '../../src/sim/iam.js';
import type { Simulator } from '../../src/sim/server.js';
import { clientConfig, POINTS, pointArn, ROLE, withSim } from './support.js';

const BOT_KEY = 'simulator';
const ARN = 'arn:aws:ecs:eu-central-1:123456789012';

describe('the policy evaluator', () => {
  const text = JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Action: ['ecs:DescribeServices'],
        Resource: 'arn:${AWS::Partition}:ecs:eu-central-1:123456789012:service/${Cluster}/chat-db',
      },
      {
        Effect: 'Allow',
        Action: 'cloudformation:CreateChangeSet',
        Resource: 'arn:aws:cloudformation:eu-central-1:123456789012:stack/rocket-chat/*',
        Condition: { StringLike: { 'cloudformation:ChangeSetName': 'chatdb-restore-*' } },
      },
      {
        Effect: 'Allow',
        Action: 'ecs:ListTasks',
        Resource: '*',
        Condition: { ArnEquals: { 'ecs:cluster': `${ARN}:cluster/c1` } },
      },
    ],
  });
  const policy: PolicyDocument = loadPolicy(text, { 'AWS::Partition': 'aws', Cluster: 'c1' });

  it('substitutes parameters and refuses a placeholder without a value', () => {
    expect(JSON.stringify(policy)).toContain('service/c1/chat-db');
    expect(() => loadPolicy(text, { 'AWS::Partition': 'aws' })).toThrow(/Cluster/);
  });

  it('matches resources segment by segment and conditions by key', () => {
    const ask = (action: string, resource: string, context: Record<string, string> = {}) =>
      deniedResource(policy, { action, resources: [resource], context });
    expect(ask('ecs:DescribeServices', `${ARN}:service/c1/chat-db`)).toBeUndefined();
    expect(ask('ecs:DescribeServices', `${ARN}:service/c1/chat`)).toBe(`${ARN}:service/c1/chat`);
    expect(ask('ECS:describeservices', `${ARN}:service/c1/chat-db`)).toBeUndefined();
    const stack = 'arn:aws:cloudformation:eu-central-1:123456789012:stack/rocket-chat/1234';
    expect(
      ask('cloudformation:CreateChangeSet', stack, { 'cloudformation:ChangeSetName': 'chatdb-restore-r1-1' }),
    ).toBeUndefined();
    expect(ask('cloudformation:CreateChangeSet', stack, { 'cloudformation:ChangeSetName': 'other' })).toBe(
      stack,
    );
    expect(ask('cloudformation:CreateChangeSet', stack)).toBe(stack);
    expect(ask('ecs:ListTasks', '*', { 'ecs:cluster': `${ARN}:cluster/c1` })).toBeUndefined();
    expect(ask('ecs:ListTasks', '*', { 'ecs:cluster': `${ARN}:cluster/c2` })).toBe('*');
  });

  it('refuses a condition operator it does not evaluate', () => {
    const odd = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: '*', Resource: '*', Condition: { DateGreaterThan: { x: '1' } } },
      ],
    });
    expect(() => loadPolicy(odd, {})).toThrow(/DateGreaterThan/);
  });
});

describe('the bot role against the simulator', () => {
  let sim: Simulator | undefined;
  afterEach(async () => {
    await sim?.close();
    sim = undefined;
  });

  it('denies what deploy/iam-policy.json does not allow, in each protocol’s shape, and records it', async () => {
    sim = await withSim();
    const ecs = new ECSClient(clientConfig(sim, 1, BOT_KEY));
    const cfn = new CloudFormationClient(clientConfig(sim, 1, BOT_KEY));
    const backup = new BackupClient(clientConfig(sim, 1, BOT_KEY));
    const stack = sim.state().stack as { services: { name: string; cluster: string }[] };
    const cluster = stack.services.find((s) => s.name === 'chat-db')?.cluster as string;

    const mine = await ecs.send(new DescribeServicesCommand({ cluster, services: ['chat-db'] }));
    expect(mine.services?.[0]?.serviceName).toBe('chat-db');
    const other = await ecs
      .send(new DescribeServicesCommand({ cluster, services: ['chat'] }))
      .catch((e) => e);
    expect(other).toMatchObject({ name: 'AccessDeniedException', $metadata: { httpStatusCode: 400 } });
    expect(other.message).toContain(`ecs:DescribeServices on resource: ${ARN}:service/${cluster}/chat`);

    const template = await cfn.send(new GetTemplateCommand({ StackName: 'rocket-chat' }));
    const foreign = await cfn
      .send(
        new CreateChangeSetCommand({
          StackName: 'rocket-chat',
          ChangeSetName: 'someone-else',
          TemplateBody: template.TemplateBody,
        }),
      )
      .catch((e) => e);
    expect(foreign).toMatchObject({ name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });

    const wrongRole = await backup
      .send(
        new StartRestoreJobCommand({
          RecoveryPointArn: pointArn(POINTS.newest),
          IamRoleArn: ROLE.replace('chatdb-restore', 'admin'),
          Metadata: { 'file-system-id': 'fs-0db0c4a7e1', newFileSystem: 'false' },
        }),
      )
      .catch((e) => e);
    expect(wrongRole).toMatchObject({ name: 'AccessDeniedException', $metadata: { httpStatusCode: 403 } });
    expect(wrongRole.message).toContain('iam:PassRole');

    expect(sim.state().accessDenied.map((d) => d.action)).toEqual([
      'ecs:DescribeServices',
      'cloudformation:CreateChangeSet',
      'iam:PassRole',
    ]);
    for (const client of [ecs, cfn, backup]) client.destroy();
  });

  it('the revoke fault takes actions out of the role until it is cleared, and refuses what is not an action', async () => {
    sim = await withSim();
    const cfn = new CloudFormationClient(clientConfig(sim, 1, BOT_KEY));
    const read = () => cfn.send(new GetTemplateCommand({ StackName: 'rocket-chat' })).catch((e) => e);
    expect((await read()).TemplateBody).toContain('chat-db');
    sim.setFaults({ revoke: ['cloudformation:GetTemplate'] });
    const denied = await read();
    expect(denied).toMatchObject({ name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
    expect(denied.message).toContain('cloudformation:GetTemplate on resource: arn:aws:cloudformation:');
    sim.setFaults({ revoke: null });
    expect((await read()).TemplateBody).toContain('chat-db');
    expect(() => sim?.setFaults({ revoke: ['GetTemplate'] })).toThrow(/faults.revoke/);
    cfn.destroy();
  });

  it('lets an operator do anything, and a scenario turn enforcement off', async () => {
    sim = await withSim({ scenario: { iam: { enforce: false, parameters: {} } } });
    const ecs = new ECSClient(clientConfig(sim, 1, BOT_KEY));
    const stack = sim.state().stack as { services: { name: string; cluster: string }[] };
    const cluster = stack.services[0]?.cluster as string;
    const both = await ecs.send(new DescribeServicesCommand({ cluster, services: ['chat', 'chat-db'] }));
    expect(both.services).toHaveLength(2);
    ecs.destroy();
  });
});
