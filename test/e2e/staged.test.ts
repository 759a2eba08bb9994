// Restoring while the confirmation is pending ("Start restoring now"), end to end: the real bot
// process over signed HTTP against the simulator and the fake Slack. Only the requester can start
// it; the restore, locate, flatten and check run before anyone confirms; nothing reaches the stack
// before a second engineer's confirmation, and the cutover follows it with nothing in between; a
// staged plan that is rejected, cancelled or expires leaves production as it was and its
// directories deleted, or named on the card as left for cleanup (and then really there).

import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RestoreSession } from '../../src/restore/session.js';
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
import { botEnv, FAST_TIMINGS, TEST_SIGNING_SECRET } from '../helpers/bot-env.js';
import { type BotProcess, startBotProcess } from '../helpers/bot-process.js';
import { type FakeSlack, startFakeSlack } from '../helpers/fake-slack.js';
import { waitFor } from '../helpers/wait.js';
import { allText, interactiveElements } from '../slack/support/block-limits.js';

const THIRD_USER = 'U0THIRDENG';
const SLOW = { timeoutMs: 90_000 };
/** Simulated time at this speed makes the 40-minute restore job take over a minute: it is running. */
const CRAWL = 30;
const FAST = 2000;
const STAGED = 'Restoring before the confirmation';
const READY = 'Restored and checked; waiting for a second engineer';

interface World {
  sim: Simulator;
  fake: FakeSlack;
  bot: BotProcess;
  stateDir: string;
}

interface SimView {
  calls: Record<string, number>;
  restoreJobs: { id: string; status: string; restoreDir?: string }[];
  stack: {
    services: { name: string; taskDefinition: string }[];
    taskDefinitions: { arn: string; volumes: { name: string; rootDirectory?: string }[] }[];
    oneOffTasks: unknown[];
  };
  ssmCommands: unknown[];
}

async function startWorld(sim: Simulator, env: Record<string, string> = {}): Promise<World> {
  const fake = await startFakeSlack();
  fake.setGroupMembers('S0APPROVERS', [SECOND_USER, THIRD_USER]);
  const stateDir = mkdtempSync(join(tmpdir(), 'chatdb-staged-'));
  const bot = await startBotProcess(
    botEnv({
      ...sim.env(),
      SLACK_API_URL: fake.apiUrl,
      CHATDB_APPROVERS: 'S0APPROVERS',
      CHATDB_STATE_DIR: stateDir,
      ...FAST_TIMINGS,
      LOG_LEVEL: 'info',
      ...env,
    }),
  );
  return { sim, fake, bot, stateDir };
}

let sent = 0;

async function post(w: World, body: string): Promise<void> {
  const res = await postToBot(w.bot.url, body, { secret: TEST_SIGNING_SECRET });
  expect(res.status).toBe(200);
}

/** A slash command by `user`; returns the response_url id its private answer goes to. */
async function command(w: World, text: string, user = DEFAULT_USER): Promise<string> {
  sent += 1;
  const responseId = `st-cmd-${sent}`;
  await post(w, slashCommandBody({ text, user_id: user, response_url: w.fake.responseUrl(responseId) }));
  return responseId;
}

/** A click by `user` on the button `actionId` of the card as it is now. */
async function press(w: World, card: StandInMessage, actionId: string, user: string): Promise<string> {
  const now = latest(w, card);
  const element = interactiveElements((now.blocks as unknown[]) ?? []).find((e) => e.action_id === actionId);
  if (element === undefined) throw new Error(`no ${actionId} on the card:\n${allText(now)}`);
  sent += 1;
  const responseId = `st-act-${sent}`;
  await post(
    w,
    blockActionBody({
      action_id: actionId,
      value: String(element.value),
      block_id: String(element.block_id),
      user_id: user,
      response_url: w.fake.responseUrl(responseId),
    }),
  );
  return responseId;
}

async function privateAnswer(w: World, responseId: string): Promise<string> {
  const answer = await w.fake.waitForResponse(responseId, SLOW);
  return (answer.body as { text?: string }).text ?? '';
}

function latest(w: World, card: StandInMessage): StandInMessage {
  return w.fake.messages(DEFAULT_CHANNEL).find((m) => m.ts === card.ts) ?? card;
}

