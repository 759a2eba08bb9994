import { code, escapeText } from '../views/blocks.js';
import { sessionTitle } from '../views/session-text.js';
import { answerOutcome } from './answer-outcome.js';
import { type CommandHandler, type CommandOf, ephemeral } from './types.js';

/** `reject [reason]`: the Reject button with words; the reason is shown on the card. */
export const rejectCommand: CommandHandler<CommandOf<'reject'>> = {
  ack(ctx) {
    const session = awaiting(ctx);
    if (session === undefined) {
      return ephemeral(
        `No session in this channel is waiting for a confirmation, so there is nothing to reject. \`${ctx.commandName} status\` shows what is open.`,
      );
    }
    return ephemeral(`Rejecting session ${code(session.id)} (${escapeText(sessionTitle(session))})…`);
  },
  async run(ctx) {
    const session = awaiting(ctx);
    if (session === undefined) return;
    const reason = ctx.command.reason;
    const outcome = await ctx.deps.restore.reject(
      session.id,
      ctx.user,
      reason === undefined ? {} : { reason },
    );
    await answerOutcome(
      ctx,
      session,
      outcome,
      `Session ${code(session.id)} is rejected${ctx.command.reason === undefined ? '' : '; your reason is on the card'}.`,
    );
  },
};

function awaiting(ctx: Parameters<NonNullable<typeof rejectCommand.run>>[0]) {
  return ctx.deps.restore
    .open(ctx.channel)
    .filter((s) => s.status === 'awaiting_confirmation' || s.status === 'staging')
    .at(-1);
}
