// The bot tags its own messages with Slack message metadata, so that a restarted bot can find
// what an earlier process posted but did not live to record: the session card (or the placeholder
// a command posts before the session exists) and each thread notice.

import type { types } from '@slack/bolt';

type MessageMetadata = types.MessageMetadata;

export const CARD_EVENT_TYPE = 'chatdb_restore_card';
export const NOTICE_EVENT_TYPE = 'chatdb_restore_notice';

/** A card's metadata: the session once it exists; before that, who asked for it. */
export function cardMetadata(payload: { requester: string; session?: string }): MessageMetadata {
  return { event_type: CARD_EVENT_TYPE, event_payload: { ...payload } };
}

export function noticeMetadata(session: string, notice: string): MessageMetadata {
  return { event_type: NOTICE_EVENT_TYPE, event_payload: { session, notice } };
}

/** The payload of a message's metadata of this event type, or undefined. */
export function metadataPayload(
  message: { metadata?: { event_type?: string; event_payload?: unknown } },
  eventType: string,
): Record<string, unknown> | undefined {
  const m = message.metadata;
  if (m?.event_type !== eventType) return undefined;
  const p = m.event_payload;
  return p !== null && typeof p === 'object' ? (p as Record<string, unknown>) : undefined;
}
