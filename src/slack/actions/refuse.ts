import type { Outcome } from '../../restore/service.js';
import { refusalMessage } from '../errors.js';
import { replyPrivately } from '../reply.js';
import type { ActionContext } from './types.js';

/** Tells the clicker, and only them, why their click did nothing; an accepted click says nothing. */
export async function answerOutcome(ctx: ActionContext, outcome: Outcome): Promise<void> {
  if (outcome.ok) return;
  ctx.log.info({ code: outcome.code, session: outcome.session?.id }, 'click refused');
  const text = refusalMessage(outcome, {
    approvers: ctx.deps.config.chatdb.approvers,
    ...(outcome.session === undefined ? {} : { requester: outcome.session.requester }),
  });
  await replyPrivately(ctx, { text });
}
