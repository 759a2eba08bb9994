import { signSlackRequest } from './signing.js';

export interface BotRequestOptions {
  /** Signs with this secret; omit to send an unsigned request. */
  secret?: string;
  /** Seconds since the epoch to sign with (and send); now by default. */
  timestamp?: number;
  /** Replaces the computed signature: a forged request. */
  signature?: string;
  path?: string;
  headers?: Record<string, string>;
}

export interface BotResponse {
  status: number;
  text: string;
  /** The body parsed as JSON when it is JSON. */
  json: unknown;
}

/** POSTs a form-encoded body to the bot (`/slack/events` by default) as Slack would. */
export async function postToBot(
  baseUrl: string,
  body: string,
  opts: BotRequestOptions = {},
): Promise<BotResponse> {
  const headers: Record<string, string> = {
    'content-type': 'application/x-www-form-urlencoded',
    ...opts.headers,
  };
  if (opts.secret !== undefined) Object.assign(headers, signSlackRequest(opts.secret, body, opts.timestamp));
  else if (opts.timestamp !== undefined) headers['x-slack-request-timestamp'] = String(opts.timestamp);
  if (opts.signature !== undefined) {
    headers['x-slack-signature'] = opts.signature;
    headers['x-slack-request-timestamp'] ??= String(opts.timestamp ?? Math.floor(Date.now() / 1000));
  }
  const res = await fetch(new URL(opts.path ?? '/slack/events', baseUrl), { method: 'POST', headers, body });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, text, json };
}
