// How the bot's Slack Web API client behaves, in one place: Bolt builds its clients with these
// options, and main.ts the notifier's.

import { webApi } from '@slack/bolt';
import type { Config } from '../config.js';
import { boltLogger, type Logger } from '../log.js';

/** The bot's own Web API client, as Bolt would build it for the same token: our options, our logger. */
export function createWebClient(config: Config, logger: Logger): webApi.WebClient {
  return new webApi.WebClient(config.slack.botToken.reveal(), {
    ...slackClientOptions(config),
    logger: boltLogger(logger),
  });
}

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

/**
 * The Socket Mode client's own Web API client, which only calls apps.connections.open. It does not
 * retry: the reconnect loop (socket-connection.ts) owns every wait, so a long outage is one loop
 * with a capped backoff and a log line per attempt, not retries hidden inside one call.
 */
export function socketClientOptions(config: Config): webApi.WebClientOptions {
  return {
    slackApiUrl: config.slack.apiUrl,
    retryConfig: { retries: 0 },
    // A 429 comes back as an error carrying Retry-After, which the loop waits out.
    rejectRateLimitedCalls: true,
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

/** Answers that mean Slack will not take the token: retrying will not help until someone acts. */
const TOKEN_REFUSALS = new Set([
  'not_authed',
  'invalid_auth',
  'account_inactive',
  'token_revoked',
  'token_expired',
  'not_allowed_token_type',
  'missing_scope',
  'no_permission',
  'team_disabled',
  'user_removed_from_team',
]);

export interface SlackFailure {
  /** `refused`: Slack answered and will not take the token; `unavailable`: anything else. */
  kind: 'refused' | 'unavailable';
  /** What Slack said (`invalid_auth`, `HTTP 503 Service Unavailable`) or why nothing came back. */
  reason: string;
  /** Slack's Retry-After, when it rate-limited the call. */
  retryAfterMs?: number;
}

/**
 * What a failed call says about Slack. Only an answer naming the token is a refusal: a 5xx, a
 * timeout or a refused connection means Slack is unreachable, and saying the token was refused
 * then would send whoever reads the log after the wrong thing.
 */
export function slackFailure(error: unknown): SlackFailure {
  const e = error as
    | {
        code?: string;
        data?: { error?: unknown };
        statusCode?: number;
        statusMessage?: string;
        original?: Error;
        retryAfter?: number;
      }
    | undefined;
  const code = slackErrorCode(error);
  if (e?.code === webApi.ErrorCode.PlatformError && code !== undefined) {
    return { kind: TOKEN_REFUSALS.has(code) ? 'refused' : 'unavailable', reason: code };
  }
  if (e?.code === webApi.ErrorCode.HTTPError) {
    return { kind: 'unavailable', reason: `HTTP ${e.statusCode} ${e.statusMessage ?? ''}`.trim() };
  }
  if (e?.code === webApi.ErrorCode.RateLimitedError) {
    return { kind: 'unavailable', reason: 'rate limited', retryAfterMs: (e.retryAfter ?? 0) * 1000 };
  }
  if (e?.code === webApi.ErrorCode.RequestError) {
    // fetch reports `fetch failed`; the cause says what happened (ECONNREFUSED, ENOTFOUND, …).
    const cause = (e.original as { cause?: { code?: string; message?: string } } | undefined)?.cause;
    const why = cause?.code ?? cause?.message ?? e.original?.message ?? 'request failed';
    return { kind: 'unavailable', reason: `no answer (${why})` };
  }
  // The Socket Mode client rejects with nothing when the WebSocket closes before `hello`.
  if (error === undefined)
    return { kind: 'unavailable', reason: 'the WebSocket closed before Slack said hello' };
  return { kind: 'unavailable', reason: error instanceof Error ? error.message : String(error) };
}
