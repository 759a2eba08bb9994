import { ACTION_IDS } from '../ids.js';
import { replyPrivately } from '../reply.js';
import { pickHashFromBlockId, pickIndexFromBlockId } from '../views/pick.js';
import { answerOutcome } from './refuse.js';
import type { ActionHandler } from './types.js';

/** "Use this one" beside a data dir: the requester's pick (the block names the candidate). */
export const pickDataDirAction: ActionHandler = {
  actionId: ACTION_IDS.pickDataDir,
  async run(ctx) {
    const index = pickIndexFromBlockId(ctx.blockId);
    const session = ctx.deps.restore.get(ctx.value);
    const candidate = index === undefined ? undefined : session?.pick?.candidates[index];
    if (session === undefined || candidate === undefined) {
      await replyPrivately(ctx, {
        text: 'This button belongs to a session or a data dir the bot does not know; nothing was picked. `/chatdb-restore status` shows what is open.',
      });
      return;
    }
    await answerOutcome(ctx, await ctx.deps.restore.pickDataDir(session.id, ctx.user, candidate.path));
  },
};

/** "Confirm pick": a second engineer confirms the pick the clicked card showed (its hash). */
export const confirmPickAction: ActionHandler = {
  actionId: ACTION_IDS.confirmPick,
  async run(ctx) {
    const shown = pickHashFromBlockId(ctx.blockId) ?? 'none';
    await answerOutcome(ctx, await ctx.deps.restore.confirmPick(ctx.value, ctx.user, shown));
  },
};
