import { NotAvailableError, userMessage } from '../errors.js';
import type { Subcommand } from '../parse-command.js';
import { type CommandHandler, ephemeral } from './types.js';

/** A subcommand this build cannot carry out says so plainly rather than pretending. */
export function notAvailable(subcommand: Subcommand): CommandHandler {
  return {
    ack: (ctx) => ephemeral(userMessage(new NotAvailableError(subcommand), ctx.commandName)),
  };
}
