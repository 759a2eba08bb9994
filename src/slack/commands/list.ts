import { replyPrivately } from '../reply.js';
import { listMessage } from '../views/list.js';
import { type CommandHandler, type CommandOf, ephemeral } from './types.js';

export const listCommand: CommandHandler<CommandOf<'list'>> = {
  ack: (ctx) =>
    ephemeral(`Reading the newest ${ctx.command.limit} recovery points of chat-db from AWS Backup…`),
  async run(ctx) {
    const result = await ctx.deps.restore.listPoints(ctx.command.limit);
    const now = new Date(ctx.deps.now?.() ?? Date.now());
    const message = listMessage(result, now, ctx.commandName);
    await replyPrivately(
      { respond: ctx.respond, client: ctx.client, channel: ctx.channel, user: ctx.user, log: ctx.log },
      message,
    );
  },
};
