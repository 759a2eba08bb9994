import type { RespondArguments } from '@slack/bolt';
import type { ParsedCommand } from '../parse-command.js';
import type { RequestContext } from '../request-context.js';

/** What Slack shows the caller at once, carried in the ack's HTTP response (or Socket Mode ack). */
export type AckReply = RespondArguments & { text: string };

export interface CommandContext<C extends ParsedCommand = ParsedCommand> extends RequestContext {
  command: C;
  channel: string;
}

/**
 * One subcommand. `ack` runs before anything else and must not wait on I/O: Slack drops a slash
 * command not acknowledged within 3 s, whatever AWS is doing. `run` does the work afterwards and
 * reports through `respond` or the Web API.
 */
export interface CommandHandler<C extends ParsedCommand = ParsedCommand> {
  ack(ctx: CommandContext<C>): AckReply | undefined;
  run?(ctx: CommandContext<C>): Promise<void>;
}

export type CommandOf<K extends ParsedCommand['kind']> = Extract<ParsedCommand, { kind: K }>;

export function ephemeral(text: string): AckReply {
  return { response_type: 'ephemeral', text };
}
