// The stack world through its operation handlers, called directly with decoded request members.
// Time runs 1000 times faster than real: the default durations (change set 20 s, stack step 30 s,
// task start 60 s, task stop 30 s) take 20-60 ms, and CloudFormation's 3 h stabilisation timeout
// takes 10.8 s, far longer than any wait below.

import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_TEMPLATE } from '../../src/sim/default-template.js';
import type { FaultSpec, Faults, ServiceModule, SimClock } from '../../src/sim/kernel.js';
import { SimError } from '../../src/sim/kernel.js';
import { createStackWorld } from '../../src/sim/stack-world.js';
import { waitFor } from '../helpers/wait.js';

const LIVE_ROOT = '/aws-backup-restore_2026-05-14T17-27-00-417720408Z';
const NEW_ROOT = '/chatdb-restore_2026-06-01T10-00-00Z';
const DB_FS = 'fs-0db0c4a7e1';
const STACK = 'rocket-chat';
const NO_CHANGES =
  "The submitted information didn't contain changes. Submit different information to create a change set.";

// biome-ignore lint/suspicious/noExplicitAny: operation results are wire JSON, checked here with matchers
type Obj = Record<string, any>;

/** A kernel SimClock: simulated milliseconds divided by the speed, on unref'd timers. */
function testClock(speed: number): SimClock {
  return {
    speed,
    real: (simMs) => simMs / speed,
    now: () => Date.now(),
    after(simMs, fn) {
      const handle = setTimeout(fn, Math.max(0, simMs) / speed);
      handle.unref();
      return () => clearTimeout(handle);
    },
  };
}

/** Kernel Faults over a plain object the test changes. */
function testFaults(initial: FaultSpec = {}): Faults & { spec: FaultSpec } {
  const holder = {
    spec: { ...initial },
    get: () => holder.spec,
    take<K extends keyof FaultSpec>(key: K): FaultSpec[K] | undefined {
      const value = holder.spec[key];
      if (value === undefined || value === false) return undefined;
      const { [key]: _taken, ...rest } = holder.spec;
      holder.spec = rest;
      return value;
    },
  };
  return holder;
}

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const fn of cleanups.splice(0)) fn();
});

function makeWorld(opts: { faults?: FaultSpec; speed?: number } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'stack-world-'));
  const dbDir = join(dir, 'db');
  const dumpDir = join(dir, 'dump');
  mkdirSync(join(dbDir, LIVE_ROOT), { recursive: true });
  mkdirSync(join(dbDir, NEW_ROOT), { recursive: true });
  mkdirSync(dumpDir, { recursive: true });
  const faults = testFaults(opts.faults);
  const world = createStackWorld({
    clock: testClock(opts.speed ?? 1000),
    faults,
    region: 'eu-central-1',
    accountId: '123456789012',
    stackName: STACK,
    templateBody: DEFAULT_TEMPLATE,
    fileSystems: {
      DbStorage: { id: DB_FS, rootDir: dbDir },
      DumpStorage: { id: 'fs-0d0d0d0d01', rootDir: dumpDir },
    },
    durations: { changeSetMs: 20_000, stackStepMs: 30_000, taskStartMs: 60_000, taskStopMs: 30_000 },
  });
  cleanups.push(() => {
    world.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const op =
    (module: ServiceModule) =>
    async (name: string, input: Obj = {}) => {
      const handler = module.ops[name];
      if (!handler) throw new Error(`no ${name}`);
      return (await handler(input)) as Obj;
    };
  const cf = op(world.cloudformation);
  const ecs = op(world.ecs);
  const state = () => world.state() as Obj;
  const cluster = () => state().services[0].cluster as string;

  const stack = async () => (await cf('DescribeStacks', { StackName: STACK })).Stacks[0] as Obj;
  const createChangeSet = (name: string, body: string, extra: Obj = {}) =>
    cf('CreateChangeSet', {
      StackName: STACK,
      ChangeSetName: name,
      TemplateBody: body,
      ChangeSetType: 'UPDATE',
      Parameters: ['MongoImage', 'RocketChatImage', 'Subnets', 'SecurityGroup'].map((key) => ({
        ParameterKey: key,
        UsePreviousValue: 'true',
      })),
      Capabilities: ['CAPABILITY_IAM'],
      ...extra,
    });
  const settledChangeSet = (name: string) =>
    waitFor(
      async () => {
        const cs = await cf('DescribeChangeSet', { StackName: STACK, ChangeSetName: name });
        return cs.Status === 'CREATE_COMPLETE' || cs.Status === 'FAILED' ? cs : undefined;
      },
      { what: `change set ${name} to finish` },
    );
  const stackSettles = () =>
    waitFor(
      async () => {
        const s = await stack();
        return String(s.StackStatus).endsWith('_IN_PROGRESS') ? undefined : s;
      },
      { what: 'the stack update to finish' },
    );
  const service = async (name = 'chat-db') =>
    (await ecs('DescribeServices', { cluster: cluster(), services: [name] })).services[0] as Obj;
  const tasks = async (desiredStatus = 'RUNNING', serviceName = 'chat-db') => {
    const arns: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await ecs('ListTasks', { cluster: cluster(), serviceName, desiredStatus, nextToken });
      arns.push(...page.taskArns);
      nextToken = page.nextToken;
    } while (nextToken);
    if (arns.length === 0) return [];
    return (await ecs('DescribeTasks', { cluster: cluster(), tasks: arns })).tasks as Obj[];
  };
  const allEvents = async () => {
    const events: Obj[] = [];
    let NextToken: string | undefined;
    do {
      const page = await cf('DescribeStackEvents', { StackName: STACK, NextToken });
      events.push(...page.StackEvents);
      NextToken = page.NextToken;
    } while (NextToken);
    return events;
  };
  return {
    world,
    faults,
    cf,
    ecs,
    state,
    cluster,
    stack,
    createChangeSet,
    settledChangeSet,
    stackSettles,
    service,
    tasks,
    allEvents,
  };
}

