// `/chatdb-restore drill` as on-call engineers see it: the real bot process against the simulator,
// a fake Slack on loopback, signed commands and clicks. A drill of a good point reports it
// restorable and leaves the stack, the service's root and the volume as they were; a drill of a
// torn point reports it unrestorable in MongoDB's words and leaves nothing either; a `start`
// during a drill takes over at once, and the next drill sweeps what the taken-over one left.

import { readdirSync } from 'node:fs';
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
const FAST = 2000;
const SLOW = { timeoutMs: 50_000 };

interface SimStack {
  services: { name: string; taskDefinition: string }[];
  taskDefinitions: { arn: string; family: string; volumes: { name: string; rootDirectory?: string }[] }[];
  changeSets: { name: string; executionStatus: string }[];
}

let sim: Simulator;
let fake: FakeSlack;
let bot: BotProcess;
let requests = 0;

beforeAll(async () => {
  const input = defaultScenarioInput();
  const points = (input.recoveryPoints as Record<string, unknown>[]).map((p) =>
    p.id === TORN_POINT ? { ...p, torn: 'no-journal' } : p,
  );
  sim = await startSimulator({ speed: FAST, scenario: { recoveryPoints: points } });
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

const stack = () => sim.state().stack as SimStack;
const calls = (op: string) => sim.state().calls[`cloudformation:${op}`] ?? 0;

function chatDbRoot(): string | undefined {
  const s = stack();
  const service = s.services.find((x) => x.name === 'chat-db');
  const td = s.taskDefinitions.find((t) => t.arn === service?.taskDefinition);
  return td?.volumes.find((v) => v.name === 'chat-db')?.rootDirectory;
}

/** The chat-db volume's top-level names, as the inspection host sees them. */
function volume(): string[] {
  const fs = sim.state().fileSystems.find((f) => f.logicalId === 'DbStorage');
  if (fs === undefined) throw new Error('no DbStorage file system in the simulator');
  return readdirSync(fs.hostDir).sort();
}

async function command(text: string, user = DEFAULT_USER): Promise<void> {
  requests += 1;
  const body = slashCommandBody({
    text,
    user_id: user,
    channel_id: DEFAULT_CHANNEL,
    response_url: fake.responseUrl(`drill-cmd-${requests}`),
  });
  expect((await postToBot(bot.url, body, { secret: TEST_SIGNING_SECRET })).status).toBe(200);
}

/** The newest top-level card posted since `before` that says `words`. */
function newCard(before: number, words: string): Promise<StandInMessage> {
  return waitFor(
    () =>
      fake
        .messages(DEFAULT_CHANNEL)
        .slice(before)
        .find((m) => m.threadTs === undefined && allText(m).includes(words)),
    { ...SLOW, what: `a card saying ${words}` },
  );
}

async function cardWith(ts: string, words: string): Promise<StandInMessage> {
  try {
    return await waitFor(
      () => fake.messages(DEFAULT_CHANNEL).find((m) => m.ts === ts && allText(m).includes(words)),
      { ...SLOW, what: `the card saying ${words}` },
    );
  } catch (error) {
    const card = fake.messages(DEFAULT_CHANNEL).find((m) => m.ts === ts);
    throw new Error(`${(error as Error).message}\n${card === undefined ? 'no card' : allText(card)}`);
  }
}

function thread(ts: string, words: string): Promise<StandInMessage> {
  return waitFor(
    () => fake.messages(DEFAULT_CHANNEL).find((m) => m.threadTs === ts && allText(m).includes(words)),
    { ...SLOW, what: `a reply saying ${words}` },
  );
}

async function drill(point = ''): Promise<string> {
  const before = fake.messages(DEFAULT_CHANNEL).length;
  await command(`drill ${point}`.trim());
  return (await newCard(before, 'Drill')).ts;
}

describe('drill end to end', () => {
  it('rehearses a good point: restorable, a projected RTO, and the stack, the root and the volume as they were', async () => {
    const volumeBefore = volume();
    const ts = await drill(OLDER_POINT);
    const card = allText(await cardWith(ts, 'Drill done: the point is restorable'));
    expect(card).toContain('*Restorable:* yes');
    expect(card).toMatch(/The restored database:\* the restored database's newest message/);
    expect(card).toMatch(/Projected RTO of a real restore of this point:\* about \d/);
    expect(card).toContain('*Left behind:* nothing');
    expect(card).toContain(`Production: unchanged — chat-db still runs on \`${LIVE_ROOT}\``);
    for (const stage of [
      'AWS Backup restore job',
      'Locate',
      'Flatten',
      'MongoDB checks',
      'Rehearse',
      'Tear',
    ]) {
      expect(card).toMatch(new RegExp(`:white_check_mark: \\*${stage}[^*]*\\* · \\d`));
    }
    const report = allText(await thread(ts, 'done.*'));
    expect(report).toContain('RootDirectory');
    expect(report).toMatch(/chatdb-drill_/);

    expect(calls('ExecuteChangeSet')).toBe(0);
    expect(calls('CreateChangeSet')).toBe(1);
    expect(calls('DeleteChangeSet')).toBeGreaterThanOrEqual(1);
    expect(stack().changeSets).toEqual([]);
    expect(chatDbRoot()).toBe(LIVE_ROOT);
    expect(volume()).toEqual(volumeBefore);
    expect(sim.state().accessDenied).toEqual([]);
  });

  it('reports a torn point unrestorable in MongoDB’s words, and still leaves nothing behind', async () => {
    const volumeBefore = volume();
    const created = calls('CreateChangeSet');
    const ts = await drill(TORN_POINT);
    const card = allText(await cardWith(ts, 'the point is NOT restorable'));
    expect(card).toContain('*Restorable:* *no*: MongoDB did not accept the restored copy');
    expect(card).toContain('WiredTiger error message');
    expect(card).toContain('*Left behind:* nothing');
    expect(card).toMatch(/:heavy_minus_sign: \*Rehearse the cutover[^*]*\* · skipped/);
    expect(card).toMatch(/:white_check_mark: \*Tear the drill down\* · \d/);
    await thread(ts, 'failed.*');

    expect(calls('CreateChangeSet')).toBe(created);
    expect(calls('ExecuteChangeSet')).toBe(0);
    expect(chatDbRoot()).toBe(LIVE_ROOT);
    expect(volume()).toEqual(volumeBefore);
  });

  it('gives way to a start at once; the next drill sweeps what it left', async () => {
    const jobsBefore = sim.state().restoreJobs.length;
    // Slow enough that the drill is still in its restore job when the start arrives.
    sim.setSpeed(20);
    const drillTs = await drill(OLDER_POINT);
    await cardWith(drillTs, 'Drill running: AWS Backup restore job');
    await waitFor(() => sim.state().restoreJobs[jobsBefore]?.status === 'RUNNING', {
      ...SLOW,
      what: "the drill's restore job to run",
    });

    const before = fake.messages(DEFAULT_CHANNEL).length;
    await command(`start ${OLDER_POINT}`, SECOND_USER);
    const drillCard = allText(await cardWith(drillTs, 'Drill gave way to restore session'));
    expect(drillCard).toMatch(/AWS Backup finishes it by itself/);
    const card = await newCard(before, 'Waiting for a second engineer');
    // The plan shows the last drill that reached its check: the torn point's, a minute ago.
    expect(allText(card)).toMatch(/\*Last drill\*\n\d[^\n]* ago: point [^\n]*, \*not restorable\*/);
    sim.setSpeed(FAST);
    // AWS Backup finishes the drill's job by itself, before this restore's own starts.
    await waitFor(() => sim.state().restoreJobs.every((j) => j.status === 'COMPLETED'), {
      ...SLOW,
      what: "the drill's restore job to finish",
    });
    const confirm = interactiveElements((card.blocks as unknown[]) ?? []).find(
      (e) => e.action_id === ACTION_IDS.confirm,
    );
    const click = blockActionBody({
      action_id: ACTION_IDS.confirm,
      value: String(confirm?.value),
      block_id: String(confirm?.block_id),
      user_id: DEFAULT_USER,
      channel_id: DEFAULT_CHANNEL,
      response_url: fake.responseUrl('drill-confirm'),
    });
    expect((await postToBot(bot.url, click, { secret: TEST_SIGNING_SECRET })).status).toBe(200);
    await cardWith(card.ts, 'Done.');
    const live = chatDbRoot();
    expect(live).toMatch(/^\/chatdb-restore_/);
    // The taken-over drill's job left a directory nobody located.
    const leftByDrill = String(sim.state().restoreJobs[jobsBefore]?.restoreDir).replace(/^\//, '');
    expect(leftByDrill).toMatch(/^aws-backup-restore_/);
    expect(volume()).toContain(leftByDrill);

    const next = await drill(OLDER_POINT);
    const swept = allText(await cardWith(next, 'Drill done: the point is restorable'));
    expect(swept).toContain('*Left behind:* nothing');
    const after = volume();
    expect(after.filter((n) => n.startsWith('chatdb-drill_'))).toEqual([]);
    expect(after).not.toContain(leftByDrill);
    expect(after).toContain(live?.slice(1));
    // Only the restore's change set ever ran; no drill's is left.
    expect(calls('ExecuteChangeSet')).toBe(1);
    expect(stack().changeSets.map((c) => c.name)).toEqual([expect.stringMatching(/^chatdb-restore-/)]);
  });
});
