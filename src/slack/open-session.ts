// Opening a session from Slack (start, rollback, cleanup; typed or clicked). The card's message is
// posted FIRST: a bot that cannot post in the channel must not start anything the channel could
// not follow. Then the service opens the session with that card recorded (Actor.cardTs), and the
// notifier draws the plan there. A start refused before its plan is told here, privately: the
// service records its notices as told, so nothing draws its card, and the placeholder goes.

import { isRestoreError } from '../restore/errors.js';
import type { Actor, LockHolder } from '../restore/service.js';
import type { RestoreSession } from '../restore/session.js';
import { slackErrorCode } from './client.js';
import { cannotPostMessage, isCannotPost, lockedMessage, userMessage } from './errors.js';
import { cardMetadata } from './message-metadata.js';
import { replyPrivately } from './reply.js';
import type { RequestContext } from './request-context.js';
import { codeBlock, context, escapeText, section } from './views/blocks.js';
import { reasonIntro } from './views/failure.js';
import { user as mention } from './views/format.js';
import { sessionTitle } from './views/session-text.js';

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
      blocks: [section(placeholder), context([':white_circle: Production: unchanged'])],
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

  let session: RestoreSession;
  try {
    session = await open({ channel, user, cardTs: ts });
  } catch (error) {
    const locked = isRestoreError(error, 'locked');
    if (!locked) log.error({ err: error }, 'could not open a session');
    await refusePrivately(
      ctx,
      ts,
      locked
        ? lockedMessage(error.details as Partial<LockHolder>, ctx.commandName)
        : `:x: *Not started.* ${userMessage(error, ctx.commandName)}`,
    );
    return undefined;
  }
  if (session.status === 'failed' && session.plan === undefined) {
    // Refused before any plan existed (a typo'd point, a stale button): the channel need not
    // read it as a real failure. Its notices are told privately, so no card is drawn for it.
    await refusePrivately(ctx, ts, notStartedText(session, ctx.commandName));
    log.info({ session: session.id, code: session.failure?.code }, 'session refused before a plan');
    return undefined;
  }
  log.info({ session: session.id, status: session.status }, 'session opened');
  return session;
}

/**
 * Takes the placeholder card out of the channel and answers the requester alone. Where Slack will
 * not delete it, the placeholder is edited to say so instead, so it never claims work goes on.
 */
async function refusePrivately(
  ctx: RequestContext & { channel: string },
  ts: string,
  text: string,
): Promise<void> {
  const { client, channel, log } = ctx;
  try {
    await client.chat.delete({ channel, ts });
  } catch (error) {
    log.warn({ err: error, code: slackErrorCode(error) }, 'could not delete the placeholder card');
    const short = `:white_circle: ${mention(ctx.user)}'s request was not started; nothing was changed.`;
    await client.chat
      .update({ channel, ts, text: short, blocks: [section(short)] })
      .catch((updateError: unknown) =>
        log.warn({ err: updateError }, 'could not replace the placeholder card'),
      );
  }
  await replyPrivately(ctx, { text });
}

function notStartedText(s: RestoreSession, command: string): string {
  const f = s.failure;
  const why = f === undefined ? '' : `${reasonIntro(f.code)}\n${codeBlock(f.reason)}\n`;
  const retry = f?.code === 'point_not_found' ? ` \`${command} list\` shows the points there are.` : '';
  return `:x: *Not started:* ${escapeText(sessionTitle(s))}. ${why}Nothing was changed; only you see this.${retry}`;
}
