// Preflight: what would make the cutover's update fail is found when the plan is made, against
// the simulator, before any restore job; the bot's own role reads only what the policy allows.

import { CloudFormationClient, SetStackPolicyCommand } from '@aws-sdk/client-cloudformation';
import { afterEach, describe, expect, it } from 'vitest';
import { StageFailure } from '../../../src/restore/activities/index.js';
import { DEFAULT_TEMPLATE } from '../../../src/sim/default-template.js';
import { OPERATOR_ACCESS_KEY_ID } from '../../../src/sim/server.js';
import { type SimWithPorts, startSimWithPorts } from '../../helpers/sim-ports.js';
import { activitiesFor, LIVE_DB_DIR } from './support.js';

const NEW_ROOT = '/chatdb-restore_2026-11-23T08-00-00Z_r20261123-pf1abc';
let env: SimWithPorts | undefined;
afterEach(async () => {
  await env?.close();
  env = undefined;
});

async function setup(scenario: Record<string, unknown> = {}) {
  env = await startSimWithPorts({ speed: 5000, scenario });
  const { activities } = activitiesFor(env);
  const target = await activities.resolveTarget();
  return { env, activities, target };
}

async function refusal(promise: Promise<unknown>): Promise<StageFailure> {
  const error = await promise.catch((e: unknown) => e);
  expect(error).toBeInstanceOf(StageFailure);
  return error as StageFailure;
}

describe('preflight', () => {
  it('passes the default stack and says it has no service role', async () => {
    const { activities, target } = await setup();
    expect(await activities.preflight(target, NEW_ROOT)).toEqual({ serviceRoleArn: undefined });
    expect((await env?.state())?.calls['cloudformation:GetStackPolicy']).toBe(1);
  });

  it('reads a service role from the stack, and refuses a nested stack, which its root stack updates', async () => {
    const role = 'arn:aws:iam::123456789012:role/rocket-chat-cfn';
    const withRole = await setup({ stackRoleArn: role });
    expect(await withRole.activities.preflight(withRole.target, NEW_ROOT)).toEqual({ serviceRoleArn: role });
    await env?.close();
    const nested = await setup({ parentStackName: 'platform' });
    const failure = await refusal(nested.activities.preflight(nested.target, NEW_ROOT));
    expect(failure).toMatchObject({ code: 'nested_stack', production: 'unchanged' });
    expect(failure.reason).toMatch(
      /^Stack rocket-chat is nested in arn:aws:cloudformation:eu-central-1:123456789012:stack\/platform\//,
    );
  });

  it('refuses a stack policy that does not let the update replace the chat-db task definition', async () => {
    const { env: e, activities, target } = await setup();
    const cfn = new CloudFormationClient({
      endpoint: e.sim.endpoint,
      region: e.sim.scenario.region,
      credentials: { accessKeyId: OPERATOR_ACCESS_KEY_ID, secretAccessKey: 'x' },
    });
    await cfn.send(
      new SetStackPolicyCommand({
        StackName: target.stackName,
        StackPolicyBody: JSON.stringify({
          Statement: [
            { Effect: 'Allow', Action: 'Update:*', Principal: '*', Resource: '*' },
            {
              Effect: 'Deny',
              Action: 'Update:Replace',
              Principal: '*',
              Resource: 'LogicalResourceId/DbTaskDefinition',
            },
          ],
        }),
      }),
    );
    cfn.destroy();
    const failure = await refusal(activities.preflight(target, NEW_ROOT));
    expect(failure).toMatchObject({ code: 'stack_policy_denies', production: 'unchanged' });
    expect(failure.reason).toContain('Update:Replace on LogicalResourceId/DbTaskDefinition');
  });

  it('refuses an edited template larger than TemplateBody takes', async () => {
    const padding = `# ${'x'.repeat(200)}\n`.repeat(260);
    const { activities, target } = await setup({ templateBody: `${DEFAULT_TEMPLATE}${padding}` });
    const failure = await refusal(activities.preflight(target, NEW_ROOT));
    expect(failure.code).toBe('template_too_large');
    expect(failure.reason).toMatch(/is \d{5} bytes; CreateChangeSet takes at most 51200/);
  });

  it('refuses a stack an update cannot start from', async () => {
    const { env: e, activities, target } = await setup();
    const template = await e.operator.stack.getTemplate(target.stackName);
    await e.operator.stack.createChangeSet({
      stackName: target.stackName,
      changeSetName: 'someone-else',
      templateBody: template.replace(LIVE_DB_DIR, '/elsewhere'),
      description: 'an update under way',
    });
    await e.operator.stack.executeChangeSet(target.stackName, 'someone-else', 'someone-else-1');
    const failure = await refusal(activities.preflight(target, NEW_ROOT));
    expect(failure.code).toBe('stack_not_updatable');
    expect(failure.reason).toContain('is UPDATE_IN_PROGRESS');
  });
});
