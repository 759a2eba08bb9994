import { ACTION_IDS } from '../ids.js';
import { replyPrivately } from '../reply.js';
import { pathsFromOptions, sessionFromChooserBlockId } from '../views/card.js';
import { answerOutcome } from './refuse.js';
import type { ActionHandler } from './types.js';

/** The requester's choice of directories in a cleanup card's menu. */
export const cleanupChooseAction: ActionHandler = {
  actionId: ACTION_IDS.cleanupChoose,
  async run(ctx) {
    const sessionId = sessionFromChooserBlockId(ctx.blockId);
    const session = sessionId === undefined ? undefined : ctx.deps.restore.get(sessionId);
    if (sessionId === undefined || session === undefined) {
      await replyPrivately(ctx, {
        text: 'This menu belongs to a session the bot does not know; nothing was chosen. `/chatdb-restore status` shows what is open.',
      });
      return;
    }
    const paths = pathsFromOptions(session, ctx.selected);
    await answerOutcome(ctx, await ctx.deps.restore.chooseCleanup(sessionId, ctx.user, paths));
  },
};
