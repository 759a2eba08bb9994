import { ACTION_IDS } from '../ids.js';
import { answerOutcome } from './refuse.js';
import type { ActionHandler } from './types.js';

export const rejectAction: ActionHandler = {
  actionId: ACTION_IDS.reject,
  async run(ctx) {
    await answerOutcome(ctx, await ctx.deps.restore.reject(ctx.value, ctx.user));
  },
};
