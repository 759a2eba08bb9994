// The crash suite with the real bot process: a restore is started and confirmed over signed
// HTTP, the persisted session file is watched, and the process is SIGKILLed as soon as it shows
// the chosen step. A second process over the same state directory must finish the restore with
// exactly one restore job, one check task, one change set execution and one StopTask in the
// simulator.

import { rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RestoreSession } from '../../src/restore/session.js';
import { LIVE_DB_DIR, type ScenarioInput } from '../../src/sim/scenario.js';
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
import { findConfirmPickButton, findPickButton } from '../helpers/pick-buttons.js';
import { waitFor } from '../helpers/wait.js';
import {
  livePick,
  PICK_CRASH_STEPS,
  PICK_POINT,
  PICK_SCENARIO,
  CRASH_STEPS as STEPS,
} from '../restore/orchestrator/crash-steps.js';
import { allText, interactiveElements } from '../slack/support/block-limits.js';

const NEWEST_POINT = 'C9B7D5F3-1E2A-4C4B-8D6F-8495A6B7C8D9';
const SLOW = { timeoutMs: 45_000 };

interface SimState {
  calls: Record<string, number>;
  restoreJobs: unknown[];
  stack: { executions: { accepted: number; refused: number }; oneOffTasks: unknown[] };
}

type Steps = typeof STEPS;

/** A world to crash in: its steps, the point restored, and what the engineers do on the way. */
interface CrashWorld {
  steps: Steps;
  scenario: ScenarioInput;
  point: string;
  /** Whether every kill lands inside a stage, so the restart announces that it resumed one. */
  resumesAStage: boolean;
}

const DEFAULT_WORLD: CrashWorld = {
  steps: STEPS,
  // A shorter restore job keeps the file short; the other stages keep their default lengths.
  scenario: { durations: { restoreJobMs: '15m' } },
  point: NEWEST_POINT,
  resumesAStage: true,
};

/** A restore that stops for the engineers' pick; killed while waiting for it and around it. */
const PICK_WORLD: CrashWorld = {
  steps: PICK_CRASH_STEPS,
  scenario: { ...PICK_SCENARIO, durations: { restoreJobMs: '15m' } },
  point: PICK_POINT,
  resumesAStage: false,
};

/** Every persisted step; issue 8 names ten of them, the other four sit between those. */
const CRASH_POINTS = STEPS.map(([name]) => name);

/** The index of the latest step the file shows, or -1 (not started yet, or already past verify). */
function stepOf(steps: Steps, s: RestoreSession): number {
  for (let i = steps.length - 1; i >= 0; i -= 1) if (steps[i]?.[1](s)) return i;
  return -1;
}

/**
 * What the engineers do on a session waiting for a pick, through the card's buttons: the
 * requester presses "Use this one" on the live copy, then the second engineer "Confirm pick".
 * Each click once per process (`clicked`); a card not yet redrawn is tried again on the next poll.
 */
async function drivePick(
  s: RestoreSession,
  slack: FakeSlack,
  bot: BotProcess,
  cardTs: string,
  clicked: Set<string>,
): Promise<void> {
  if (s.status !== 'awaiting_pick') return;
  const card = slack.messages(DEFAULT_CHANNEL).find((m) => m.ts === cardTs);
  if (card === undefined) return;
  const picked = s.pick?.picked;
  const key = picked === undefined ? 'pick' : `confirm:${picked.hash}`;
  const button =
    picked === undefined
      ? livePick(s) === undefined
        ? undefined
        : findPickButton(card, LIVE_DB_DIR)
      : findConfirmPickButton(card);
  if (clicked.has(key) || button === undefined) return;
  if (picked !== undefined && !String(button.block_id).includes(picked.hash)) return;
  clicked.add(key);
  const body = blockActionBody({
    action_id: button.action_id,
    value: String(button.value),
    block_id: String(button.block_id),
    user_id: picked === undefined ? DEFAULT_USER : SECOND_USER,
    response_url: slack.responseUrl(key),
  });
  expect((await postToBot(bot.url, body, { secret: TEST_SIGNING_SECRET })).status).toBe(200);
}

