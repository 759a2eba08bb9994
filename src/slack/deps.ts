import type { Config } from '../config.js';
import type { Logger } from '../log.js';

/**
 * What the Slack layer is built from. Each capability arrives as one field: the restore service
 * (the session orchestrator over the AWS ports) joins as `restore` when it exists, and every
 * command that needs it reads it from here.
 */
export interface SlackDeps {
  config: Config;
  logger: Logger;
  /** Milliseconds since the epoch; injected so uptime and expiry read one clock. */
  now?: () => number;
}
