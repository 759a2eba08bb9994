import { ACTION_IDS } from '../ids.js';
import { openFromClick } from './open-from-click.js';
import type { ActionHandler } from './types.js';

export const cleanupAction: ActionHandler = {
  actionId: ACTION_IDS.cleanup,
  async run(ctx) {
    await openFromClick(ctx, 'clean up old chat-db restore directories', (actor) =>
      ctx.deps.restore.cleanup(actor),
    );
  },
};
