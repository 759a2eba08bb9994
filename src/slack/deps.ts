import type { webApi } from '@slack/bolt';
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import type { RestoreService } from '../restore/service.js';
import type { MergeRequests } from './merge-requests.js';

/**
 * What the Slack layer is built from. Each capability arrives as one field; commands, actions
 * and the notifier read them from here.
 */
export interface SlackDeps {
  config: Config;
  logger: Logger;
  /** The restore sessions: every command and button is a request to this service. */
  restore: RestoreService;
  /**
   * The bot's Web API client (createWebClient), built in main.ts: the notifier draws and edits the
   * cards and posts the notices with it. Listeners use the client Bolt hands them.
   */
  client: webApi.WebClient;
  /** The template's merge request after a cutover, where GitLab is configured. */
  mergeRequests?: MergeRequests;
  /** Milliseconds since the epoch; injected so uptime and expiry read one clock. */
  now?: () => number;
}
