// Keeps Slack in step with the sessions: every persisted change of a session reaches this
// notifier, which edits the session's card in place (at most once per CHATDB_CARD_UPDATE_INTERVAL
// per session, always ending on the latest state), posts each undelivered notice into the card's
// thread and records it as posted, and at the end uploads the template diff and opens the merge
// request. Slack being slow, rate limited or briefly down delays this; it never loses a session:
// the latest state stays here and delivery is retried with backoff.
//
// A message is posted, then recorded; a crash between the two would post it again after the
// restart. So the bot's messages carry metadata (src/slack/message-metadata.ts). Before posting a
// notice recorded before this process started, the notifier reads the thread back once and takes
// what it finds there as posted (the diff upload likewise); before posting a card for a session
// that has none, it looks in the channel for the one an earlier process posted.

import type { webApi } from '@slack/bolt';
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import type { RestoreService } from '../restore/service.js';
import { isOpen, type Notice, type RestoreSession, undeliveredNotices } from '../restore/session.js';
import { slackErrorCode } from './client.js';
import type { MergeRequests } from './merge-requests.js';
import {
  CARD_EVENT_TYPE,
  cardMetadata,
  metadataPayload,
  NOTICE_EVENT_TYPE,
  noticeMetadata,
} from './message-metadata.js';
import type { SlackMessage } from './views/blocks.js';
import { type CardContext, sessionCard } from './views/card.js';
import { noticeMessage } from './views/notices.js';
import { productionLine, sessionTitle, timeToConfirm } from './views/session-text.js';
import { type SummaryExtras, summaryMessage } from './views/summary.js';

export interface NotifierDeps {
  restore: RestoreService;
  client: webApi.WebClient;
  config: Config;
  logger: Logger;
  now?: () => number;
  /** The template's merge request, where GitLab is configured (CHATDB_GITLAB_*). */
  mergeRequests?: MergeRequests;
}

export interface Notifier {
  /** Subscribes to the restore service and picks up the sessions it already holds. */
  start(): void;
  stop(): Promise<void>;
  /**
   * While a command in this channel is opening a session, a new session there without a card is
   * left to that command (it posts the card first); call the returned function when done.
   */
  hold(channel: string): () => void;
  /** Records a just-opened session's card and renders it there at once. */
  attach(sessionId: string, ts: string): Promise<void>;
  /** Resolves once nothing is waiting to be delivered (shutdown). */
  idle(timeoutMs?: number): Promise<void>;
}

/** A card that cannot be edited any more: post a fresh one. */
const REPOST = new Set(['message_not_found', 'cant_update_message', 'edit_window_closed']);
/**
 * The thread cannot be read (an installation from before the history scopes): post anyway, so a
 * notice appears twice at worst rather than never.
 */
const THREAD_UNREADABLE = new Set([
  'missing_scope',
  'not_allowed_token_type',
  'unknown_method',
  'method_not_supported_for_channel_type',
]);
/** The bot can no longer write in the channel at all: retrying will not help until someone acts. */
const CHANNEL_GONE = new Set(['not_in_channel', 'channel_not_found', 'is_archived', 'access_denied']);
const MAX_BACKOFF_MS = 60_000;
/**
 * Where to look for an unrecorded card: the command posts it just before opening the session (a
 * little after is allowed for clock skew; a placeholder posted much later belongs to a new command).
 */
const CARD_SEARCH_BEFORE_MS = 10 * 60_000;
const CARD_SEARCH_AFTER_MS = 5_000;

interface Entry {
  id: string;
  session: RestoreSession;
  timer?: NodeJS.Timeout;
  busy?: Promise<void>;
  /** A change arrived while busy: flush again afterwards. */
  again: boolean;
  lastEditAt: number;
  /** The session state the card last showed (see stateKey) and where the card is. */
  rendered?: { key: string; ts: string };
  failures: number;
  /** Notices posted in Slack, by id, whether or not the service has recorded them yet. */
  posted: Map<string, string>;
  /** The thread was read back for notices an earlier process may have posted. */
  threadRead?: boolean;
  /** The channel was searched for a card an earlier process may have posted. */
  cardSearched?: boolean;
  /** A card message posted or found, until the service has recorded it: never post a second. */
  unrecordedCard?: string;
  summary?: SummaryExtras;
  /** Set when Slack refused the channel; cleared by the next change. */
  stuck?: string;
  /** Redraws the card when a minute it shows turns (see cardClock). */
  tick?: NodeJS.Timeout;
  /** The production line the thread last showed: a notice repeats it only when it changed. */
  lastProduction?: string;
  /** A stage's "started" waits until then, in case the stage ends within a second (see startedFold). */
  holdUntil?: number;
}

