import type { RespondFn, webApi } from '@slack/bolt';
import type { Logger } from '../log.js';
import type { SlackDeps } from './deps.js';

/** What every handled request, a slash command or a click, has at hand. */
export interface RequestContext {
  user: string;
  /** The slash command, for usage lines (`/chatdb-restore`). */
  commandName: string;
  respond: RespondFn;
  client: webApi.WebClient;
  log: Logger;
  deps: SlackDeps;
  /** The bot's own user id, for "invite me" hints. */
  botUserId?: string;
}
