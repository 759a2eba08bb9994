// Opening a session from Slack (start, rollback, cleanup; typed or clicked). The card's message is
// posted FIRST: a bot that cannot post in the channel must not start anything the channel could
// not follow. Then the service opens the session, and the notifier draws the card there.

import { isRestoreError } from '../restore/errors.js';
import type { Actor, LockHolder } from '../restore/service.js';
import { type RestoreSession, undeliveredNotices } from '../restore/session.js';
import { slackErrorCode } from './client.js';
import { cannotPostMessage, isCannotPost, lockedMessage, userMessage } from './errors.js';
import { cardMetadata } from './message-metadata.js';
import { replyPrivately } from './reply.js';
import type { RequestContext } from './request-context.js';
import { context, escapeText, section } from './views/blocks.js';
import { user as mention } from './views/format.js';

/**
 * Opens a session in `ctx.channel` for `ctx.user`. `what` is what is being asked for, for the
 * placeholder card (`restore chat-db from \`latest\``); `open` asks the service.
 */
export async function openSession(
  ctx: RequestContext & { channel: string },
  what: string,
  open: (actor: Actor) => Promise<RestoreSession>,
): Promise<RestoreSession | undefined> {
  const { client, channel, user, log } = ctx;
  const privately = (text: string) => replyPrivately(ctx, { text });

  const placeholder = `:hourglass_flowing_sand: ${mention(user)} asked to ${what}. Working out the plan…`;
  let ts: string;
  try {
    const res = await client.chat.postMessage({
      channel,
      text: placeholder,
      blocks: [section(placeholder), context([':large_green_circle: Production: unchanged'])],
      // Lets a restarted bot take this message over as the card (see the notifier).
      metadata: cardMetadata({ requester: user }),
    });
    if (typeof res.ts !== 'string') throw new Error('chat.postMessage answered without a ts');
    ts = res.ts;
  } catch (error) {
    const code = slackErrorCode(error);
    log.warn({ err: error, code }, 'cannot post the session card');
    await privately(
      isCannotPost(code)
        ? cannotPostMessage(code as string, ctx.botUserId)
        : `The session card could not be posted in this channel (Slack: \`${escapeText(code ?? (error as Error).message)}\`), so nothing was started; production is unchanged. Try again in a moment.`,
    );
    return undefined;
  }

  const release = ctx.notifier.hold(channel);
  try {
    let session: RestoreSession;
    try {
      session = await open({ channel, user });
    } catch (error) {
      const text = isRestoreError(error, 'locked')
        ? lockedMessage(error.details as Partial<LockHolder>, ctx.commandName)
        : `:x: *Not started.* ${userMessage(error, ctx.commandName)}`;
      if (!isRestoreError(error, 'locked')) log.error({ err: error }, 'could not open a session');
      if (isRestoreError(error, 'locked')) await settleRefused(ctx, ts);
      await client.chat
        .update({ channel, ts, text, blocks: [section(text)] })
        .catch(async (updateError: unknown) => {
          log.warn({ err: updateError }, 'could not replace the placeholder card');
          await privately(text);
        });
      return undefined;
    }
    await ctx.notifier.attach(session.id, ts);
    log.info({ session: session.id, status: session.status }, 'session opened');
    return session;
  } finally {
    release();
  }
}

/**
 * A start refused for the lock still leaves a failed session behind (the service records every
 * request). The placeholder tells its story, so its notices are recorded as delivered there
 * rather than drawing a second card.
 */
async function settleRefused(ctx: RequestContext & { channel: string }, ts: string): Promise<void> {
  const restore = ctx.deps.restore;
  const refused = restore
    .recent(ctx.channel, 10)
    .filter((s) => s.requester === ctx.user && s.card === undefined && s.failure?.code === 'locked');
  for (const s of refused) {
    for (const notice of undeliveredNotices(s)) {
      await restore.markNoticePosted(s.id, notice.id, ts).catch((error: unknown) => {
        ctx.log.warn({ err: error, session: s.id }, 'could not record the refused session as told');
      });
    }
  }
}
