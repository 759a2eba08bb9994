// AWS as documented, end to end: the real bot process over signed HTTP against the simulator, in
// worlds set up the way real accounts are. A template that writes RootDirectory without a leading
// slash; each ECS deployment configuration (stalled at 100/100, maximumPercent room,
// minimumHealthyPercent 0, EC2 with a fixed host port); EFS automatic backups in their own vault;
// a change set that would touch more than chat-db; and every preflight problem, refused or warned
// about before any restore job starts.

import {
  CloudFormationClient,
  CreateChangeSetCommand,
  ExecuteChangeSetCommand,
  SetStackPolicyCommand,
  waitUntilChangeSetCreateComplete,
} from '@aws-sdk/client-cloudformation';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_TEMPLATE } from '../../src/sim/default-template.js';
import type { ScenarioInput } from '../../src/sim/scenario.js';
import { LIVE_DB_DIR } from '../../src/sim/scenario.js';
import { OPERATOR_ACCESS_KEY_ID, type Simulator, startSimulator } from '../../src/sim/server.js';
import { ACTION_IDS } from '../../src/slack/ids.js';
import { postToBot } from '../../src/slack-stand-in/post-to-bot.js';
import {
  blockActionBody,
  DEFAULT_CHANNEL,
  DEFAULT_USER,
  SECOND_USER,
  slashCommandBody,
} from '../../src/slack-stand-in/request-bodies.js';
import type { StandInMessage } from '../../src/slack-stand-in/workspace.js';
import { botEnv, FAST_TIMINGS, TEST_SIGNING_SECRET } from '../helpers/bot-env.js';
import { type BotProcess, startBotProcess } from '../helpers/bot-process.js';
import { type FakeSlack, startFakeSlack } from '../helpers/fake-slack.js';
import { waitFor } from '../helpers/wait.js';
import { allText, interactiveElements } from '../slack/support/block-limits.js';

const SLOW = { timeoutMs: 90_000 };
const AUTOMATIC = {
  newer: 'A7E5C3B1-9F8D-4E6C-B4A2-0F1E2D3C4B5A',
  older: 'B8F6D4C2-0A9E-4F7D-85B3-1A2B3C4D5E6F',
};
const NEWEST_IN_VAULT = 'C9B7D5F3-1E2A-4C4B-8D6F-8495A6B7C8D9';

// ---- templates -------------------------------------------------------------------------------

/** The infra repo's style: `RootDirectory: aws-backup-restore_…`, no leading slash. */
const RELATIVE_TEMPLATE = replaced(
  DEFAULT_TEMPLATE,
  `RootDirectory: ${LIVE_DB_DIR}`,
  `RootDirectory: ${LIVE_DB_DIR.slice(1)}`,
);

/** The chat-db service's deployment configuration (the default is 100/100, the stalled case). */
function dbDeployment(min: number, max: number, template = DEFAULT_TEMPLATE): string {
  return template.replace(
    /MinimumHealthyPercent: 100\n(\s+)MaximumPercent: 100/,
    `MinimumHealthyPercent: ${min}\n$1MaximumPercent: ${max}`,
  );
}

/** chat-db on EC2, bridge networking, MongoDB's port fixed on the host: two tasks cannot share one. */
const EC2_HOST_PORT_TEMPLATE = dbDeployment(100, 200)
  .replace(
    /(DbTaskDefinition:[\s\S]*?)RequiresCompatibilities: \[FARGATE\]\n\s+NetworkMode: awsvpc/,
    '$1RequiresCompatibilities: [EC2]\n      NetworkMode: bridge',
  )
  .replace(/(\s+)- ContainerPort: 27017/, '$1- ContainerPort: 27017$1  HostPort: 27017')
  .replace(/(ServiceName: chat-db[\s\S]*?)LaunchType: FARGATE/, '$1LaunchType: EC2')
  .replace(/(ServiceName: chat-db[\s\S]*?)NetworkConfiguration:\n(?:\s{8}.*\n)+/, '$1');

/**
 * The task definition's ARN published in a parameter, as deploy scripts and scheduled tasks read
 * it: replacing the task definition modifies the parameter too, which the bot must not execute.
 */
const PUBLISHED_ARN_TEMPLATE = replaced(
  DEFAULT_TEMPLATE,
  '\n  ChatTaskDefinition:',
  `
  DbTaskDefinitionArnParameter:
    Type: AWS::SSM::Parameter
    Properties:
      Name: /rocket-chat/chat-db/task-definition
      Type: String
      Value: !Ref DbTaskDefinition

  ChatTaskDefinition:`,
);

