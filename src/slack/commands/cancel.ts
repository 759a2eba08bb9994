import { refusalMessage } from '../errors.js';
import { replyPrivately } from '../reply.js';
import { code } from '../views/blocks.js';
import { sessionTitle } from '../views/session-text.js';
import { type CommandHandler, type CommandOf, ephemeral } from './types.js';

export const cancelCommand: CommandHandler<CommandOf<'cancel'>> = {
  ack(ctx) {
    const session = ctx.deps.restore.open(ctx.channel).at(-1);
    if (session === undefined) {
      return ephemeral(
        `No session is open in this channel, so there is nothing to cancel. \`${ctx.commandName} status\` shows sessions open elsewhere.`,
      );
    }
    return ephemeral(`Cancelling session ${code(session.id)} (${sessionTitle(session)})…`);
  },
  async run(ctx) {
    // The newest open session here: the one the ack named.
    const session = ctx.deps.restore.open(ctx.channel).at(-1);
    if (session === undefined) return;
    const outcome = await ctx.deps.restore.cancel(session.id, ctx.user);
    const text = outcome.ok
      ? `Session ${code(session.id)} is cancelled; the card in this channel shows what was left behind.`
      : refusalMessage(outcome, {
          approvers: ctx.deps.config.chatdb.approvers,
          command: ctx.commandName,
          requester: session.requester,
        });
    await replyPrivately(
      { respond: ctx.respond, client: ctx.client, channel: ctx.channel, user: ctx.user, log: ctx.log },
      { text },
    );
  },
};
