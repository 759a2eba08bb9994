import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AwsPorts } from '../../../src/aws/ports.js';
import { createActivities, StageFailure } from '../../../src/restore/activities/index.js';
import { type SimWithPorts, startSimWithPorts } from '../../helpers/sim-ports.js';
import { activitiesFor, LIVE_DB_DIR } from './support.js';

let env: SimWithPorts;

beforeAll(async () => {
  env = await startSimWithPorts();
});
afterAll(async () => {
  await env?.close();
});

describe('resolveTarget', () => {
  it('reads the file system, the chat-db service and its current root from the stack', async () => {
    const { activities } = activitiesFor(env);
    const target = await activities.resolveTarget();
    const { scenario } = env.sim;
    const fsId = scenario.fileSystems.DbStorage?.id;
    expect(target).toMatchObject({
      stackName: scenario.stackName,
      fileSystemId: fsId,
      fileSystemArn: `arn:aws:elasticfilesystem:${scenario.region}:${scenario.accountId}:file-system/${fsId}`,
      fileSystemLogicalId: 'DbStorage',
      service: 'chat-db',
      volumeName: 'chat-db',
      currentRoot: LIVE_DB_DIR,
      region: scenario.region,
      accountId: scenario.accountId,
    });
    expect(target.stackStatus).toMatch(/_COMPLETE$/);
    expect(target.taskDefinitionArn).toMatch(/:task-definition\/chat-db:\d+$/);
    expect(target.serviceArn).toMatch(/:service\/.+\/chat-db$/);
    expect(target.cluster).not.toBe('');
    // The simulated stack was created a month ago, after the DB moved into LIVE_DB_DIR.
    expect(target.currentRootSince).toBeInstanceOf(Date);
    expect(target.currentRootSince?.getTime()).toBeLessThan(Date.now() - 7 * 86_400_000);
    const template = await env.ports.stack.getTemplate(scenario.stackName);
    expect(target.templateSha256).toBe(createHash('sha256').update(template).digest('hex'));
  });

  it('a template that disagrees with the running task definition is drift, naming both roots', async () => {
    // The template as someone edited it by hand, not deployed: a port that shows it.
    const edited: AwsPorts = {
      ...env.ports,
      stack: {
        ...env.ports.stack,
        getTemplate: async (name) =>
          (await env.ports.stack.getTemplate(name)).replace(LIVE_DB_DIR, '/chatdb-restore_elsewhere'),
      },
    };
    const drifting = createActivities({
      ports: edited,
      settings: env.settings,
      log: { debug() {}, info() {}, warn() {} },
    });
    const error = await drifting.resolveTarget().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StageFailure);
    expect(error).toMatchObject({ stage: 'resolve', code: 'drift', production: 'unchanged' });
    expect((error as StageFailure).reason).toContain('/chatdb-restore_elsewhere');
    expect((error as StageFailure).reason).toContain(LIVE_DB_DIR);
  });

  it('a volume name no service mounts is target_not_found; another stack is AccessDenied, in AWS words', async () => {
    await expect(
      activitiesFor(env, { volumeName: 'no-such-volume' }).activities.resolveTarget(),
    ).rejects.toMatchObject({
      code: 'target_not_found',
      production: 'unchanged',
    });
    await expect(
      activitiesFor(env, { stackName: 'no-such-stack' }).activities.resolveTarget(),
    ).rejects.toMatchObject({
      code: 'aws_error',
      // The role may read only the chat stack (deploy/iam-policy.json), as in a real account.
      reason: expect.stringMatching(
        /AccessDenied: User: .* is not authorized to perform: cloudformation:\w+ on resource: .*stack\/no-such-stack/,
      ),
    });
  });
});