function replaced(text: string, from: string | RegExp, to: string): string {
  const out = text.replace(from, to);
  if (out === text) throw new Error(`not in the template: ${String(from)}`);
  return out;
}

// ---- a world: simulator, fake Slack, bot ------------------------------------------------------

interface SimTask {
  arn: string;
  service: string;
  taskDefinition: string;
  lastStatus: string;
  stopCode?: string;
}

interface SimState {
  calls: Record<string, number>;
  restoreJobs: unknown[];
  stack: {
    stack: { status: string; templateBody: string };
    services: { name: string; taskDefinition: string }[];
    taskDefinitions: { arn: string; volumes: { name: string; rootDirectory?: string }[] }[];
    tasks: SimTask[];
  };
}

interface World {
  sim: Simulator;
  fake: FakeSlack;
  bot: BotProcess;
}

async function startWorld(scenario: ScenarioInput): Promise<World> {
  const sim = await startSimulator({ speed: 2000, scenario });
  const fake = await startFakeSlack();
  const bot = await startBotProcess(
    botEnv({ ...sim.env(), SLACK_API_URL: fake.apiUrl, ...FAST_TIMINGS, LOG_LEVEL: 'info' }),
  );
  return { sim, fake, bot };
}

async function stopWorld(w: World | undefined): Promise<void> {
  await w?.bot.stop();
  await w?.fake.close();
  await w?.sim.close();
}

function state(w: World): SimState {
  return w.sim.state() as unknown as SimState;
}

let sent = 0;
async function command(w: World, text: string, user = DEFAULT_USER): Promise<string> {
  sent += 1;
  const responseId = `aws-doc-${sent}`;
  const res = await postToBot(
    w.bot.url,
    slashCommandBody({ text, user_id: user, response_url: w.fake.responseUrl(responseId) }),
    { secret: TEST_SIGNING_SECRET },
  );
  expect(res.status).toBe(200);
  return responseId;
}

function privateAnswer(w: World, responseId: string): Promise<string> {
  return waitFor(
    () =>
      w.fake
        .responsesTo(responseId)
        .map((r) => allText(r.body as Record<string, unknown>))
        .join('\n') || undefined,
    { ...SLOW, what: `the private answer to ${responseId}` },
  );
}

/** The top-level session card posted after `after` messages, once its text satisfies `until`. */
function card(w: World, until: (text: string) => boolean, after: number): Promise<StandInMessage> {
  return waitFor(
    () =>
      w.fake
        .messages(DEFAULT_CHANNEL)
        .slice(after)
        .find((m) => m.threadTs === undefined && until(allText(m))),
    { ...SLOW, what: 'the session card' },
  );
}

/** `start <point>`; the card once it waits for a second engineer, or once the start failed. */
async function start(w: World, point: string): Promise<StandInMessage> {
  const before = w.fake.messages(DEFAULT_CHANNEL).length;
  await command(w, `start ${point}`);
  return card(w, (t) => t.includes('Waiting for a second engineer') || t.includes('failed'), before);
}

/** Starts a restore, has a second engineer confirm it, and returns the card once it ends. */
async function restore(w: World, point: string): Promise<StandInMessage> {
  return confirmed(w, await start(w, point));
}

/** A second engineer confirms the awaiting card; the card once the session ends. */
async function confirmed(w: World, awaiting: StandInMessage): Promise<StandInMessage> {
  const confirm = interactiveElements((awaiting.blocks as unknown[]) ?? []).find(
    (e) => e.action_id === ACTION_IDS.confirm,
  );
  if (confirm === undefined) throw new Error(`no Confirm on the card:\n${allText(awaiting)}`);
  sent += 1;
  const res = await postToBot(
    w.bot.url,
    blockActionBody({
      action_id: ACTION_IDS.confirm,
      value: String(confirm.value),
      block_id: String(confirm.block_id),
      user_id: SECOND_USER,
      response_url: w.fake.responseUrl(`aws-doc-${sent}`),
    }),
    { secret: TEST_SIGNING_SECRET },
  );
  expect(res.status).toBe(200);
  return waitFor(
    () =>
      w.fake
        .messages(DEFAULT_CHANNEL)
        .find((m) => m.ts === awaiting.ts && /Done\.|Stopped before|failed\./.test(allText(m))),
    { ...SLOW, what: 'the end of the restore' },
  );
}

