// Scheduled drills (CHATDB_DRILL_SCHEDULE, CHATDB_DRILL_CHANNEL) with the bot wired as main.ts
// wires it (the restore runtime over the simulator, the real Bolt app over signed HTTP, the fake
// Slack), and the Slack layer's clock driven by the test: set just before a scheduled 03:00 UTC,
// the drill runs then and posts into the drill channel; with a session holding chat-db the next
// one is skipped and says so there; a drill whose restore job fails is loud, naming the approvers.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Config, loadConfig, secretValues } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { createRestoreRuntime, type RestoreRuntime } from '../../src/restore/runtime.js';
import { createSlackApp, type SlackAppHandle } from '../../src/slack/app.js';
import { createWebClient } from '../../src/slack/client.js';
import { postToBot } from '../../src/slack-stand-in/post-to-bot.js';
import { DEFAULT_CHANNEL, DEFAULT_USER, slashCommandBody } from '../../src/slack-stand-in/request-bodies.js';
import type { StandInMessage } from '../../src/slack-stand-in/workspace.js';
import { botEnv, FAST_TIMINGS, TEST_SIGNING_SECRET } from '../helpers/bot-env.js';
import { type FakeSlack, startFakeSlack } from '../helpers/fake-slack.js';
import { captureLogs } from '../helpers/log-capture.js';
import { type SimWithPorts, startSimWithPorts } from '../helpers/sim-ports.js';
import { waitFor } from '../helpers/wait.js';
import { allText } from '../slack/support/block-limits.js';

const DRILL_CHANNEL = 'C0DRILLS';
const APPROVERS = 'S0ONCALL';
const DAY = 24 * 60 * 60_000;
const SLOW = { timeoutMs: 60_000 };

let env: SimWithPorts;
let fake: FakeSlack;
let runtime: RestoreRuntime;
let slack: SlackAppHandle;
let config: Config;
let botUrl: string;
/** The Slack layer's clock: real time shifted by this much. */
let offset = 0;

/** The next 03:00 UTC after the real time now. */
function nextThreeAm(): number {
  const d = new Date();
  const at = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), 3, 0, 0);
  return at > d.getTime() ? at : at + DAY;
}

/** Moves the bot's clock to `ms` before `at`. */
function clockTo(at: number, ms = 1500): void {
  offset = at - ms - Date.now();
}

beforeAll(async () => {
  env = await startSimWithPorts({ speed: 2000 });
  fake = await startFakeSlack();
  config = loadConfig(
    botEnv({
      ...env.sim.env(),
      SLACK_API_URL: fake.apiUrl,
      CHATDB_STATE_DIR: mkdtempSync(join(tmpdir(), 'chatdb-drill-schedule-')),
      CHATDB_APPROVERS: APPROVERS,
      CHATDB_DRILL_SCHEDULE: '0 3 * * *',
      CHATDB_DRILL_CHANNEL: DRILL_CHANNEL,
      ...FAST_TIMINGS,
    }),
  );
  const logs = captureLogs();
  const logger = createLogger({
    level: 'debug',
    pretty: false,
    destination: logs.stream,
    secrets: secretValues(config),
  });
  const client = createWebClient(config, logger);
  runtime = createRestoreRuntime({ config, log: logger, groupMembers: async () => [], ports: env.ports });
  clockTo(nextThreeAm(), 10 * 60_000);
  slack = createSlackApp({
    config,
    logger,
    restore: runtime.service,
    client,
    now: () => Date.now() + offset,
  });
  botUrl = `http://127.0.0.1:${(await slack.start()).port}`;
});

afterAll(async () => {
  await slack?.stop();
  await runtime?.close();
  await fake?.close();
  await env?.close();
});

function drillMessage(after: number, words: string): Promise<StandInMessage> {
  return waitFor(
    () =>
      fake
        .messages(DRILL_CHANNEL)
        .slice(after)
        .find((m) => allText(m).includes(words)),
    { ...SLOW, what: `a message in the drill channel saying ${words}` },
  );
}

describe('scheduled drills', () => {
  let first: number;

  it('runs a drill of the latest point at the scheduled time, in the drill channel', async () => {
    first = nextThreeAm();
    expect(fake.messages(DRILL_CHANNEL)).toEqual([]);
    clockTo(first);
    const card = await drillMessage(0, 'Drill done: the point is restorable');
    expect(card.threadTs).toBeUndefined();
    const text = allText(card);
    expect(text).toContain('*Restorable:* yes');
    expect(text).toContain('*Left behind:* nothing');
    const drill = runtime.service.recent(DRILL_CHANNEL, 5)[0];
    expect(drill?.kind).toBe('drill');
    expect(drill?.pointInput).toBe('latest');
    // Nothing in the incident channel: a scheduled drill keeps to its own.
    expect(fake.messages(DEFAULT_CHANNEL)).toEqual([]);
    expect(env.sim.state().calls['cloudformation:ExecuteChangeSet'] ?? 0).toBe(0);
  });

  it('skips the next one, saying so, while a session holds chat-db', async () => {
    const start = slashCommandBody({
      text: 'start latest',
      user_id: DEFAULT_USER,
      channel_id: DEFAULT_CHANNEL,
      response_url: fake.responseUrl('schedule-start'),
    });
    expect((await postToBot(botUrl, start, { secret: TEST_SIGNING_SECRET })).status).toBe(200);
    const held = await waitFor(() => runtime.service.open(DEFAULT_CHANNEL)[0], {
      what: 'the restore session',
    });
    const before = fake.messages(DRILL_CHANNEL).length;
    clockTo(first + DAY);
    const skipped = allText(await drillMessage(before, 'Scheduled drill skipped'));
    expect(skipped).toContain(held.id);
    expect(runtime.service.open(DRILL_CHANNEL)).toEqual([]);
    expect((await runtime.service.cancel(held.id, DEFAULT_USER)).ok).toBe(true);
  });

  it('is loud when it fails: the report names the approvers group', async () => {
    env.sim.setFaults({ restoreJob: 'FAILED' });
    const before = fake.messages(DRILL_CHANNEL).length;
    clockTo(first + 2 * DAY);
    const report = await waitFor(
      () =>
        fake
          .messages(DRILL_CHANNEL)
          .slice(before)
          .find((m) => m.threadTs !== undefined && allText(m).includes(': failed.*')),
      { ...SLOW, what: "the failed drill's report in its thread" },
    );
    expect(allText(report)).toContain(`<!subteam^${APPROVERS}>`);
    expect(report.text).toContain(`<!subteam^${APPROVERS}>`);
    const card = allText(await drillMessage(before, 'Drill failed at: AWS Backup restore job'));
    expect(card).toContain('*Left behind:* nothing');
  });
});
