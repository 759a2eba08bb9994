// CloudFormation through the real SDK client against the simulator: every operation the bot uses,
// the events paginator, and the change-set and stack-update waiters, over awsQuery on loopback.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  AlreadyExistsException,
  ChangeSetNotFoundException,
  CloudFormationClient,
  CreateChangeSetCommand,
  DeleteChangeSetCommand,
  DescribeChangeSetCommand,
  DescribeStackResourceCommand,
  DescribeStackResourcesCommand,
  DescribeStacksCommand,
  ExecuteChangeSetCommand,
  GetTemplateCommand,
  InsufficientCapabilitiesException,
  InvalidChangeSetStatusException,
  ListChangeSetsCommand,
  paginateDescribeStackEvents,
  paginateListStackResources,
  SetStackPolicyCommand,
  type StackEvent,
  waitUntilChangeSetCreateComplete,
  waitUntilStackUpdateComplete,
} from '@aws-sdk/client-cloudformation';
import { DescribeServicesCommand, ECSClient, ListTasksCommand, StopTaskCommand } from '@aws-sdk/client-ecs';
import { afterEach, describe, expect, it } from 'vitest';
import { setVolumeRootDirectory } from '../../src/restore/template-edit.js';
import { DEFAULT_TEMPLATE } from '../../src/sim/default-template.js';
import type { Simulator } from '../../src/sim/server.js';
import { waitFor } from '../helpers/wait.js';
import { clientConfig, DB_FS, withSim } from './support.js';

const STACK = 'rocket-chat';
const LIVE_ROOT = '/aws-backup-restore_2026-05-14T17-27-00-417720408Z';
const NEW_ROOT = '/chatdb-restore_2026-06-01T10-00-00Z';
const WAIT = { minDelay: 0.05, maxDelay: 0.2 };

let sim: Simulator | undefined;
let cfn: CloudFormationClient;
let ecs: ECSClient;

afterEach(async () => {
  cfn?.destroy();
  ecs?.destroy();
  await sim?.close();
  sim = undefined;
});

/** A fresh world at 1000× speed: a 20 s change set takes 20 ms, the 3 h stabilisation limit 10.8 s. */
async function start(faults: Record<string, unknown> = {}) {
  sim = await withSim({ speed: 1000, scenario: { faults } });
  cfn = new CloudFormationClient(clientConfig(sim));
  ecs = new ECSClient(clientConfig(sim));
  return sim;
}

/** What the bot sends: the template edited in place, every parameter kept, the stack's capabilities. */
async function createChangeSet(name: string, templateBody: string) {
  const stack = (await cfn.send(new DescribeStacksCommand({ StackName: STACK }))).Stacks?.[0];
  return cfn.send(
    new CreateChangeSetCommand({
      StackName: STACK,
      ChangeSetName: name,
      ChangeSetType: 'UPDATE',
      TemplateBody: templateBody,
      Description: `chatdb-restore ${name}`,
      Parameters: (stack?.Parameters ?? []).map((p) => ({
        ParameterKey: p.ParameterKey,
        UsePreviousValue: true,
      })),
      Capabilities: stack?.Capabilities,
    }),
  );
}

const cluster = async () => {
  const { StackResourceDetail } = await cfn.send(
    new DescribeStackResourceCommand({ StackName: STACK, LogicalResourceId: 'Cluster' }),
  );
  return StackResourceDetail?.PhysicalResourceId as string;
};

async function allEvents(): Promise<{ pages: number; events: StackEvent[] }> {
  let pages = 0;
  const events: StackEvent[] = [];
  for await (const page of paginateDescribeStackEvents({ client: cfn }, { StackName: STACK })) {
    pages += 1;
    events.push(...(page.StackEvents ?? []));
  }
  return { pages, events };
}

