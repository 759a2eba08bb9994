// The whole restore as on-call engineers run it: the real bot process (node --import tsx
// src/main.ts) started with the simulator's settings, a fake Slack Web API and a fake GitLab on
// loopback, and signed slash commands and button clicks from two engineers.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_TEMPLATE } from '../../src/sim/default-template.js';
import { type Simulator, startSimulator } from '../../src/sim/server.js';
import { ACTION_IDS } from '../../src/slack/ids.js';
import { postToBot } from '../../src/slack-stand-in/post-to-bot.js';
import {
  blockActionBody,
  DEFAULT_CHANNEL,
  DEFAULT_USER,
  SECOND_USER,
  slashCommandBody,
} from '../../src/slack-stand-in/request-bodies.js';
import { signSlackRequest } from '../../src/slack-stand-in/signing.js';
import type { StandInMessage } from '../../src/slack-stand-in/workspace.js';
import {
  botEnv,
  FAST_TIMINGS,
  TEST_AWS_SECRET_KEY,
  TEST_BOT_TOKEN,
  TEST_SIGNING_SECRET,
} from '../helpers/bot-env.js';
import { type BotProcess, startBotProcess } from '../helpers/bot-process.js';
import { type FakeGitLab, startFakeGitLab } from '../helpers/fake-gitlab.js';
import { type FakeSlack, startFakeSlack } from '../helpers/fake-slack.js';
import { waitFor } from '../helpers/wait.js';
import { allText, interactiveElements } from '../slack/support/block-limits.js';

const OTHER_CHANNEL = 'C0OTHERINC';
const THIRD_USER = 'U0THIRDENG';
const GITLAB_TOKEN = 'glpat-e2e-token-do-not-log';
const TEMPLATE_PATH = 'roles/rocket-chat/files/chat.cf.yaml';
const NEWEST_POINT = 'C9B7D5F3-1E2A-4C4B-8D6F-8495A6B7C8D9';
const LIVE_ROOT = '/aws-backup-restore_2026-05-14T17-27-00-417720408Z';
const SLOW = { timeoutMs: 90_000 };

interface SimState {
  calls: Record<string, number>;
  restoreJobs: Record<string, unknown>[];
  stack: {
    services: { name: string; taskDefinition: string }[];
    taskDefinitions: { arn: string; volumes: { name: string; rootDirectory?: string }[] }[];
    tasks: {
      arn: string;
      service: string;
      taskDefinition: string;
      lastStatus: string;
      desiredStatus: string;
    }[];
  };
  ssmCommands: { commandId: string; instanceId: string; status: string }[];
}

let sim: Simulator;
let fake: FakeSlack;
let gitlab: FakeGitLab;
let bot: BotProcess;
let responses = 0;

beforeAll(async () => {
  sim = await startSimulator({ speed: 2000 });
  fake = await startFakeSlack();
  fake.setGroupMembers('S0APPROVERS', [SECOND_USER, THIRD_USER]);
  gitlab = await startFakeGitLab({
    token: GITLAB_TOKEN,
    project: 'infra/chat',
    files: { [TEMPLATE_PATH]: DEFAULT_TEMPLATE },
  });
  bot = await startBotProcess(
    botEnv({
      ...sim.env(),
      AWS_SECRET_ACCESS_KEY: TEST_AWS_SECRET_KEY,
      SLACK_API_URL: fake.apiUrl,
      CHATDB_APPROVERS: 'S0APPROVERS',
      ...FAST_TIMINGS,
      CHATDB_GITLAB_URL: gitlab.url,
      CHATDB_GITLAB_TOKEN: GITLAB_TOKEN,
      CHATDB_GITLAB_PROJECT: 'infra/chat',
      CHATDB_GITLAB_TEMPLATE_PATH: TEMPLATE_PATH,
      LOG_LEVEL: 'debug',
    }),
  );
});

afterAll(async () => {
  await bot?.stop();
  await gitlab?.close();
  await fake?.close();
  await sim?.close();
});

async function command(text: string, user = DEFAULT_USER, channel = DEFAULT_CHANNEL) {
  responses += 1;
  const responseId = `e2e-cmd-${responses}`;
  const body = slashCommandBody({
    text,
    user_id: user,
    channel_id: channel,
    response_url: fake.responseUrl(responseId),
  });
  const res = await postToBot(bot.url, body, { secret: TEST_SIGNING_SECRET });
  expect(res.status).toBe(200);
  return { ack: res.json as { response_type?: string; text?: string }, responseId };
}

