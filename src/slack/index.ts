import type { App } from '@slack/bolt';
import { requestLogger } from '../log.js';
import { registerActions } from './actions/index.js';
import { cancelCommand } from './commands/cancel.js';
import { cleanupCommand } from './commands/cleanup.js';
import { drillCommand } from './commands/drill.js';
import { helpCommand } from './commands/help.js';
import { listCommand } from './commands/list.js';
import { rejectCommand } from './commands/reject.js';
import { rollbackCommand } from './commands/rollback.js';
import { startCommand } from './commands/start.js';
import { statusCommand } from './commands/status.js';
import { type CommandContext, type CommandHandler, type CommandOf, ephemeral } from './commands/types.js';
import type { SlackDeps } from './deps.js';
import { quoteUserText, userMessage } from './errors.js';
import { COMMAND } from './ids.js';
import { nearestSubcommand, type ParsedCommand, ParseError, parseCommand } from './parse-command.js';
import { replyPrivately } from './reply.js';
import { registerRejectDialog } from './submissions/reject-dialog.js';
import { usageText } from './views/help.js';
import { yieldToPendingRequests } from './yield.js';

type Handlers = { [K in ParsedCommand['kind']]: CommandHandler<CommandOf<K>> };

const COMMANDS: Handlers = {
  help: helpCommand,
  list: listCommand,
  start: startCommand,
  status: statusCommand,
  cancel: cancelCommand,
  reject: rejectCommand,
  rollback: rollbackCommand,
  cleanup: cleanupCommand,
  drill: drillCommand,
};

/** Registers every listener of the bot on a Bolt app. Listeners hold no business logic. */
export function register(app: App, deps: SlackDeps): void {
  registerActions(app, deps);
  registerRejectDialog(app, deps);
  app.command(COMMAND, async ({ command, ack, respond, client, context }) => {
    const log = requestLogger(deps.logger, { user: command.user_id, channel: command.channel_id });
    const commandName = command.command || COMMAND;
    const parsed = parseCommand(command.text ?? '');

    if (parsed instanceof ParseError) {
      log.info({ code: parsed.code, text: quoteUserText(command.text ?? '', 100) }, 'command refused');
      const text = userMessage(parsed, commandName);
      await ack(
        // A likely typo gets the one suggestion; anything else the whole usage.
        ephemeral(
          parsed.code === 'unknown_subcommand' && nearestSubcommand(parsed.argument ?? '') === undefined
            ? `${text}\n\n${usageText(commandName)}`
            : text,
        ),
      );
      return;
    }

    log.info({ subcommand: parsed.kind }, 'command');
    // The map's keys and kinds match by construction; TypeScript cannot follow the correlation.
    const handler = COMMANDS[parsed.kind] as CommandHandler;
    const ctx: CommandContext = {
      command: parsed,
      commandName,
      user: command.user_id,
      channel: command.channel_id,
      respond,
      client,
      log,
      deps,
      ...(context.botUserId === undefined ? {} : { botUserId: context.botUserId }),
    };
    await ack(handler.ack(ctx));
    if (!handler.run) return;
    // The work after the ack starts once the requests already received are acked: during a burst
    // of commands, one `list`'s AWS calls would otherwise delay the acks queued behind it.
    await yieldToPendingRequests();
    try {
      await handler.run(ctx);
    } catch (error) {
      log.error({ err: error, subcommand: parsed.kind }, 'command failed');
      await replyPrivately(
        { respond, client, channel: command.channel_id, user: command.user_id, log },
        { text: userMessage(error, commandName) },
      );
    }
  });
}
