// The words every session message shares: what a stage is called, the state production is in,
// the stage list, and what the session is doing and what to do next.

import type { ApproversSetting } from '../../config.js';
import { cancelRule } from '../../restore/approval.js';
import type { Plan } from '../../restore/plan.js';
import {
  type Production,
  pastPointOfNoReturn,
  type RestoreSession,
  runningStage,
  type StageName,
  type StageState,
  stageState,
} from '../../restore/session.js';
import { code, escapeText } from './blocks.js';
import { checkStageDetail } from './check-text.js';
import { drillSituation, drillTitle } from './drill.js';
import { approversRule, bytes, formatDuration, stageWindow, user, utc, utcShort } from './format.js';
import { pickSituation } from './pick.js';
import { stagedSituation } from './staged.js';

export const STAGE_LABELS: Readonly<Record<StageName, string>> = {
  resolve: 'Resolve the plan',
  confirm: 'Second engineer confirms',
  restore: 'AWS Backup restore job',
  locate: 'Locate and check the data',
  flatten: 'Flatten to a top-level directory',
  check: 'MongoDB checks the restored data',
  cutover: 'Cut over (CloudFormation)',
  verify: 'Verify the new task',
  delete: 'Delete the chosen directories',
  rehearse: 'Rehearse the cutover (change set, never executed)',
  teardown: 'Tear the drill down',
};

const STAGE_EMOJI: Readonly<Record<StageState['status'], string>> = {
  pending: ':white_circle:',
  running: ':hourglass_flowing_sand:',
  done: ':white_check_mark:',
  failed: ':x:',
  skipped: ':heavy_minus_sign:',
};

/** Where production stands, as the card shows it; `changing` while the stack update runs. */
export type ProductionView = Production | 'changing';

export function productionState(s: RestoreSession): ProductionView {
  if (s.failure !== undefined) return s.failure.production;
  const cut = stageState(s, 'cutover');
  if (cut?.status === 'done') return 'cut_over';
  // From the moment ExecuteChangeSet is called, not once it returned.
  if (cut?.status === 'running' && (s.aws.executeCalledAt ?? s.aws.executedAt) !== undefined) {
    return 'changing';
  }
  return 'unchanged';
}

/** The root chat-db ran on before this session, and the one it moves to (when known). */
export function roots(s: RestoreSession): { from?: string; to?: string } {
  const plan = s.plan;
  const from = s.roots.previous ?? plan?.currentRoot;
  const to = s.roots.next ?? (plan !== undefined && plan.kind !== 'cleanup' ? plan.targetRoot : undefined);
  return { ...(from === undefined ? {} : { from }), ...(to === undefined ? {} : { to }) };
}

/** "Production: …", the line every session message carries. */
export function productionLine(s: RestoreSession): string {
  const { from, to } = roots(s);
  const state = productionState(s);
  const stack = s.plan?.stackName;
  switch (state) {
    case 'unchanged':
      // Neutral, not green: "unchanged" may well mean "still broken".
      return from === undefined
        ? ':white_circle: Production: unchanged'
        : `:white_circle: Production: unchanged — chat-db still runs on ${code(from)}`;
    case 'changing':
      return `:large_orange_circle: Production: being cut over to ${to === undefined ? 'the new root' : code(to)} — CloudFormation is updating the stack; chat-db restarts on the new root`;
    case 'cut_over':
      return s.kind === 'rollback'
        ? `:large_blue_circle: Production: rolled back to ${to === undefined ? 'the previous root' : code(to)}`
        : `:large_blue_circle: Production: cut over to ${to === undefined ? 'the new root' : code(to)}`;
    case 'rolled_back':
      return `:large_orange_circle: Production: rolled back by CloudFormation to ${from === undefined ? 'its previous root' : code(from)}`;
    case 'unknown':
      return `:red_circle: Production: unknown — check the stack${stack === undefined ? '' : ` ${code(stack)}`} and the chat-db service in the AWS console before anything else`;
  }
}

/** Who may cancel now, in words, from the rule the state machine enforces; '' when nobody can. */
export function cancelWho(s: RestoreSession, approvers: ApproversSetting): string {
  const rule = cancelRule(s, approvers.kind !== 'anyone');
  if (rule === undefined) return '';
  if (rule.approvers && approvers.kind === 'anyone') return 'any engineer can *Cancel*';
  const people = rule.users.map((id) => user(id));
  if (rule.approvers) {
    // Named in words, not by mention: a running card must not page the group again.
    people.push('an approver');
  }
  const list =
    people.length < 2 ? (people[0] ?? '') : `${people.slice(0, -1).join(', ')} or ${people.at(-1)}`;
  return `only ${list} can *Cancel*`;
}

function stageDuration(stage: StageState, now: Date): string {
  if (stage.startedAt === undefined) return '';
  const end = stage.endedAt === undefined ? now.getTime() : Date.parse(stage.endedAt);
  return formatDuration(Math.max(0, end - Date.parse(stage.startedAt)));
}

