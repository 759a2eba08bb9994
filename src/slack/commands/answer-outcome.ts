import type { Outcome } from '../../restore/service.js';
import type { RestoreSession } from '../../restore/session.js';
import { refusalMessage } from '../errors.js';
import { replyPrivately } from '../reply.js';
import type { CommandContext } from './types.js';

/** Tells the one who typed a command on a session what came of it: `done` when accepted, why not otherwise. */
export async function answerOutcome(
  ctx: CommandContext,
  session: RestoreSession,
  outcome: Outcome,
  done: string,
): Promise<void> {
  const text = outcome.ok
    ? done
    : refusalMessage(outcome, {
        approvers: ctx.deps.config.chatdb.approvers,
        command: ctx.commandName,
        requester: session.requester,
      });
  await replyPrivately(
    { respond: ctx.respond, client: ctx.client, channel: ctx.channel, user: ctx.user, log: ctx.log },
    { text },
  );
}
