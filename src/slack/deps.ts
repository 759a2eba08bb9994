import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import type { RestoreService } from '../restore/service.js';

/**
 * What the Slack layer is built from. Each capability arrives as one field; commands, actions
 * and the notifier read them from here.
 */
export interface SlackDeps {
  config: Config;
  logger: Logger;
  /** The restore sessions: every command and button is a request to this service. */
  restore: RestoreService;
  /** Milliseconds since the epoch; injected so uptime and expiry read one clock. */
  now?: () => number;
}