/** The thread's notice that the cutover is done. */
function cutoverNotice(w: World, c: StandInMessage): Promise<string> {
  return waitFor(
    () =>
      w.fake
        .messages(DEFAULT_CHANNEL)
        .filter((m) => m.threadTs === c.ts)
        .map((m) => allText(m))
        .find((t) => t.includes('*Cut over*')),
    { ...SLOW, what: 'the cutover notice' },
  );
}

/** The chat-db volume's RootDirectory in the task definition the service runs now. */
function liveRoot(w: World): string | undefined {
  const s = state(w).stack;
  const service = s.services.find((x) => x.name === 'chat-db');
  const td = s.taskDefinitions.find((t) => t.arn === service?.taskDefinition);
  return td?.volumes.find((v) => v.name === 'chat-db')?.rootDirectory;
}

/** chat-db tasks of the task definitions it no longer runs. */
function oldTasks(w: World): SimTask[] {
  const s = state(w).stack;
  const current = s.services.find((x) => x.name === 'chat-db')?.taskDefinition;
  return s.tasks.filter((t) => t.service === 'chat-db' && t.taskDefinition !== current);
}

function operatorCfn(w: World): CloudFormationClient {
  return new CloudFormationClient({
    endpoint: w.sim.endpoint,
    region: w.sim.scenario.region,
    credentials: { accessKeyId: OPERATOR_ACCESS_KEY_ID, secretAccessKey: OPERATOR_ACCESS_KEY_ID },
  });
}

/**
 * A start that must be refused when the plan is made: answered privately with the reason, the
 * channel left as it was, no restore job started.
 */
async function expectRefusedAtPlan(w: World, reason: string): Promise<void> {
  const jobsBefore = state(w).calls['backup:StartRestoreJob'] ?? 0;
  const before = w.fake.messages(DEFAULT_CHANNEL).length;
  const answer = await privateAnswer(w, await command(w, 'start latest'));
  expect(answer).toContain('Not started');
  expect(answer).toContain(reason);
  expect(answer).toContain('Nothing was changed');
  await channelAsItWas(w, before);
  expect(state(w).calls['backup:StartRestoreJob'] ?? 0).toBe(jobsBefore);
}

/**
 * The placeholder card a refused start posted is gone again: no top-level message since `before`
 * (an earlier session's thread may still be catching up).
 */
function channelAsItWas(w: World, before: number): Promise<true> {
  return waitFor(
    () =>
      w.fake
        .messages(DEFAULT_CHANNEL)
        .slice(before)
        .every((m) => m.threadTs !== undefined) || undefined,
    { what: 'the placeholder card removed' },
  );
}

// ---- the worlds --------------------------------------------------------------------------------

describe('a template that writes RootDirectory without a leading slash, deployed at 100/100', () => {
  let w: World;
  beforeAll(async () => {
    w = await startWorld({ templateBody: RELATIVE_TEMPLATE });
  });
  afterAll(() => stopWorld(w));

  it('list shows the automatic backup vault’s points unnumbered, with the reason', async () => {
    const text = await privateAnswer(w, await command(w, 'list'));
    expect(text).toContain(`\`${AUTOMATIC.newer}\``);
    expect(text).toMatch(
      new RegExp(
        `\\*–\\*[^\\n]*vault \`aws/efs/automatic-backup-vault\`\\n\`${AUTOMATIC.newer}\`\\n:no_entry: Cannot be restored: it is in vault aws/efs/automatic-backup-vault, not in chat-backups`,
      ),
    );
    // Numbers count the configured vault only: the newest of chat-backups is 1, though newer
    // automatic backups are listed above it.
    expect(text).toMatch(new RegExp(`\\*1\\.\\*[^\\n]*vault \`chat-backups\`\\n\`${NEWEST_IN_VAULT}\``));
    expect(text.indexOf(AUTOMATIC.newer)).toBeLessThan(text.indexOf(NEWEST_IN_VAULT));
  });

  it('a start of an automatic backup is refused privately with the reason, and nothing is posted or started', async () => {
    const before = w.fake.messages(DEFAULT_CHANNEL).length;
    const answer = await privateAnswer(w, await command(w, `start ${AUTOMATIC.older}`));
    expect(answer).toContain('Not started');
    expect(answer).toContain(
      `Recovery point ${AUTOMATIC.older} cannot be restored: it is in vault aws/efs/automatic-backup-vault, not in chat-backups`,
    );
    await channelAsItWas(w, before);
    expect(state(w).calls['backup:StartRestoreJob'] ?? 0).toBe(0);
  });

  it('restores: the stalled deployment is unblocked by the bot stopping the old task; the template keeps the relative style', async () => {
    const awaiting = await start(w, 'latest');
    // The default world's stack has no service role: the plan says what that means, before the
    // confirmation, and the card drops it once the cutover has worked.
    expect(allText(awaiting)).toContain('No service role');
    expect(state(w).calls['backup:StartRestoreJob'] ?? 0).toBe(0);
    const c = await confirmed(w, awaiting);
    const text = allText(c);
    expect(text).toContain('Done.');
    expect(text).not.toContain('No service role');
    expect(text).toContain('the deployment stalled, so the bot stopped the old task');
    expect(await cutoverNotice(w, c)).toContain(
      'The deployment stalled (no room above or below the desired count), so the bot stopped 1 old task.',
    );
    const root = liveRoot(w) ?? '';
    expect(root).toMatch(/^chatdb-restore_\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}Z_r\d{8}-[0-9a-z]{6}$/);
    const template = state(w).stack.stack.templateBody;
    expect(template).toContain(`RootDirectory: ${root}\n`);
    expect(template).not.toContain(`RootDirectory: /${root}`);
    expect(state(w).calls['ecs:StopTask']).toBe(1);
    expect(oldTasks(w).map((t) => t.stopCode)).toEqual(['UserInitiated']);
  });
});

