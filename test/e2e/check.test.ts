// The check stage as on-call engineers see it: the real bot process against the simulator, a fake
// Slack on loopback, signed commands and clicks. The newest point's copy is torn: MongoDB's words
// reach the card, nothing is cut over, and the next older point is named. That point is then
// restored: MongoDB's report is on the card and the summary gives the window read from the data.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultScenarioInput } from '../../src/sim/scenario.js';
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
import type { StandInMessage } from '../../src/slack-stand-in/workspace.js';
import { botEnv, FAST_TIMINGS, TEST_AWS_SECRET_KEY, TEST_SIGNING_SECRET } from '../helpers/bot-env.js';
import { type BotProcess, startBotProcess } from '../helpers/bot-process.js';
import { type FakeSlack, startFakeSlack } from '../helpers/fake-slack.js';
import { waitFor } from '../helpers/wait.js';
import { allText, interactiveElements } from '../slack/support/block-limits.js';

const TORN_POINT = 'C9B7D5F3-1E2A-4C4B-8D6F-8495A6B7C8D9';
const OLDER_POINT = '8E1A3C5F-7B9D-4F2A-A4C6-738495A6B7C8';
const LIVE_ROOT = '/aws-backup-restore_2026-05-14T17-27-00-417720408Z';
const SLOW = { timeoutMs: 90_000 };

interface SimState {
  calls: Record<string, number>;
  stack: {
    services: { name: string; taskDefinition: string }[];
    taskDefinitions: { arn: string; family: string; volumes: { name: string; rootDirectory?: string }[] }[];
    oneOffTasks: { arn: string; taskDefinition: string; exitCode?: number }[];
  };
}

let sim: Simulator;
let fake: FakeSlack;
let bot: BotProcess;
let responses = 0;

beforeAll(async () => {
  const input = defaultScenarioInput();
  const points = (input.recoveryPoints as Record<string, unknown>[]).map((p) => {
    if (p.id === TORN_POINT) return { ...p, torn: 'no-journal' };
    if (p.id === OLDER_POINT) {
      return {
        ...p,
        check: {
          newestMessageAt: '2026-05-16T03:12:44Z',
          counts: {
            rocketchat_message: 182_311,
            rocketchat_room: 431,
            rocketchat_subscription: 9_204,
            users: 318,
            rocketchat_settings: 1_204,
          },
        },
      };
    }
    return p;
  });
  sim = await startSimulator({ speed: 2000, scenario: { recoveryPoints: points } });
  fake = await startFakeSlack();
  bot = await startBotProcess(
    botEnv({
      ...sim.env(),
      AWS_SECRET_ACCESS_KEY: TEST_AWS_SECRET_KEY,
      SLACK_API_URL: fake.apiUrl,
      ...FAST_TIMINGS,
    }),
  );
});

afterAll(async () => {
  await bot?.stop();
  await fake?.close();
  await sim?.close();
});

async function simState(): Promise<SimState> {
  return (await (await fetch(`${sim.endpoint}/_sim/state`)).json()) as SimState;
}

function chatDbRoot(state: SimState): string | undefined {
  const service = state.stack.services.find((s) => s.name === 'chat-db');
  const td = state.stack.taskDefinitions.find((t) => t.arn === service?.taskDefinition);
  return td?.volumes.find((v) => v.name === 'chat-db')?.rootDirectory;
}

