import type { Actor } from '../../restore/service.js';
import type { RestoreSession } from '../../restore/session.js';
import { ACTION_IDS } from '../ids.js';
import { replyPrivately } from '../reply.js';
import { refusedAsSuperseded } from '../superseded.js';
import { code } from '../views/blocks.js';
import { openFromClick } from './open-from-click.js';
import type { ActionContext, ActionHandler } from './types.js';

/** Retry on a card whose restore job failed: the same point, as a new session. */
export const retryRestoreAction: ActionHandler = {
  actionId: ACTION_IDS.retryRestore,
  async run(ctx) {
    await retry(ctx, 'restore chat-db again from the same recovery point', (actor) =>
      ctx.deps.restore.retryRestore(actor, ctx.value),
    );
  },
};

/** Retry cut-over on a card whose cut-over or verify failed: the restored directory, again. */
export const retryCutoverAction: ActionHandler = {
  actionId: ACTION_IDS.retryCutover,
  async run(ctx) {
    await retry(ctx, 'cut chat-db over again to the directory already restored', (actor) =>
      ctx.deps.restore.retryCutover(actor, ctx.value),
    );
  },
};

async function retry(
  ctx: ActionContext,
  what: string,
  open: (actor: Actor) => Promise<RestoreSession>,
): Promise<void> {
  const failed = ctx.deps.restore.get(ctx.value);
  if (failed === undefined) {
    await replyPrivately(ctx, {
      text: 'This button belongs to a session the bot does not know; nothing was started.',
    });
    return;
  }
  const label = `The retry of session ${code(failed.id)}`;
  const next = `\`${ctx.commandName} status\` shows where chat-db stands.`;
  if (await refusedAsSuperseded(ctx, failed, label, next)) return;
  await openFromClick(ctx, what, open);
}
