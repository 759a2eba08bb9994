// Bad input against the real bot process: generated slash texts and button payloads (oversized,
// unicode, injection attempts, unknown and malformed session ids, stale message timestamps,
// spoofed users, unknown action_ids, malformed payloads, wrong content types) sent over signed
// HTTP. Each must get a specific answer, leave the process alive, and change nothing in AWS.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Simulator, startSimulator } from '../../src/sim/server.js';
import { ACTION_IDS } from '../../src/slack/ids.js';
import { type BotResponse, postToBot } from '../../src/slack-stand-in/post-to-bot.js';
import {
  blockActionBody,
  DEFAULT_CHANNEL,
  DEFAULT_USER,
  SECOND_USER,
  slashCommandBody,
} from '../../src/slack-stand-in/request-bodies.js';
import { signSlackRequest } from '../../src/slack-stand-in/signing.js';
import { botEnv, TEST_SIGNING_SECRET } from '../helpers/bot-env.js';
import { type BotProcess, startBotProcess } from '../helpers/bot-process.js';
import { type FakeSlack, startFakeSlack } from '../helpers/fake-slack.js';
import { waitFor } from '../helpers/wait.js';
import { allText, interactiveElements } from '../slack/support/block-limits.js';

const MUTATIONS = [
  'backup:StartRestoreJob',
  'cloudformation:CreateChangeSet',
  'cloudformation:ExecuteChangeSet',
  'ecs:StopTask',
  'ssm:SendCommand',
] as const;

/** No mutation, in the simulator's own counts; the reads the open session made show they are the right counters. */
function expectNoMutation(): void {
  const calls = sim.state().calls;
  expect(calls['backup:ListRecoveryPointsByResource'] ?? 0).toBeGreaterThan(0);
  for (const op of MUTATIONS) expect(calls[op] ?? 0, op).toBe(0);
}
const OUTSIDER = 'U0OUTSIDER1';
// Stand-ins in generated cases for the open session's id and its Confirm's block_id, known only
// once beforeAll has opened it.
const OPEN_SESSION = '<open session>';
const SHOWN_PLAN = '<shown plan>';
const CONCURRENCY = 6;
const SLOW = { timeoutMs: 60_000 };
const FORM = 'application/x-www-form-urlencoded';

// Hostile strings, each of which must never reach a shell, a path or a query.
const INJECTIONS = [
  '$(id)',
  '`id`',
  ';rm -rf /',
  '../../etc/passwd',
  '%00',
  "' OR 1=1 --",
  '{{7*7}}',
  '<script>alert(1)</script>',
  '| cat /etc/shadow',
  '&& curl http://127.0.0.1:9',
  `$${'{'}IFS}id`,
  'a\nrm -rf /',
];
const UNICODE = [
  '\u202eטסט\u202c',
  'lat\u200best',
  '🔥💾🚀',
  '\\u0000\\x00',
  '\u0000',
  'ＬＡＴＥＳＴ',
  'Ω≈ç√∫˜µ≤≥÷',
  '\uFEFF$(id)',
];
const ALL_STRINGS = [...INJECTIONS, ...UNICODE];

const UNSAFE = /characters that never appear in a recovery point/;
const NOT_POINT = /is not a recovery point/;
const NOT_SUB = /is not a subcommand of `\/chatdb-restore`/;
const TOO_LONG = /more than 500 characters/;
const NO_ARGS = /takes no arguments; remove/;
const NOT_NUMBER = /is not a number of recovery points/;
const ANY_PARSE_REFUSAL = new RegExp(
  [UNSAFE, NOT_POINT, NOT_SUB, TOO_LONG, NO_ARGS, NOT_NUMBER, /one word too many/, /needs a time/]
    .map((r) => r.source)
    .join('|'),
);

interface CommandCase {
  kind: 'command';
  name: string;
  text: string;
  user?: string;
  expect: RegExp;
}
interface ClickCase {
  kind: 'click';
  name: string;
  actionId: string;
  value: string;
  blockId?: string;
  user?: string;
  messageTs?: string;
  expect: RegExp;
}
interface RawCase {
  kind: 'raw';
  name: string;
  body: string;
  contentType: string;
  /** The status the bot refuses with; 'refused' is any 4xx (never a 5xx: that would be the bot failing). */
  status: number | 'refused';
}
type Case = CommandCase | ClickCase | RawCase;

