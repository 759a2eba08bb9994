// Socket Mode through a Slack outage: the real bot process in Socket Mode runs a restore against
// the simulator; mid-restore Slack goes down (the WebSocket drops, then every Web API call,
// apps.connections.open included, answers 503) for longer than the Socket Mode client's old retry
// budget. The bot must stay up, finish the restore, deliver its notices and answer again.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Simulator, startSimulator } from '../../src/sim/server.js';
import { ACTION_IDS } from '../../src/slack/ids.js';
import { reconnectDelay } from '../../src/slack/socket-connection.js';
import {
  blockActionPayload,
  SECOND_USER,
  slashCommandPayload,
} from '../../src/slack-stand-in/request-bodies.js';
import type { StandInMessage as FakeMessage } from '../../src/slack-stand-in/workspace.js';
import { botEnv, FAST_TIMINGS, TEST_APP_TOKEN, TEST_BOT_TOKEN } from '../helpers/bot-env.js';
import { type BotProcess, startBotProcess } from '../helpers/bot-process.js';
import { type FakeSlack, startFakeSlack } from '../helpers/fake-slack.js';
import { waitFor } from '../helpers/wait.js';
import { type SimState, sessionIdOf } from '../reliability/support/fault-world.js';
import { allText, interactiveElements } from '../slack/support/block-limits.js';

const NEWEST_POINT = 'C9B7D5F3-1E2A-4C4B-8D6F-8495A6B7C8D9';
const SLOW = { timeoutMs: 90_000 };

// The outage is counted in the bot's refused reconnects, so it lasts as long on a slow machine.
// With the default backoff (SLACK_RECONNECT_DELAY 1s doubling to SLACK_RECONNECT_MAX_DELAY 60s)
// this many refusals span two minutes; the test runs the same backoff 100 times faster.
const DEFAULTS = { firstDelayMs: 1_000, maxDelayMs: 60_000 };
const TWO_MINUTES = 120_000;
const REFUSALS = refusalsSpanning(TWO_MINUTES);
// Before, the Socket Mode client called apps.connections.open once and retried 5 times, then
// left the process to die of an unhandled rejection.
const OLD_BUDGET = 1 + 5;

function refusalsSpanning(ms: number): number {
  let waited = 0;
  let attempts = 1;
  while (waited < ms) {
    waited += reconnectDelay(attempts, DEFAULTS);
    attempts += 1;
  }
  return attempts;
}

let sim: Simulator;
let fake: FakeSlack;
let bot: BotProcess;

beforeAll(async () => {
  sim = await startSimulator({ speed: 2000 });
  fake = await startFakeSlack();
  bot = await startBotProcess(
    botEnv({
      ...sim.env(),
      SLACK_API_URL: fake.apiUrl,
      SLACK_APP_TOKEN: TEST_APP_TOKEN,
      SLACK_SIGNING_SECRET: undefined,
      ...FAST_TIMINGS,
      SLACK_RECONNECT_DELAY: '10ms',
      SLACK_RECONNECT_MAX_DELAY: '600ms',
      LOG_LEVEL: 'debug',
    }),
  );
  await fake.socket.waitForConnection();
});

afterAll(async () => {
  await bot?.stop();
  await fake?.close();
  await sim?.close();
});

/** `waiting`, or a failure naming how the bot process ended if it ends first. */
function whileUp<T>(waiting: Promise<T>): Promise<T> {
  const died = bot.exited.then((exit) => {
    const last = bot.lines.slice(-3).map((l) => JSON.stringify(l));
    throw new Error(`the bot exited (${exit.code ?? exit.signal}); its last lines:\n${last.join('\n')}`);
  });
  return Promise.race([waiting, died]);
}

async function simState(): Promise<SimState> {
  return (await (await fetch(`${sim.endpoint}/_sim/state`)).json()) as SimState;
}

function thread(card: FakeMessage): FakeMessage[] {
  return fake.messages(card.channel).filter((m) => m.threadTs === card.ts);
}

/** Notice ids from the thread's message metadata (`restore:started`, `verify:done`, …). */
function noticesIn(card: FakeMessage): string[] {
  return thread(card).map((m) => {
    const payload = (m.metadata as { event_payload?: { notice?: unknown } } | undefined)?.event_payload;
    return String(payload?.notice);
  });
}

