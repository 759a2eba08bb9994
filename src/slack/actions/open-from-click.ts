import type { Actor } from '../../restore/service.js';
import type { RestoreSession } from '../../restore/session.js';
import { openSession } from '../open-session.js';
import { replyPrivately } from '../reply.js';
import type { ActionContext } from './types.js';

/** A button that opens a new session (Start on a list row, Rollback, Cleanup) in the click's channel. */
export async function openFromClick(
  ctx: ActionContext,
  what: string,
  open: (actor: Actor) => Promise<RestoreSession>,
): Promise<void> {
  const channel = ctx.channel;
  if (channel === undefined) {
    await replyPrivately(ctx, { text: 'This button only works in a channel; nothing was started.' });
    return;
  }
  await openSession({ ...ctx, channel }, what, open);
}
