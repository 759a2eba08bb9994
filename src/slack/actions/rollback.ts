import { ACTION_IDS } from '../ids.js';
import { openFromClick } from './open-from-click.js';
import type { ActionHandler } from './types.js';

export const rollbackAction: ActionHandler = {
  actionId: ACTION_IDS.rollback,
  async run(ctx) {
    await openFromClick(ctx, 'roll chat-db back to its previous data directory', (actor) =>
      ctx.deps.restore.rollback(actor),
    );
  },
};