describe('CloudFormation through the SDK', () => {
  it('describes the stack, its template, resources and events', async () => {
    await start();
    const { Stacks } = await cfn.send(new DescribeStacksCommand({ StackName: STACK }));
    const stack = Stacks?.[0];
    expect(stack).toMatchObject({
      StackName: STACK,
      StackStatus: 'CREATE_COMPLETE',
      Capabilities: ['CAPABILITY_IAM'],
    });
    expect(stack?.CreationTime).toBeInstanceOf(Date);
    expect(stack?.DisableRollback).toBe(false);
    expect(stack?.Parameters?.map((p) => p.ParameterKey)).toEqual([
      'MongoImage',
      'RocketChatImage',
      'Subnets',
      'SecurityGroup',
    ]);
    expect(stack?.Outputs?.find((o) => o.OutputKey === 'DbFileSystemId')?.OutputValue).toBe(DB_FS);

    const template = await cfn.send(new GetTemplateCommand({ StackName: STACK, TemplateStage: 'Original' }));
    expect(template.TemplateBody).toBe(DEFAULT_TEMPLATE);
    expect(template.StagesAvailable).toEqual(['Original', 'Processed']);

    const { StackResources } = await cfn.send(new DescribeStackResourcesCommand({ StackName: STACK }));
    expect(StackResources?.find((r) => r.LogicalResourceId === 'DbStorage')).toMatchObject({
      PhysicalResourceId: DB_FS,
      ResourceType: 'AWS::EFS::FileSystem',
      ResourceStatus: 'CREATE_COMPLETE',
    });
    expect(StackResources?.find((r) => r.LogicalResourceId === 'DbService')?.Timestamp).toBeInstanceOf(Date);
    const { StackResourceDetail } = await cfn.send(
      new DescribeStackResourceCommand({ StackName: STACK, LogicalResourceId: 'DbTaskDefinition' }),
    );
    expect(StackResourceDetail?.PhysicalResourceId).toMatch(/:task-definition\/chat-db:1$/);
    expect(StackResourceDetail?.LastUpdatedTimestamp).toBeInstanceOf(Date);

    const { pages, events } = await allEvents();
    expect(pages).toBeGreaterThan(3);
    expect(events[0]).toMatchObject({ LogicalResourceId: STACK, ResourceStatus: 'CREATE_COMPLETE' });
    expect(events.at(-1)).toMatchObject({
      ResourceStatus: 'CREATE_IN_PROGRESS',
      ResourceStatusReason: 'User Initiated',
    });
    expect(events.every((e) => e.Timestamp instanceof Date)).toBe(true);
  });

  it('answers errors with the names the SDK knows', async () => {
    await start();
    await expect(cfn.send(new DescribeStacksCommand({ StackName: 'nope' }))).rejects.toMatchObject({
      name: 'ValidationError',
      message: 'Stack with id nope does not exist',
      $metadata: { httpStatusCode: 400 },
    });
    const missing = await cfn
      .send(new DescribeChangeSetCommand({ StackName: STACK, ChangeSetName: 'missing' }))
      .catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(ChangeSetNotFoundException);
    expect(missing).toMatchObject({
      message: 'ChangeSet [missing] does not exist',
      $metadata: { httpStatusCode: 404 },
    });

    const noCaps = await cfn
      .send(
        new CreateChangeSetCommand({
          StackName: STACK,
          ChangeSetName: 'no-caps',
          TemplateBody: DEFAULT_TEMPLATE.replace(LIVE_ROOT, NEW_ROOT),
        }),
      )
      .catch((e: unknown) => e);
    expect(noCaps).toBeInstanceOf(InsufficientCapabilitiesException);
    await expect(createChangeSet('bad', 'Resources: [')).rejects.toMatchObject({
      name: 'ValidationError',
      message: expect.stringMatching(/^Template format error: YAML not well-formed/),
    });
    const padded = `${DEFAULT_TEMPLATE.replace(LIVE_ROOT, NEW_ROOT)}${`# ${'x'.repeat(98)}\n`.repeat(512)}`;
    expect(Buffer.byteLength(padded)).toBeGreaterThan(51_200);
    await expect(createChangeSet('too-big', padded)).rejects.toMatchObject({
      name: 'ValidationError',
      message: expect.stringContaining('Member must have length less than or equal to 51200'),
    });
  });

  it('creates a change set from the bot-edited template and waits for it', async () => {
    await start();
    const edit = setVolumeRootDirectory(DEFAULT_TEMPLATE, 'chat-db', NEW_ROOT);
    expect(edit.previousRoot).toBe(LIVE_ROOT);
    const created = await createChangeSet('chatdb-restore-s1', edit.text);
    expect(created.Id).toMatch(/:changeSet\/chatdb-restore-s1\//);

    const waited = await waitUntilChangeSetCreateComplete(
      { client: cfn, maxWaitTime: 30, ...WAIT },
      { StackName: STACK, ChangeSetName: 'chatdb-restore-s1' },
    );
    expect(waited.state).toBe('SUCCESS');
    const cs = await cfn.send(new DescribeChangeSetCommand({ ChangeSetName: created.Id }));
    expect(cs).toMatchObject({
      Status: 'CREATE_COMPLETE',
      ExecutionStatus: 'AVAILABLE',
      Description: 'chatdb-restore chatdb-restore-s1',
    });
    expect(cs.CreationTime).toBeInstanceOf(Date);
    expect(
      cs.Changes?.map((c) => [
        c.ResourceChange?.LogicalResourceId,
        c.ResourceChange?.Action,
        c.ResourceChange?.Replacement,
      ]),
    ).toEqual([
      ['DbTaskDefinition', 'Modify', 'True'],
      ['DbService', 'Modify', 'False'],
    ]);
    expect(cs.Changes?.[0]?.ResourceChange?.Details?.[0]?.Target).toEqual({
      Attribute: 'Properties',
      Name: 'Volumes',
      RequiresRecreation: 'Always',
    });
    const template = await cfn.send(
      new GetTemplateCommand({ StackName: STACK, ChangeSetName: 'chatdb-restore-s1' }),
    );
    expect(template.TemplateBody).toBe(edit.text);

    const again = await createChangeSet('chatdb-restore-s1', edit.text).catch((e: unknown) => e);
    expect(again).toBeInstanceOf(AlreadyExistsException);
    const { Summaries } = await cfn.send(new ListChangeSetsCommand({ StackName: STACK }));
    expect(Summaries?.map((s) => s.ChangeSetName)).toEqual(['chatdb-restore-s1']);
    await cfn.send(new DeleteChangeSetCommand({ StackName: STACK, ChangeSetName: 'chatdb-restore-s1' }));
    expect((await cfn.send(new ListChangeSetsCommand({ StackName: STACK }))).Summaries ?? []).toEqual([]);
  });

  it('a change set without changes makes the waiter fail with AWS reason', async () => {
    await start();
    await createChangeSet('same', DEFAULT_TEMPLATE);
    const waited = await waitUntilChangeSetCreateComplete(
      { client: cfn, maxWaitTime: 30, ...WAIT },
      { StackName: STACK, ChangeSetName: 'same' },
    ).catch((e: unknown) => e);
    expect((waited as Error).message).toMatch(/"state":"FAILURE"/);
    const cs = await cfn.send(new DescribeChangeSetCommand({ StackName: STACK, ChangeSetName: 'same' }));
    expect(cs.Status).toBe('FAILED');
    expect(cs.StatusReason).toBe(
      "The submitted information didn't contain changes. Submit different information to create a change set.",
    );
  });

  it('the changeSetFails fault, set at run time, fails the next change set only', async () => {
    const s = await start();
    s.setFaults({ changeSetFails: 'Template error: something the test made up' });
    await createChangeSet('doomed', DEFAULT_TEMPLATE.replace(LIVE_ROOT, NEW_ROOT));
    await createChangeSet('fine', DEFAULT_TEMPLATE.replace(LIVE_ROOT, NEW_ROOT));
    await expect(
      waitUntilChangeSetCreateComplete(
        { client: cfn, maxWaitTime: 30, ...WAIT },
        { StackName: STACK, ChangeSetName: 'doomed' },
      ),
    ).rejects.toThrow(/"state":"FAILURE"/);
    const doomed = await cfn.send(
      new DescribeChangeSetCommand({ StackName: STACK, ChangeSetName: 'doomed' }),
    );
    expect(doomed.StatusReason).toBe('Template error: something the test made up');
    const fine = await waitUntilChangeSetCreateComplete(
      { client: cfn, maxWaitTime: 30, ...WAIT },
      { StackName: STACK, ChangeSetName: 'fine' },
    );
    expect(fine.state).toBe('SUCCESS');
  });

  it('DescribeStackResources returns the first 100 resources; ListStackResources pages through all', async () => {
    const parameters = Array.from(
      { length: 100 },
      (_, i) =>
        `  Setting${i}:\n    Type: AWS::SSM::Parameter\n    Properties:\n      Type: String\n      Value: v${i}\n`,
    ).join('\n');
    const template = DEFAULT_TEMPLATE.replace('\nOutputs:', `\n${parameters}\nOutputs:`);
    sim = await withSim({ speed: 1000, scenario: { templateBody: template } });
    cfn = new CloudFormationClient(clientConfig(sim));
    const described = (await cfn.send(new DescribeStackResourcesCommand({ StackName: STACK })))
      .StackResources;
    expect(described).toHaveLength(100);
    const listed: string[] = [];
    let pages = 0;
    for await (const page of paginateListStackResources({ client: cfn }, { StackName: STACK })) {
      pages += 1;
      listed.push(...(page.StackResourceSummaries ?? []).map((r) => r.LogicalResourceId as string));
    }
    expect(pages).toBeGreaterThan(1);
    expect(listed).toHaveLength(111); // the default eleven and the hundred parameters
    expect(listed).toEqual(expect.arrayContaining(['DbTaskDefinition', 'DbService', 'Setting99']));
  });

  it('a stack policy that denies replacing the task definition fails the update, which rolls back', async () => {
    const s = await start();
    mkdirSync(join(s.env().CHATDB_INSPECTOR_MOUNT as string, NEW_ROOT));
    await cfn.send(
      new SetStackPolicyCommand({
        StackName: STACK,
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
    await createChangeSet('cutover', setVolumeRootDirectory(DEFAULT_TEMPLATE, 'chat-db', NEW_ROOT).text);
    await waitUntilChangeSetCreateComplete(
      { client: cfn, maxWaitTime: 30, ...WAIT },
      { StackName: STACK, ChangeSetName: 'cutover' },
    );
    await cfn.send(new ExecuteChangeSetCommand({ StackName: STACK, ChangeSetName: 'cutover' }));
    const done = await waitUntilStackUpdateComplete(
      { client: cfn, maxWaitTime: 30, ...WAIT },
      { StackName: STACK },
    ).catch((e: unknown) => e);
    expect(done).toMatchObject({ name: 'Error' });
    const stack = (await cfn.send(new DescribeStacksCommand({ StackName: STACK }))).Stacks?.[0];
    expect(stack?.StackStatus).toBe('UPDATE_ROLLBACK_COMPLETE');
    const failed = (await allEvents()).events.find((e) => e.ResourceStatus === 'UPDATE_FAILED');
    expect(failed).toMatchObject({ LogicalResourceId: 'DbTaskDefinition' });
    expect(failed?.ResourceStatusReason).toContain(
      'Action denied by stack policy: Statement [#1] does not allow [Update:Replace] for resource [LogicalResourceId/DbTaskDefinition]',
    );
  });

  it('executes: the update waits for the old task, the waiter succeeds once it is stopped', async () => {
    const s = await start();
    // The new root must exist on the file system, as a flattened restore would leave it.
    mkdirSync(join(s.env().CHATDB_INSPECTOR_MOUNT as string, NEW_ROOT));
    const clusterName = await cluster();
    await createChangeSet('cutover', setVolumeRootDirectory(DEFAULT_TEMPLATE, 'chat-db', NEW_ROOT).text);
    await waitUntilChangeSetCreateComplete(
      { client: cfn, maxWaitTime: 30, ...WAIT },
      { StackName: STACK, ChangeSetName: 'cutover' },
    );
    const oldTask = (await ecs.send(new ListTasksCommand({ cluster: clusterName, serviceName: 'chat-db' })))
      .taskArns?.[0];
    await cfn.send(new ExecuteChangeSetCommand({ StackName: STACK, ChangeSetName: 'cutover' }));

    // While the old task runs the update cannot finish: the waiter gives up, the stack is still updating.
    await waitFor(
      async () => {
        const svc = (
          await ecs.send(new DescribeServicesCommand({ cluster: clusterName, services: ['chat-db'] }))
        ).services?.[0];
        return svc?.deployments?.length === 2 && svc.deployments[0]?.runningCount === 0;
      },
      { what: 'the new deployment to stall on the old task' },
    );
    await expect(
      waitUntilStackUpdateComplete({ client: cfn, maxWaitTime: 1, ...WAIT }, { StackName: STACK }),
    ).rejects.toMatchObject({ name: 'TimeoutError' });
    expect((await cfn.send(new DescribeStacksCommand({ StackName: STACK }))).Stacks?.[0]?.StackStatus).toBe(
      'UPDATE_IN_PROGRESS',
    );
    await expect(
      cfn.send(new ExecuteChangeSetCommand({ StackName: STACK, ChangeSetName: 'cutover' })),
    ).rejects.toBeInstanceOf(InvalidChangeSetStatusException);

    await ecs.send(
      new StopTaskCommand({ cluster: clusterName, task: oldTask, reason: 'chatdb-restore cutover' }),
    );
    const done = await waitUntilStackUpdateComplete(
      { client: cfn, maxWaitTime: 60, ...WAIT },
      { StackName: STACK },
    );
    expect(done.state).toBe('SUCCESS');
    const stack = (await cfn.send(new DescribeStacksCommand({ StackName: STACK }))).Stacks?.[0];
    expect(stack?.StackStatus).toBe('UPDATE_COMPLETE');
    expect(stack?.LastUpdatedTime).toBeInstanceOf(Date);
    expect(stack?.ChangeSetId).toMatch(/:changeSet\/cutover\//);

    const { events } = await allEvents();
    const since = events.findIndex(
      (e) => e.ResourceStatus === 'UPDATE_IN_PROGRESS' && e.LogicalResourceId === STACK,
    );
    expect(events.slice(0, since + 1).map((e) => e.ResourceStatus)).toContain(
      'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS',
    );
    expect(s.state().calls['cloudformation:ExecuteChangeSet']).toBe(2);
    const world = s.state().stack as { executions: { accepted: number; refused: number } };
    expect(world.executions).toEqual({ accepted: 1, refused: 1 });
  });

  it('a failed update rolls back: the waiter reports failure, the template is the old one again', async () => {
    const s = await start({ stackUpdateFails: true });
    await createChangeSet('cutover', DEFAULT_TEMPLATE.replace(LIVE_ROOT, NEW_ROOT));
    await waitUntilChangeSetCreateComplete(
      { client: cfn, maxWaitTime: 30, ...WAIT },
      { StackName: STACK, ChangeSetName: 'cutover' },
    );
    await cfn.send(new ExecuteChangeSetCommand({ StackName: STACK, ChangeSetName: 'cutover' }));
    await expect(
      waitUntilStackUpdateComplete({ client: cfn, maxWaitTime: 60, ...WAIT }, { StackName: STACK }),
    ).rejects.toThrow(/"state":"FAILURE"/);
    const stack = (await cfn.send(new DescribeStacksCommand({ StackName: STACK }))).Stacks?.[0];
    expect(stack?.StackStatus).toBe('UPDATE_ROLLBACK_COMPLETE');
    expect((await cfn.send(new GetTemplateCommand({ StackName: STACK }))).TemplateBody).toBe(
      DEFAULT_TEMPLATE,
    );
    const { events } = await allEvents();
    expect(events.find((e) => e.ResourceStatus === 'UPDATE_FAILED')).toMatchObject({
      LogicalResourceId: 'DbService',
      ResourceStatusReason: expect.stringMatching(/^Resource handler returned message: /),
    });
    expect(s.state().faults.stackUpdateFails).toBeUndefined();
  });
});
