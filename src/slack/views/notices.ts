// One thread message per session notice (stage started, done, failed, confirmed, …). The session
// holds the facts; the words are here. Each message ends with the state production is in.

import type { JsonObject, JsonValue, Notice, RestoreSession } from '../../restore/session.js';
import {
  type Block,
  blockId,
  code,
  codeBlock,
  context,
  escapeText,
  messageText,
  type SlackMessage,
  section,
} from './blocks.js';
import type { CardContext } from './card.js';
import { checkDoneText, checkStartedText } from './check-text.js';
import { drillNoticeText } from './drill.js';
import { reasonIntro } from './failure.js';
import { approversMention, approversRule, bytes, formatDuration, user, utcShort } from './format.js';
import { nextStep } from './next-step.js';
import { pickNoticeText } from './pick.js';
import { productionLine, roots, STAGE_LABELS, sessionTitle } from './session-text.js';
import { stagedConfirmedText, stagedNoticeText } from './staged.js';

/**
 * One thread message. `production`: whether to end it with the production line (the notifier
 * gives it only when it changed since the thread last showed it).
 */
export function noticeMessage(
  notice: Notice,
  s: RestoreSession,
  ctx: CardContext,
  opts: { production?: boolean } = {},
): SlackMessage {
  const body = noticeText(notice, s, ctx);
  const production = opts.production === false ? '' : productionLine(s);
  const blocks: Block[] = [section(body, { blockId: blockId('notice', s.id, notice.id) })];
  if (production !== '') blocks.push(context([production]));
  const plain = body.replace(/```([\s\S]*?)```/g, '$1').replace(/:[a-z_]+:\s?/g, '');
  const text = production === '' ? plain : `${plain} ${production.replace(/^:[a-z_]+: /, '')}`;
  return { text: messageText(text), blocks };
}

