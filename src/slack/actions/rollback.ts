import { ACTION_IDS } from '../ids.js';
import { refusedAsSuperseded } from '../superseded.js';
import { code } from '../views/blocks.js';
import { openFromClick } from './open-from-click.js';
import type { ActionHandler } from './types.js';

/** Rollback on a card or summary: undoes that session's cutover, and only while it is the last one. */
export const rollbackAction: ActionHandler = {
  actionId: ACTION_IDS.rollback,
  async run(ctx) {
    const of = ctx.deps.restore.get(ctx.value);
    const what = `The Rollback of session ${code(ctx.value)}`;
    const next = `\`${ctx.commandName} rollback\` undoes the latest cutover, whichever it is.`;
    if (of !== undefined && (await refusedAsSuperseded(ctx, of, what, next))) return;
    await openFromClick(ctx, 'roll chat-db back to its previous data directory', (actor) =>
      ctx.deps.restore.rollback(actor, ctx.value),
    );
  },
};
