// One world for the whole fault matrix: the simulator, a proxy in front of it (so faults can be
// armed at the first AWS call of a stage), the fake Slack and ONE real bot process. Each case runs
// a restore in its own channel, started by DEFAULT_USER and confirmed by SECOND_USER, and is
// measured against the simulator as it stood when the case began.

import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { RestoreSession } from '../../../src/restore/session.js';
import { type Simulator, startSimulator } from '../../../src/sim/server.js';
import { ACTION_IDS } from '../../../src/slack/ids.js';
import { postToBot } from '../../../src/slack-stand-in/post-to-bot.js';
import {
  blockActionBody,
  DEFAULT_USER,
  SECOND_USER,
  slashCommandBody,
} from '../../../src/slack-stand-in/request-bodies.js';
import type { StandInMessage } from '../../../src/slack-stand-in/workspace.js';
import { botEnv, FAST_TIMINGS, TEST_AWS_SECRET_KEY, TEST_SIGNING_SECRET } from '../../helpers/bot-env.js';
import { type BotProcess, startBotProcess } from '../../helpers/bot-process.js';
import { type FakeSlack, startFakeSlack } from '../../helpers/fake-slack.js';
import { waitFor } from '../../helpers/wait.js';
import { allText, interactiveElements } from '../../slack/support/block-limits.js';
import { type ProxiedCall, type SimProxy, startSimProxy } from './sim-proxy.js';

export const APPROVERS = 'S0APPROVERS';
const SLOW = { timeoutMs: 50_000 };

/** Where a session is, as the fault hooks see it at the moment of an AWS call. */
export type StageNow =
  | 'resolve'
  | 'confirm'
  | 'restore'
  | 'locate'
  | 'flatten'
  | 'check'
  | 'cutover'
  | 'verify'
  | 'ended';

export type ProductionState = 'unchanged' | 'rolled_back' | 'cut_over' | 'unknown' | 'changing';

interface SimVolume {
  name: string;
  rootDirectory?: string;
}

export interface SimState {
  faults: Record<string, unknown>;
  calls: Record<string, number>;
  faultsInjected: Record<string, { throttle: number; '5xx': number }>;
  restoreJobs: Record<string, unknown>[];
  stack: {
    stack: { status: string };
    executions: { accepted: number; refused: number };
    services: { name: string; taskDefinition: string }[];
    taskDefinitions: { arn: string; volumes: SimVolume[] }[];
  };
}

export interface CaseContext {
  world: FaultWorld;
  channel: string;
  sessionId: string;
  card: StandInMessage;
  /** A Confirm click's fields, for a case that clicks before the second engineer does. */
  confirm: { value: string; blockId: string };
}

export interface CaseHooks {
  /**
   * Runs before each AWS call the bot makes while the case runs, with the stage the session file
   * shows at that moment, and once more with `ended` as soon as the session has ended.
   */
  onCall?(stage: StageNow, call: ProxiedCall): Promise<void>;
  /** Between the card asking for confirmation and the second engineer's Confirm. */
  beforeConfirm?(ctx: CaseContext): Promise<void>;
}

export interface CaseResult {
  sessionId: string;
  session: RestoreSession;
  card: StandInMessage;
  thread: StandInMessage[];
  /** From the card's "Production: …" line. */
  cardProduction: ProductionState | 'none';
  before: SimState;
  after: SimState;
  rootBefore: string;
  rootAfter: string;
  /** Notice ids (from the messages' metadata) with how often each was posted. */
  noticeCounts: Map<string, number>;
  /** Notice block ids `notice:<session>:<notice>` found more than once in the thread. */
  repeatedBlockIds: string[];
  seconds: number;
}

export class FaultWorld {
  private current: { sessionFile?: string; hooks: CaseHooks; lastStage?: StageNow } | undefined;
  private responses = 0;

  /** Simulators started so far, the first included. */
  simulators = 1;
  /** A replacement simulator being started; calls to the simulator wait for it. */
  private renewing: Promise<void> | undefined;
  private discarded = 0;
  private removals: Promise<void>[] = [];

