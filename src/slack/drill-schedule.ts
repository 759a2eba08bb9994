// Scheduled drills (CHATDB_DRILL_SCHEDULE, CHATDB_DRILL_CHANNEL): a timer runs a drill of the
// latest recovery point at each time the cron expression names, with the card in the drill
// channel, as the bot's own user. A session holding chat-db makes it skip, and say so there. Its
// clock is the Slack layer's (`now`), so a test drives it to a scheduled time like any other time.

import type { webApi } from '@slack/bolt';
import type { ApproversSetting, DrillScheduleConfig } from '../config.js';
import { nextRun } from '../cron.js';
import type { Logger } from '../log.js';
import { isRestoreError } from '../restore/errors.js';
import type { LockHolder, RestoreService } from '../restore/service.js';
import { slackErrorCode } from './client.js';
import { userMessage } from './errors.js';
import { cardMetadata } from './message-metadata.js';
import { section } from './views/blocks.js';
import { scheduledDrillNotStarted, scheduledDrillPlaceholder, scheduledDrillSkipped } from './views/drill.js';

export interface DrillScheduleDeps {
  drill: DrillScheduleConfig;
  approvers: ApproversSetting;
  restore: RestoreService;
  client: webApi.WebClient;
  logger: Logger;
  now: () => number;
}

export interface DrillSchedule {
  stop(): void;
}

/**
 * How often the clock is read at most: a scheduled time is noticed within this, even after the
 * clock jumped (NTP, a suspended host), without a timer set hours ahead on a stale reading.
 */
const TICK_MS = 1000;

export function startDrillSchedule(deps: DrillScheduleDeps): DrillSchedule {
  const { drill, logger: log, now } = deps;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let next = nextRun(drill.schedule, new Date(now()));
  log.info({ at: next.toISOString(), channel: drill.channel }, 'next scheduled drill');

  const tick = () => {
    if (stopped) return;
    const at = next;
    if (now() >= at.getTime()) {
      // Times missed while the clock jumped are not made up: one drill, then the next time ahead.
      next = nextRun(drill.schedule, new Date(Math.max(now(), at.getTime())));
      log.info({ at: next.toISOString(), channel: drill.channel }, 'next scheduled drill');
      runScheduledDrill(deps, at).catch((error: unknown) =>
        log.error({ err: error }, 'the scheduled drill failed to run'),
      );
    }
    timer = setTimeout(tick, Math.min(TICK_MS, Math.max(0, next.getTime() - now())));
    timer.unref();
  };
  tick();
  return {
    stop() {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
    },
  };
}

/** One scheduled drill: its placeholder card first, then the session, or why there is none. */
async function runScheduledDrill(deps: DrillScheduleDeps, at: Date): Promise<void> {
  const { client, restore, logger: log } = deps;
  const channel = deps.drill.channel;
  const auth = await client.auth.test();
  const user = typeof auth.user_id === 'string' ? auth.user_id : undefined;
  if (user === undefined) throw new Error('auth.test answered without the bot user id');
  const placeholder = scheduledDrillPlaceholder(at);
  const posted = await client.chat.postMessage({
    channel,
    text: placeholder,
    blocks: [section(placeholder)],
    metadata: cardMetadata({ requester: user }),
  });
  if (typeof posted.ts !== 'string') throw new Error('chat.postMessage answered without a ts');
  const ts = posted.ts;
  const replace = (text: string) =>
    client.chat.update({ channel, ts, text, blocks: [section(text)] }).catch((error: unknown) => {
      log.warn({ err: error, code: slackErrorCode(error) }, 'could not update the scheduled drill message');
    });

  let session: Awaited<ReturnType<RestoreService['drill']>>;
  try {
    // The placeholder is the card: the notifier draws the drill there.
    session = await restore.drill({ channel, user, cardTs: ts }, { kind: 'latest' }, 'latest');
  } catch (error) {
    if (isRestoreError(error, 'locked')) {
      log.info({ holder: error.details }, 'scheduled drill skipped: chat-db is held');
      await replace(scheduledDrillSkipped(at, error.details as Partial<LockHolder>));
      return;
    }
    log.error({ err: error }, 'the scheduled drill could not start');
    await loud(scheduledDrillNotStarted(at, userMessage(error), deps.approvers));
    return;
  }
  log.info({ session: session.id, status: session.status }, 'scheduled drill started');
  if (session.status === 'failed' && session.plan === undefined && session.failure !== undefined) {
    // Refused before it had a plan: no card is drawn for it, so the placeholder says why.
    await loud(scheduledDrillNotStarted(at, session.failure.reason, deps.approvers));
  }

  /** The placeholder replaced, and a reply in the channel that notifies the approvers. */
  async function loud(text: string): Promise<void> {
    await replace(text);
    await client.chat.postMessage({
      channel,
      thread_ts: ts,
      reply_broadcast: true,
      text,
      blocks: [section(text)],
    });
  }
}
