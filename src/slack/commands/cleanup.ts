import { openSession } from '../open-session.js';
import { type CommandHandler, type CommandOf, ephemeral } from './types.js';

export const cleanupCommand: CommandHandler<CommandOf<'cleanup'>> = {
  ack: () =>
    ephemeral(
      'Listing the restore and retired directories on the chat-db volume with their sizes… The card will appear in this channel: choose what to delete there, then a second engineer confirms.',
    ),
  async run(ctx) {
    await openSession(ctx, 'clean up old chat-db restore directories', (actor) =>
      ctx.deps.restore.cleanup(actor),
    );
  },
};
