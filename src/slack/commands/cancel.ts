import { code, escapeText } from '../views/blocks.js';
import { sessionTitle } from '../views/session-text.js';
import { answerOutcome } from './answer-outcome.js';
import { type CommandHandler, type CommandOf, ephemeral } from './types.js';

export const cancelCommand: CommandHandler<CommandOf<'cancel'>> = {
  ack(ctx) {
    const session = ctx.deps.restore.open(ctx.channel).at(-1);
    if (session === undefined) {
      return ephemeral(
        `No session is open in this channel, so there is nothing to cancel. \`${ctx.commandName} status\` shows sessions open elsewhere.`,
      );
    }
    return ephemeral(`Cancelling session ${code(session.id)} (${escapeText(sessionTitle(session))})…`);
  },
  async run(ctx) {
    // The newest open session here: the one the ack named.
    const session = ctx.deps.restore.open(ctx.channel).at(-1);
    if (session === undefined) return;
    const outcome = await ctx.deps.restore.cancel(session.id, ctx.user);
    await answerOutcome(
      ctx,
      session,
      outcome,
      `Session ${code(session.id)} is cancelled; the card in this channel shows what was left behind.`,
    );
  },
};