let sim: Simulator;
let fake: FakeSlack;
let bot: BotProcess;
let sessionId: string;
let confirmBlockId: string;
let responseCounter = 0;

beforeAll(async () => {
  sim = await startSimulator({ speed: 2000 });
  fake = await startFakeSlack();
  fake.setGroupMembers('S0APPROVERS', [SECOND_USER]);
  bot = await startBotProcess(
    botEnv({
      ...sim.env(),
      SLACK_API_URL: fake.apiUrl,
      CHATDB_APPROVERS: 'S0APPROVERS',
      CHATDB_CARD_UPDATE_INTERVAL: '100ms',
      LOG_LEVEL: 'info',
    }),
  );
  // One real session awaiting confirmation, so spoofed and stale clicks have a target.
  const opened = await sendCommand('start latest');
  expect(opened.status).toBe(200);
  const card = await waitFor(
    () =>
      fake
        .messages(DEFAULT_CHANNEL)
        .find((m) =>
          interactiveElements((m.blocks as unknown[]) ?? []).some((e) => e.action_id === ACTION_IDS.confirm),
        ),
    { ...SLOW, what: 'the session card with Confirm' },
  );
  const confirm = interactiveElements((card.blocks as unknown[]) ?? []).find(
    (e) => e.action_id === ACTION_IDS.confirm,
  );
  sessionId = String(confirm?.value);
  confirmBlockId = String(confirm?.block_id);
}, 90_000);

afterAll(async () => {
  await bot?.stop();
  await fake?.close();
  await sim?.close();
});

async function sendCommand(text: string, user = DEFAULT_USER): Promise<BotResponse> {
  responseCounter += 1;
  const body = slashCommandBody({
    text,
    user_id: user,
    response_url: fake.responseUrl(`cmd-${responseCounter}`),
  });
  return postToBot(bot.url, body, { secret: TEST_SIGNING_SECRET });
}

async function sendClick(c: ClickCase): Promise<{ status: number; answer: string }> {
  responseCounter += 1;
  const responseId = `act-${responseCounter}`;
  const body = blockActionBody({
    action_id: c.actionId,
    value: c.value === OPEN_SESSION ? sessionId : c.value,
    user_id: c.user ?? DEFAULT_USER,
    response_url: fake.responseUrl(responseId),
    ...(c.blockId === undefined ? {} : { block_id: c.blockId === SHOWN_PLAN ? confirmBlockId : c.blockId }),
    ...(c.messageTs === undefined ? {} : { message_ts: c.messageTs }),
  });
  const res = await postToBot(bot.url, body, { secret: TEST_SIGNING_SECRET });
  if (res.status !== 200) return { status: res.status, answer: res.text };
  const answer = await waitFor(
    () =>
      fake
        .responsesTo(responseId)
        .map((r) => (r.body as { text?: string }).text ?? allText(r.body as { blocks?: unknown }))
        .join('\n') || undefined,
    { ...SLOW, what: `the answer to ${c.name}` },
  );
  return { status: res.status, answer };
}

function commandCases(): CommandCase[] {
  const cases: CommandCase[] = [];
  for (const s of ALL_STRINGS) {
    cases.push({
      kind: 'command',
      name: `start ${JSON.stringify(s)}`,
      text: `start ${s}`,
      expect: ANY_PARSE_REFUSAL,
    });
    cases.push({ kind: 'command', name: `bare ${JSON.stringify(s)}`, text: s, expect: ANY_PARSE_REFUSAL });
    cases.push({
      kind: 'command',
      name: `status ${JSON.stringify(s)}`,
      text: `status ${s}`,
      expect: ANY_PARSE_REFUSAL,
    });
    cases.push({
      kind: 'command',
      name: `list ${JSON.stringify(s)}`,
      text: `list ${s}`,
      expect: ANY_PARSE_REFUSAL,
    });
  }
  for (const [label, size] of [
    ['10 kB', 10_000],
    ['100 kB', 100_000],
    ['1 MB', 1_000_000],
  ] as const) {
    cases.push({
      kind: 'command',
      name: `start + ${label}`,
      text: `start ${'A'.repeat(size)}`,
      expect: TOO_LONG,
    });
    cases.push({ kind: 'command', name: `${label} of emoji`, text: '💾'.repeat(size / 4), expect: TOO_LONG });
  }
  return cases;
}