async function expectSimError(promise: Promise<unknown>, code: string, message?: string | RegExp) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SimError);
  expect((error as SimError).code).toBe(code);
  if (message !== undefined) {
    if (typeof message === 'string') expect((error as SimError).message).toBe(message);
    else expect((error as SimError).message).toMatch(message);
  }
  return error as SimError;
}

const withRoot = (root: string) =>
  DEFAULT_TEMPLATE.replace(`RootDirectory: ${LIVE_ROOT}`, `RootDirectory: ${root}`);

describe('the stack at start', () => {
  it('is CREATE_COMPLETE with the template byte for byte, its parameters, capabilities and outputs', async () => {
    const w = makeWorld();
    const s = await w.stack();
    expect(s).toMatchObject({
      StackName: STACK,
      StackStatus: 'CREATE_COMPLETE',
      Capabilities: ['CAPABILITY_IAM'],
      DisableRollback: false,
    });
    expect(s.StackId).toMatch(
      /^arn:aws:cloudformation:eu-central-1:123456789012:stack\/rocket-chat\/[0-9a-f-]{36}$/,
    );
    expect(s.Parameters).toContainEqual({ ParameterKey: 'MongoImage', ParameterValue: 'mongo:6.0.16' });
    expect(s.Outputs).toContainEqual({
      OutputKey: 'DbFileSystemId',
      OutputValue: DB_FS,
      Description: 'EFS file system holding the chat database',
    });
    const template = await w.cf('GetTemplate', { StackName: STACK, TemplateStage: 'Original' });
    expect(template.TemplateBody).toBe(DEFAULT_TEMPLATE);
    expect(template.StagesAvailable).toEqual(['Original', 'Processed']);
  });

  it('maps every logical resource to its physical id', async () => {
    const w = makeWorld();
    const { StackResources } = await w.cf('DescribeStackResources', { StackName: STACK });
    const byId = Object.fromEntries(StackResources.map((r: Obj) => [r.LogicalResourceId, r]));
    const cluster = byId.Cluster.PhysicalResourceId as string;
    expect(cluster).toMatch(/^rocket-chat-Cluster-[A-Z0-9]{12}$/);
    expect(byId.DbStorage.PhysicalResourceId).toBe(DB_FS);
    expect(byId.DumpStorage.PhysicalResourceId).toBe('fs-0d0d0d0d01');
    expect(byId.DbTaskDefinition.PhysicalResourceId).toBe(
      'arn:aws:ecs:eu-central-1:123456789012:task-definition/chat-db:1',
    );
    expect(byId.DbService.PhysicalResourceId).toBe(
      `arn:aws:ecs:eu-central-1:123456789012:service/${cluster}/chat-db`,
    );
    expect(byId.LogGroup.PhysicalResourceId).toBe('/ecs/rocket-chat');
    for (const r of StackResources) expect(r.ResourceStatus).toBe('CREATE_COMPLETE');

    const detail = await w.cf('DescribeStackResource', { StackName: STACK, LogicalResourceId: 'DbService' });
    expect(detail.StackResourceDetail).toMatchObject({
      LogicalResourceId: 'DbService',
      ResourceType: 'AWS::ECS::Service',
      PhysicalResourceId: byId.DbService.PhysicalResourceId,
      ResourceStatus: 'CREATE_COMPLETE',
    });
    await expectSimError(
      w.cf('DescribeStackResource', { StackName: STACK, LogicalResourceId: 'Nope' }),
      'ValidationError',
      'Resource Nope does not exist for stack rocket-chat',
    );
    const one = await w.cf('DescribeStackResources', { StackName: STACK, LogicalResourceId: 'DbStorage' });
    expect(one.StackResources.map((r: Obj) => r.PhysicalResourceId)).toEqual([DB_FS]);
  });

  it('runs revision 1 of chat-db with the template volumes, one healthy task on it', async () => {
    const w = makeWorld();
    const { taskDefinition } = await w.ecs('DescribeTaskDefinition', { taskDefinition: 'chat-db' });
    expect(taskDefinition).toMatchObject({
      family: 'chat-db',
      revision: 1,
      status: 'ACTIVE',
      networkMode: 'awsvpc',
    });
    expect(taskDefinition.volumes).toEqual([
      {
        name: 'chat-db',
        efsVolumeConfiguration: {
          fileSystemId: DB_FS,
          rootDirectory: LIVE_ROOT,
          transitEncryption: 'ENABLED',
        },
      },
      {
        name: 'chat-dump',
        efsVolumeConfiguration: { fileSystemId: 'fs-0d0d0d0d01', transitEncryption: 'ENABLED' },
      },
    ]);
    expect(taskDefinition.containerDefinitions[0]).toMatchObject({ name: 'mongo', image: 'mongo:6.0.16' });

    const svc = await w.service();
    expect(svc).toMatchObject({
      serviceName: 'chat-db',
      status: 'ACTIVE',
      desiredCount: 1,
      runningCount: 1,
      pendingCount: 0,
      taskDefinition: taskDefinition.taskDefinitionArn,
      deploymentConfiguration: { minimumHealthyPercent: 100, maximumPercent: 100 },
    });
    expect(svc.deployments).toHaveLength(1);
    expect(svc.deployments[0]).toMatchObject({
      status: 'PRIMARY',
      rolloutState: 'COMPLETED',
      runningCount: 1,
    });
    expect(svc.deployments[0].id).toMatch(/^ecs-svc\/\d{19}$/);
    expect(typeof svc.createdAt).toBe('number');
    expect(svc.events[0].message).toBe('(service chat-db) has reached a steady state.');

    const running = await w.tasks();
    expect(running).toHaveLength(1);
    expect(running[0]).toMatchObject({
      lastStatus: 'RUNNING',
      desiredStatus: 'RUNNING',
      healthStatus: 'HEALTHY',
      taskDefinitionArn: taskDefinition.taskDefinitionArn,
      group: 'service:chat-db',
      startedBy: svc.deployments[0].id,
    });
    expect(running[0]?.taskArn).toMatch(
      new RegExp(`^arn:aws:ecs:eu-central-1:123456789012:task/${w.cluster()}/[0-9a-f]{32}$`),
    );
    expect(running[0]?.containers[0]).toMatchObject({
      name: 'mongo',
      lastStatus: 'RUNNING',
      healthStatus: 'HEALTHY',
    });

    const chat = await w.service('chat');
    expect(chat).toMatchObject({ runningCount: 1, desiredCount: 1 });
    expect(
      (await w.ecs('DescribeTaskDefinition', { taskDefinition: 'chat:1' })).taskDefinition.volumes,
    ).toEqual([]);
  });

  it('pages its events newest first, in small pages, back to the creation', async () => {
    const w = makeWorld();
    const first = await w.cf('DescribeStackEvents', { StackName: STACK });
    expect(first.StackEvents.length).toBeLessThanOrEqual(6);
    expect(first.NextToken).toBeDefined();
    const events = await w.allEvents();
    expect(events.length).toBeGreaterThan(30);
    expect(events[0]).toMatchObject({ LogicalResourceId: STACK, ResourceStatus: 'CREATE_COMPLETE' });
    expect(events.at(-1)).toMatchObject({
      LogicalResourceId: STACK,
      ResourceStatus: 'CREATE_IN_PROGRESS',
      ResourceStatusReason: 'User Initiated',
      ResourceType: 'AWS::CloudFormation::Stack',
    });
    const times = events.map((e) => Date.parse(e.Timestamp));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(new Set(events.map((e) => e.EventId)).size).toBe(events.length);
    await expectSimError(
      w.cf('DescribeStackEvents', { StackName: STACK, NextToken: 'bogus' }),
      'ValidationError',
    );
  });

  it('answers unknown stacks, services, tasks and task definitions as AWS does', async () => {
    const w = makeWorld();
    await expectSimError(
      w.cf('DescribeStacks', { StackName: 'nope' }),
      'ValidationError',
      'Stack with id nope does not exist',
    );
    await expectSimError(
      w.cf('GetTemplate', { StackName: 'nope' }),
      'ValidationError',
      'Stack with id nope does not exist',
    );
    await expectSimError(
      w.cf('DescribeChangeSet', { StackName: STACK, ChangeSetName: 'missing' }),
      'ChangeSetNotFound',
      'ChangeSet [missing] does not exist',
    ).then((e) => expect(e.status).toBe(404));

    const described = await w.ecs('DescribeServices', {
      cluster: w.cluster(),
      services: ['chat-db', 'ghost'],
    });
    expect(described.services.map((s: Obj) => s.serviceName)).toEqual(['chat-db']);
    expect(described.failures).toEqual([
      { arn: `arn:aws:ecs:eu-central-1:123456789012:service/${w.cluster()}/ghost`, reason: 'MISSING' },
    ]);
    await expectSimError(
      w.ecs('DescribeServices', { cluster: 'other', services: ['chat-db'] }),
      'ClusterNotFoundException',
      'Cluster not found.',
    );
    await expectSimError(
      w.ecs('DescribeTaskDefinition', { taskDefinition: 'chat-db:9' }),
      'ClientException',
      'Unable to describe task definition.',
    );
    await expectSimError(
      w.ecs('StopTask', { cluster: w.cluster(), task: 'f'.repeat(32) }),
      'InvalidParameterException',
      'The referenced task was not found.',
    );
    await expectSimError(
      w.ecs('ListTasks', { cluster: w.cluster(), serviceName: 'ghost' }),
      'ServiceNotFoundException',
      'Service not found.',
    );
    await expectSimError(
      w.ecs('DescribeTasks', { cluster: w.cluster(), tasks: [] }),
      'InvalidParameterException',
    );
    const missing = await w.ecs('DescribeTasks', { cluster: w.cluster(), tasks: ['0'.repeat(32)] });
    expect(missing).toMatchObject({ tasks: [], failures: [{ reason: 'MISSING' }] });
  });
});

