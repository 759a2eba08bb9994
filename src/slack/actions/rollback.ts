import { ACTION_IDS } from '../ids.js';
import { replyPrivately } from '../reply.js';
import { happenedSince, supersededText } from '../superseded.js';
import { code } from '../views/blocks.js';
import { openFromClick } from './open-from-click.js';
import type { ActionHandler } from './types.js';

/** Rollback on a card or summary: undoes that session's cutover, and only while it is the last one. */
export const rollbackAction: ActionHandler = {
  actionId: ACTION_IDS.rollback,
  async run(ctx) {
    const of = ctx.deps.restore.get(ctx.value);
    if (of !== undefined) {
      const since = happenedSince(ctx.deps.restore, new Date(of.createdAt), of.id);
      if (since.length > 0) {
        await replyPrivately(ctx, {
          text: supersededText(
            `The Rollback of session ${code(of.id)}`,
            new Date(of.createdAt),
            since,
            `\`${ctx.commandName} rollback\` undoes the latest cutover, whichever it is.`,
          ),
        });
        return;
      }
    }
    await openFromClick(ctx, 'roll chat-db back to its previous data directory', (actor) =>
      ctx.deps.restore.rollback(actor, ctx.value),
    );
  },
};
