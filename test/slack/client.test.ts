import { webApi } from '@slack/bolt';
import { describe, expect, it } from 'vitest';
import { slackFailure } from '../../src/slack/client.js';

function refusedConnection(): Error {
  const cause = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:443'), { code: 'ECONNREFUSED' });
  return new TypeError('fetch failed', { cause });
}

describe('slackFailure', () => {
  it('calls only an answer about the token a refusal', () => {
    expect(slackFailure(new webApi.WebAPIPlatformError({ ok: false, error: 'invalid_auth' }))).toEqual({
      kind: 'refused',
      reason: 'invalid_auth',
    });
    expect(slackFailure(new webApi.WebAPIPlatformError({ ok: false, error: 'token_revoked' })).kind).toBe(
      'refused',
    );
  });

  it('calls a 5xx, no answer, a rate limit or another error answer unavailable, saying which', () => {
    expect(slackFailure(new webApi.WebAPIHTTPError(503, 'Service Unavailable', {}, 'down'))).toEqual({
      kind: 'unavailable',
      reason: 'HTTP 503 Service Unavailable',
    });
    expect(slackFailure(new webApi.WebAPIRequestError(refusedConnection()))).toEqual({
      kind: 'unavailable',
      reason: 'no answer (ECONNREFUSED)',
    });
    expect(slackFailure(new webApi.WebAPIRateLimitedError(7))).toEqual({
      kind: 'unavailable',
      reason: 'rate limited',
      retryAfterMs: 7_000,
    });
    expect(slackFailure(new webApi.WebAPIPlatformError({ ok: false, error: 'internal_error' }))).toEqual({
      kind: 'unavailable',
      reason: 'internal_error',
    });
  });

  it('names a WebSocket that closed before hello, which the Socket Mode client rejects with nothing', () => {
    expect(slackFailure(undefined)).toEqual({
      kind: 'unavailable',
      reason: 'the WebSocket closed before Slack said hello',
    });
  });
});