/** Starts a restore over the socket and confirms it as a second engineer; returns its card. */
async function startConfirmed(): Promise<FakeMessage> {
  const ack = await fake.socket.send(
    'slash_commands',
    slashCommandPayload({ text: `start ${NEWEST_POINT}` }),
  );
  expect(String(ack.payload.text)).toContain('Resolving recovery point');
  const card = await waitFor(
    () =>
      fake
        .messages()
        .find(
          (m) =>
            m.threadTs === undefined &&
            sessionIdOf(m) !== undefined &&
            allText(m).includes('Waiting for a second engineer'),
        ),
    { ...SLOW, what: 'the card asking for a second engineer' },
  );
  const confirm = interactiveElements((card.blocks as unknown[]) ?? []).find(
    (e) => e.action_id === ACTION_IDS.confirm,
  );
  await fake.socket.send(
    'interactive',
    blockActionPayload({
      action_id: ACTION_IDS.confirm,
      value: String(confirm?.value),
      block_id: String(confirm?.block_id),
      user_id: SECOND_USER,
      message_ts: card.ts,
    }),
  );
  return card;
}

describe('Socket Mode through a Slack outage during a restore', () => {
  it('stays up, finishes the restore, delivers its notices and answers commands once Slack is back', async () => {
    expect(REFUSALS).toBeGreaterThan(OLD_BUDGET);
    const card = await startConfirmed();
    await waitFor(() => noticesIn(card).includes('restore:started'), {
      ...SLOW,
      what: 'the restore:started notice',
    });

    const outage = fake.outage();
    expect(fake.socket.connections()).toBe(0);
    await whileUp(
      waitFor(() => outage.refused('apps.connections.open') >= REFUSALS, {
        ...SLOW,
        what: `${REFUSALS} refused apps.connections.open calls`,
      }),
    );
    // The restore went on without Slack: the cut-over ran while Slack was still down.
    await whileUp(
      waitFor(async () => (await simState()).calls['cloudformation:ExecuteChangeSet'] === 1, {
        ...SLOW,
        what: 'the change set executed during the outage',
      }),
    );
    expect(bot.child.exitCode).toBeNull();
    expect(bot.child.signalCode).toBeNull();
    const refusedNotices = outage.refused('chat.postMessage') + outage.refused('chat.update');
    outage.end();

    await fake.socket.waitForConnection(SLOW);
    const status = await fake.socket.send('slash_commands', slashCommandPayload({ text: 'status' }), SLOW);
    expect(status.payload.response_type).toBe('ephemeral');
    expect(String(status.payload.text)).toMatch(/\S/);

    const done = await waitFor(
      () => fake.messages().find((m) => m.ts === card.ts && allText(m).includes('Done.')),
      { ...SLOW, what: 'the card saying Done.' },
    );
    expect(allText(done)).toContain('Production: cut over to `/chatdb-restore_');
    await waitFor(() => noticesIn(card).includes('verify:done'), { ...SLOW, what: 'the verify:done notice' });
    const notices = noticesIn(card);
    // A stage that ends within a second posts only its "done" (issue 15), so no "started" is required.
    for (const id of ['restore:done', 'locate:done', 'flatten:done', 'check:done', 'cutover:done']) {
      expect(notices).toContain(id);
    }
    expect(new Set(notices).size).toBe(notices.length);
    // Some of them were refused during the outage and delivered after it.
    expect(refusedNotices).toBeGreaterThan(0);
  }, 180_000);

  it('logged the outage as Slack being unreachable, then the reconnect, and no secret', () => {
    const unreachable = bot.lines.filter((l) => l.msg?.startsWith('Slack is unreachable'));
    expect(unreachable.length).toBeGreaterThanOrEqual(REFUSALS);
    expect(unreachable[0]).toMatchObject({ level: 40, reason: 'HTTP 503 Service Unavailable', attempt: 1 });
    const restored = bot.lines.find((l) => l.msg === 'Socket Mode connection restored');
    expect(Number(restored?.attempts)).toBeGreaterThan(REFUSALS);
    const output = bot.stdout() + bot.stderr();
    expect(output).not.toMatch(/did not accept|refuses the app token|unhandled promise rejection/i);
    for (const secret of [TEST_APP_TOKEN, TEST_BOT_TOKEN]) expect(output).not.toContain(secret);
  });
});
