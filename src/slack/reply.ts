// Private answers to one engineer: through the request's response_url, and when that has expired
// (they last 30 minutes) or fails, through chat.postEphemeral, so the answer still arrives.

import type { RespondFn, webApi } from '@slack/bolt';
import type { Logger } from '../log.js';
import type { Block } from './views/blocks.js';

export interface PrivateTarget {
  respond?: RespondFn;
  client: webApi.WebClient;
  channel: string | undefined;
  user: string;
  log: Logger;
}

export interface PrivateMessage {
  text: string;
  blocks?: Block[];
  /** Replace the ephemeral message the request came from (a list, a command's first answer). */
  replaceOriginal?: boolean;
}

export async function replyPrivately(target: PrivateTarget, message: PrivateMessage): Promise<void> {
  const payload = {
    response_type: 'ephemeral' as const,
    replace_original: message.replaceOriginal ?? false,
    text: message.text,
    ...(message.blocks === undefined ? {} : { blocks: message.blocks }),
  };
  if (target.respond !== undefined) {
    try {
      await checked(await target.respond(payload));
      return;
    } catch (error) {
      target.log.info({ err: error }, 'response_url failed; answering with chat.postEphemeral');
    }
  }
  if (target.channel === undefined) {
    target.log.warn({ user: target.user }, 'no channel to answer in privately');
    return;
  }
  try {
    await target.client.chat.postEphemeral({
      channel: target.channel,
      user: target.user,
      text: message.text,
      ...(message.blocks === undefined ? {} : { blocks: message.blocks }),
    });
  } catch (error) {
    target.log.warn({ err: error, user: target.user }, 'could not answer privately');
  }
}

/** Slack answers an expired response_url with an error status, or with `{ok:false}` and 200. */
async function checked(res: unknown): Promise<void> {
  if (res === null || typeof res !== 'object' || !('text' in res)) return;
  const text = await (res as Response).text().catch(() => '');
  let body: { ok?: boolean; error?: string } | undefined;
  try {
    body = JSON.parse(text) as { ok?: boolean; error?: string };
  } catch {
    // Slack answers a good post with a plain `ok`.
    return;
  }
  if (body?.ok === false) throw new Error(`response_url: ${body.error ?? 'not ok'}`);
}
