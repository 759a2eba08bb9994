import { statusMessage } from '../views/status.js';
import type { CommandHandler, CommandOf } from './types.js';

// The service holds every session in memory: status answers in the ack itself.
export const statusCommand: CommandHandler<CommandOf<'status'>> = {
  ack(ctx) {
    const restore = ctx.deps.restore;
    const [latestHere] = restore.recent(ctx.channel, 1);
    const message = statusMessage(
      { channel: ctx.channel, open: restore.open(), ...(latestHere === undefined ? {} : { latestHere }) },
      new Date(ctx.deps.now?.() ?? Date.now()),
      ctx.commandName,
    );
    return { response_type: 'ephemeral', text: message.text, blocks: message.blocks };
  },
};