function cardSaying(w: World, card: StandInMessage, words: string): Promise<StandInMessage> {
  return waitFor(
    () => {
      const now = latest(w, card);
      return allText(now).includes(words) ? now : undefined;
    },
    { ...SLOW, what: `the card saying “${words}”` },
  );
}

/** Starts a restore of the newest point; returns its card once it waits for a confirmation. */
async function startRestore(w: World): Promise<StandInMessage> {
  const before = w.fake.messages(DEFAULT_CHANNEL).length;
  await command(w, 'start latest');
  return waitFor(
    () =>
      w.fake
        .messages(DEFAULT_CHANNEL)
        .slice(before)
        .find((m) => m.threadTs === undefined && allText(m).includes('Waiting for a second engineer')),
    { ...SLOW, what: 'the confirmation card' },
  );
}

function sessionIdOf(card: StandInMessage): string {
  const id = /Session `(r\d{8}-[0-9a-z]{6})`/.exec(allText(card))?.[1];
  if (id === undefined) throw new Error(`no session id on the card:\n${allText(card)}`);
  return id;
}

/** The session as the bot stored it (its audit log and stages, with their times). */
function stored(w: World, id: string): RestoreSession {
  return JSON.parse(readFileSync(join(w.stateDir, 'sessions', `${id}.json`), 'utf8')) as RestoreSession;
}

function simView(w: World): SimView {
  return w.sim.state() as unknown as SimView;
}

/** What production is: chat-db's task definition and the root its volume names. */
function production(w: World): { taskDefinition: string; root: string } {
  const { stack } = simView(w);
  const service = stack.services.find((s) => s.name === 'chat-db');
  const td = stack.taskDefinitions.find((t) => t.arn === service?.taskDefinition);
  return {
    taskDefinition: service?.taskDefinition ?? '',
    root: td?.volumes.find((v) => v.name === 'chat-db')?.rootDirectory ?? '/',
  };
}

function onVolume(w: World, name: string): boolean {
  return existsSync(join(w.sim.env().CHATDB_INSPECTOR_MOUNT as string, name));
}

async function setSpeed(w: World, speed: number): Promise<void> {
  const res = await fetch(`${w.sim.endpoint}/_sim/speed`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ speed }),
  });
  expect(res.status).toBe(200);
}

/** The simulator's restore job of a session once it runs (not yet finished). */
function runningJob(w: World, count: number) {
  return waitFor(
    () => {
      const jobs = simView(w).restoreJobs;
      const job = jobs[count];
      return job !== undefined && (job.status === 'PENDING' || job.status === 'RUNNING') ? job : undefined;
    },
    { ...SLOW, what: 'the staged restore job to run' },
  );
}

/**
 * A staged session that ended unconfirmed, once its teardown is recorded: production as it was, no
 * change set executed, every name it deleted gone, every directory it left there once its job ended.
 */
async function accountedFor(
  w: World,
  card: StandInMessage,
  id: string,
  before: { production: ReturnType<typeof production>; executes: number; changeSets: number },
): Promise<RestoreSession> {
  const shown = await cardSaying(w, card, 'The live root was not touched.');
  const s = stored(w, id);
  const t = s.staged?.teardown;
  expect(t?.status).toBe('done');
  expect(production(w)).toEqual(before.production);
  expect(onVolume(w, before.production.root.slice(1))).toBe(true);
  expect(simView(w).calls['cloudformation:ExecuteChangeSet'] ?? 0).toBe(before.executes);
  expect(simView(w).calls['cloudformation:CreateChangeSet'] ?? 0).toBe(before.changeSets);
  for (const name of [...(t?.deleted ?? []), ...(t?.absent ?? [])]) {
    expect(onVolume(w, name)).toBe(false);
    expect(allText(shown)).toContain(`\`/${name}\``);
  }
  for (const left of t?.left ?? []) {
    if (left.restoreJobId !== undefined) expect(allText(shown)).toContain(`\`${left.restoreJobId}\``);
    if (left.name !== undefined) expect(allText(shown)).toContain(`\`/${left.name}\``);
  }
  return s;
}

function baseline(w: World) {
  const calls = simView(w).calls;
  return {
    production: production(w),
    executes: calls['cloudformation:ExecuteChangeSet'] ?? 0,
    changeSets: calls['cloudformation:CreateChangeSet'] ?? 0,
  };
}

