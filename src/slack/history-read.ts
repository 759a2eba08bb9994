// Reading the channel back (a card's thread, the channel's recent messages) to find what an
// earlier process posted: a read Slack refuses outright is logged and skipped, anything else is
// rethrown so that the delivery is retried.

import type { Logger } from '../log.js';
import { slackErrorCode } from './client.js';

/**
 * The channel cannot be read (an installation from before the history scopes): go on without,
 * so a message appears twice at worst rather than never.
 */
const UNREADABLE = new Set([
  'missing_scope',
  'not_allowed_token_type',
  'unknown_method',
  'method_not_supported_for_channel_type',
]);

/** A read that failed: rethrown (retried later) unless the app may not read the channel at all. */
export function unreadable(log: Logger, error: unknown, session: string, consequence: string): void {
  const code = slackErrorCode(error);
  if (code === undefined || !UNREADABLE.has(code)) throw error;
  log.warn(
    { session, code },
    `cannot read the channel back (the app lacks channels:history / groups:history); ${consequence}`,
  );
}

/** A time as Slack's message timestamps write it (seconds, microseconds). */
export function slackTs(ms: number): string {
  return (ms / 1000).toFixed(6);
}