async function click(
  actionId: string,
  value: string,
  blockId: string,
  user: string,
  channel = DEFAULT_CHANNEL,
) {
  responses += 1;
  const responseId = `e2e-act-${responses}`;
  const body = blockActionBody({
    action_id: actionId,
    value,
    block_id: blockId,
    user_id: user,
    channel_id: channel,
    response_url: fake.responseUrl(responseId),
  });
  const res = await postToBot(bot.url, body, { secret: TEST_SIGNING_SECRET });
  expect(res.status).toBe(200);
  return responseId;
}

async function simState(): Promise<SimState> {
  return (await (await fetch(`${sim.endpoint}/_sim/state`)).json()) as SimState;
}

function sessionIdOf(message: StandInMessage): string | undefined {
  return /Session `(r\d{8}-[0-9a-z]{6})`/.exec(allText(message))?.[1];
}

/** The newest top-level card in a channel that names a session, once it shows `until`. */
async function cardShowing(
  channel: string,
  until: (text: string) => boolean,
  after = 0,
): Promise<StandInMessage> {
  return waitFor(
    () =>
      fake
        .messages(channel)
        .slice(after)
        .filter((m) => m.threadTs === undefined && sessionIdOf(m) !== undefined)
        .find((m) => until(allText(m))),
    { ...SLOW, what: `a card in ${channel}` },
  );
}

function confirmRow(card: StandInMessage) {
  const elements = interactiveElements((card.blocks as unknown[]) ?? []);
  const confirm = elements.find((e) => e.action_id === ACTION_IDS.confirm);
  if (confirm === undefined) throw new Error(`no Confirm on the card:\n${allText(card)}`);
  return { sessionId: String(confirm.value), blockId: String(confirm.block_id) };
}

function privateAnswer(responseId: string): Promise<string> {
  return waitFor(
    () =>
      fake
        .responsesTo(responseId)
        .map((r) => (r.body as { text?: string }).text ?? '')
        .join('\n') || undefined,
    {
      what: `the answer to ${responseId}`,
    },
  );
}