/** A simulator and a bot for the describe block around it (`env`: the bot's extra settings). */
function worldFor(env: Record<string, string> = {}): { w: World } {
  const holder = {} as { w: World };
  let sim: Simulator | undefined;
  beforeAll(async () => {
    sim = await startSimulator({ speed: FAST });
    holder.w = await startWorld(sim, env);
  });
  afterAll(async () => {
    await holder.w?.bot.stop();
    await holder.w?.fake.close();
    await sim?.close();
  });
  return holder;
}

describe('restoring while the confirmation is pending', () => {
  const world = worldFor();
  let w: World;
  beforeAll(() => {
    w = world.w;
  });

  it('only the requester can start it; it restores up to the cutover, which follows the second engineer’s confirmation at once', async () => {
    const card = await startRestore(w);
    const id = sessionIdOf(card);
    const jobs = simView(w).restoreJobs.length;
    // A second engineer may confirm but not start the restore early: refused privately, nothing changes.
    const outsider = await press(w, card, ACTION_IDS.startStaged, SECOND_USER);
    expect(await privateAnswer(w, outsider)).toContain(
      `Only <@${DEFAULT_USER}>, who asked for this restore, can start restoring before the confirmation`,
    );
    expect(simView(w).restoreJobs).toHaveLength(jobs);
    expect(stored(w, id).status).toBe('awaiting_confirmation');

    await press(w, card, ACTION_IDS.startStaged, DEFAULT_USER);
    const ready = await cardSaying(w, card, READY);
    expect(allText(ready)).toContain('production untouched; the cutover waits for a second engineer');
    expect(allText(ready)).toContain(
      `Production: unchanged — chat-db still runs on \`${production(w).root}\``,
    );
    // Everything before the cutover ran, unconfirmed; nothing reached the stack.
    const before = simView(w);
    expect(before.restoreJobs).toHaveLength(jobs + 1);
    expect(before.restoreJobs.at(-1)?.status).toBe('COMPLETED');
    expect(before.calls['cloudformation:ExecuteChangeSet'] ?? 0).toBe(0);
    expect(before.calls['cloudformation:CreateChangeSet'] ?? 0).toBe(0);
    const staged = stored(w, id);
    expect(staged.confirmer).toBeUndefined();
    expect(staged.stages.filter((s) => ['restore', 'locate', 'flatten', 'check'].includes(s.name))).toSatisfy(
      (stages: RestoreSession['stages']) => stages.every((s) => s.status === 'done'),
    );

    await press(w, card, ACTION_IDS.confirm, SECOND_USER);
    await cardSaying(w, card, 'Done.');
    const after = simView(w);
    expect(after.calls['cloudformation:ExecuteChangeSet']).toBe(1);
    // The confirmation started the cutover and nothing else: no second job, no script, no check task.
    expect(after.restoreJobs).toHaveLength(before.restoreJobs.length);
    expect(after.ssmCommands).toHaveLength(before.ssmCommands.length);
    expect(after.stack.oneOffTasks).toHaveLength(before.stack.oneOffTasks.length);
    expect(production(w).root).toBe(staged.plan?.kind === 'restore' ? staged.plan.targetRoot : '?');
    // In the audit log: the confirmation, then the cutover's start, with no other stage between.
    const done = stored(w, id);
    const types = done.events.map((e) => `${e.type}:${String(e.detail?.stage ?? '')}`);
    const confirmed = types.indexOf('confirm:');
    expect(confirmed).toBeGreaterThan(types.indexOf('stage_done:check'));
    expect(types.slice(confirmed + 1).find((t) => t.startsWith('stage_started:'))).toBe(
      'stage_started:cutover',
    );
    expect(Date.parse(done.stages.find((s) => s.name === 'cutover')?.startedAt ?? '')).toBeGreaterThanOrEqual(
      Date.parse(done.confirmedAt ?? ''),
    );
  });

  it('a confirmation that arrives while the job still runs is recorded, and the cutover starts once the check has passed', async () => {
    const card = await startRestore(w);
    const id = sessionIdOf(card);
    const jobs = simView(w).restoreJobs.length;
    const executes = simView(w).calls['cloudformation:ExecuteChangeSet'] ?? 0;
    await setSpeed(w, CRAWL);
    await press(w, card, ACTION_IDS.startStaged, DEFAULT_USER);
    await runningJob(w, jobs);
    await cardSaying(w, card, STAGED);
    await press(w, card, ACTION_IDS.confirm, THIRD_USER);
    await waitFor(() => stored(w, id).confirmer === THIRD_USER, {
      ...SLOW,
      what: 'the confirmation recorded',
    });
    // Confirmed while the job runs: still nothing on the stack.
    expect(simView(w).calls['cloudformation:ExecuteChangeSet'] ?? 0).toBe(executes);
    expect(stored(w, id).status).toBe('running');
    await setSpeed(w, FAST);
    await cardSaying(w, card, 'Done.');
    expect(simView(w).calls['cloudformation:ExecuteChangeSet']).toBe(executes + 1);
    expect(simView(w).restoreJobs).toHaveLength(jobs + 1);
    const done = stored(w, id);
    const stage = (name: string) => done.stages.find((s) => s.name === name);
    expect(Date.parse(stage('cutover')?.startedAt ?? '')).toBeGreaterThanOrEqual(
      Date.parse(stage('check')?.endedAt ?? ''),
    );
    expect(Date.parse(done.confirmedAt ?? '')).toBeLessThan(Date.parse(stage('restore')?.endedAt ?? ''));
  });

  it('a rejected staged plan leaves production untouched and deletes the directories it restored', async () => {
    const card = await startRestore(w);
    const id = sessionIdOf(card);
    const before = baseline(w);
    await press(w, card, ACTION_IDS.startStaged, DEFAULT_USER);
    await cardSaying(w, card, READY);
    const staged = stored(w, id);
    const flat = staged.aws.flatDir?.slice(1) ?? '';
    const restored = staged.aws.restoreDir ?? '';
    expect(onVolume(w, flat)).toBe(true);
    expect(onVolume(w, restored)).toBe(true);

    const answer = await command(w, 'reject not this point', THIRD_USER);
    expect(await privateAnswer(w, answer)).toContain('is rejected');
    const s = await accountedFor(w, card, id, before);
    expect(s.status).toBe('rejected');
    expect(s.staged?.teardown?.deleted?.sort()).toEqual([flat, restored].sort());
    expect(s.staged?.teardown?.left).toEqual([]);
    expect(allText(latest(w, card))).toContain('Rejected by');
  });

  it('a staged restore cancelled while its job runs names the job’s directory as left for cleanup, and it is there once the job ends', async () => {
    const card = await startRestore(w);
    const id = sessionIdOf(card);
    const before = baseline(w);
    const jobs = simView(w).restoreJobs.length;
    await setSpeed(w, CRAWL);
    await press(w, card, ACTION_IDS.startStaged, DEFAULT_USER);
    const job = await runningJob(w, jobs);
    await press(w, card, ACTION_IDS.cancel, DEFAULT_USER);
    const s = await accountedFor(w, card, id, before);
    expect(s.status).toBe('cancelled');
    expect(s.staged?.teardown?.left).toEqual([{ why: 'job_running', restoreJobId: job.id }]);
    expect(allText(latest(w, card))).toContain('AWS Backup cannot stop a restore job');
    await setSpeed(w, FAST);
    const ended = await waitFor(
      () => simView(w).restoreJobs.find((j) => j.id === job.id && j.status === 'COMPLETED'),
      { ...SLOW, what: 'the cancelled job to end' },
    );
    expect(onVolume(w, ended.restoreDir?.slice(1) ?? '?')).toBe(true);
  });
});

describe('a staged restore whose confirmation window closes', () => {
  const world = worldFor({ CHATDB_CONFIRM_TTL: '15s' });
  let w: World;
  beforeAll(() => {
    w = world.w;
  });

  it('expires: the job is left to AWS and named, production untouched, nothing deleted that is not its own', async () => {
    const card = await startRestore(w);
    const id = sessionIdOf(card);
    const before = baseline(w);
    await setSpeed(w, CRAWL);
    await press(w, card, ACTION_IDS.startStaged, DEFAULT_USER);
    const job = await runningJob(w, 0);
    const s = await accountedFor(w, card, id, before);
    expect(s.status).toBe('expired');
    expect(s.staged?.teardown?.left).toEqual([{ why: 'job_running', restoreJobId: job.id }]);
    expect(allText(latest(w, card))).toContain('Expired');
  });
});