  private constructor(
    public sim: Simulator,
    /** The root chat-db runs on in a fresh simulator. */
    readonly originalRoot: string,
    readonly proxy: SimProxy,
    readonly fake: FakeSlack,
    readonly bot: BotProcess,
    readonly stateDir: string,
  ) {}

  static async start(): Promise<FaultWorld> {
    const sim = await freshSimulator();
    let world: FaultWorld | undefined;
    const proxy = await startSimProxy(
      () => world?.sim.endpoint ?? sim.endpoint,
      (call) => world?.beforeCall(call) ?? Promise.resolve(),
    );
    const fake = await startFakeSlack();
    fake.setGroupMembers(APPROVERS, [SECOND_USER]);
    const env = botEnv({
      ...sim.env(),
      AWS_ENDPOINT_URL: proxy.url,
      AWS_SECRET_ACCESS_KEY: TEST_AWS_SECRET_KEY,
      SLACK_API_URL: fake.apiUrl,
      CHATDB_APPROVERS: APPROVERS,
      ...FAST_TIMINGS,
      LOG_LEVEL: 'info',
    });
    const stateDir = env.CHATDB_STATE_DIR as string;
    let bot: BotProcess;
    try {
      bot = await startBotProcess(env);
    } catch (error) {
      rmSync(stateDir, { recursive: true, force: true });
      await Promise.all([proxy.close(), fake.close(), sim.close()]);
      rmSync(sim.stateDir, { recursive: true, force: true });
      throw error;
    }
    world = new FaultWorld(sim, chatDbRoot(sim.state() as unknown as SimState), proxy, fake, bot, stateDir);
    return world;
  }

  /**
   * A new simulator behind the proxy (the bot keeps running). Needed once production was cut over:
   * the only recovery points predate the cutover, and the bot then cannot tell which of the two
   * data dirs in them held the database (it restores the whole volume and locate refuses to
   * guess), so every later restore would stop at locate.
   */
  private async renewSimulator(): Promise<void> {
    const dir = this.sim.stateDir;
    await this.sim.close();
    // The same directory, as the bot's CHATDB_INSPECTOR_MOUNT names a path inside it; the old
    // tree is moved aside and removed in the background.
    this.discarded += 1;
    const old = `${dir}.old-${this.discarded}`;
    renameSync(dir, old);
    this.removals.push(rm(old, { recursive: true, force: true }));
    this.sim = await freshSimulator(dir);
    this.simulators += 1;
  }

  async close(): Promise<void> {
    await this.renewing?.catch(() => undefined);
    await Promise.allSettled(this.removals);
    await this.bot.stop();
    await this.proxy.close();
    await this.fake.close();
    await this.sim.close();
    rmSync(this.stateDir, { recursive: true, force: true });
    rmSync(this.sim.stateDir, { recursive: true, force: true });
  }

  async simState(): Promise<SimState> {
    await this.renewing;
    return (await (await fetch(`${this.sim.endpoint}/_sim/state`)).json()) as SimState;
  }

