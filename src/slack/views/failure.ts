// A failed session, in three parts the on-call engineer needs: what happened in AWS's own words
// (they search for them), the state production is in, and what to do next.

import type { RestoreSession } from '../../restore/session.js';
import { codeBlock, escapeText } from './blocks.js';
import { productionLine, STAGE_LABELS } from './session-text.js';

/** Failure codes whose reason is AWS's own words (a status message, a stack event's reason). */
const AWS_WORDS: ReadonlySet<string> = new Set([
  'aws_error',
  'aws_unavailable',
  'restore_job_failed',
  'change_set_failed',
  'stack_update_failed',
]);
/** Codes whose reason is what the script on the inspection host (or SSM) reported. */
const SCRIPT_WORDS: ReadonlySet<string> = new Set(['script_error', 'ssm_failed']);

/**
 * What introduces a failure's reason: "AWS said:" only before AWS's own words, never before the
 * bot's own validation (a point that does not exist, a lock, a drifted stack).
 */
export function reasonIntro(code: string | undefined): string {
  if (code !== undefined && AWS_WORDS.has(code)) return 'AWS said:';
  if (code !== undefined && SCRIPT_WORDS.has(code)) return 'The script on the inspection host said:';
  return 'Why:';
}

/** mrkdwn for a failure; empty when the session did not fail. */
export function failureText(s: RestoreSession): string {
  const f = s.failure;
  if (f === undefined) return '';
  return [
    `:x: *${STAGE_LABELS[f.stage]} failed.* ${reasonIntro(f.code)}`,
    codeBlock(f.reason),
    productionLine(s),
    `*Next:* ${escapeText(f.next)}`,
  ].join('\n');
}