function str(data: JsonObject | undefined, key: string): string | undefined {
  const v: JsonValue | undefined = data?.[key];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function num(data: JsonObject | undefined, key: string): number | undefined {
  const v: JsonValue | undefined = data?.[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

function strings(data: JsonObject | undefined, key: string): string[] {
  const v: JsonValue | undefined = data?.[key];
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

function noticeText(n: Notice, s: RestoreSession, ctx: CardContext): string {
  const drill = s.kind === 'drill' ? drillNoticeText(n, s, ctx.approvers) : undefined;
  if (drill !== undefined) return drill;
  const d = n.data;
  const stage = n.stage === undefined ? undefined : STAGE_LABELS[n.stage];
  const { from, to } = roots(s);
  switch (n.kind) {
    case 'pick_requested':
    case 'picked':
    case 'pick_confirmed':
      return pickNoticeText(n, s, ctx);
    case 'confirm_requested':
      return `${approversMention(ctx.approvers)}: ${user(s.requester)} asks to *${escapeText(sessionTitle(s))}*. Please review the plan on the card; ${approversRule(ctx.approvers, s.requester)} presses *Confirm* there. Expires ${utcShort(str(d, 'expiresAt') ?? s.expiresAt, ctx.now)}.`;
    case 'plan_changed': {
      const changes = strings(d, 'changes');
      const list = changes.length === 0 ? '' : `\n${changes.map((c) => `• ${escapeText(c)}`).join('\n')}`;
      return `:warning: *The stack changed since the confirmation*; nothing was cut over. ${approversMention(ctx.approvers)}: the card shows the new plan; confirm it again to go on.${list}`;
    }
    case 'staged':
    case 'staged_ready':
    case 'staged_teardown':
      return stagedNoticeText(n, s, ctx.approvers, ctx.now);
    case 'confirmed': {
      const loss = num(d, 'dataLossWindowMs');
      const window = loss === undefined ? '' : ` Data-loss window: about ${formatDuration(loss)}.`;
      if (str(d, 'staged') !== undefined)
        return stagedConfirmedText(n, str(d, 'by') ?? s.confirmer ?? '', window);
      return `:white_check_mark: *Confirmed by ${user(str(d, 'by') ?? s.confirmer ?? '')}.* Starting now.${window}`;
    }
    case 'rejected': {
      const reason = str(d, 'reason');
      const why = reason === undefined ? '' : ` Reason: “${escapeText(reason)}”.`;
      return `:no_entry_sign: *Rejected by ${user(str(d, 'by') ?? '')}.*${why} Nothing was changed.`;
    }
    case 'cancelled': {
      const left = str(d, 'leftForCleanup');
      const job = str(d, 'restoreJobId');
      const extra = [
        job === undefined
          ? ''
          : ` Restore job ${code(job)} was already started; AWS Backup finishes it by itself.`,
        left === undefined ? '' : ` ${code(left)} is left on the volume for \`cleanup\`.`,
      ].join('');
      return `:white_circle: *Cancelled by ${user(str(d, 'by') ?? '')}.*${extra}`;
    }
    case 'expired':
      if (n.stage === 'locate') return pickNoticeText(n, s, ctx);
      return ':white_circle: *Expired:* nobody confirmed in time. Nothing was changed; start a new session if still needed.';
    case 'resumed':
      return `:arrows_counterclockwise: The bot restarted and picked this session up again at *${stage ?? 'the next stage'}*, from its last recorded step.`;
    case 'started':
      return startedText(n, s, from, to);
    case 'done':
      return doneText(n, s);
    case 'failed': {
      const f = s.failure;
      const reason = f?.reason ?? str(d, 'reason') ?? 'No reason was given.';
      const next = f === undefined ? '' : `\n*Next:* ${escapeText(nextStep(s))}`;
      return `:x: *${stage ?? 'The session'} failed.* ${reasonIntro(f?.code ?? str(d, 'code'))}\n${codeBlock(reason)}${next}`;
    }
    case 'summary':
      return `:white_check_mark: *${escapeText(sessionTitle(s))}: done.*`;
  }
}

function startedText(n: Notice, s: RestoreSession, from?: string, to?: string): string {
  const d = n.data;
  switch (n.stage) {
    case 'restore': {
      const mins = num(d, 'expectedDurationMinutes');
      return `:arrows_counterclockwise: *Restore job starting* in AWS Backup${mins === undefined ? '' : ` (expected about ${mins} min)`}. Running services are not affected.`;
    }
    case 'locate':
      return ':mag: *Locating the restored data* on the inspection host (SSM Run Command).';
    case 'flatten':
      return ':file_folder: *Flattening* the restored data dir to a top-level directory (a rename on the same file system).';
    case 'check':
      return checkStartedText();
    case 'cutover': {
      const f = str(d, 'from') ?? from;
      const t = str(d, 'to') ?? to;
      return `:twisted_rightwards_arrows: *Cutting over:* a CloudFormation change set moves chat-db from ${f === undefined ? '?' : code(f)} to ${t === undefined ? '?' : code(t)}. chat-db restarts on the new root; this cannot be cancelled once the stack update starts.`;
    }
    case 'verify':
      return ':stethoscope: *Verifying* that the new chat-db task runs and is healthy.';
    case 'delete':
      return `:wastebasket: *Deleting* ${s.plan?.kind === 'cleanup' ? s.plan.paths.length : ''} chosen directories.`;
    default:
      return `*${n.stage === undefined ? 'A stage' : STAGE_LABELS[n.stage]}* started.`;
  }
}

function doneText(n: Notice, s: RestoreSession): string {
  const d = n.data;
  const took = stageTook(s, n);
  switch (n.stage) {
    case 'restore':
      return `:white_check_mark: *Restore job done*${took}: ${code(str(d, 'restoreJobId') ?? s.aws.restoreJobId ?? '?')}.`;
    case 'locate': {
      const dir = str(d, 'dataDir') ?? s.aws.dataDir;
      const size = num(d, 'sizeBytes') ?? s.aws.dataSizeBytes;
      const files = num(d, 'fileCount') ?? s.aws.dataFileCount;
      const warnings = strings(d, 'warnings');
      const warn =
        warnings.length === 0 ? '' : `\n:warning: ${warnings.map((w) => escapeText(w)).join('\n:warning: ')}`;
      return `:white_check_mark: *Found the MongoDB data*${took} in ${dir === undefined ? '?' : code(dir)} (${bytes(size)}, ${files ?? '?'} files).${warn}`;
    }
    case 'flatten': {
      const leftovers = strings(d, 'leftovers');
      const left =
        leftovers.length === 0 ? '' : ` Left for cleanup: ${leftovers.map((l) => code(l)).join(', ')}.`;
      return `:white_check_mark: *Flattened*${took} to ${code(str(d, 'flatDir') ?? s.aws.flatDir ?? '?')}.${left}`;
    }
    case 'check':
      return checkDoneText(s, took);
    case 'cutover': {
      const stopped = num(d, 'stoppedTasks') ?? s.aws.stoppedTaskArns.length;
      return `:white_check_mark: *Cut over*${took}: the stack update finished and chat-db runs on ${code(str(d, 'newRoot') ?? s.roots.next ?? '?')}. ${deploymentText(str(d, 'deploymentCase'), stopped)}`;
    }
    case 'verify': {
      const health = str(d, 'healthStatus');
      const url = num(d, 'healthUrlStatus');
      return `:white_check_mark: *Verified*${took}: the new chat-db task is running${health === undefined ? '' : ` (${escapeText(health.toLowerCase())})`}${url === undefined ? '' : `; the health URL answered ${url}`}.`;
    }
    case 'delete': {
      const deleted = strings(d, 'deleted');
      return `:white_check_mark: *Deleted*${took}: ${deleted.length === 0 ? 'nothing was left to delete' : deleted.map((p) => code(p)).join(', ')}.`;
    }
    default:
      return `:white_check_mark: *${n.stage === undefined ? 'A stage' : STAGE_LABELS[n.stage]}* done${took}.`;
  }
}

function stageTook(s: RestoreSession, n: Notice): string {
  const stage = s.stages.find((st) => st.name === n.stage);
  if (stage?.startedAt === undefined || stage.endedAt === undefined) return '';
  return ` in ${formatDuration(Date.parse(stage.endedAt) - Date.parse(stage.startedAt))}`;
}

/** Which of ECS's deployment cases applied, and whether the bot had to stop the old task. */
function deploymentText(deploymentCase: string | undefined, stopped: number): string {
  const tasks = `${stopped} old task${stopped === 1 ? '' : 's'}`;
  switch (deploymentCase) {
    case 'start_first':
      return 'ECS started the new task beside the old one and stopped the old one itself (maximumPercent left room); the bot stopped nothing.';
    case 'stop_first':
      return 'ECS stopped the old task itself before starting the new one (minimumHealthyPercent below 100); the bot stopped nothing.';
    case 'stalled':
      return `The deployment stalled (no room above or below the desired count), so the bot stopped ${tasks}.`;
    case 'unable_to_place':
      return `ECS could not place the new task beside the old one (a host port it holds), so the bot stopped ${tasks}.`;
    default:
      return `${tasks} ${stopped === 1 ? 'was' : 'were'} stopped.`;
  }
}