/** The session file, or undefined while it is missing or half-written. */
async function readSession(file: string): Promise<RestoreSession | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as RestoreSession;
  } catch {
    return undefined;
  }
}

/** The notice a thread message carries in its metadata, or its first words where it has none. */
function noticeKey(m: StandInMessage): string {
  const payload = (m.metadata as { event_payload?: { notice?: unknown } } | undefined)?.event_payload;
  return typeof payload?.notice === 'string' ? payload.notice : `no metadata: ${(m.text ?? '').slice(0, 40)}`;
}

const report: { point: string; killedAt: string; repeated: string[]; foundInThread: number }[] = [];

/** How many notices the restarted process found already posted when it read the thread back. */
function foundInThread(stdout: string): number {
  let found = 0;
  for (const line of stdout.split('\n')) {
    if (!line.includes('thread read back after a restart')) continue;
    found += Number((JSON.parse(line) as { found?: number }).found ?? 0);
  }
  return found;
}
const cleanup: string[] = [];

afterAll(() => {
  console.log(
    `crash-sigkill: ${report.length} of ${CRASH_POINTS.length + PICK_WORLD.steps.length} points survived\n${report
      .map(
        (r) =>
          `  ${r.point}: the file showed "${r.killedAt}"; posted but unrecorded, found in the thread: ${r.foundInThread}; repeated notices: ${r.repeated.join(', ') || 'none'}`,
      )
      .join('\n')}`,
  );
  for (const dir of cleanup) rmSync(dir, { recursive: true, force: true });
});

describe('a real bot process SIGKILLed at a persisted step resumes and finishes once', () => {
  it.each(CRASH_POINTS)('killed %s', { timeout: 60_000 }, (point) => killAndResume(DEFAULT_WORLD, point));
});

describe('a real bot process SIGKILLed while a restore waits for a pick resumes and finishes once', () => {
  it.each(PICK_WORLD.steps.map(([name]) => name))('killed %s', { timeout: 60_000 }, (point) =>
    killAndResume(PICK_WORLD, point),
  );
});

