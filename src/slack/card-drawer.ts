// The session card: posted once (or found again after a restart), then edited in place whenever
// what it shows changes, and redrawn when the minute its clock shows turns. A card Slack will not
// let the bot edit any more is replaced by a fresh one, recorded with the service.
//
// A card is posted, then recorded; a crash between the two must not leave a second card. So a
// session older than this process and without a recorded card is first looked for in the channel:
// the card an earlier process posted for it (its metadata names the session), or the placeholder a
// command posted just before opening it (its metadata names the requester; a session opened now
// records that placeholder when it is created, one stored by an earlier version may not have).

import type { webApi } from '@slack/bolt';
import { isOpen, type RestoreSession, undeliveredNotices } from '../restore/session.js';
import { slackErrorCode } from './client.js';
import type { SessionWriterDeps } from './delivery-loop.js';
import { slackTs, unreadable } from './history-read.js';
import { CARD_EVENT_TYPE, cardMetadata, metadataPayload } from './message-metadata.js';
import { sessionCard } from './views/card.js';
import { timeToConfirm } from './views/session-text.js';

/** A card that cannot be edited any more: post a fresh one. */
const REPOST = new Set(['message_not_found', 'cant_update_message', 'edit_window_closed']);
/**
 * Where to look for an unrecorded card: the command posts it just before opening the session (a
 * little after is allowed for clock skew; a placeholder posted much later belongs to a new command).
 */
const CARD_SEARCH_BEFORE_MS = 10 * 60_000;
const CARD_SEARCH_AFTER_MS = 5_000;

/** What the drawer remembers of one session's card. */
export interface CardState {
  /** The session state the card last showed (see stateKey) and where the card is. */
  rendered?: { key: string; ts: string };
  lastEditAt: number;
  /** The channel was searched for a card an earlier process may have posted. */
  searched?: boolean;
  /** A card message posted or found, until the service has recorded it: never post a second. */
  unrecorded?: string;
}

export interface CardDrawer {
  /**
   * Brings the card in step with `s` (posting or finding it when the session has none) and returns
   * where it is; undefined when the card is not to be drawn now (see drawable).
   */
  draw(s: RestoreSession, card: CardState): Promise<string | undefined>;
  /** Whether the notifier draws this session's card, and delivers its notices, now. */
  drawable(s: RestoreSession): boolean;
  /** Whether the card (or a first card) shows less than the session's latest state. */
  stale(s: RestoreSession, card: CardState): boolean;
}

export function createCardDrawer(deps: SessionWriterDeps): CardDrawer {
  const { restore, client, log, now } = deps;

  /**
   * A session without a card gets one while it is open or has something to tell. One opened with
   * the card its command posted is drawn once its plan is worked out: until then the placeholder
   * says so, and a start refused before its plan is the command's to tell (privately) unless a
   * notice is left (a restart interrupted its resolve).
   */
  function drawable(s: RestoreSession): boolean {
    const untold = undeliveredNotices(s).length > 0;
    if (s.card === undefined) return isOpen(s) || untold;
    return s.plan !== undefined || (!isOpen(s) && untold);
  }

  async function post(s: RestoreSession, card: CardState): Promise<string> {
    const view = sessionCard(s, deps.viewContext());
    const res = await client.chat.postMessage({
      channel: s.channel,
      text: view.text,
      blocks: view.blocks,
      metadata: cardMetadata({ requester: s.requester, session: s.id }),
    });
    const ts = res.ts;
    if (typeof ts !== 'string') throw new Error('chat.postMessage answered without a ts');
    card.rendered = { key: stateKey(s, now()), ts };
    card.lastEditAt = now();
    card.unrecorded = ts;
    await restore.setCard(s.id, ts);
    delete card.unrecorded;
    log.info({ session: s.id, channel: s.channel, ts }, 'session card posted');
    return ts;
  }

  async function update(s: RestoreSession, card: CardState, ts: string): Promise<string> {
    const key = stateKey(s, now());
    if (card.rendered?.ts === ts && card.rendered.key === key) return ts;
    const view = sessionCard(s, deps.viewContext());
    try {
      await client.chat.update({ channel: s.channel, ts, text: view.text, blocks: view.blocks });
      card.rendered = { key, ts };
      card.lastEditAt = now();
      return ts;
    } catch (error) {
      const code = slackErrorCode(error);
      if (code === undefined || !REPOST.has(code)) throw error;
      log.warn({ session: s.id, ts, code }, 'the session card cannot be edited; posting a fresh one');
      return post(s, card);
    }
  }

  /**
   * The card an earlier process posted for this session but did not record: its own card, or the
   * placeholder the command posted just before opening the session (same requester, not another
   * session's card). Looked for once, and only for sessions older than this process.
   */
  async function findEarlier(s: RestoreSession, card: CardState): Promise<string | undefined> {
    if (card.unrecorded !== undefined) return card.unrecorded;
    const created = Date.parse(s.createdAt);
    if (card.searched || !(created < deps.startedAt)) return undefined;
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
            card.searched = true;
            card.unrecorded = m.ts;
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
      unreadable(log, error, s.id, 'the session may get a second card');
    }
    card.searched = true;
    if (placeholder !== undefined) {
      card.unrecorded = placeholder;
      log.info({ session: s.id, ts: placeholder }, 'taking over the placeholder an earlier process posted');
    }
    return placeholder;
  }

  return {
    async draw(s, card) {
      if (!drawable(s)) return undefined;
      const ts = s.card?.ts;
      if (ts !== undefined) return update(s, card, ts);
      const earlier = await findEarlier(s, card);
      if (earlier === undefined) return post(s, card);
      await restore.setCard(s.id, earlier);
      delete card.unrecorded;
      return update(s, card, earlier);
    },

    drawable,

    stale(s, card) {
      if (s.card === undefined) return true;
      return card.rendered?.ts !== s.card.ts || card.rendered.key !== stateKey(s, now());
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
export function cardClock(s: RestoreSession, nowMs: number): { shown: string; nextInMs: number } | undefined {
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
