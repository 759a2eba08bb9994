import type { Actor } from '../../restore/service.js';
import type { RestoreSession } from '../../restore/session.js';
import { openSession } from '../open-session.js';
import type { CommandContext } from './types.js';

/** A subcommand that opens a new session (start, rollback, cleanup) in the command's channel. */
export function openFromCommand(
  ctx: CommandContext,
  what: string,
  open: (actor: Actor) => Promise<RestoreSession>,
): Promise<RestoreSession | undefined> {
  return openSession({
    restore: ctx.deps.restore,
    notifier: ctx.notifier,
    client: ctx.client,
    respond: ctx.respond,
    log: ctx.log,
    channel: ctx.channel,
    user: ctx.user,
    commandName: ctx.commandName,
    ...(ctx.botUserId === undefined ? {} : { botUserId: ctx.botUserId }),
    what,
    open,
  });
}
