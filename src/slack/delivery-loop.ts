// One delivery at a time per session, always of the session's latest state: a change while a
// delivery runs asks for one more afterwards; a failed delivery is retried with backoff; a channel
// that refuses the bot stops the session's deliveries until its next change. What a delivery does
// (draw the card, post the notices) is the notifier's; this file is only the when.

import type { webApi } from '@slack/bolt';
import type { Logger } from '../log.js';
import type { RestoreService } from '../restore/service.js';
import { isOpen, type RestoreSession } from '../restore/session.js';
import { slackErrorCode } from './client.js';
import type { CardContext } from './views/card.js';

/** The bot can no longer write in the channel at all: retrying will not help until someone acts. */
const CHANNEL_GONE = new Set(['not_in_channel', 'channel_not_found', 'is_archived', 'access_denied']);
const MAX_BACKOFF_MS = 60_000;

/** What the parts that write a session to Slack (its card, its thread) work with. */
export interface SessionWriterDeps {
  restore: RestoreService;
  client: webApi.WebClient;
  log: Logger;
  now: () => number;
  /** When this process started: what is older may have been posted by an earlier process. */
  startedAt: number;
  viewContext: () => CardContext;
}

/** A session being kept in step with Slack; `state` is what the deliverer remembers of it. */
export interface Delivery<S> {
  id: string;
  session: RestoreSession;
  state: S;
  timer?: NodeJS.Timeout;
  busy?: Promise<void>;
  /** A change arrived while busy: deliver again afterwards. */
  again: boolean;
  failures: number;
  /** Set when Slack refused the channel; cleared by the next change. */
  stuck?: string;
  /** Wakes the delivery when a minute its card shows turns. */
  tick?: NodeJS.Timeout;
}

export interface Deliverer<S> {
  /** What a new session starts with. */
  initial(session: RestoreSession): S;
  /** Brings Slack in step with `delivery.session`; throws what Slack answered, to be retried. */
  deliver(delivery: Delivery<S>): Promise<void>;
  /** Whether the delivery still has something to send. */
  pending(delivery: Delivery<S>): boolean;
  /** How long to wait after a change before delivering (the card's edit rate). */
  waitMs(delivery: Delivery<S>): number;
  /** How long the last delivery held something back on purpose, if it did. */
  heldMs(delivery: Delivery<S>): number | undefined;
  /** In how many ms what the card shows turns by itself (a clock), if it shows one. */
  tickInMs(delivery: Delivery<S>): number | undefined;
}

export interface DeliveryLoop {
  /** Lets deliveries run (again, after a stop). */
  start(): void;
  /** A persisted change of a session: deliver it (older revisions than the one held are ignored). */
  change(session: RestoreSession): void;
  stop(): Promise<void>;
  /** Resolves once nothing is waiting to be delivered. */
  idle(timeoutMs: number): Promise<void>;
}

export function createDeliveryLoop<S>(opts: {
  deliverer: Deliverer<S>;
  intervalMs: number;
  now: () => number;
  logger: Logger;
}): DeliveryLoop {
  const { deliverer, intervalMs: interval, now } = opts;
  const log = opts.logger;
  const entries = new Map<string, Delivery<S>>();
  let stopped = false;

  function kick(entry: Delivery<S>, delayMs?: number): void {
    if (stopped) return;
    if (entry.busy !== undefined) {
      entry.again = true;
      return;
    }
    if (entry.timer !== undefined) return;
    const wait = delayMs ?? deliverer.waitMs(entry);
    entry.timer = setTimeout(() => flush(entry), wait);
  }

  function flush(entry: Delivery<S>): void {
    delete entry.timer;
    if (stopped) return;
    let retryIn: number | undefined;
    entry.again = false;
    entry.busy = deliverer
      .deliver(entry)
      .then(() => {
        entry.failures = 0;
      })
      .catch((error: unknown) => {
        entry.failures += 1;
        const code = slackErrorCode(error);
        if (code !== undefined && CHANNEL_GONE.has(code)) {
          entry.stuck = code;
          log.error(
            { err: error, session: entry.id, channel: entry.session.channel, code },
            'Slack refuses the session channel; the card waits until the bot can post there again',
          );
          return;
        }
        retryIn = Math.min(MAX_BACKOFF_MS, Math.max(interval, 1000) * 2 ** Math.min(entry.failures - 1, 6));
        log.warn(
          { err: error, session: entry.id, code, retryInMs: retryIn },
          'could not update Slack; will retry',
        );
      })
      .finally(() => {
        delete entry.busy;
        if (stopped) return;
        if (entry.stuck !== undefined) return;
        if (retryIn !== undefined) kick(entry, retryIn);
        else if (entry.again || deliverer.pending(entry)) kick(entry, deliverer.heldMs(entry));
        else if (!isOpen(entry.session)) entries.delete(entry.id);
        scheduleTick(entry);
      });
  }

  /** Wakes the entry when the next minute its card shows turns, so the card stays true. */
  function scheduleTick(entry: Delivery<S>): void {
    if (entry.tick !== undefined) clearTimeout(entry.tick);
    delete entry.tick;
    if (stopped || !entries.has(entry.id)) return;
    const untilChange = deliverer.tickInMs(entry);
    if (untilChange === undefined) return;
    entry.tick = setTimeout(() => {
      delete entry.tick;
      kick(entry);
    }, untilChange + 50);
    entry.tick.unref();
  }

  return {
    start() {
      stopped = false;
    },

    change(session) {
      if (stopped) return;
      let entry = entries.get(session.id);
      if (entry === undefined) {
        entry = { id: session.id, session, state: deliverer.initial(session), again: false, failures: 0 };
        entries.set(session.id, entry);
      } else if (session.revision < entry.session.revision) {
        return;
      }
      entry.session = session;
      delete entry.stuck;
      kick(entry);
    },

    async stop() {
      stopped = true;
      for (const entry of entries.values()) {
        if (entry.timer !== undefined) clearTimeout(entry.timer);
        if (entry.tick !== undefined) clearTimeout(entry.tick);
        delete entry.timer;
        delete entry.tick;
      }
      await settle(
        [...entries.values()].flatMap((e) => (e.busy === undefined ? [] : [e.busy])),
        5_000,
      );
    },

    async idle(timeoutMs) {
      const deadline = now() + timeoutMs;
      while (now() < deadline) {
        const waiting = [...entries.values()].filter(
          (e) =>
            e.stuck === undefined && (e.busy !== undefined || e.timer !== undefined || deliverer.pending(e)),
        );
        if (waiting.length === 0) return;
        const busy = waiting.flatMap((e) => (e.busy === undefined ? [] : [e.busy]));
        // Only timers pending: let them fire (a resolved promise here would spin the microtask queue).
        if (busy.length === 0) await new Promise((r) => setTimeout(r, Math.max(10, Math.min(interval, 200))));
        else await settle(busy, Math.max(20, Math.min(interval, 1000)));
      }
    },
  };
}

/** Waits for the promises, at most `timeoutMs`. */
async function settle(promises: Promise<unknown>[], timeoutMs: number): Promise<void> {
  if (promises.length === 0) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    Promise.allSettled(promises),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
    }),
  ]);
  if (timer !== undefined) clearTimeout(timer);
}
