import { createHmac } from 'node:crypto';

export interface SlackSignatureHeaders {
  'x-slack-request-timestamp': string;
  'x-slack-signature': string;
}

/**
 * Signs a request body as Slack does: `v0=` + hex HMAC-SHA256 of `v0:<timestamp>:<body>` with the
 * app's signing secret. `timestamp` is in seconds; now by default.
 */
export function signSlackRequest(
  secret: string,
  body: string,
  timestamp: number = Math.floor(Date.now() / 1000),
): SlackSignatureHeaders {
  const digest = createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex');
  return { 'x-slack-request-timestamp': String(timestamp), 'x-slack-signature': `v0=${digest}` };
}