describe('maximumPercent room, and a stack with a service role', () => {
  let w: World;
  beforeAll(async () => {
    w = await startWorld({
      templateBody: dbDeployment(100, 200),
      stackRoleArn: 'arn:aws:iam::123456789012:role/rocket-chat-cloudformation',
    });
  });
  afterAll(() => stopWorld(w));

  it('ECS starts the new task first and stops the old one itself; the bot stops nothing', async () => {
    const awaiting = await start(w, 'latest');
    // CloudFormation acts with the stack's own role: no warning about the bot's.
    expect(allText(awaiting)).toContain('Waiting for a second engineer');
    expect(allText(awaiting)).not.toContain('No service role');
    const c = await confirmed(w, awaiting);
    expect(allText(c)).toContain('Done.');
    expect(allText(c)).toContain('ECS started the new task first and stopped the old one itself');
    expect(await cutoverNotice(w, c)).toContain('the bot stopped nothing');
    expect(state(w).calls['ecs:StopTask'] ?? 0).toBe(0);
    expect(oldTasks(w).map((t) => [t.lastStatus, t.stopCode])).toEqual([
      ['STOPPED', 'ServiceSchedulerInitiated'],
    ]);
    expect(liveRoot(w)).toMatch(/^\/chatdb-restore_/);
  });
});

describe('minimumHealthyPercent 0', () => {
  let w: World;
  beforeAll(async () => {
    w = await startWorld({ templateBody: dbDeployment(0, 100) });
  });
  afterAll(() => stopWorld(w));

  it('ECS stops the old task first and starts the new one; the bot stops nothing', async () => {
    const c = await restore(w, 'latest');
    expect(allText(c)).toContain('Done.');
    expect(allText(c)).toContain('ECS stopped the old task itself, then started the new one');
    expect(await cutoverNotice(w, c)).toContain(
      'ECS stopped the old task itself before starting the new one (minimumHealthyPercent below 100); the bot stopped nothing.',
    );
    expect(state(w).calls['ecs:StopTask'] ?? 0).toBe(0);
    expect(oldTasks(w).map((t) => [t.lastStatus, t.stopCode])).toEqual([
      ['STOPPED', 'ServiceSchedulerInitiated'],
    ]);
  });
});

describe('EC2 with MongoDB’s port fixed on the host', () => {
  let w: World;
  beforeAll(async () => {
    w = await startWorld({ templateBody: EC2_HOST_PORT_TEMPLATE });
  });
  afterAll(() => stopWorld(w));

  it('ECS cannot place the new task beside the old one ("unable to place a task"); the bot stops the old task', async () => {
    const c = await restore(w, 'latest');
    expect(allText(c)).toContain('Done.');
    expect(allText(c)).toContain(
      'ECS could not place the new task beside the old one, so the bot stopped the old task',
    );
    expect(await cutoverNotice(w, c)).toContain(
      'ECS could not place the new task beside the old one (a host port it holds), so the bot stopped 1 old task.',
    );
    expect(state(w).calls['ecs:StopTask']).toBe(1);
    expect(oldTasks(w).map((t) => t.stopCode)).toEqual(['UserInitiated']);
  });
});

