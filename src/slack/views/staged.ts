// The words and the button of restoring before the confirmation ("Start restoring now",
// src/restore/staged.ts): the card's line while it stages, its situation, its notices, and what a
// staged session that ended before its cutover deleted or left for cleanup.

import type { ApproversSetting } from '../../config.js';
import type { Notice, RestoreSession } from '../../restore/session.js';
import { POINT_OF_NO_RETURN } from '../../restore/session.js';
import { type LeftDir, workingStage } from '../../restore/staged.js';
import { ACTION_IDS } from '../ids.js';
import { button, code } from './blocks.js';
import { approversMention, approversRule, user, utcShort } from './format.js';
import { STAGE_LABELS, timeToConfirm } from './session-text.js';

/** The line a staged card always carries while the cutover waits: production is untouched. */
export const STAGED_LINE =
  ':fast_forward: *Restoring before the confirmation* — production untouched; the cutover waits for a second engineer.';

/** What cancelling a staged restore throws away, for Cancel's confirmation dialog (plain text). */
export const STAGED_CANCEL =
  ' What it restored before the confirmation is deleted; a restore job still running cannot be stopped (AWS Backup finishes it), and its directory is left for cleanup.';

/** Whether the card offers its requester "Start restoring now". */
export function offersStaged(s: RestoreSession): boolean {
  if (s.kind !== 'restore' || s.status !== 'awaiting_confirmation' || s.staged !== undefined) return false;
  const next = s.stages.find((st) => st.status === 'pending')?.name;
  return next !== undefined && next !== POINT_OF_NO_RETURN[s.kind];
}

export function startStagedButton(s: RestoreSession) {
  return button({
    text: 'Start restoring now',
    actionId: ACTION_IDS.startStaged,
    value: s.id,
    confirm: {
      title: 'Restore before the confirmation?',
      text: `The AWS Backup restore job (its cost and the EFS throughput it uses), the locate, the flatten and the MongoDB check start now, on your word alone. Production is not touched: the cutover still waits for a second engineer's Confirm. Only the requester can start this.`,
      confirm: 'Start restoring',
      deny: 'Not now',
    },
  });
}

/** The situation of a staged session waiting for its confirmation (staging, or all staged). */
export function stagedSituation(
  s: RestoreSession,
  now: Date,
  approvers: ApproversSetting,
  cancel: string,
): string {
  const rule = approversRule(approvers, s.requester);
  const expires = `Expires ${utcShort(s.expiresAt, now)} (${timeToConfirm(s, now)}).`;
  const by = s.staged === undefined ? '' : ` ${user(s.staged.by)} started it ahead of the confirmation.`;
  if (s.status === 'staging') {
    const stage = workingStage(s);
    const doing = stage === undefined ? 'Starting the next stage' : STAGE_LABELS[stage];
    return `:fast_forward: *Restoring before the confirmation: ${doing}.*${by} Production is untouched. ${expires}\nNext: ${rule} presses *Confirm* (the cutover then starts as soon as the check has passed), or *Reject*; ${cancel}.`;
  }
  return `:large_yellow_circle: *Restored and checked; waiting for a second engineer to confirm the cutover.*${by} Production is untouched. ${expires}\nNext: ${rule} presses *Confirm* and the cutover starts at once, or *Reject*; ${cancel}.`;
}

function names(list: readonly string[] | undefined): string {
  return (list ?? []).map((n) => code(`/${n}`)).join(', ');
}

function leftText(l: LeftDir): string {
  const job = l.restoreJobId === undefined ? '' : code(l.restoreJobId);
  switch (l.why) {
    case 'job_running':
      if (l.restoreJobId === undefined)
        return 'the directory of a restore job that may have started just as the session ended (its id was not recorded: look in the AWS Backup console; AWS Backup cannot stop a restore job)';
      return `the directory restore job ${job} is still writing (AWS Backup cannot stop a restore job; it appears as \`aws-backup-restore_…\` when the job ends)`;
    case 'not_located':
      return `${code(`/${l.name ?? '?'}`)} (new since restore job ${job} started; not proven to be this session's, so not deleted)`;
    case 'delete_failed':
      return `${code(`/${l.name ?? '?'}`)} (could not be deleted now)`;
  }
}

/** What a staged session that ended before its cutover did with what it restored; '' otherwise. */
export function teardownText(s: RestoreSession): string {
  const t = s.staged?.teardown;
  if (t === undefined) return '';
  if (t.status === 'pending') {
    const what = t.names.length === 0 ? 'what it restored' : names(t.names);
    return `:wastebasket: Restored before the confirmation: deleting ${what} (never the live root).`;
  }
  const parts: string[] = [];
  const gone = [...(t.deleted ?? []), ...(t.absent ?? [])];
  if (gone.length > 0) parts.push(`Deleted what it restored before the confirmation: ${names(gone)}.`);
  const left = t.left ?? [];
  if (left.length > 0) {
    parts.push(`Left for \`/chatdb-restore cleanup\`: ${left.map(leftText).join('; ')}.`);
  }
  if (parts.length === 0) parts.push('Nothing it restored was left on the volume.');
  return `:wastebasket: ${parts.join(' ')} The live root was not touched.`;
}

/** The thread's words for the staged notices. */
export function stagedNoticeText(
  n: Notice,
  s: RestoreSession,
  approvers: ApproversSetting,
  now: Date,
): string {
  const expires = typeof n.data?.expiresAt === 'string' ? n.data.expiresAt : s.expiresAt;
  switch (n.kind) {
    case 'staged':
      return `:fast_forward: *${user(s.staged?.by ?? s.requester)} started restoring before the confirmation.* The restore job, locate, flatten and the MongoDB check run now; production is untouched. The cutover waits for a second engineer: ${approversMention(approvers)}, please review the plan on the card (expires ${utcShort(expires, now)}).`;
    case 'staged_ready':
      return `:white_check_mark: *Restored and checked before the confirmation.* Only the cutover is left; a *Confirm* by ${approversRule(approvers, s.requester)} starts it at once (expires ${utcShort(expires, now)}).`;
    default:
      return teardownText(s);
  }
}

/** The confirmed notice of a staged session: the cutover starts now, or once the stages before it are done. */
export function stagedConfirmedText(n: Notice, by: string, window: string): string {
  const when =
    n.data?.staged === 'cutover_now'
      ? 'Everything before the cutover was done ahead of the confirmation: cutting over now.'
      : 'The cutover starts as soon as the stages before it, already under way, are done.';
  return `:white_check_mark: *Confirmed by ${user(by)}.* ${when}${window}`;
}
