import { openSession } from '../open-session.js';
import { type CommandHandler, type CommandOf, ephemeral } from './types.js';

export const rollbackCommand: CommandHandler<CommandOf<'rollback'>> = {
  ack: () =>
    ephemeral(
      'Working out the rollback from the sessions’ history and the stack… The card will appear in this channel; a second engineer must confirm it.',
    ),
  async run(ctx) {
    await openSession({
      restore: ctx.deps.restore,
      notifier: ctx.notifier,
      client: ctx.client,
      respond: ctx.respond,
      log: ctx.log,
      channel: ctx.channel,
      user: ctx.user,
      commandName: ctx.commandName,
      ...(ctx.botUserId === undefined ? {} : { botUserId: ctx.botUserId }),
      what: 'roll chat-db back to its previous data directory',
      open: (actor) => ctx.deps.restore.rollback(actor),
    });
  },
};