describe('the bot end to end', () => {
  it('refuses a forged signature with 401 and answers an unknown subcommand with the usage', async () => {
    const body = slashCommandBody({ text: 'start latest', response_url: fake.responseUrl() });
    const forged = signSlackRequest('0123456789abcdef0123456789abcdef', body)['x-slack-signature'];
    expect((await postToBot(bot.url, body, { signature: forged })).status).toBe(401);
    const { ack } = await command('restore everything');
    expect(ack.text).toContain('`restore` is not a subcommand of `/chatdb-restore`');
    expect(ack.text).toContain('`/chatdb-restore start &lt;point&gt;`');
    expect(fake.callsTo('chat.postMessage')).toEqual([]);
  });

  it('lists the simulator’s recovery points, newest first, privately', async () => {
    const { responseId } = await command('list');
    const post = await fake.waitForResponse(responseId, SLOW);
    const body = post.body as { response_type: string; blocks: unknown[] };
    expect(body.response_type).toBe('ephemeral');
    const text = allText(body);
    expect(text).toContain(`\`${NEWEST_POINT}\``);
    expect(text.indexOf(NEWEST_POINT)).toBeLessThan(text.indexOf('1F3B5D7E-9A2C-4D6E-B8F1-5162738495A6'));
    expect(text).toContain('Cannot be restored: its status is PARTIAL');
    const starts = interactiveElements(body.blocks).filter((e) => e.action_id === ACTION_IDS.startFromList);
    expect(starts[0]?.value).toBe(`arn:aws:backup:eu-central-1:123456789012:recovery-point:${NEWEST_POINT}`);
  });

  it('restores: start, the requester’s own Confirm refused, a second engineer confirms, every stage, done', async () => {
    const before = fake.messages(DEFAULT_CHANNEL).length;
    const { ack } = await command(`start ${NEWEST_POINT}`);
    expect(ack.text).toContain('Resolving recovery point');
    const awaiting = await cardShowing(
      DEFAULT_CHANNEL,
      (t) => t.includes('Waiting for a second engineer'),
      before,
    );
    const { sessionId, blockId } = confirmRow(awaiting);
    expect(allText(awaiting)).toContain(`Production: unchanged — chat-db still runs on \`${LIVE_ROOT}\``);
    expect((await simState()).calls['backup:StartRestoreJob'] ?? 0).toBe(0);
    const ssmBefore = (await simState()).ssmCommands.length;

    const own = await click(ACTION_IDS.confirm, sessionId, blockId, DEFAULT_USER);
    expect(await privateAnswer(own)).toContain('your Confirm does not count');
    const outsider = await click(ACTION_IDS.confirm, sessionId, blockId, 'U0OUTSIDER');
    expect(await privateAnswer(outsider)).toContain('<!subteam^S0APPROVERS>');

    await click(ACTION_IDS.confirm, sessionId, blockId, SECOND_USER);
    const done = await waitFor(
      () => fake.messages(DEFAULT_CHANNEL).find((m) => m.ts === awaiting.ts && allText(m).includes('Done.')),
      { ...SLOW, what: 'the card saying Done.' },
    );
    const cardText = allText(done);
    expect(cardText).toContain(`<@${SECOND_USER}> at`);
    expect(cardText).toContain('Production: cut over to `/chatdb-restore_');
    expect(cardText).toContain('Total RTO');
    expect(done.history.length).toBeGreaterThan(3);

    // The simulator: the service runs a task definition whose chat-db volume is the flat dir.
    const state = await simState();
    const service = state.stack.services.find((s) => s.name === 'chat-db');
    const td = state.stack.taskDefinitions.find((t) => t.arn === service?.taskDefinition);
    const root = td?.volumes.find((v) => v.name === 'chat-db')?.rootDirectory ?? '';
    expect(root).toMatch(
      new RegExp(`^/chatdb-restore_\\d{4}-\\d{2}-\\d{2}T\\d{2}-\\d{2}-\\d{2}Z_${sessionId}$`),
    );
    expect(cardText).toContain(`\`${root}\``);
    expect(state.restoreJobs).toHaveLength(1);
    expect(state.calls['cloudformation:ExecuteChangeSet']).toBe(1);
    expect(state.calls['ecs:StopTask']).toBe(1);
    const oldTasks = state.stack.tasks.filter(
      (t) => t.service === 'chat-db' && t.taskDefinition !== service?.taskDefinition,
    );
    expect(oldTasks.length).toBeGreaterThan(0);
    expect(oldTasks.every((t) => t.lastStatus === 'STOPPED')).toBe(true);
    // Each SSM command the restore sent (list, locate twice, flatten) is linked to its output.
    const sent = state.ssmCommands.slice(ssmBefore);
    expect(sent.map((c) => c.status)).toEqual(['Success', 'Success', 'Success', 'Success']);
    for (const c of sent) {
      expect(cardText).toContain(
        `/systems-manager/run-command/${c.commandId}/${c.instanceId}?region=${sim.env().AWS_REGION}|SSM `,
      );
    }

    // The thread: each notice once, the summary, the diff, the merge request.
    const summary = await waitFor(
      () =>
        fake
          .messages(DEFAULT_CHANNEL)
          .find((m) => m.threadTs === awaiting.ts && (m.text ?? '').includes(': done')),
      { ...SLOW, what: 'the summary' },
    );
    const thread = fake.messages(DEFAULT_CHANNEL).filter((m) => m.threadTs === awaiting.ts);
    const noticeIds = thread
      .map((m) => JSON.stringify(m.blocks).match(/"notice:[^:]+:([^"]+)"/)?.[1])
      .filter(Boolean);
    expect(new Set(noticeIds).size).toBe(noticeIds.length);
    for (const id of [
      'confirm:confirm_requested',
      'confirm:confirmed',
      'restore:done',
      'locate:done',
      'flatten:done',
      'cutover:done',
      'verify:done',
    ]) {
      expect(noticeIds).toContain(id);
    }
    // A stage's "started" comes before its "done", when it was posted at all (a stage that ends
    // within a second is told by its "done" alone).
    for (const stage of ['restore', 'locate', 'flatten', 'cutover', 'verify']) {
      const started = noticeIds.indexOf(`${stage}:started`);
      if (started >= 0) expect(started).toBeLessThan(noticeIds.indexOf(`${stage}:done`));
    }
    const summaryText = allText(summary);
    expect(summaryText).toMatch(/^restore\s+[█ ]{12} \d/m);
    expect(summaryText).toContain('Data-loss window');
    const upload = await waitFor(() => fake.uploads.find((u) => u.threadTs === awaiting.ts));
    expect(upload.bytes.toString('utf8')).toContain(`+            RootDirectory: ${root}`);
    const [mr] = gitlab.mergeRequests;
    expect(summaryText).toContain(mr?.web_url ?? 'a merge request link');
    expect(gitlab.branches.get(`chatdb-restore/${sessionId}`)?.get(TEMPLATE_PATH)).toContain(
      `RootDirectory: ${root}`,
    );
  });

  it('refuses a start while another channel’s session holds chat-db, naming the holder', async () => {
    const before = fake.messages(DEFAULT_CHANNEL).length;
    await command('start latest', DEFAULT_USER, DEFAULT_CHANNEL);
    const holder = await cardShowing(
      DEFAULT_CHANNEL,
      (t) => t.includes('Waiting for a second engineer'),
      before,
    );
    const holderId = sessionIdOf(holder);

    const otherBefore = fake.messages(OTHER_CHANNEL).length;
    const refusedCommand = await command('start 2', THIRD_USER, OTHER_CHANNEL);
    // The refusal is private: only the one who typed it sees it; the other channel keeps nothing.
    const refused = await privateAnswer(refusedCommand.responseId);
    expect(refused).toContain('Not started');
    expect(refused).toContain(`held by session \`${holderId}\` of <@${DEFAULT_USER}>`);
    expect(refused).toContain(`in <#${DEFAULT_CHANNEL}>`);
    await waitFor(() => fake.messages(OTHER_CHANNEL).length === otherBefore, SLOW);

    const { responseId } = await command('cancel', DEFAULT_USER, DEFAULT_CHANNEL);
    expect(await privateAnswer(responseId)).toContain('is cancelled');
    await waitFor(
      () =>
        fake.messages(DEFAULT_CHANNEL).find((m) => m.ts === holder.ts && allText(m).includes('Cancelled by')),
      SLOW,
    );
  });

  it('a restore job that fails says so on the card and in the thread, in AWS’s words, with production unchanged', async () => {
    const res = await fetch(`${sim.endpoint}/_sim/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ restoreJob: 'FAILED' }),
    });
    expect(res.status).toBe(200);
    const before = fake.messages(DEFAULT_CHANNEL).length;
    await command('start latest');
    const awaiting = await cardShowing(
      DEFAULT_CHANNEL,
      (t) => t.includes('Waiting for a second engineer'),
      before,
    );
    const { sessionId, blockId } = confirmRow(awaiting);
    await click(ACTION_IDS.confirm, sessionId, blockId, THIRD_USER);
    const failed = await waitFor(
      () =>
        fake
          .messages(DEFAULT_CHANNEL)
          .find((m) => m.ts === awaiting.ts && allText(m).includes('AWS Backup restore job failed.')),
      { ...SLOW, what: 'the card saying the restore job failed' },
    );
    const job = (await simState()).restoreJobs.find((j) => j.Status === 'FAILED' || j.status === 'FAILED') as
      | { StatusMessage?: string; statusMessage?: string }
      | undefined;
    const awsWords = job?.StatusMessage ?? job?.statusMessage ?? '';
    expect(awsWords).not.toBe('');
    expect(allText(failed)).toContain(awsWords);
    expect(allText(failed)).toContain(`Production: unchanged — chat-db still runs on \`/chatdb-restore_`);
    const notice = await waitFor(
      () =>
        fake
          .messages(DEFAULT_CHANNEL)
          .find((m) => m.threadTs === awaiting.ts && (m.text ?? '').includes('failed')),
      SLOW,
    );
    expect(allText(notice)).toContain(awsWords);
    expect(allText(notice)).toContain('Production: unchanged');
  });

  it('never logged a secret', () => {
    const out = bot.stdout() + bot.stderr();
    for (const secret of [TEST_BOT_TOKEN, TEST_SIGNING_SECRET, TEST_AWS_SECRET_KEY, GITLAB_TOKEN]) {
      expect(out).not.toContain(secret);
    }
  });
});