/** Starts a restore of `point` and has the second engineer confirm it; returns the card's ts. */
async function startConfirmed(point: string): Promise<string> {
  const before = fake.messages(DEFAULT_CHANNEL).length;
  responses += 1;
  const start = slashCommandBody({
    text: `start ${point}`,
    user_id: DEFAULT_USER,
    channel_id: DEFAULT_CHANNEL,
    response_url: fake.responseUrl(`check-cmd-${responses}`),
  });
  expect((await postToBot(bot.url, start, { secret: TEST_SIGNING_SECRET })).status).toBe(200);
  const card = await waitFor(
    () =>
      fake
        .messages(DEFAULT_CHANNEL)
        .slice(before)
        .find((m) => m.threadTs === undefined && allText(m).includes('Waiting for a second engineer')),
    { ...SLOW, what: 'the card asking for a second engineer' },
  );
  const confirm = interactiveElements((card.blocks as unknown[]) ?? []).find(
    (e) => e.action_id === ACTION_IDS.confirm,
  );
  if (confirm === undefined) throw new Error(`no Confirm on the card:\n${allText(card)}`);
  const click = blockActionBody({
    action_id: ACTION_IDS.confirm,
    value: String(confirm.value),
    block_id: String(confirm.block_id),
    user_id: SECOND_USER,
    channel_id: DEFAULT_CHANNEL,
    response_url: fake.responseUrl(`check-act-${responses}`),
  });
  expect((await postToBot(bot.url, click, { secret: TEST_SIGNING_SECRET })).status).toBe(200);
  return card.ts;
}

function cardWith(ts: string, words: string): Promise<StandInMessage> {
  return waitFor(
    () => fake.messages(DEFAULT_CHANNEL).find((m) => m.ts === ts && allText(m).includes(words)),
    { ...SLOW, what: `the card saying ${words}` },
  );
}

describe('the check stage end to end', () => {
  it('stops a torn point before the change set: MongoDB’s words, production unchanged, the next older point', async () => {
    const ts = await startConfirmed(TORN_POINT);
    const card = allText(await cardWith(ts, 'Failed at: MongoDB checks the restored data'));
    expect(card).toContain('MongoDB did not accept the restored copy; nothing was cut over');
    // mongod's own words for a copy without its journal.
    expect(card).toContain('WiredTiger error message');
    expect(card).toContain('No such file or directory');
    expect(card).toContain(`Production: unchanged — chat-db still runs on \`${LIVE_ROOT}\``);
    expect(card).toContain(`*Next older point:* \`${OLDER_POINT}\``);
    expect(card).toContain(`/chatdb-restore start ${OLDER_POINT}`);
    expect(card).toMatch(/`\/chatdb-restore_[^`]+` stays on the volume for `cleanup`/);

    const state = await simState();
    expect(state.calls['cloudformation:CreateChangeSet'] ?? 0).toBe(0);
    expect(state.calls['cloudformation:ExecuteChangeSet'] ?? 0).toBe(0);
    expect(chatDbRoot(state)).toBe(LIVE_ROOT);
    expect(state.stack.oneOffTasks).toHaveLength(1);
    expect(state.stack.oneOffTasks[0]?.exitCode).toBe(2);
  });

  it('checks the next older point before the cutover, shows the report and states the window from the data', async () => {
    const ts = await startConfirmed(OLDER_POINT);
    const done = allText(await cardWith(ts, 'Done.'));
    expect(done).toMatch(
      /MongoDB checks the restored data\* · [^\n]*clean \(MongoDB 7\.0\.14\) · newest message 2026-05-16 03:12:44 UTC · 182,311 messages · 431 rooms · 318 users/,
    );
    expect(done).toContain(
      "the restored database's newest message was written at 2026-05-16 03:12:44 UTC; chat written after that is not in it",
    );

    const summary = await waitFor(
      () =>
        fake.messages(DEFAULT_CHANNEL).find((m) => m.threadTs === ts && (m.text ?? '').includes(': done')),
      { ...SLOW, what: 'the summary' },
    );
    const text = allText(summary);
    expect(text).toMatch(
      /Data-loss window\*\n[^\n]*the restored database's newest message was written at 2026-05-16 03:12:44 UTC; chat written after that is not in it/,
    );
    expect(text).toContain('182,311 messages · 431 rooms · 318 users');
    expect(text).toMatch(/^check\s+[█ ]{12} \d/m);

    const state = await simState();
    expect(state.calls['cloudformation:ExecuteChangeSet']).toBe(1);
    expect(chatDbRoot(state)).toMatch(/^\/chatdb-restore_/);
    expect(state.stack.oneOffTasks).toHaveLength(2);
    expect(state.stack.oneOffTasks[1]?.exitCode).toBe(0);
  });
});