function clickCases(): ClickCase[] {
  const cases: ClickCase[] = [];
  const sessionActions = [ACTION_IDS.confirm, ACTION_IDS.reject, ACTION_IDS.cancel];
  const unknownIds = [
    'r20260101-zzzzzz',
    'r19990101-000000',
    '',
    'A'.repeat(10_000),
    ...INJECTIONS.slice(0, 6),
  ];
  for (const actionId of sessionActions) {
    for (const value of unknownIds) {
      cases.push({
        kind: 'click',
        name: `${actionId} on session ${JSON.stringify(value.slice(0, 30))}`,
        actionId,
        value,
        user: SECOND_USER,
        expect: /session the bot does not know|That did not go through/,
      });
    }
  }
  // The requester confirming their own session, from the real card and from stale copies of it.
  for (const messageTs of [undefined, '1000000000.000001', '0.0', '9999999999.999999', 'not-a-ts']) {
    cases.push({
      kind: 'click',
      name: `requester confirms own session (message_ts ${messageTs ?? 'current'})`,
      actionId: ACTION_IDS.confirm,
      value: OPEN_SESSION,
      blockId: SHOWN_PLAN,
      user: DEFAULT_USER,
      ...(messageTs === undefined ? {} : { messageTs }),
      expect: /You asked for this session, so your Confirm does not count/,
    });
  }
  // A user id other than the slash command's and outside the approvers group.
  for (const messageTs of [undefined, '1000000000.000001']) {
    for (const actionId of [ACTION_IDS.confirm, ACTION_IDS.reject]) {
      cases.push({
        kind: 'click',
        name: `outsider ${actionId} (message_ts ${messageTs ?? 'current'})`,
        actionId,
        value: OPEN_SESSION,
        blockId: SHOWN_PLAN,
        user: OUTSIDER,
        ...(messageTs === undefined ? {} : { messageTs }),
        expect: /can confirm or reject this session; your click did not count/,
      });
    }
  }
  // An approver clicking a Confirm whose block_id does not carry the shown plan's hash.
  for (const blockId of ['block-1', 'plan:deadbeef', '$(id)', '']) {
    cases.push({
      kind: 'click',
      name: `approver confirms with block_id ${JSON.stringify(blockId)}`,
      actionId: ACTION_IDS.confirm,
      value: OPEN_SESSION,
      blockId: `forged:${blockId}`,
      user: SECOND_USER,
      expect: /plan|changed/i,
    });
  }
  for (const value of [
    '',
    'arn:aws:backup:eu-central-1:123456789012:recovery-point:$(id)',
    ...INJECTIONS.slice(0, 4),
  ]) {
    cases.push({
      kind: 'click',
      name: `list Start with ${JSON.stringify(value.slice(0, 40))}`,
      actionId: ACTION_IDS.startFromList,
      value,
      expect: /does not carry a recovery point ARN/,
    });
  }
  for (const blockId of ['block-1', '../../etc/passwd', '']) {
    cases.push({
      kind: 'click',
      name: `cleanup menu with block_id ${JSON.stringify(blockId)}`,
      actionId: ACTION_IDS.cleanupChoose,
      value: '',
      blockId,
      expect: /This menu belongs to a session the bot does not know/,
    });
  }
  return cases;
}

function rawCases(): RawCase[] {
  const cases: RawCase[] = [];
  // Bodies no Slack client sends: refused before any listener runs.
  const payloads: [string, number | 'refused'][] = [
    ['payload={not json', 400],
    ['payload=', 400],
    // Bolt itself would throw on a payload without user.id (it reads it unchecked) and answer 500;
    // the bot answers 400 instead. One it does not throw on reaches no listener: 404.
    [`payload=${encodeURIComponent('{"type":"block_actions"}')}`, 'refused'],
    [`payload=${encodeURIComponent('{"type":"block_actions","actions":null,"user":null}')}`, 400],
    [
      `payload=${encodeURIComponent('{"type":"block_actions","actions":[],"user":{"id":"U0REQUESTER"}}')}`,
      'refused',
    ],
    [
      `payload=${encodeURIComponent('{"type":"block_actions","actions":[{"action_id":"x"}],"user":{}}')}`,
      'refused',
    ],
    [`payload=${encodeURIComponent('[1,2,3]')}`, 404],
    [`payload=${encodeURIComponent('"just a string"')}`, 404],
  ];
  for (const [body, status] of payloads) {
    cases.push({
      kind: 'raw',
      name: `malformed ${decodeURIComponent(body).slice(0, 100)}`,
      body,
      contentType: FORM,
      status,
    });
  }
  for (const actionId of [
    'chatdb_unknown',
    'chatdb_session_confirm ',
    '',
    '$(id)',
    'CHATDB_SESSION_CONFIRM',
  ]) {
    cases.push({
      kind: 'raw',
      name: `unknown action_id ${JSON.stringify(actionId)}`,
      body: blockActionBody({ action_id: actionId, value: 'r20260101-zzzzzz' }),
      contentType: FORM,
      status: 404,
    });
  }
  const command = slashCommandBody({ text: 'start $(id)' });
  for (const contentType of [
    'application/json',
    'text/plain',
    'multipart/form-data; boundary=x',
    'application/xml',
  ]) {
    cases.push({ kind: 'raw', name: `content-type ${contentType}`, body: command, contentType, status: 400 });
  }
  return cases;
}

