import type { Actor } from '../../restore/service.js';
import type { RestoreSession } from '../../restore/session.js';
import { COMMAND } from '../ids.js';
import { openSession } from '../open-session.js';
import { replyPrivately } from '../reply.js';
import type { ActionContext } from './types.js';

/** A button that opens a new session (Start on a list row, Rollback, Cleanup) in the click's channel. */
export async function openFromClick(
  ctx: ActionContext,
  what: string,
  open: (actor: Actor) => Promise<RestoreSession>,
): Promise<void> {
  if (ctx.channel === undefined) {
    await replyPrivately(ctx, { text: 'This button only works in a channel; nothing was started.' });
    return;
  }
  await openSession({
    restore: ctx.deps.restore,
    notifier: ctx.notifier,
    client: ctx.client,
    respond: ctx.respond,
    log: ctx.log,
    channel: ctx.channel,
    user: ctx.user,
    commandName: COMMAND,
    ...(ctx.botUserId === undefined ? {} : { botUserId: ctx.botUserId }),
    what,
    open,
  });
}