  /** POST /_sim/faults; `null` clears a field. */
  async setFaults(patch: Record<string, unknown>): Promise<void> {
    await this.renewing;
    const res = await fetch(`${this.sim.endpoint}/_sim/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(patch),
    });
    if (res.status !== 200) throw new Error(`/_sim/faults answered ${res.status}: ${await res.text()}`);
  }

  responseUrl(): string {
    this.responses += 1;
    return this.fake.responseUrl(`fm-${this.responses}`);
  }

  /** The stage the running case's session is in, read from its file right now. */
  stageNow(): StageNow | undefined {
    const c = this.current;
    if (c === undefined) return undefined;
    // Until the card names the session, the bot can only be resolving its plan.
    if (c.sessionFile === undefined) return 'resolve';
    let s: RestoreSession;
    try {
      s = JSON.parse(readFileSync(c.sessionFile, 'utf8')) as RestoreSession;
    } catch {
      return c.lastStage ?? 'resolve';
    }
    const running = s.stages.find((x) => x.status === 'running')?.name;
    const stage: StageNow =
      s.status === 'resolving' || s.status === 'awaiting_confirmation' || s.status === 'running'
        ? ((running ?? 'confirm') as StageNow)
        : 'ended';
    c.lastStage = stage;
    return stage;
  }

  private async beforeCall(call: ProxiedCall): Promise<void> {
    const c = this.current;
    const stage = this.stageNow();
    if (c === undefined || stage === undefined) return;
    await c.hooks.onCall?.(stage, call);
  }

  async command(channel: string, text: string, user = DEFAULT_USER, responseUrl = this.responseUrl()) {
    const body = slashCommandBody({ text, user_id: user, channel_id: channel, response_url: responseUrl });
    const res = await postToBot(this.bot.url, body, { secret: TEST_SIGNING_SECRET });
    if (res.status !== 200) throw new Error(`the bot answered ${res.status}: ${res.text}`);
    return res;
  }

  async click(ctx: Pick<CaseContext, 'channel' | 'confirm'>, user: string, responseUrl = this.responseUrl()) {
    const body = blockActionBody({
      action_id: ACTION_IDS.confirm,
      value: ctx.confirm.value,
      block_id: ctx.confirm.blockId,
      user_id: user,
      channel_id: ctx.channel,
      response_url: responseUrl,
    });
    const res = await postToBot(this.bot.url, body, { secret: TEST_SIGNING_SECRET });
    if (res.status !== 200) throw new Error(`the bot answered ${res.status}: ${res.text}`);
    return res;
  }

  readSession(id: string): RestoreSession | undefined {
    try {
      return JSON.parse(readFileSync(this.sessionFile(id), 'utf8')) as RestoreSession;
    } catch {
      return undefined;
    }
  }

  private sessionFile(id: string): string {
    return path.join(this.stateDir, 'sessions', `${id}.json`);
  }

  /**
   * One restore in `channel`: `start latest`, the second engineer's Confirm, then the wait for the
   * end with every notice posted and the card drawn in its end state. Whatever the hooks armed is
   * cleared before this returns.
   */
  async runCase(channel: string, hooks: CaseHooks = {}): Promise<CaseResult> {
    const before = await this.simState();
    const rootBefore = chatDbRoot(before);
    if (rootBefore !== this.originalRoot)
      throw new Error(`chat-db runs on ${rootBefore}, not ${this.originalRoot}`);
    const started = Date.now();
    this.current = { hooks };
    try {
      await this.command(channel, 'start latest');
      const first = await waitFor(
        () =>
          this.fake.messages(channel).find((m) => m.threadTs === undefined && sessionIdOf(m) !== undefined),
        { ...SLOW, what: `the session card in ${channel}` },
      );
      const sessionId = sessionIdOf(first) as string;
      this.current.sessionFile = this.sessionFile(sessionId);
      const awaiting = await waitFor(
        () => {
          const s = this.readSession(sessionId);
          if (s !== undefined && s.status !== 'resolving' && s.status !== 'awaiting_confirmation')
            return { ended: s };
          const card = this.card(channel, sessionId);
          const confirm = card === undefined ? undefined : confirmOf(card);
          return card !== undefined && confirm !== undefined ? { card, confirm } : undefined;
        },
        { ...SLOW, what: `the card of ${sessionId} asking for a second engineer` },
      );
      if (awaiting.card !== undefined) {
        const ctx: CaseContext = {
          world: this,
          channel,
          sessionId,
          card: awaiting.card,
          confirm: awaiting.confirm,
        };
        await hooks.beforeConfirm?.(ctx);
        await this.click(ctx, SECOND_USER);
      }
      await waitFor(
        () => {
          const s = this.readSession(sessionId);
          return s !== undefined && !['resolving', 'awaiting_confirmation', 'running'].includes(s.status);
        },
        { ...SLOW, what: `${sessionId} to end` },
      );
      // AWS is done with: the hooks clear what they armed (and see whether it was used), the
      // simulator's end state is taken, and a simulator left cut over is replaced while Slack
      // catches up.
      await hooks.onCall?.('ended', { service: 'unknown', op: 'case ended' });
      const after = await this.simState();
      if (chatDbRoot(after) !== this.originalRoot) {
        this.renewing = this.renewSimulator();
        // Awaited by the next call to the simulator; this only keeps it from counting as unhandled.
        this.renewing.catch(() => undefined);
      }
      const session = await waitFor(
        () => {
          const s = this.readSession(sessionId);
          if (s === undefined || s.notices.some((n) => n.postedTs === undefined)) return undefined;
          const card = this.card(channel, sessionId);
          return card !== undefined && (card.text ?? '').includes(`: ${s.status}.`) ? s : undefined;
        },
        { ...SLOW, what: `${sessionId} to have its card drawn and every notice posted` },
      );
      const card = this.card(channel, sessionId) as StandInMessage;
      const thread = this.fake.messages(channel).filter((m) => m.threadTs === card.ts);
      return {
        sessionId,
        session,
        card,
        thread,
        cardProduction: productionOf(allText(card)),
        before,
        after,
        rootBefore,
        rootAfter: chatDbRoot(after),
        noticeCounts: noticeCounts(thread),
        repeatedBlockIds: repeatedNoticeBlocks(thread, sessionId),
        seconds: (Date.now() - started) / 1000,
      };
    } finally {
      this.current = undefined;
    }
  }

  /** The session's card: the newest top-level message in the channel that names it. */
  card(channel: string, sessionId: string): StandInMessage | undefined {
    return this.fake
      .messages(channel)
      .filter((m) => m.threadTs === undefined && sessionIdOf(m) === sessionId)
      .at(-1);
  }
}

/** A simulator in `stateDir` (emptied first), or in a new temporary directory. */
function freshSimulator(
  stateDir = mkdtempSync(path.join(tmpdir(), 'chatdb-fault-sim-')),
): Promise<Simulator> {
  mkdirSync(stateDir, { recursive: true });
  // A 5-minute restore job at speed 2000 takes 150 ms.
  return startSimulator({ stateDir, speed: 2000, scenario: { durations: { restoreJobMs: '5m' } } });
}

export function sessionIdOf(message: StandInMessage): string | undefined {
  return /Session `(r\d{8}-[0-9a-z]{6})`/.exec(allText(message))?.[1];
}

function confirmOf(card: StandInMessage): CaseContext['confirm'] | undefined {
  const confirm = interactiveElements((card.blocks as unknown[]) ?? []).find(
    (e) => e.action_id === ACTION_IDS.confirm,
  );
  return confirm === undefined
    ? undefined
    : { value: String(confirm.value), blockId: String(confirm.block_id) };
}

/** The root the chat-db service's task definition mounts for the chat-db volume. */
export function chatDbRoot(state: SimState): string {
  const service = state.stack.services.find((s) => s.name === 'chat-db');
  const td = state.stack.taskDefinitions.find((t) => t.arn === service?.taskDefinition);
  return td?.volumes.find((v) => v.name === 'chat-db')?.rootDirectory ?? '/';
}

/** The state the card's "Production: …" line names. */
export function productionOf(text: string): ProductionState | 'none' {
  const line = /Production: ([a-z ]+)/.exec(text)?.[1] ?? '';
  if (line.startsWith('unchanged')) return 'unchanged';
  if (line.startsWith('cut over')) return 'cut_over';
  if (line.startsWith('rolled back')) return 'rolled_back';
  if (line.startsWith('unknown')) return 'unknown';
  if (line.startsWith('being cut over')) return 'changing';
  return 'none';
}

function noticeCounts(thread: StandInMessage[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const m of thread) {
    const payload = (m.metadata as { event_payload?: { notice?: unknown } } | undefined)?.event_payload;
    const key =
      typeof payload?.notice === 'string' ? payload.notice : `no metadata: ${(m.text ?? '').slice(0, 40)}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

function repeatedNoticeBlocks(thread: StandInMessage[], sessionId: string): string[] {
  const seen = new Map<string, number>();
  const re = new RegExp(`"(notice:${sessionId}:[^"]+)"`, 'g');
  for (const m of thread) {
    for (const id of new Set([...JSON.stringify(m.blocks ?? []).matchAll(re)].map((x) => x[1] as string))) {
      seen.set(id, (seen.get(id) ?? 0) + 1);
    }
  }
  return [...seen].filter(([, n]) => n > 1).map(([id, n]) => `${id} ×${n}`);
}
