// Bolt reads `body.user.id` and `body.actions[0]` of an interaction without checking they are
// there, so a signed payload lacking them (no Slack client sends one) throws inside Bolt and would
// be answered 500, as if the bot were broken. This tells such a payload apart and answers it 400.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { HTTPModuleFunctions, type ReceiverProcessEventErrorHandlerArgs } from '@slack/bolt';

/** Why an interaction payload is unusable, or undefined when it looks like one Slack sends. */
export function malformedInteraction(raw: Buffer | undefined): string | undefined {
  if (raw === undefined) return undefined;
  const payload = new URLSearchParams(raw.toString('utf8')).get('payload');
  if (payload === null) return undefined;
  let body: unknown;
  try {
    body = JSON.parse(payload);
  } catch {
    return 'the payload is not JSON';
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return undefined;
  const { type, user, actions, view } = body as {
    type?: unknown;
    user?: unknown;
    actions?: unknown;
    view?: unknown;
  };
  if (typeof type !== 'string') return undefined;
  const userId = user !== null && typeof user === 'object' ? (user as { id?: unknown }).id : undefined;
  if (typeof userId !== 'string' || userId === '') return `a ${type} payload without user.id`;
  if (type === 'block_actions' && (!Array.isArray(actions) || actions.length === 0)) {
    return 'a block_actions payload without actions';
  }
  if (type === 'view_submission' && (view === null || typeof view !== 'object' || Array.isArray(view))) {
    return 'a view_submission payload without a view';
  }
  return undefined;
}

/** Bolt's processEventErrorHandler: 400 for a malformed interaction, Bolt's default otherwise. */
export async function answerMalformedPayload(args: ReceiverProcessEventErrorHandlerArgs): Promise<boolean> {
  const request = args.request as IncomingMessage & { rawBody?: Buffer };
  const response: ServerResponse = args.response;
  const why = response.headersSent ? undefined : malformedInteraction(request.rawBody);
  if (why === undefined) return HTTPModuleFunctions.defaultProcessEventErrorHandler(args);
  args.logger.warn(`Refused a signed request Slack would not send: ${why}`);
  response.writeHead(400, { 'content-type': 'text/plain; charset=utf-8' });
  response.end(`Malformed interaction: ${why}.`);
  return true;
}
