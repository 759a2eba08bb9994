import { ACTION_IDS } from '../ids.js';
import { planHashFromBlockId } from '../views/card.js';
import { answerOutcome } from './refuse.js';
import type { ActionHandler } from './types.js';

export const confirmAction: ActionHandler = {
  actionId: ACTION_IDS.confirm,
  async run(ctx) {
    // The hash of the plan the clicked card showed; a card from before a plan change carries the
    // old one, and the service refuses it.
    const shown = planHashFromBlockId(ctx.blockId) ?? 'none';
    const outcome = await ctx.deps.restore.confirm(ctx.value, ctx.user, shown);
    await answerOutcome(ctx, outcome);
  },
};