describe('change sets', () => {
  it('with a new RootDirectory: CREATE_PENDING, then CREATE_COMPLETE listing the replacement', async () => {
    const w = makeWorld();
    const body = withRoot(NEW_ROOT);
    const created = await w.createChangeSet('restore-1', body, { Description: 'chatdb-restore session 1' });
    expect(created.Id).toMatch(
      /^arn:aws:cloudformation:eu-central-1:123456789012:changeSet\/restore-1\/[0-9a-f-]{36}$/,
    );
    expect(created.StackId).toBe((await w.stack()).StackId);
    const pending = await w.cf('DescribeChangeSet', { ChangeSetName: created.Id });
    expect(pending).toMatchObject({ Status: 'CREATE_PENDING', ExecutionStatus: 'UNAVAILABLE' });
    expect(pending.Changes).toBeUndefined();

    const cs = await w.settledChangeSet('restore-1');
    expect(cs).toMatchObject({
      ChangeSetName: 'restore-1',
      Status: 'CREATE_COMPLETE',
      ExecutionStatus: 'AVAILABLE',
      Description: 'chatdb-restore session 1',
      Capabilities: ['CAPABILITY_IAM'],
    });
    expect(cs.Changes).toEqual([
      {
        Type: 'Resource',
        ResourceChange: {
          Action: 'Modify',
          LogicalResourceId: 'DbTaskDefinition',
          PhysicalResourceId: 'arn:aws:ecs:eu-central-1:123456789012:task-definition/chat-db:1',
          ResourceType: 'AWS::ECS::TaskDefinition',
          Replacement: 'True',
          Scope: ['Properties'],
          Details: [
            {
              Target: { Attribute: 'Properties', Name: 'Volumes', RequiresRecreation: 'Always' },
              Evaluation: 'Static',
              ChangeSource: 'DirectModification',
            },
          ],
        },
      },
      expect.objectContaining({
        ResourceChange: expect.objectContaining({
          Action: 'Modify',
          LogicalResourceId: 'DbService',
          Replacement: 'False',
        }),
      }),
    ]);
    expect((await w.cf('GetTemplate', { StackName: STACK, ChangeSetName: 'restore-1' })).TemplateBody).toBe(
      body,
    );
    expect((await w.cf('GetTemplate', { StackName: STACK })).TemplateBody).toBe(DEFAULT_TEMPLATE);
    const list = await w.cf('ListChangeSets', { StackName: STACK });
    expect(list.Summaries).toEqual([
      expect.objectContaining({ ChangeSetName: 'restore-1', Status: 'CREATE_COMPLETE' }),
    ]);
  });

  it('without changes: FAILED with AWS reason, and cannot be executed', async () => {
    const w = makeWorld();
    await w.createChangeSet('same', DEFAULT_TEMPLATE);
    await w.createChangeSet(
      'cosmetic',
      DEFAULT_TEMPLATE.replace('# the database volume', '# MongoDB lives here'),
    );
    await w.cf('CreateChangeSet', {
      StackName: STACK,
      ChangeSetName: 'previous',
      UsePreviousTemplate: 'true',
      Capabilities: ['CAPABILITY_IAM'],
    });
    for (const name of ['same', 'cosmetic', 'previous']) {
      const cs = await w.settledChangeSet(name);
      expect(cs).toMatchObject({
        Status: 'FAILED',
        StatusReason: NO_CHANGES,
        ExecutionStatus: 'UNAVAILABLE',
      });
      expect(cs.Changes).toBeUndefined();
    }
    await expectSimError(
      w.cf('ExecuteChangeSet', { StackName: STACK, ChangeSetName: 'same' }),
      'InvalidChangeSetStatus',
      /cannot be executed in its current status of \[FAILED\]$/,
    );
    expect((await w.stack()).StackStatus).toBe('CREATE_COMPLETE');
  });

  it('the changeSetFails fault fails exactly one change set, with its reason', async () => {
    const w = makeWorld({
      faults: {
        changeSetFails:
          'Template error: variable names in Fn::Sub syntax must contain only alphanumeric characters',
      },
    });
    await w.createChangeSet('first', withRoot(NEW_ROOT));
    await w.createChangeSet('second', withRoot(NEW_ROOT));
    expect(await w.settledChangeSet('first')).toMatchObject({
      Status: 'FAILED',
      StatusReason:
        'Template error: variable names in Fn::Sub syntax must contain only alphanumeric characters',
    });
    expect(await w.settledChangeSet('second')).toMatchObject({ Status: 'CREATE_COMPLETE' });
    expect(w.faults.spec.changeSetFails).toBeUndefined();

    w.faults.spec = { changeSetFails: true };
    await w.createChangeSet('third', withRoot(NEW_ROOT));
    const third = await w.settledChangeSet('third');
    expect(third.Status).toBe('FAILED');
    expect(third.StatusReason).toMatch(/^Template format error: /);
  });

  it('refuses bad requests synchronously, as CreateChangeSet does', async () => {
    const w = makeWorld();
    await w.createChangeSet('taken', withRoot(NEW_ROOT));
    await expectSimError(
      w.createChangeSet('taken', withRoot('/other')),
      'AlreadyExistsException',
      /^ChangeSet taken /,
    );
    await expectSimError(
      w.createChangeSet('bad-yaml', 'Resources:\n  A: [\n'),
      'ValidationError',
      /^Template format error: YAML not well-formed\. \(line/,
    );
    await expectSimError(
      w.createChangeSet('dangling', DEFAULT_TEMPLATE.replace('!Ref DbStorage   #', '!Ref DbStorag   #')),
      'ValidationError',
      'Template format error: Unresolved resource dependencies [DbStorag] in the Resources block of the template',
    );
    await expectSimError(
      w.createChangeSet('no-caps', withRoot(NEW_ROOT), { Capabilities: [] }),
      'InsufficientCapabilitiesException',
      'Requires capabilities : [CAPABILITY_IAM]',
    );
    await expectSimError(
      w.createChangeSet('bad-param', withRoot(NEW_ROOT), {
        Parameters: [{ ParameterKey: 'Nope', ParameterValue: 'x' }],
      }),
      'ValidationError',
      'Parameters: [Nope] do not exist in the template',
    );
    await expectSimError(
      w.createChangeSet('x', withRoot(NEW_ROOT), { StackName: 'nope' }),
      'ValidationError',
      'Stack [nope] does not exist',
    );
    await expectSimError(w.createChangeSet('no_underscores', withRoot(NEW_ROOT)), 'ValidationError');
    await expectSimError(
      w.createChangeSet('create', withRoot(NEW_ROOT), { ChangeSetType: 'CREATE' }),
      'ValidationError',
      'Stack [rocket-chat] already exists and cannot be created again with the changeSet [create].',
    );
  });

  it('a retry with the same ClientToken gets the same change set back; another token is refused', async () => {
    const w = makeWorld();
    const first = await w.createChangeSet('tokened', withRoot(NEW_ROOT), { ClientToken: 'session-1' });
    const retry = await w.createChangeSet('tokened', withRoot(NEW_ROOT), { ClientToken: 'session-1' });
    expect(retry.Id).toBe(first.Id);
    await expectSimError(
      w.createChangeSet('tokened', withRoot(NEW_ROOT), { ClientToken: 'session-2' }),
      'AlreadyExistsException',
      'ChangeSet tokened cannot be created due to a mismatch with existing attribute ClientToken',
    );
    expect((await w.cf('ListChangeSets', { StackName: STACK })).Summaries).toHaveLength(1);
  });

  it('cannot be executed before it is complete', async () => {
    const w = makeWorld();
    await w.createChangeSet('early', withRoot(NEW_ROOT));
    await expectSimError(
      w.cf('ExecuteChangeSet', { StackName: STACK, ChangeSetName: 'early' }),
      'InvalidChangeSetStatus',
      /cannot be executed in its current status of \[CREATE_(PENDING|IN_PROGRESS)\]$/,
    );
    expect(w.state().executions).toEqual({ accepted: 0, refused: 1 });
  });

  it('can be deleted, after which it does not exist', async () => {
    const w = makeWorld();
    await w.createChangeSet('doomed', withRoot(NEW_ROOT));
    await w.settledChangeSet('doomed');
    await w.cf('DeleteChangeSet', { StackName: STACK, ChangeSetName: 'doomed' });
    await expectSimError(
      w.cf('DescribeChangeSet', { StackName: STACK, ChangeSetName: 'doomed' }),
      'ChangeSetNotFound',
    );
  });

  it('stops changing once the world is closed', async () => {
    const w = makeWorld();
    await w.createChangeSet('frozen', withRoot(NEW_ROOT));
    w.world.close();
    await sleep(150);
    expect((await w.cf('DescribeChangeSet', { StackName: STACK, ChangeSetName: 'frozen' })).Status).toBe(
      'CREATE_PENDING',
    );
  });
});

describe('stack updates', () => {
  async function executeNewRoot(w: ReturnType<typeof makeWorld>, root: string, name = 'cutover') {
    await w.createChangeSet(name, withRoot(root));
    expect((await w.settledChangeSet(name)).Status).toBe('CREATE_COMPLETE');
    await w.cf('ExecuteChangeSet', { StackName: STACK, ChangeSetName: name });
    expect((await w.stack()).StackStatus).toBe('UPDATE_IN_PROGRESS');
  }

  /** The new deployment exists and, at 100 %/100 %, has no room to start its task. */
  const waitingDeployment = (w: ReturnType<typeof makeWorld>) =>
    waitFor(
      async () => {
        const svc = await w.service();
        const running = await w.tasks();
        return svc.deployments.length === 2 ? { svc, running } : undefined;
      },
      { what: 'the new deployment to stall on the old task' },
    );

  it('waits for the old task, then completes on the new revision once it is stopped', async () => {
    const w = makeWorld();
    const [old] = await w.tasks();
    await executeNewRoot(w, NEW_ROOT);

    const { svc } = await waitingDeployment(w);
    const [primary, active] = svc.deployments;
    expect(primary).toMatchObject({
      status: 'PRIMARY',
      rolloutState: 'IN_PROGRESS',
      taskDefinition: 'arn:aws:ecs:eu-central-1:123456789012:task-definition/chat-db:2',
      desiredCount: 1,
      runningCount: 0,
      pendingCount: 0,
    });
    expect(active).toMatchObject({
      status: 'ACTIVE',
      taskDefinition: old?.taskDefinitionArn,
      runningCount: 1,
    });

    // Ten task-start durations later nothing has moved: no room above one task, none below it.
    await sleep(600);
    expect((await w.stack()).StackStatus).toBe('UPDATE_IN_PROGRESS');
    const stillWaiting = await w.tasks();
    expect(stillWaiting.map((t) => [t.taskDefinitionArn.split(':').at(-1), t.lastStatus]).sort()).toEqual([
      ['1', 'RUNNING'],
    ]);
    const { StackResourceDetail } = await w.cf('DescribeStackResource', {
      StackName: STACK,
      LogicalResourceId: 'DbService',
    });
    expect(StackResourceDetail.ResourceStatus).toBe('UPDATE_IN_PROGRESS');

    const stopped = await w.ecs('StopTask', {
      cluster: w.cluster(),
      task: old?.taskArn,
      reason: 'chatdb-restore cutover',
    });
    expect(stopped.task).toMatchObject({ desiredStatus: 'STOPPED', taskArn: old?.taskArn });

    const done = await w.stackSettles();
    expect(done.StackStatus).toBe('UPDATE_COMPLETE');
    expect(done.LastUpdatedTime).toBeDefined();

    const after = await w.service();
    expect(after.deployments).toHaveLength(1);
    expect(after.deployments[0]).toMatchObject({
      rolloutState: 'COMPLETED',
      taskDefinition: after.taskDefinition,
    });
    expect(after.runningCount).toBe(after.desiredCount);
    const { taskDefinition } = await w.ecs('DescribeTaskDefinition', {
      taskDefinition: after.taskDefinition,
    });
    expect(taskDefinition.revision).toBe(2);
    expect(taskDefinition.volumes[0].efsVolumeConfiguration).toEqual({
      fileSystemId: DB_FS,
      rootDirectory: NEW_ROOT,
      transitEncryption: 'ENABLED',
    });
    const [running] = await w.tasks();
    expect(running).toMatchObject({
      lastStatus: 'RUNNING',
      healthStatus: 'HEALTHY',
      taskDefinitionArn: after.taskDefinition,
    });
    const [oldTask] = (await w.ecs('DescribeTasks', { cluster: w.cluster(), tasks: [old?.taskArn] })).tasks;
    expect(oldTask).toMatchObject({
      lastStatus: 'STOPPED',
      stoppedReason: 'chatdb-restore cutover',
      stopCode: 'UserInitiated',
    });
    expect(typeof oldTask.stoppedAt).toBe('number');

    expect(
      (await w.ecs('DescribeTaskDefinition', { taskDefinition: 'chat-db:1' })).taskDefinition.status,
    ).toBe('INACTIVE');
    expect((await w.cf('GetTemplate', { StackName: STACK })).TemplateBody).toBe(withRoot(NEW_ROOT));
    const resource = await w.cf('DescribeStackResource', {
      StackName: STACK,
      LogicalResourceId: 'DbTaskDefinition',
    });
    expect(resource.StackResourceDetail.PhysicalResourceId).toBe(after.taskDefinition);

    const events = await w.allEvents();
    const update = events.slice(
      0,
      events.findIndex(
        (e) => e.ResourceStatusReason === 'User Initiated' && e.ResourceStatus === 'UPDATE_IN_PROGRESS',
      ) + 1,
    );
    expect(update.map((e) => `${e.LogicalResourceId} ${e.ResourceStatus}`).reverse()).toEqual([
      'rocket-chat UPDATE_IN_PROGRESS',
      'DbTaskDefinition UPDATE_IN_PROGRESS',
      'DbTaskDefinition UPDATE_IN_PROGRESS',
      'DbTaskDefinition UPDATE_COMPLETE',
      'DbService UPDATE_IN_PROGRESS',
      'DbService UPDATE_COMPLETE',
      'rocket-chat UPDATE_COMPLETE_CLEANUP_IN_PROGRESS',
      'DbTaskDefinition DELETE_IN_PROGRESS',
      'DbTaskDefinition DELETE_COMPLETE',
      'rocket-chat UPDATE_COMPLETE',
    ]);

    expect(
      (await w.cf('DescribeChangeSet', { StackName: STACK, ChangeSetName: 'cutover' })).ExecutionStatus,
    ).toBe('EXECUTE_COMPLETE');
    await expectSimError(
      w.cf('ExecuteChangeSet', { StackName: STACK, ChangeSetName: 'cutover' }),
      'InvalidChangeSetStatus',
      /cannot be executed in its current execution status of \[EXECUTE_COMPLETE\]$/,
    );
    const state = w.state();
    expect(state.executions).toEqual({ accepted: 1, refused: 1 });
    expect(state.stack).toMatchObject({ status: 'UPDATE_COMPLETE', templateBody: withRoot(NEW_ROOT) });
    expect(state.changeSets).toEqual([
      expect.objectContaining({
        name: 'cutover',
        status: 'CREATE_COMPLETE',
        executionStatus: 'EXECUTE_COMPLETE',
      }),
    ]);
    expect(state.tasks).toContainEqual(
      expect.objectContaining({
        taskDefinition: after.taskDefinition,
        lastStatus: 'RUNNING',
        service: 'chat-db',
      }),
    );
    expect(state.tasks).toContainEqual(
      expect.objectContaining({
        arn: old?.taskArn,
        lastStatus: 'STOPPED',
        stoppedReason: 'chatdb-restore cutover',
      }),
    );
    expect(state.services).toContainEqual(
      expect.objectContaining({
        name: 'chat-db',
        taskDefinition: after.taskDefinition,
        deployments: [expect.objectContaining({ rolloutState: 'COMPLETED' })],
      }),
    );
    expect(state.taskDefinitions).toContainEqual(
      expect.objectContaining({
        revision: 2,
        volumes: expect.arrayContaining([expect.objectContaining({ rootDirectory: NEW_ROOT })]),
      }),
    );
  });

  it('ExecuteChangeSet retried with its ClientRequestToken is accepted once; the events carry the token', async () => {
    const w = makeWorld();
    await w.createChangeSet('tokened', withRoot(NEW_ROOT));
    expect((await w.settledChangeSet('tokened')).Status).toBe('CREATE_COMPLETE');
    const execute = { StackName: STACK, ChangeSetName: 'tokened', ClientRequestToken: 'session-1-execute' };
    await w.cf('ExecuteChangeSet', execute);
    expect(await w.cf('ExecuteChangeSet', execute)).toEqual({});
    expect(w.state().executions).toEqual({ accepted: 1, refused: 0 });
    const [latest] = (await w.cf('DescribeStackEvents', { StackName: STACK })).StackEvents;
    expect(latest).toMatchObject({
      ResourceStatus: 'UPDATE_IN_PROGRESS',
      ClientRequestToken: 'session-1-execute',
    });
    await expectSimError(
      w.cf('ExecuteChangeSet', { ...execute, ClientRequestToken: 'another' }),
      'InvalidChangeSetStatus',
    );
  });

  it("refuses a second execution while the first runs, and deletes the stack's other change sets", async () => {
    const w = makeWorld();
    await w.createChangeSet('other', withRoot('/chatdb-restore_other'));
    await executeNewRoot(w, NEW_ROOT);
    await expectSimError(
      w.cf('ExecuteChangeSet', { StackName: STACK, ChangeSetName: 'cutover' }),
      'InvalidChangeSetStatus',
      /current execution status of \[EXECUTE_IN_PROGRESS\]$/,
    );
    // "After you execute a change set, CloudFormation removes all change sets associated with the stack."
    await expectSimError(
      w.cf('ExecuteChangeSet', { StackName: STACK, ChangeSetName: 'other' }),
      'ChangeSetNotFound',
    );
    await expectSimError(
      w.cf('DescribeChangeSet', { StackName: STACK, ChangeSetName: 'other' }),
      'ChangeSetNotFound',
    );
    await expectSimError(
      w.createChangeSet('during', withRoot('/x')),
      'ValidationError',
      /is in UPDATE_IN_PROGRESS state and can not be updated\.$/,
    );
    expect(w.state().executions).toEqual({ accepted: 1, refused: 1 });
  });

  it('rolls back to the previous revision when the new RootDirectory does not exist', async () => {
    const w = makeWorld();
    const [old] = await w.tasks();
    await executeNewRoot(w, '/aws-backup-restore_missing');
    await waitingDeployment(w);
    await w.ecs('StopTask', { cluster: w.cluster(), task: old?.taskArn });

    const done = await w.stackSettles();
    expect(done.StackStatus).toBe('UPDATE_ROLLBACK_COMPLETE');

    const stopped = await w.tasks('STOPPED');
    const failed = stopped.filter((t) => t.taskDefinitionArn.endsWith(':2'));
    expect(failed.length).toBeGreaterThanOrEqual(3);
    for (const t of failed) {
      expect(t).toMatchObject({ lastStatus: 'STOPPED', stopCode: 'TaskFailedToStart' });
      expect(t.stoppedReason).toBe(
        `ResourceInitializationError: failed to invoke EFS utils commands to set up EFS volumes: stderr: mount.nfs4: mounting ${DB_FS}.efs.eu-central-1.amazonaws.com:/aws-backup-restore_missing failed, reason given by server: No such file or directory : unsuccessful EFS utils command execution; code: 32`,
      );
    }

    const svc = await w.service();
    expect(svc.taskDefinition).toBe(old?.taskDefinitionArn);
    expect(svc.deployments).toHaveLength(1);
    const [running] = await w.tasks();
    expect(running).toMatchObject({
      taskDefinitionArn: old?.taskDefinitionArn,
      lastStatus: 'RUNNING',
      healthStatus: 'HEALTHY',
    });
    expect(running?.taskArn).not.toBe(old?.taskArn);
    expect(
      (await w.ecs('DescribeTaskDefinition', { taskDefinition: 'chat-db:2' })).taskDefinition.status,
    ).toBe('INACTIVE');
    expect(
      (await w.ecs('DescribeTaskDefinition', { taskDefinition: 'chat-db:1' })).taskDefinition.status,
    ).toBe('ACTIVE');
    expect((await w.cf('GetTemplate', { StackName: STACK })).TemplateBody).toBe(DEFAULT_TEMPLATE);
    const resource = await w.cf('DescribeStackResource', {
      StackName: STACK,
      LogicalResourceId: 'DbTaskDefinition',
    });
    expect(resource.StackResourceDetail.PhysicalResourceId).toBe(old?.taskDefinitionArn);

    const events = await w.allEvents();
    const failure = events.find(
      (e) => e.LogicalResourceId === 'DbService' && e.ResourceStatus === 'UPDATE_FAILED',
    );
    expect(failure?.ResourceStatusReason).toMatch(
      /^Resource handler returned message: "Error occurred during operation 'ECS Deployment Circuit Breaker was triggered'\." \(RequestToken: [0-9a-f-]+, HandlerErrorCode: GeneralServiceException\)$/,
    );
    expect(events.find((e) => e.ResourceStatus === 'UPDATE_ROLLBACK_IN_PROGRESS')?.ResourceStatusReason).toBe(
      'The following resource(s) failed to update: [DbService]. ',
    );
    expect(
      (await w.cf('DescribeChangeSet', { StackName: STACK, ChangeSetName: 'cutover' })).ExecutionStatus,
    ).toBe('EXECUTE_FAILED');
  });

  it('rolls back when the new tasks crash-loop, and the rollback task does not crash', async () => {
    const w = makeWorld({ faults: { taskCrashLoop: true } });
    const [old] = await w.tasks();
    await executeNewRoot(w, NEW_ROOT);
    await waitingDeployment(w);
    await w.ecs('StopTask', { cluster: w.cluster(), task: old?.taskArn });

    expect((await w.stackSettles()).StackStatus).toBe('UPDATE_ROLLBACK_COMPLETE');
    const crashed = (await w.tasks('STOPPED')).filter((t) => t.taskDefinitionArn.endsWith(':2'));
    expect(crashed.length).toBeGreaterThanOrEqual(3);
    for (const t of crashed) {
      expect(t).toMatchObject({
        stoppedReason: 'Essential container in task exited',
        stopCode: 'EssentialContainerExited',
      });
      expect(typeof t.startedAt).toBe('number');
    }
    expect(w.faults.spec.taskCrashLoop).toBe(true);
    const svc = await w.service();
    expect(svc.taskDefinition).toBe(old?.taskDefinitionArn);
    await waitFor(async () => (await w.tasks())[0]?.healthStatus === 'HEALTHY', {
      what: 'the rollback task to be healthy',
    });
  });

  it('the stackUpdateFails fault rolls the update back before the service is touched', async () => {
    const w = makeWorld({
      faults: { stackUpdateFails: 'Resource handler returned message: "Rate exceeded"' },
    });
    const [old] = await w.tasks();
    await executeNewRoot(w, NEW_ROOT);
    expect((await w.stackSettles()).StackStatus).toBe('UPDATE_ROLLBACK_COMPLETE');
    expect(w.faults.spec.stackUpdateFails).toBeUndefined();

    const events = await w.allEvents();
    expect(events.find((e) => e.ResourceStatus === 'UPDATE_FAILED')).toMatchObject({
      LogicalResourceId: 'DbService',
      ResourceStatusReason: 'Resource handler returned message: "Rate exceeded"',
    });
    const running = await w.tasks();
    expect(running.map((t) => t.taskArn)).toEqual([old?.taskArn]);
    expect((await w.service()).taskDefinition).toBe(old?.taskDefinitionArn);
    expect((await w.cf('GetTemplate', { StackName: STACK })).TemplateBody).toBe(DEFAULT_TEMPLATE);

    // One-shot: the next update goes through (and waits for the old task as usual).
    await executeNewRoot(w, NEW_ROOT, 'again');
    await waitingDeployment(w);
    await w.ecs('StopTask', { cluster: w.cluster(), task: old?.taskArn });
    expect((await w.stackSettles()).StackStatus).toBe('UPDATE_COMPLETE');
    const revisions = w.state().taskDefinitions.filter((td: Obj) => td.family === 'chat-db');
    expect(revisions.map((td: Obj) => [td.revision, td.status])).toEqual([
      [1, 'INACTIVE'],
      [2, 'INACTIVE'],
      [3, 'ACTIVE'],
    ]);
  });

  it('outside a deployment, a stopped task is replaced on the current revision', async () => {
    const w = makeWorld();
    const [old] = await w.tasks();
    const first = await w.ecs('StopTask', { cluster: w.cluster(), task: old?.taskArn, reason: 'testing' });
    expect(first.task).toMatchObject({ desiredStatus: 'STOPPED', stoppedReason: 'testing' });
    const replacement = await waitFor(
      async () => {
        const [t] = await w.tasks();
        return t && t.taskArn !== old?.taskArn && t.lastStatus === 'RUNNING' && t.healthStatus === 'HEALTHY'
          ? t
          : undefined;
      },
      { what: 'a healthy replacement task' },
    );
    expect(replacement.taskDefinitionArn).toBe(old?.taskDefinitionArn);
    const svc = await w.service();
    expect(svc.deployments).toHaveLength(1);
    expect(svc.runningCount).toBe(1);
    expect(svc.events.map((e: Obj) => e.message)).toContain(
      `(service chat-db) has started 1 tasks: (task ${replacement.taskArn.split('/').at(-1)}).`,
    );
    const again = await w.ecs('StopTask', { cluster: w.cluster(), task: old?.taskArn, reason: 'twice' });
    expect(again.task).toMatchObject({ lastStatus: 'STOPPED', stoppedReason: 'testing' });
  });
});
