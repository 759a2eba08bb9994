// Keeps Slack in step with the sessions: every persisted change of a session reaches this
// notifier, which edits the session's card in place (at most once per CHATDB_CARD_UPDATE_INTERVAL
// per session, always ending on the latest state), posts each undelivered notice into the card's
// thread and records it as posted, and at the end uploads the template diff and opens the merge
// request. Slack being slow, rate limited or briefly down delays this; it never loses a session:
// the latest state stays here and delivery is retried with backoff.
//
// The parts: delivery-loop.ts (when: one delivery at a time per session, retries), card-drawer.ts
// (the card, found again after a restart) and notice-deliverer.ts (the thread, read back after a
// restart). Messages carry metadata (message-metadata.ts) so that a restarted bot finds what an
// earlier process posted but did not live to record.

import type { webApi } from '@slack/bolt';
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import type { RestoreService } from '../restore/service.js';
import { type RestoreSession, undeliveredNotices } from '../restore/session.js';
import { type CardState, cardClock, createCardDrawer } from './card-drawer.js';
import { createDeliveryLoop, type Deliverer } from './delivery-loop.js';
import type { MergeRequests } from './merge-requests.js';
import { createNoticeDeliverer, type ThreadState } from './notice-deliverer.js';
import type { CardContext } from './views/card.js';

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
  /** Resolves once nothing is waiting to be delivered (shutdown). */
  idle(timeoutMs?: number): Promise<void>;
}

/** What the notifier remembers of a session between deliveries. */
interface SlackState {
  card: CardState;
  thread: ThreadState;
}

export function createNotifier(deps: NotifierDeps): Notifier {
  const { restore, client, config } = deps;
  const log = deps.logger.child({ component: 'notifier' });
  const now = deps.now ?? Date.now;
  const interval = config.restore.cardUpdateIntervalMs;
  const startedAt = now();
  let unsubscribe: (() => void) | undefined;

  const viewContext = (): CardContext => ({ now: new Date(now()), approvers: config.chatdb.approvers });
  const shared = { restore, client, log, now, startedAt, viewContext };
  const cards = createCardDrawer(shared);
  const notices = createNoticeDeliverer({
    ...shared,
    ...(deps.mergeRequests === undefined ? {} : { mergeRequests: deps.mergeRequests }),
  });

  const deliverer: Deliverer<SlackState> = {
    initial: () => ({ card: { lastEditAt: 0 }, thread: { posted: new Map() } }),
    async deliver({ id, session, state }) {
      const cardTs = await cards.draw(session, state.card);
      if (cardTs === undefined) return;
      // A card just posted or found was recorded: notices go out from the session as it now is.
      const s = session.card === undefined ? (restore.get(id) ?? session) : session;
      await notices.deliver(s, state.thread, cardTs);
    },
    pending({ session, state }) {
      if (!cards.drawable(session)) return false;
      if (cards.stale(session, state.card)) return true;
      return session.card !== undefined && undeliveredNotices(session).length > 0;
    },
    waitMs: ({ state }) => Math.max(0, state.card.lastEditAt + interval - now()),
    heldMs: ({ state }) =>
      state.thread.holdUntil === undefined ? undefined : Math.max(0, state.thread.holdUntil - now()),
    tickInMs: ({ session }) => cardClock(session, now())?.nextInMs,
  };
  const loop = createDeliveryLoop({ deliverer, intervalMs: interval, now, logger: log });

  return {
    start() {
      loop.start();
      unsubscribe ??= restore.subscribe((s: RestoreSession) => loop.change(s));
      for (const s of restore.open()) loop.change(s);
    },

    async stop() {
      unsubscribe?.();
      unsubscribe = undefined;
      await loop.stop();
    },

    idle(timeoutMs = 30_000) {
      return loop.idle(timeoutMs);
    },
  };
}
