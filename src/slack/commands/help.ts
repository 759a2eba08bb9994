import { usageText } from '../views/help.js';
import { type CommandHandler, type CommandOf, ephemeral } from './types.js';

export const helpCommand: CommandHandler<CommandOf<'help'>> = {
  ack: (ctx) => ephemeral(usageText(ctx.commandName)),
};