export function createNotifier(deps: NotifierDeps): Notifier {
  const { restore, client, config, logger } = deps;
  const log = logger.child({ component: 'notifier' });
  const now = deps.now ?? Date.now;
  const interval = config.restore.cardUpdateIntervalMs;
  const { mergeRequests } = deps;
  const startedAt = now();
  const entries = new Map<string, Entry>();
  const holds = new Map<string, number>();
  let unsubscribe: (() => void) | undefined;
  let stopped = false;

  const viewContext = (): CardContext => ({ now: new Date(now()), approvers: config.chatdb.approvers });

  function onChange(session: RestoreSession): void {
    if (stopped) return;
    let entry = entries.get(session.id);
    if (entry === undefined) {
      entry = { id: session.id, session, again: false, lastEditAt: 0, failures: 0, posted: new Map() };
      entries.set(session.id, entry);
    } else if (session.revision < entry.session.revision) {
      return;
    }
    entry.session = session;
    delete entry.stuck;
    kick(entry);
  }

  function kick(entry: Entry, delayMs?: number): void {
    if (stopped) return;
    if (entry.busy !== undefined) {
      entry.again = true;
      return;
    }
    if (entry.timer !== undefined) return;
    const wait = delayMs ?? Math.max(0, entry.lastEditAt + interval - now());
    entry.timer = setTimeout(() => flush(entry), wait);
  }

  function flush(entry: Entry): void {
    delete entry.timer;
    if (stopped) return;
    let retryIn: number | undefined;
    entry.again = false;
    entry.busy = deliver(entry)
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
        else if (entry.again || pending(entry)) kick(entry, holdDelay(entry));
        else if (!isOpen(entry.session)) entries.delete(entry.id);
        scheduleTick(entry);
      });
  }

  function holdDelay(entry: Entry): number | undefined {
    return entry.holdUntil === undefined ? undefined : Math.max(0, entry.holdUntil - now());
  }

  /** Wakes the entry when the next minute its card shows turns, so the card stays true. */
  function scheduleTick(entry: Entry): void {
    if (entry.tick !== undefined) clearTimeout(entry.tick);
    delete entry.tick;
    if (stopped || !entries.has(entry.id)) return;
    const untilChange = cardClock(entry.session, now())?.nextInMs;
    if (untilChange === undefined) return;
    entry.tick = setTimeout(() => {
      delete entry.tick;
      kick(entry);
    }, untilChange + 50);
    entry.tick.unref();
  }

  /** Whether the entry still has something to send (a card to draw, a notice to post). */
  function pending(entry: Entry): boolean {
    const s = entry.session;
    if (s.card === undefined) return !isHeld(s.channel) && (isOpen(s) || undeliveredNotices(s).length > 0);
    if (entry.rendered?.ts !== s.card.ts || entry.rendered.key !== stateKey(s, now())) return true;
    return undeliveredNotices(s).length > 0;
  }

  function isHeld(channel: string): boolean {
    return (holds.get(channel) ?? 0) > 0;
  }

  async function deliver(entry: Entry): Promise<void> {
    let s = entry.session;
    let cardTs = s.card?.ts;
    if (cardTs === undefined) {
      if (isHeld(s.channel)) return;
      if (!isOpen(s) && undeliveredNotices(s).length === 0) return;
      const earlier = await findEarlierCard(entry, s);
      if (earlier === undefined) {
        cardTs = await postCard(entry, s);
      } else {
        await restore.setCard(s.id, earlier);
        delete entry.unrecordedCard;
        cardTs = await updateCard(entry, s, earlier);
      }
      s = restore.get(s.id) ?? s;
    } else {
      cardTs = await updateCard(entry, s, cardTs);
    }
    const undelivered = undeliveredNotices(s);
    if (!entry.threadRead && undelivered.some((n) => Date.parse(n.at) < startedAt)) {
      await readThread(entry, s, cardTs, new Set(undelivered.map((n) => n.id)));
      entry.threadRead = true;
    }
    delete entry.holdUntil;
    for (const notice of undelivered) {
      const fold = startedFold(s, notice, now());
      if (fold === 'wait') {
        // Notices go out in order: the rest wait behind this one.
        entry.holdUntil = Date.parse(notice.at) + QUICK_STAGE_MS;
        break;
      }
      let ts = entry.posted.get(notice.id);
      if (ts === undefined) {
        // A stage that ended within a second is told by its "done" alone.
        ts = fold === 'skip' ? cardTs : await postNotice(entry, s, notice, cardTs);
        entry.posted.set(notice.id, ts);
      }
      await restore.markNoticePosted(s.id, notice.id, ts);
    }
  }

  async function postCard(entry: Entry, s: RestoreSession): Promise<string> {
    const card = sessionCard(s, viewContext());
    const res = await client.chat.postMessage({
      channel: s.channel,
      text: card.text,
      blocks: card.blocks,
      metadata: cardMetadata({ requester: s.requester, session: s.id }),
    });
    const ts = res.ts;
    if (typeof ts !== 'string') throw new Error('chat.postMessage answered without a ts');
    entry.rendered = { key: stateKey(s, now()), ts };
    entry.lastEditAt = now();
    entry.unrecordedCard = ts;
    await restore.setCard(s.id, ts);
    delete entry.unrecordedCard;
    log.info({ session: s.id, channel: s.channel, ts }, 'session card posted');
    return ts;
  }

  async function updateCard(entry: Entry, s: RestoreSession, ts: string): Promise<string> {
    const key = stateKey(s, now());
    if (entry.rendered?.ts === ts && entry.rendered.key === key) return ts;
    const card = sessionCard(s, viewContext());
    try {
      await client.chat.update({ channel: s.channel, ts, text: card.text, blocks: card.blocks });
      entry.rendered = { key, ts };
      entry.lastEditAt = now();
      return ts;
    } catch (error) {
      const code = slackErrorCode(error);
      if (code === undefined || !REPOST.has(code)) throw error;
      log.warn({ session: s.id, ts, code }, 'the session card cannot be edited; posting a fresh one');
      return postCard(entry, s);
    }
  }

  async function postNotice(
    entry: Entry,
    s: RestoreSession,
    notice: Notice,
    cardTs: string,
  ): Promise<string> {
    // A plan that could not even be worked out has nothing but its failure: the card says it all.
    if (notice.kind === 'failed' && notice.stage === 'resolve') return cardTs;
    const production = productionLine(s);
    const message: SlackMessage =
      notice.kind === 'summary'
        ? await summary(entry, s, cardTs)
        : noticeMessage(notice, s, viewContext(), {
            // A failure always says where production stands; other notices only when it changed.
            production: notice.kind === 'failed' || production !== entry.lastProduction,
          });
    const res = await client.chat.postMessage({
      channel: s.channel,
      thread_ts: cardTs,
      text: message.text,
      blocks: message.blocks,
      // A failure belongs in the channel too, not only in the thread. The summary does not: the
      // card above already shows the session done, with its timeline, so it is said once.
      reply_broadcast: notice.kind === 'failed',
      metadata: noticeMetadata(s.id, notice.id),
    });
    entry.lastProduction = production;
    if (typeof res.ts !== 'string') throw new Error('chat.postMessage answered without a ts');
    log.info({ session: s.id, notice: notice.id, ts: res.ts }, 'notice posted');
    return res.ts;
  }

  /**
   * Takes the notices (and the diff) an earlier process posted in the card's thread, but did not
   * live to record, as posted.
   */
  async function readThread(
    entry: Entry,
    s: RestoreSession,
    cardTs: string,
    unrecorded: ReadonlySet<string>,
  ): Promise<void> {
    const diffName = diffFileName(s);
    let found = 0;
    try {
      const pages = client.paginate('conversations.replies', {
        channel: s.channel,
        ts: cardTs,
        include_all_metadata: true,
        limit: 200,
      }) as AsyncIterable<webApi.ConversationsRepliesResponse>;
      for await (const page of pages) {
        for (const m of page.messages ?? []) {
          if (m.bot_id === undefined || m.ts === undefined || m.ts === cardTs) continue;
          const payload = metadataPayload(m, NOTICE_EVENT_TYPE);
          const noticeId = payload?.notice;
          if (
            payload?.session === s.id &&
            typeof noticeId === 'string' &&
            unrecorded.has(noticeId) &&
            !entry.posted.has(noticeId)
          ) {
            entry.posted.set(noticeId, m.ts);
            found += 1;
          }
          const file = m.files?.find((f) => f.name === diffName);
          if (file !== undefined) {
            entry.summary ??= {};
            entry.summary.diff ??= {
              ok: true,
              name: diffName,
              ...(file.permalink === undefined ? {} : { permalink: file.permalink }),
            };
          }
        }
      }
    } catch (error) {
      if (slackErrorCode(error) === 'thread_not_found') return;
      unreadable(error, s, 'a notice posted just before the restart may appear twice');
      return;
    }
    log.info({ session: s.id, found }, 'thread read back after a restart: notices posted but not recorded');
  }

  /**
   * The card an earlier process posted for this session but did not record: its own card, or the
   * placeholder the command posted just before opening the session (same requester, not another
   * session's card). Looked for once, and only for sessions older than this process.
   */
  async function findEarlierCard(entry: Entry, s: RestoreSession): Promise<string | undefined> {
    if (entry.unrecordedCard !== undefined) return entry.unrecordedCard;
    const created = Date.parse(s.createdAt);
    if (entry.cardSearched || !(created < startedAt)) return undefined;
    const taken = new Set(
      restore.recent(s.channel, 50).flatMap((x) => (x.card === undefined ? [] : [x.card.ts])),
    );
    let placeholder: string | undefined;
    try {
      const pages = client.paginate('conversations.history', {
        channel: s.channel,
        oldest: slackTs(created - CARD_SEARCH_BEFORE_MS),
        latest: slackTs(created + CARD_SEARCH_AFTER_MS),
        inclusive: true,
        include_all_metadata: true,
        limit: 200,
      }) as AsyncIterable<webApi.ConversationsHistoryResponse>;
      for await (const page of pages) {
        for (const m of page.messages ?? []) {
          const payload = metadataPayload(m, CARD_EVENT_TYPE);
          if (m.bot_id === undefined || m.ts === undefined || payload === undefined) continue;
          if (payload.session === s.id) {
            entry.cardSearched = true;
            entry.unrecordedCard = m.ts;
            log.info({ session: s.id, ts: m.ts }, 'found the card an earlier process posted');
            return m.ts;
          }
          const mine = payload.session === undefined && payload.requester === s.requester;
          if (mine && !taken.has(m.ts) && (placeholder === undefined || Number(m.ts) > Number(placeholder))) {
            placeholder = m.ts;
          }
        }
      }
    } catch (error) {
      unreadable(error, s, 'the session may get a second card');
    }
    entry.cardSearched = true;
    if (placeholder !== undefined) {
      entry.unrecordedCard = placeholder;
      log.info({ session: s.id, ts: placeholder }, 'taking over the placeholder an earlier process posted');
    }
    return placeholder;
  }

  /** A read that failed: rethrown (retried later) unless the app may not read the channel at all. */
  function unreadable(error: unknown, s: RestoreSession, consequence: string): void {
    const code = slackErrorCode(error);
    if (code === undefined || !THREAD_UNREADABLE.has(code)) throw error;
    log.warn(
      { session: s.id, code },
      `cannot read the channel back (the app lacks channels:history / groups:history); ${consequence}`,
    );
  }

  /** The summary, after the diff upload and the merge request (each done once per session). */
  async function summary(entry: Entry, s: RestoreSession, cardTs: string): Promise<SlackMessage> {
    entry.summary ??= {};
    const extras = entry.summary;
    if (mergeRequests !== undefined) extras.templatePath = mergeRequests.templatePath;
    const diff = s.aws.templateDiff;
    if (diff !== undefined && diff !== '' && extras.diff === undefined) {
      extras.diff = await uploadDiff(s, diff, cardTs);
    }
    if (
      mergeRequests !== undefined &&
      s.kind !== 'cleanup' &&
      diff !== undefined &&
      extras.mergeRequest === undefined
    ) {
      extras.mergeRequest = await mergeRequests.open(s);
    }
    return summaryMessage(s, new Date(now()), extras);
  }

  async function uploadDiff(s: RestoreSession, diff: string, cardTs: string): Promise<SummaryExtras['diff']> {
    const name = diffFileName(s);
    try {
      const res = (await client.files.uploadV2({
        channel_id: s.channel,
        thread_ts: cardTs,
        file: Buffer.from(diff, 'utf8'),
        filename: name,
        title: `Template change of ${s.id}`,
        initial_comment: `The template change of ${sessionTitle(s)}, to check in.`,
      })) as { files?: { files?: { permalink?: string }[] }[] };
      const permalink = res.files?.[0]?.files?.[0]?.permalink;
      return { ok: true, name, ...(permalink === undefined ? {} : { permalink }) };
    } catch (error) {
      log.warn({ err: error, session: s.id }, 'could not upload the template diff');
      return { ok: false, reason: slackErrorCode(error) ?? (error as Error).message };
    }
  }

  return {
    start() {
      stopped = false;
      unsubscribe ??= restore.subscribe(onChange);
      for (const s of restore.open()) onChange(s);
    },

    async stop() {
      stopped = true;
      unsubscribe?.();
      unsubscribe = undefined;
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

    hold(channel) {
      holds.set(channel, (holds.get(channel) ?? 0) + 1);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        const left = (holds.get(channel) ?? 1) - 1;
        if (left > 0) {
          holds.set(channel, left);
          return;
        }
        holds.delete(channel);
        for (const entry of entries.values()) {
          if (entry.session.channel === channel && entry.session.card === undefined) kick(entry);
        }
      };
    },

    async attach(sessionId, ts) {
      await restore.setCard(sessionId, ts);
    },

    async idle(timeoutMs = 30_000) {
      const deadline = now() + timeoutMs;
      while (now() < deadline) {
        const waiting = [...entries.values()].filter(
          (e) => e.stuck === undefined && (e.busy !== undefined || e.timer !== undefined || pending(e)),
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

/**
 * What the card shows of a session: everything but the delivery receipts (the card's ts and the
 * notices' ts) that bump the revision without changing the card, plus the minute of its clock.
 */
function stateKey(s: RestoreSession, nowMs: number): string {
  return JSON.stringify({
    ...s,
    revision: 0,
    updatedAt: '',
    card: undefined,
    notices: s.notices.map((n) => ({ ...n, postedTs: undefined })),
    clock: cardClock(s, nowMs)?.shown,
  });
}

/**
 * The time the card shows that moves by itself: the minutes left to confirm, or how long the
 * running stage has been running. The card is redrawn when the minute turns (a stage's seconds
 * show at each redraw; between two, the card may be up to a minute behind).
 */
function cardClock(s: RestoreSession, nowMs: number): { shown: string; nextInMs: number } | undefined {
  if (s.status === 'awaiting_confirmation' || s.status === 'awaiting_pick' || s.status === 'staging') {
    const left = Date.parse(s.expiresAt) - nowMs;
    if (!(left > 0)) return undefined;
    // The minutes shown (rounded up) drop when `left` next crosses a whole minute.
    return { shown: timeToConfirm(s, new Date(nowMs)), nextInMs: left % 60_000 || 60_000 };
  }
  const startedAt = s.stages.find((st) => st.status === 'running')?.startedAt;
  if (s.status !== 'running' || startedAt === undefined) return undefined;
  const elapsed = Math.max(0, nowMs - Date.parse(startedAt));
  if (!Number.isFinite(elapsed)) return undefined;
  return { shown: `${Math.floor(elapsed / 60_000)} min`, nextInMs: 60_000 - (elapsed % 60_000) };
}

/** A stage that ends within this long after it started posts one notice ("done"), not two. */
const QUICK_STAGE_MS = 1000;

/**
 * Whether a notice is a stage's "started" that should wait (the stage may still end within a
 * second), be skipped (it did), or be posted like any other.
 */
function startedFold(s: RestoreSession, notice: Notice, nowMs: number): 'post' | 'wait' | 'skip' {
  if (notice.kind !== 'started' || notice.stage === undefined) return 'post';
  const stage = s.stages.find((st) => st.name === notice.stage);
  const startedAt = Date.parse(notice.at);
  if (stage?.endedAt !== undefined) {
    return Date.parse(stage.endedAt) - startedAt < QUICK_STAGE_MS ? 'skip' : 'post';
  }
  return stage?.status === 'running' && nowMs - startedAt < QUICK_STAGE_MS ? 'wait' : 'post';
}

/** A time as Slack's message timestamps write it (seconds, microseconds). */
function slackTs(ms: number): string {
  return (ms / 1000).toFixed(6);
}

function diffFileName(s: RestoreSession): string {
  return `${s.id}-template.diff`;
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