const CASES: Case[] = [...commandCases(), ...clickCases(), ...rawCases()];

async function runCase(c: Case): Promise<string | undefined> {
  if (c.kind === 'command') {
    const res = await sendCommand(c.text, c.user);
    const ack = res.json as { response_type?: string; text?: string } | undefined;
    if (res.status !== 200) return `${c.name}: HTTP ${res.status}`;
    if (ack?.response_type !== 'ephemeral') return `${c.name}: not ephemeral: ${res.text.slice(0, 200)}`;
    if (!c.expect.test(ack.text ?? ''))
      return `${c.name}: answered ${JSON.stringify(ack.text?.slice(0, 300))}`;
    return undefined;
  }
  if (c.kind === 'click') {
    const { status, answer } = await sendClick(c);
    if (status !== 200) return `${c.name}: HTTP ${status}`;
    if (!c.expect.test(answer)) return `${c.name}: answered ${JSON.stringify(answer.slice(0, 300))}`;
    return undefined;
  }
  const res = await fetch(`${bot.url}/slack/events`, {
    method: 'POST',
    headers: { 'content-type': c.contentType, ...signSlackRequest(TEST_SIGNING_SECRET, c.body) },
    body: c.body,
  });
  const text = await res.text();
  const refused = c.status === 'refused' ? res.status >= 400 && res.status < 500 : res.status === c.status;
  return refused ? undefined : `${c.name}: HTTP ${res.status} ${text.slice(0, 100)}`;
}

async function runAll(cases: Case[]): Promise<string[]> {
  const failures: string[] = [];
  let next = 0;
  const worker = async () => {
    while (next < cases.length) {
      const c = cases[next];
      next += 1;
      if (c === undefined) break;
      try {
        const failure = await runCase(c);
        if (failure !== undefined) failures.push(failure);
      } catch (error) {
        failures.push(`${c.name}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return failures;
}

describe('bad input against the real bot process', () => {
  it('generates at least 100 cases', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(100);
  });

  it('answers every case specifically, stays alive, and mutates nothing in AWS', async () => {
    const failures = await runAll(CASES);
    expect(failures).toEqual([]);
    const health = await fetch(`${bot.url}/healthz`);
    expect(health.status).toBe(200);
    expectNoMutation();
  }, 120_000);

  it('refuses Rollback and Cleanup clicks, whoever clicks and whatever the value, while a session holds the lock', async () => {
    const lockedUpdates = () =>
      fake
        .callsTo('chat.update')
        .filter((call) =>
          String(call.args.text ?? '').includes('Only one session at a time may change chat-db'),
        ).length;
    let clicks = 0;
    for (const actionId of [ACTION_IDS.rollback, ACTION_IDS.cleanup]) {
      for (const [user, value] of [
        [DEFAULT_USER, '$(id)'],
        [OUTSIDER, '../../etc/passwd'],
        [SECOND_USER, 'r20260101-zzzzzz'],
      ] as const) {
        const before = lockedUpdates();
        const res = await postToBot(
          bot.url,
          blockActionBody({ action_id: actionId, value, user_id: user, response_url: fake.responseUrl() }),
          { secret: TEST_SIGNING_SECRET },
        );
        expect(res.status).toBe(200);
        await waitFor(() => lockedUpdates() > before, {
          ...SLOW,
          what: `the lock refusal for ${actionId} by ${user}`,
        });
        clicks += 1;
      }
    }
    expect(clicks).toBe(6);
    expect((await fetch(`${bot.url}/healthz`)).status).toBe(200);
    expectNoMutation();
  }, 120_000);
});
