import { slackErrorCode } from '../client.js';
import { ACTION_IDS, COMMAND } from '../ids.js';
import { replyPrivately } from '../reply.js';
import { planHashFromBlockId } from '../views/card.js';
import { rejectDialog } from '../views/reject-dialog.js';
import { answerOutcome } from './refuse.js';
import type { ActionHandler } from './types.js';

/**
 * Reject opens a dialog that asks for an optional reason (submissions/reject-dialog.ts rejects).
 * A click the session would refuse (an old card, a finished session, the requester) is answered
 * privately at once instead of opening a dialog that could only fail.
 */
export const rejectAction: ActionHandler = {
  actionId: ACTION_IDS.reject,
  async run(ctx) {
    const shown = planHashFromBlockId(ctx.blockId) ?? 'none';
    const may = await ctx.deps.restore.mayReject(ctx.value, ctx.user, shown);
    if (!may.ok) return answerOutcome(ctx, may);
    const typed = `type \`${COMMAND} reject\` followed by your reason instead`;
    if (ctx.triggerId === undefined) {
      await replyPrivately(ctx, { text: `Slack sent no trigger for the Reject dialog; ${typed}.` });
      return;
    }
    try {
      await ctx.client.views.open({ trigger_id: ctx.triggerId, view: rejectDialog(may.session, shown) });
    } catch (error) {
      const why = slackErrorCode(error) ?? 'no answer';
      ctx.log.warn({ err: error, session: ctx.value }, 'could not open the Reject dialog');
      await replyPrivately(ctx, {
        text: `Slack could not open the Reject dialog (${why}), so nothing has changed. Click *Reject* again, or ${typed}.`,
      });
    }
  },
};