async function killAndResume(world: CrashWorld, point: string): Promise<void> {
  const steps = world.steps;
  const target = steps.findIndex(([name]) => name === point);
  let sim: Simulator | undefined;
  let fake: FakeSlack | undefined;
  let bot: BotProcess | undefined;
  try {
    // A fresh world each time: every run restores the same point onto the default stack.
    sim = await startSimulator({ speed: 600, scenario: world.scenario });
    fake = await startFakeSlack();
    fake.setGroupMembers('S0APPROVERS', [SECOND_USER]);
    const env = botEnv({
      ...sim.env(),
      AWS_SECRET_ACCESS_KEY: TEST_AWS_SECRET_KEY,
      SLACK_API_URL: fake.apiUrl,
      CHATDB_APPROVERS: 'S0APPROVERS',
      ...FAST_TIMINGS,
      LOG_LEVEL: 'info',
    });
    const stateDir = env.CHATDB_STATE_DIR as string;
    cleanup.push(stateDir);
    bot = await startBotProcess(env);
    const slack = fake;

    const start = slashCommandBody({
      text: `start ${world.point}`,
      response_url: slack.responseUrl('start'),
    });
    expect((await postToBot(bot.url, start, { secret: TEST_SIGNING_SECRET })).status).toBe(200);
    const card = await waitFor(
      () =>
        slack
          .messages(DEFAULT_CHANNEL)
          .find((m) => m.threadTs === undefined && allText(m).includes('Waiting for a second engineer')),
      { ...SLOW, what: 'the card asking for a second engineer' },
    );
    const confirm = interactiveElements((card.blocks as unknown[]) ?? []).find(
      (e) => e.action_id === ACTION_IDS.confirm,
    );
    if (confirm === undefined) throw new Error(`no Confirm on the card:\n${allText(card)}`);
    const sessionId = String(confirm.value);
    const file = path.join(stateDir, 'sessions', `${sessionId}.json`);
    const click = blockActionBody({
      action_id: ACTION_IDS.confirm,
      value: sessionId,
      block_id: String(confirm.block_id),
      user_id: SECOND_USER,
      response_url: slack.responseUrl('confirm'),
    });
    expect((await postToBot(bot.url, click, { secret: TEST_SIGNING_SECRET })).status).toBe(200);

    // Watch the file and kill the moment it shows the step (or a later one).
    const first = bot;
    const clickedBefore = new Set<string>();
    const shown = await waitFor(
      async () => {
        const s = await readSession(file);
        if (s === undefined) return undefined;
        if (s.status === 'succeeded' || s.status === 'failed')
          throw new Error(`ended ${s.status} before the kill`);
        const step = stepOf(steps, s);
        if (step < target) {
          await drivePick(s, slack, first, card.ts, clickedBefore);
          return undefined;
        }
        process.kill(first.pid, 'SIGKILL');
        return steps[step]?.[0] ?? '?';
      },
      { ...SLOW, intervalMs: 5, what: `the session file at "${point}"` },
    );
    expect(shown).not.toMatch(/^ended/);
    expect((await first.exited).signal).toBe('SIGKILL');

    bot = await startBotProcess(env);
    const second = bot;
    const clickedAfter = new Set<string>();
    const done = await waitFor(
      async () => {
        const s = await readSession(file);
        if (s?.status === 'failed') throw new Error(`failed: ${JSON.stringify(s.failure)}`);
        if (s !== undefined) await drivePick(s, slack, second, card.ts, clickedAfter);
        return s?.status === 'succeeded' && s.notices.every((n) => n.postedTs !== undefined) ? s : undefined;
      },
      { ...SLOW, what: 'the session to succeed with every notice posted' },
    );
    expect(done.failure).toBeUndefined();
    if (world.resumesAStage) expect(done.notices.some((n) => n.kind === 'resumed')).toBe(true);
    if (world.point === PICK_POINT) expect(done.pick?.picked?.path).toBe(livePick(done));

    const state = (await (await fetch(`${sim.endpoint}/_sim/state`)).json()) as SimState;
    expect(state.restoreJobs).toHaveLength(1);
    expect(state.stack.executions.accepted).toBe(1);
    expect(state.calls['ecs:StopTask']).toBe(1);
    expect(state.stack.oneOffTasks).toHaveLength(1);

    // The thread: every notice exactly once, even one posted but not yet recorded at the kill
    // (the new process reads the thread back before posting what the old one left unrecorded).
    const thread = slack.messages(DEFAULT_CHANNEL).filter((m) => m.threadTs === card.ts);
    const counts = new Map<string, number>();
    for (const m of thread) counts.set(noticeKey(m), (counts.get(noticeKey(m)) ?? 0) + 1);
    const repeated = [...counts].filter(([, n]) => n > 1);
    report.push({
      point,
      killedAt: shown,
      repeated: repeated.map(([k, n]) => `${k} ×${n}`),
      foundInThread: foundInThread(bot.stdout()),
    });
    expect(repeated).toEqual([]);
    // A stage that ended within a second is told by its "done" alone: its "started" is recorded
    // as told by the card, not posted in the thread.
    const byCard = done.notices.filter((n) => n.postedTs === done.card?.ts);
    expect(byCard.filter((n) => n.kind !== 'started')).toEqual([]);
    expect([...counts.keys()].sort()).toEqual(
      done.notices
        .filter((n) => !byCard.includes(n))
        .map((n) => n.id)
        .sort(),
    );
    expect(thread.filter((m) => (m.text ?? '').includes(': done'))).toHaveLength(1);
  } finally {
    await bot?.kill();
    await fake?.close();
    await sim?.close();
  }
}
