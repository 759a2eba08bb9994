// A failed session, in three parts the on-call engineer needs: what happened in AWS's own words
// (they search for them), the state production is in, and what to do next.

import { type RestoreSession, stageState } from '../../restore/session.js';
import { code, codeBlock, escapeText } from './blocks.js';
import { checkFailureText } from './check-text.js';
import { nextStep } from './next-step.js';
import { evidenceLine } from './pick.js';
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
  const check = checkFailureText(s);
  if (check !== undefined) return check;
  if (f.code === 'data_dir_unproven') {
    return [
      `:warning: *Stopped before anything moved: which data dir holds the point's database is not proven.* ${escapeText(f.reason)}`,
      ...candidateLines(s),
      productionLine(s),
      `*Next:* ${escapeText(nextStep(s))}`,
    ].join('\n');
  }
  return [
    `:x: *${STAGE_LABELS[f.stage]} failed.* ${reasonIntro(f.code)}`,
    codeBlock(f.reason),
    productionLine(s),
    ...serviceLines(s),
    `*Next:* ${escapeText(nextStep(s))}`,
  ].join('\n');
}

/** The data dirs locate found, one line each with its evidence, at most 10. */
export function candidateLines(s: RestoreSession): string[] {
  const raw = stageState(s, 'locate')?.detail?.candidates;
  if (!Array.isArray(raw)) return [];
  const lines = raw.slice(0, 10).map((entry) => `• ${evidenceLine(entry)}`);
  if (raw.length > 10) lines.push(`…and ${raw.length - 10} more`);
  return ['*Data dirs in the restore:*', ...lines];
}

/** After a failed cutover: whether chat-db runs and is healthy, and whether the bot stopped the old task. */
function serviceLines(s: RestoreSession): string[] {
  const f = s.failure;
  if (f?.stage !== 'cutover') return [];
  const stopped = s.aws.stoppedTaskArns.length;
  const stoppedLine =
    stopped === 0
      ? 'The bot stopped no task.'
      : `The bot stopped the old task${stopped === 1 ? '' : `s (${stopped})`} during the cutover.`;
  const svc = f.service;
  if (svc === undefined) return [`chat-db's service could not be read after the failure. ${stoppedLine}`];
  const td = svc.taskDefinitionArn.split('/').at(-1) ?? svc.taskDefinitionArn;
  const state =
    svc.running === 0
      ? ':red_circle: chat-db is *not running*'
      : `${svc.healthy >= svc.running ? ':large_green_circle:' : ':large_orange_circle:'} chat-db runs ${svc.running} of ${svc.desired} task${svc.desired === 1 ? '' : 's'}, ${svc.healthy} healthy`;
  return [`${state} (task definition ${code(td)}). ${stoppedLine}`];
}
