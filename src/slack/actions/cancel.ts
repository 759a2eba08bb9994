import { ACTION_IDS } from '../ids.js';
import { answerOutcome } from './refuse.js';
import type { ActionHandler } from './types.js';

export const cancelAction: ActionHandler = {
  actionId: ACTION_IDS.cancel,
  async run(ctx) {
    await answerOutcome(ctx, await ctx.deps.restore.cancel(ctx.value, ctx.user));
  },
};
