import { ACTION_IDS } from '../ids.js';
import { planHashFromBlockId } from '../views/card.js';
import { answerOutcome } from './refuse.js';
import type { ActionHandler } from './types.js';

/**
 * "Start restoring now": the requester starts the stages before the cutover while the
 * confirmation is pending, bound (like Confirm) to the plan the clicked card showed.
 */
export const startStagedAction: ActionHandler = {
  actionId: ACTION_IDS.startStaged,
  async run(ctx) {
    const shown = planHashFromBlockId(ctx.blockId) ?? 'none';
    await answerOutcome(ctx, await ctx.deps.restore.startStaged(ctx.value, ctx.user, shown));
  },
};
