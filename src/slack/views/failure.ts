// A failed session, in three parts the on-call engineer needs: what happened in AWS's own words
// (they search for them), the state production is in, and what to do next.

import type { RestoreSession } from '../../restore/session.js';
import { codeBlock, escapeText } from './blocks.js';
import { productionLine, STAGE_LABELS } from './session-text.js';

/** mrkdwn for a failure; empty when the session did not fail. */
export function failureText(s: RestoreSession): string {
  const f = s.failure;
  if (f === undefined) return '';
  return [
    `:x: *${STAGE_LABELS[f.stage]} failed.* AWS said:`,
    codeBlock(f.reason),
    productionLine(s),
    `*Next:* ${escapeText(f.next)}`,
  ].join('\n');
}
