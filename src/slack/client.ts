// How the bot's Slack Web API client behaves, in one place: Bolt builds its clients with these
// options.

import { webApi } from '@slack/bolt';
import type { Config } from '../config.js';

/**
 * Rate limits: the client waits out Slack's `Retry-After` itself (rejectRateLimitedCalls off), so
 * a 429 delays a card edit instead of dropping it. Network failures and 5xx are retried a few
 * times over about a minute; past that the call fails and the notifier keeps the session and
 * tries again later, so nothing is lost however long Slack is unwell.
 */
export const RETRY_CONFIG = { retries: 5, factor: 2, minTimeout: 1_000, maxTimeout: 20_000, randomize: true };

export function slackClientOptions(config: Config): webApi.WebClientOptions {
  return {
    slackApiUrl: config.slack.apiUrl,
    retryConfig: RETRY_CONFIG,
    rejectRateLimitedCalls: false,
    // A hung connection must not hold a card edit (and the queue behind it) forever.
    timeout: 30_000,
  };
}

/** Slack's error code of a failed Web API call (`not_in_channel`, `ratelimited`, …). */
export function slackErrorCode(error: unknown): string | undefined {
  const e = error as { code?: string; data?: { error?: unknown } } | undefined;
  if (typeof e?.data?.error === 'string') return e.data.error;
  if (e?.code === webApi.ErrorCode.RateLimitedError) return 'ratelimited';
  return undefined;
}
