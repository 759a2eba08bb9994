// What the bot records about its own deliveries: a notice posted, the card posted, and a staged
// teardown's outcome.

import type { Refusal } from '../errors.js';
import type { RestoreSession } from '../session.js';
import { teardownDone } from '../staged.js';
import { notify } from './draft.js';
import { refuse } from './gates.js';
import type { EventOf, Step } from './step.js';

export function onTeardownDone(
  d: RestoreSession,
  e: EventOf<'teardown_done'>,
  { now, effects }: Step,
): Refusal | undefined {
  const recorded = teardownDone(d, e, now);
  if (recorded !== undefined) return recorded;
  notify(d, effects, now, undefined, 'staged_teardown', {});
  return undefined;
}

export function onNoticePosted(d: RestoreSession, e: EventOf<'notice_posted'>): Refusal | undefined {
  const notice = d.notices.find((n) => n.id === e.id);
  if (notice === undefined) return refuse('unknown_notice', `No notice ${e.id} in this session.`);
  if (notice.postedTs !== undefined) {
    return refuse('already_posted', `Notice ${e.id} was already posted.`, { ts: notice.postedTs });
  }
  if (typeof e.ts !== 'string' || e.ts === '')
    return refuse('invalid_checkpoint', 'A posted notice has a ts.');
  notice.postedTs = e.ts;
  return undefined;
}

export function onCardPosted(d: RestoreSession, e: EventOf<'card_posted'>): Refusal | undefined {
  if (typeof e.ts !== 'string' || e.ts === '') return refuse('invalid_checkpoint', 'A posted card has a ts.');
  if (d.card?.ts === e.ts) return refuse('already_posted', 'The card was already recorded.', { ts: e.ts });
  d.card = { ts: e.ts };
  return undefined;
}