/** One line per stage: status emoji, name, duration, what it found. */
export function stageLines(s: RestoreSession, now: Date): string {
  return s.stages
    .map((stage) => {
      const took = stageDuration(stage, now);
      let line = `${STAGE_EMOJI[stage.status]} *${STAGE_LABELS[stage.name]}*`;
      const window = stageWindow(stage);
      if (stage.status === 'running') line += took === '' ? ' · running' : ` · running for ${took}`;
      else if (stage.status === 'failed') line += took === '' ? ' · failed' : ` · failed after ${took}`;
      else if (stage.status === 'done' && took !== '') line += ` · ${took}`;
      else if (stage.status === 'skipped') line += ' · skipped';
      if (window !== '' && stage.name !== 'resolve') line += ` (${window})`;
      const detail = stageDetail(s, stage);
      if (detail !== '') line += ` — ${detail}`;
      return line;
    })
    .join('\n');
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** Which of ECS's deployment cases the cutover met, in a few words (the notice says more). */
const DEPLOYMENT_WORDS: Readonly<Record<string, string>> = {
  start_first: 'ECS started the new task first and stopped the old one itself',
  stop_first: 'ECS stopped the old task itself, then started the new one',
  stalled: 'the deployment stalled, so the bot stopped the old task',
  unable_to_place: 'ECS could not place the new task beside the old one, so the bot stopped the old task',
};

function stageDetail(s: RestoreSession, stage: StageState): string {
  const d = stage.detail ?? {};
  if (stage.status === 'failed' && stage.name === 'confirm') {
    // Named by mention: the recorded error says "rejected by U…" with the raw id.
    if (s.status === 'rejected')
      return `rejected${s.ended?.by === undefined ? '' : ` by ${user(s.ended.by)}`}`;
    return stage.error === undefined ? '' : escapeText(stage.error);
  }
  const reused = str(d.reusedFrom);
  if (stage.status === 'skipped' && reused !== undefined) return `already done by session ${code(reused)}`;
  switch (stage.name) {
    case 'confirm':
      return s.confirmer !== undefined && stage.status === 'done' ? `by ${user(s.confirmer)}` : '';
    case 'restore': {
      const job = str(d.restoreJobId) ?? s.aws.restoreJobId;
      if (job === undefined) return '';
      return s.aws.fullFallback === true
        ? `job ${code(job)} · whole volume: the item-level job found its items missing from the point, so the whole volume of the same point was restored (no new confirmation needed)`
        : `job ${code(job)}`;
    }
    case 'locate': {
      const dir = str(d.dataDir) ?? s.aws.dataDir;
      if (s.pick !== undefined && s.pick.confirmedAt === undefined && stage.status === 'done') {
        return `${s.pick.candidates.length} data dirs, none proven: waiting for a pick`;
      }
      if (dir === undefined || stage.status !== 'done') return '';
      const size = num(d.sizeBytes) ?? s.aws.dataSizeBytes;
      const files = num(d.fileCount) ?? s.aws.dataFileCount;
      const parts = [code(dir)];
      if (size !== undefined) parts.push(bytes(size));
      if (files !== undefined) parts.push(`${files} files`);
      return parts.join(' · ');
    }
    case 'flatten': {
      const dir = str(d.flatDir) ?? s.aws.flatDir;
      return dir === undefined || stage.status !== 'done' ? '' : code(dir);
    }
    case 'check':
      return checkStageDetail(s);
    case 'cutover': {
      const { from, to } = roots(s);
      if (from === undefined || to === undefined || stage.status === 'skipped') return '';
      const how = stage.status === 'done' ? DEPLOYMENT_WORDS[str(d.deploymentCase) ?? ''] : undefined;
      return `${code(from)} → ${code(to)}${how === undefined ? '' : ` · ${how}`}`;
    }
    case 'verify': {
      const health = str(d.healthStatus);
      return stage.status === 'done' && health !== undefined
        ? `task ${escapeText(health.toLowerCase())}`
        : '';
    }
    case 'delete': {
      const deleted = s.aws.deletedPaths;
      return deleted === undefined ? '' : `${deleted.length} deleted`;
    }
    default:
      return '';
  }
}

/** What the session is, in a few words: for headers, notifications and status lines. */
export function sessionTitle(s: RestoreSession): string {
  const plan: Plan | undefined = s.plan;
  switch (s.kind) {
    case 'restore':
      if (plan?.kind === 'restore') return `Restore chat-db from ${utc(plan.recoveryPoint.createdAt)}`;
      // The title goes into plain_text (the header) and mrkdwn alike: characters that mean markup
      // in either are dropped (the parser never accepts them in a point anyway).
      return `Restore chat-db from ${s.pointInput?.replace(/[<>&*_~`]/g, '') ?? 'a recovery point'}`;
    case 'rollback':
      return plan?.kind === 'rollback' ? `Roll chat-db back to ${plan.targetRoot}` : 'Roll chat-db back';
    case 'cleanup':
      return 'Clean up old chat-db restore directories';
    case 'drill':
      return drillTitle(s);
  }
}

export const STATUS_EMOJI: Readonly<Record<RestoreSession['status'], string>> = {
  resolving: '⏳',
  awaiting_confirmation: '🟡',
  awaiting_pick: '🟠',
  staging: '⏩',
  running: '🔄',
  succeeded: '✅',
  failed: '❌',
  cancelled: '⚪',
  rejected: '⚪',
  expired: '⚪',
};

/**
 * How long is left to confirm, in whole minutes (`in 12 min`): coarse on purpose, so that the card
 * need only be redrawn once a minute to stay true (see cardClock in the notifier).
 */
export function timeToConfirm(s: RestoreSession, now: Date): string {
  const left = Date.parse(s.expiresAt) - now.getTime();
  if (!(left > 0)) return 'now';
  return left < 60_000 ? 'in under a minute' : `in ${Math.ceil(left / 60_000)} min`;
}

/** The session's situation in one or two sentences: what is happening, and what can be done next. */
export function situation(s: RestoreSession, now: Date, approvers: ApproversSetting): string {
  if (s.kind === 'drill') return drillSituation(s, approvers);
  const rule = approversRule(approvers, s.requester);
  const cancel = cancelWho(s, approvers);
  switch (s.status) {
    case 'resolving':
      return ':hourglass_flowing_sand: *Working out the plan* from the stack and the recovery point. Nothing changes until a second engineer confirms.';
    case 'staging':
      return stagedSituation(s, now, approvers, cancel);
    case 'awaiting_confirmation': {
      if (s.staged !== undefined) return stagedSituation(s, now, approvers, cancel);
      const expires = `Expires ${utcShort(s.expiresAt, now)} (${timeToConfirm(s, now)}).`;
      const nothingChosen = s.kind === 'cleanup' && (s.plan?.kind !== 'cleanup' || s.plan.paths.length === 0);
      const next = nothingChosen
        ? `Next: ${user(s.requester)} chooses the directories to delete below; then ${rule} presses *Confirm*.`
        : `Next: ${rule} presses *Confirm*, or *Reject*; ${cancel}.`;
      return `:large_yellow_circle: *Waiting for a second engineer to confirm.* Nothing has changed yet. ${expires}\n${next}`;
    }
    case 'awaiting_pick':
      return s.pick === undefined
        ? ':large_orange_circle: *Waiting for a pick.*'
        : pickSituation(s, s.pick, now, rule, cancel);
    case 'running': {
      const stage = runningStage(s);
      const doing = stage === undefined ? 'Starting the next stage' : STAGE_LABELS[stage];
      const confirmed =
        s.confirmer === undefined
          ? ''
          : ` Confirmed by ${user(s.confirmer)}${s.confirmedAt === undefined ? '' : ` at ${utcShort(s.confirmedAt, now)}`}.`;
      const next = pastPointOfNoReturn(s)
        ? s.kind === 'cleanup'
          ? 'The deletion has started and cannot be cancelled.'
          : 'The stack update has started and cannot be cancelled; once it ends, `rollback` is available.'
        : `Next: nothing to do but watch; ${cancel} until the ${s.kind === 'cleanup' ? 'deletion' : 'cutover'} starts.`;
      return `:arrows_counterclockwise: *Running: ${doing}.*${confirmed}\n${next}`;
    }
    case 'succeeded': {
      if (s.kind === 'cleanup') {
        const n = s.aws.deletedPaths?.length ?? 0;
        return `:white_check_mark: *Done.* ${n} ${n === 1 ? 'entry was' : 'entries were'} deleted by name (directories, or database files at the volume root); the live root was never touched.`;
      }
      const { from, to } = roots(s);
      const back = from === undefined ? '' : ` *Rollback* goes back to ${code(from)}.`;
      return `:white_check_mark: *Done.* chat-db runs on ${to === undefined ? 'the new root' : code(to)} and its task is healthy.\nNext: check Rocket.Chat, check in the template change (in the thread), and clean up old directories later.${back}`;
    }
    case 'failed': {
      const stage = s.failure?.stage;
      return `:x: *Failed${stage === undefined ? '' : ` at: ${STAGE_LABELS[stage]}`}.* What AWS said, the state of production and what to do next are below.`;
    }
    case 'cancelled': {
      const by = s.ended?.by === undefined ? '' : ` by ${user(s.ended.by)}`;
      const job =
        s.aws.restoreJobId !== undefined && stageState(s, 'restore')?.status !== 'done'
          ? ` AWS Backup finishes restore job ${code(s.aws.restoreJobId)} by itself; its directory will show up in \`cleanup\`.`
          : '';
      return `:white_circle: *Cancelled${by}.*${job}\nNext: start a new session when ready.`;
    }
    case 'rejected': {
      const by = s.ended?.by === undefined ? '' : ` by ${user(s.ended.by)}`;
      const why = s.ended?.reason === undefined ? '' : ` Reason: “${escapeText(s.ended.reason)}”`;
      return `:white_circle: *Rejected${by}.*${why} Nothing was changed.\nNext: talk it over in the channel; start a new session if still needed.`;
    }
    case 'expired': {
      const who = s.pick === undefined ? 'nobody confirmed' : 'no data dir was picked and confirmed';
      return `:white_circle: *Expired:* ${who} by ${utcShort(s.expiresAt, now)}. Nothing was changed.\nNext: start a new session if still needed.`;
    }
  }
}