describe('a stack whose update would change more than chat-db, and checks when the plan is made', () => {
  let w: World;
  let cfn: CloudFormationClient;
  beforeAll(async () => {
    w = await startWorld({ templateBody: PUBLISHED_ARN_TEMPLATE });
    cfn = operatorCfn(w);
  });
  afterAll(async () => {
    cfn?.destroy();
    await stopWorld(w);
  });

  it('a change set that would also modify another resource is never executed, and the card says what it touched', async () => {
    const c = await restore(w, 'latest');
    const text = allText(c);
    expect(text).toContain('would also change Modify DbTaskDefinitionArnParameter (AWS::SSM::Parameter)');
    expect(text).toContain('It was not executed.');
    expect(text).toContain(`chat-db still runs on \`${LIVE_DB_DIR}\``);
    expect(state(w).calls['cloudformation:CreateChangeSet']).toBe(1);
    expect(state(w).calls['cloudformation:ExecuteChangeSet'] ?? 0).toBe(0);
    expect(liveRoot(w)).toBe(LIVE_DB_DIR);
  });

  it('a stack policy that forbids replacing the chat-db task definition is refused before any restore job', async () => {
    const policy = (deny: boolean) =>
      JSON.stringify({
        Statement: [
          { Effect: 'Allow', Action: 'Update:*', Principal: '*', Resource: '*' },
          ...(deny
            ? [
                {
                  Effect: 'Deny',
                  Action: 'Update:Replace',
                  Principal: '*',
                  Resource: 'LogicalResourceId/DbTaskDefinition',
                },
              ]
            : []),
        ],
      });
    await cfn.send(new SetStackPolicyCommand({ StackName: 'rocket-chat', StackPolicyBody: policy(true) }));
    await expectRefusedAtPlan(
      w,
      'The stack policy of rocket-chat does not allow Update:Replace on LogicalResourceId/DbTaskDefinition',
    );
    await cfn.send(new SetStackPolicyCommand({ StackName: 'rocket-chat', StackPolicyBody: policy(false) }));
  });

  it('a stack in the middle of someone else’s update is refused before any restore job', async () => {
    const template = state(w).stack.stack.templateBody;
    await cfn.send(
      new CreateChangeSetCommand({
        StackName: 'rocket-chat',
        ChangeSetName: 'someone-else',
        TemplateBody: replaced(template, "Memory: '2048'", "Memory: '4096'"),
        Capabilities: ['CAPABILITY_IAM'],
      }),
    );
    await waitUntilChangeSetCreateComplete(
      { client: cfn, maxWaitTime: 30, minDelay: 0.05, maxDelay: 0.2 },
      { StackName: 'rocket-chat', ChangeSetName: 'someone-else' },
    );
    await cfn.send(new ExecuteChangeSetCommand({ StackName: 'rocket-chat', ChangeSetName: 'someone-else' }));
    // At 100/100 the deployment waits for the old task: the update stays in progress.
    await waitFor(() => (state(w).stack.stack.status === 'UPDATE_IN_PROGRESS' ? true : undefined), {
      what: 'the other update under way',
    });
    await expectRefusedAtPlan(w, 'Stack rocket-chat is UPDATE_IN_PROGRESS');
  });
});

describe('a nested stack', () => {
  let w: World;
  beforeAll(async () => {
    w = await startWorld({ parentStackName: 'platform' });
  });
  afterAll(() => stopWorld(w));

  it('is refused before any restore job: its root stack’s next update would undo the restore', async () => {
    await expectRefusedAtPlan(
      w,
      'Stack rocket-chat is nested in arn:aws:cloudformation:eu-central-1:123456789012:stack/platform/',
    );
  });
});

describe('a template too large for TemplateBody once edited', () => {
  let w: World;
  beforeAll(async () => {
    // Deployed through S3 (TemplateURL) at some point: 51,000 bytes plus the new root is over the limit.
    const filler = `# ${'-'.repeat(97)}\n`;
    const body = `${DEFAULT_TEMPLATE}${filler.repeat(Math.ceil((51_150 - DEFAULT_TEMPLATE.length) / filler.length))}`;
    w = await startWorld({ templateBody: body });
  });
  afterAll(() => stopWorld(w));

  it('is refused before any restore job, saying the size', async () => {
    await expectRefusedAtPlan(w, 'CreateChangeSet takes at most 51200 bytes in TemplateBody');
  });
});
