// The session card: one message per session, edited in place as the session moves. It shows the
// plan, who asked and who confirmed, the state production is in, every stage, progress, the
// failure or the summary, and the buttons that apply now.

import type { ApproversSetting } from '../../config.js';
import type { Plan } from '../../restore/plan.js';
import {
  type CleanupCandidate,
  isOpen,
  pastPointOfNoReturn,
  type RestoreSession,
  runningStage,
  stageState,
} from '../../restore/session.js';
import { ACTION_IDS } from '../ids.js';
import {
  actions,
  type Block,
  blockId,
  button,
  code,
  context,
  escapeText,
  fields,
  fitBlocks,
  header,
  LIMITS,
  messageText,
  option,
  type SlackMessage,
  section,
} from './blocks.js';
import { consoleLinksLine } from './console-links.js';
import { drillReportLines, lastDrillText } from './drill.js';
import { failureText } from './failure.js';
import { age, approversMention, bytes, formatDuration, progressBar, user, utc, utcShort } from './format.js';
import { pickBlocks, pickButtonRow } from './pick.js';
import { productionLine, roots, STATUS_EMOJI, sessionTitle, situation, stageLines } from './session-text.js';
import { offersStaged, STAGED_CANCEL, STAGED_LINE, startStagedButton, teardownText } from './staged.js';
import { dataLossWindowMs, figures, timeline } from './summary.js';
import { postmortemTimeline } from './timeline.js';

export interface CardContext {
  now: Date;
  approvers: ApproversSetting;
}

/** The block id of the Confirm/Reject/Cancel row: it binds a click to the plan the card showed. */
export function confirmBlockId(planHash: string, revision: number): string {
  return blockId('confirm', planHash, revision);
}

/** The plan hash a click on the confirmation row was bound to; undefined for any other block. */
export function planHashFromBlockId(id: string | undefined): string | undefined {
  const m = /^confirm:([0-9a-f]{64}):\d+$/.exec(id ?? '');
  return m?.[1];
}

/** The session a cleanup chooser belongs to, from its block id. */
export function sessionFromChooserBlockId(id: string | undefined): string | undefined {
  const m = /^choose:([a-z0-9-]{1,64}):\d+$/.exec(id ?? '');
  return m?.[1];
}

export function sessionCard(s: RestoreSession, ctx: CardContext): SlackMessage {
  const { now } = ctx;
  const rev = s.revision;
  const id = (part: string) => blockId('card', s.id, rev, part);
  const blocks: Block[] = [];

  blocks.push(header(`${STATUS_EMOJI[s.status]} ${sessionTitle(s)}`));
  blocks.push(
    context([
      `Session ${code(s.id)}`,
      `${s.kind} requested by ${user(s.requester)} ${utcShort(s.createdAt, now)}`,
    ]),
  );
  blocks.push(section(situation(s, now, ctx.approvers), { blockId: id('situation') }));
  const teardown = teardownText(s);
  if (teardown !== '') blocks.push(section(teardown, { blockId: id('teardown') }));
  if (s.plan?.kind === 'restore' && s.plan.liveFrom !== undefined && s.status === 'awaiting_confirmation') {
    blocks.push(
      section(
        `:warning: *This point's data is already live:* session ${code(s.plan.liveFrom)} restored it and chat-db runs on it now. Restoring it again brings back the same data and drops what was written since; pick an older point unless that is what you want.`,
        { blockId: id('live') },
      ),
    );
  }
  if (s.plan !== undefined) blocks.push(...fields(planFields(s, s.plan, now), id('plan')));
  blocks.push(section(productionLine(s), { blockId: id('production') }));
  if (s.staged !== undefined && s.confirmer === undefined && isOpen(s)) {
    blocks.push(context([STAGED_LINE]));
  }
  blocks.push(section(stageLines(s, now), { blockId: id('stages') }));

  if ((s.status === 'running' || s.status === 'staging') && runningStage(s) === 'restore') {
    blocks.push(context([progressBar(s.progress?.percentDone, s.progress?.etaMinutes)]));
  }
  const finish = expectedFinish(s, now);
  if (finish !== '') blocks.push(context([finish]));
  const failure = failureText(s);
  if (failure !== '') blocks.push(section(failure, { blockId: id('failure') }));
  if (s.status === 'succeeded') {
    const line = timeline(s);
    if (line !== '') blocks.push(section(`\`\`\`${line}\`\`\``, { blockId: id('timeline') }));
    const pairs = figures(s, now);
    if (pairs.length > 0) blocks.push(...fields(pairs, id('figures')));
  }
  if (s.kind === 'drill' && s.plan !== undefined && s.status !== 'resolving') {
    blocks.push(section(drillReportLines(s).join('\n'), { blockId: id('drill') }));
  }
  if (s.status === 'failed' || s.status === 'succeeded' || s.status === 'cancelled') {
    blocks.push(section(postmortemTimeline(s), { blockId: id('postmortem') }));
  }
  const links = consoleLinksLine(s);
  if (links !== '') blocks.push(context([links]));
  if (s.kind === 'cleanup' && s.cleanup !== undefined) blocks.push(...cleanupBlocks(s));
  if (s.status === 'awaiting_pick' && s.pick !== undefined) blocks.push(...pickBlocks(s, s.pick));
  if (s.status === 'awaiting_confirmation' || s.status === 'staging') {
    const who =
      ctx.approvers.kind === 'anyone'
        ? `Any engineer other than ${user(s.requester)} can confirm.`
        : `${approversMention(ctx.approvers)}: please review this plan; one of you (not ${user(s.requester)}) confirms.`;
    blocks.push(section(`:raising_hand: ${who}`, { blockId: id('approvers') }));
  }
  const buttons = buttonRow(s);
  if (buttons !== undefined) blocks.push(buttons);

  const fitted = fitBlocks(
    blocks,
    (n) => `${n} more blocks left out; \`/chatdb-restore status\` shows the rest.`,
    buttons === undefined ? 0 : 1,
  );
  const text = `${sessionTitle(s)}: ${statusWords(s)}. ${productionLine(s).replace(/^:[a-z_]+: /, '')}`;
  return { text: messageText(text), blocks: fitted };
}

function statusWords(s: RestoreSession): string {
  switch (s.status) {
    case 'resolving':
      return 'working out the plan';
    case 'awaiting_confirmation':
      return 'waiting for a second engineer to confirm';
    case 'awaiting_pick':
      return 'waiting for the engineers to pick the data dir';
    case 'staging':
      return 'restoring before the confirmation, production untouched';
    case 'running':
      return 'running';
    default:
      return s.status;
  }
}

function planFields(s: RestoreSession, plan: Plan, now: Date): [string, string][] {
  const pairs: [string, string][] = [];
  const { from, to } = roots(s);
  const service = `${code(lastSegment(plan.service))} in ${code(lastSegment(plan.cluster))} (stack ${code(plan.stackName)})`;
  switch (plan.kind) {
    case 'restore': {
      const p = plan.recoveryPoint;
      pairs.push([
        'Recovery point',
        `${utc(p.createdAt)} (${age(p.createdAt, now)})\n${code(p.id)} · ${bytes(p.sizeBytes)}`,
      ]);
      const loss = dataLossWindowMs(s, s.confirmedAt === undefined ? now : new Date(s.confirmedAt));
      if (loss !== undefined)
        pairs.push(['Data-loss window', `about ${formatDuration(loss)} of chat since the point`]);
      pairs.push(['Target service', service]);
      pairs.push(['Root', `${from === undefined ? '?' : code(from)} → ${to === undefined ? '?' : code(to)}`]);
      pairs.push(['Restore mode', restoreModeText(plan)]);
      pairs.push(['Last drill', lastDrillText(plan.lastDrill, now)]);
      break;
    }
    case 'drill': {
      const p = plan.recoveryPoint;
      pairs.push([
        'Recovery point',
        `${utc(p.createdAt)} (${age(p.createdAt, now)})\n${code(p.id)} · ${bytes(p.sizeBytes)}`,
      ]);
      pairs.push(['Drill directory', `${code(plan.targetRoot)}, deleted at the end`]);
      pairs.push(['Production', `untouched: chat-db stays on ${code(plan.currentRoot)}`]);
      break;
    }
    case 'rollback':
      pairs.push(['Target service', service]);
      pairs.push(['Root', `${from === undefined ? '?' : code(from)} → ${to === undefined ? '?' : code(to)}`]);
      pairs.push(['Undoes', `session ${code(plan.rollbackOf)}`]);
      pairs.push([
        ':warning: Data loss',
        `Chat written since session ${code(plan.rollbackOf)} cut over is in ${from === undefined ? 'the current root' : code(from)}, not in ${to === undefined ? 'the previous root' : code(to)}: rolling back leaves it behind.`,
      ]);
      break;
    case 'cleanup': {
      const chosen = plan.paths;
      const sizes = new Map((s.cleanup?.candidates ?? []).map((c) => [c.path, c.sizeBytes]));
      const total = chosen.reduce((sum, p) => sum + (sizes.get(p) ?? 0), 0);
      pairs.push(['Live root (never deleted)', code(plan.currentRoot)]);
      const label = s.status === 'succeeded' ? 'Deleted' : 'Chosen';
      pairs.push([label, chosen.length === 0 ? 'nothing yet' : `${chosen.length} (${bytes(total)})`]);
      break;
    }
  }
  // A warning about the cutover, for the engineers deciding on the plan: once the cutover has
  // succeeded it has nothing left to warn about.
  const cutoverDone = s.stages.some((st) => st.name === 'cutover' && st.status === 'done');
  for (const w of cutoverDone ? [] : (plan.warnings ?? [])) {
    pairs.push([
      ':warning: No service role',
      `The stack has no service role, so CloudFormation will update it with the bot's own role, which then also needs ${w.actions.map((a) => code(a)).join(', ')}.`,
    ]);
  }
  pairs.push(['Expected duration', expectedDuration(plan)]);
  pairs.push(['Requested by', `${user(s.requester)} at ${utcShort(s.createdAt, now)}`]);
  // Nobody confirms a drill.
  if (s.kind === 'drill') return pairs;
  pairs.push([
    'Confirmed by',
    s.confirmer === undefined
      ? 'not yet'
      : `${user(s.confirmer)}${s.confirmedAt === undefined ? '' : ` at ${utcShort(s.confirmedAt, now)}`}`,
  ]);
  return pairs;
}

const BASIS_WORDS: Readonly<Record<string, string>> = {
  task_definitions: 'the chat-db task definition revisions',
  sessions: "the task definition revisions and this bot's own cutover times",
};

/** The restore mode and why: where the database lived when the point was taken, and the proof. */
function restoreModeText(plan: Extract<Plan, { kind: 'restore' }>): string {
  const evidence = plan.rootEvidence;
  const basis = evidence === undefined ? undefined : BASIS_WORDS[evidence.basis];
  const proof =
    basis === undefined || evidence?.root === undefined
      ? ''
      : ` (it lived in ${code(evidence.root)} then, per ${basis})`;
  if (plan.restoreMode.kind === 'item') return `item-level: only ${code(plan.restoreMode.path)}${proof}`;
  if (proof !== '') return `full volume${proof}`;
  const around =
    evidence?.basis === 'ambiguous'
      ? `a root change was under way then (${evidence.candidates.map(code).join(' or ')})`
      : 'the task definition revisions do not reach back that far';
  return `full volume: where the DB lived then is not proven (${around}); the data decides, or you will be asked`;
}

function expectedDuration(plan: Plan): string {
  const minutes = `about ${plan.expectedDurationMinutes} min`;
  if (plan.kind !== 'restore') return minutes;
  const e = plan.estimate;
  if (e === undefined) return `${minutes} (a default: no past restore of this volume to go by yet)`;
  const from = e.samples === 1 ? 'the last restore' : `the last ${e.samples} restores`;
  return `${minutes}: restore job ${e.jobMinutes} min (scaled by size), then ${e.afterJobMinutes} min to verified, from ${from} of this volume`;
}

/**
 * When the whole restore should be done (not only the AWS job): the job's own ETA where AWS gave
 * one, plus the measured time of the stages after it.
 */
function expectedFinish(s: RestoreSession, now: Date): string {
  const plan = s.plan;
  if (s.status !== 'running' || plan?.kind !== 'restore' || pastPointOfNoReturn(s)) return '';
  const afterJobMs = (plan.estimate?.afterJobMinutes ?? 8) * 60_000;
  const stage = runningStage(s);
  let endMs: number | undefined;
  if (stage === 'restore' && s.progress?.etaMinutes !== undefined) {
    endMs = now.getTime() + s.progress.etaMinutes * 60_000 + afterJobMs;
  } else if (stage === 'restore' || stage === undefined) {
    const started = Date.parse(s.confirmedAt ?? s.createdAt);
    endMs = started + plan.expectedDurationMinutes * 60_000;
  } else {
    const jobEnd = s.stages.find((st) => st.name === 'restore')?.endedAt;
    endMs = jobEnd === undefined ? undefined : Date.parse(jobEnd) + afterJobMs;
  }
  if (endMs === undefined || !Number.isFinite(endMs)) return '';
  return `:stopwatch: The whole restore should be done about ${utcShort(new Date(Math.max(endMs, now.getTime())), now)} (verified, not only the AWS job).`;
}

function lastSegment(nameOrArn: string): string {
  return nameOrArn.split('/').at(-1) ?? nameOrArn;
}

// -------------------------------------------------------------------------------------------
// Cleanup: the candidates, and the requester's choice

const MAX_CANDIDATE_LINES = 40;

function cleanupBlocks(s: RestoreSession): Block[] {
  const cleanup = s.cleanup;
  if (cleanup === undefined) return [];
  const chosen = new Set(cleanup.chosen);
  const lines = cleanup.candidates
    .slice(0, MAX_CANDIDATE_LINES)
    .map((c) => candidateLine(c, chosen.has(c.path)));
  const more = cleanup.candidates.length - MAX_CANDIDATE_LINES;
  if (more > 0) lines.push(`…and ${more} more`);
  const intro =
    cleanup.candidates.length === 0
      ? 'No restore or retired directories, AWS Backup leftovers or old database files were found besides the live root: nothing to clean up.'
      : '*What cleanup can remove from the chat-db volume:*';
  const blocks: Block[] = [
    section([intro, ...lines].join('\n'), { blockId: blockId('card', s.id, s.revision, 'candidates') }),
  ];
  if (s.status === 'awaiting_confirmation') {
    const chooser = cleanupChooser(s);
    if (chooser !== undefined) blocks.push(chooser);
  }
  return blocks;
}

/** Names of the database files at the volume root shown on the card (each is short). */
const MAX_FILE_NAMES = 60;

const KIND_WORDS: Readonly<Record<CleanupCandidate['kind'], string>> = {
  restore: 'restore',
  retired: 'retired',
  drill: 'left by a drill',
  failed_restore: 'left by a failed AWS Backup restore',
  lost_found: "AWS Backup's lost+found",
  root_files: 'the database before its first move away from the volume root',
};

/** What a candidate is called: its path, or for the database files at the volume root, their names. */
function candidateName(c: CleanupCandidate): string {
  if (c.files === undefined) return code(c.path);
  const shown = c.files.slice(0, MAX_FILE_NAMES).map((f) => code(`/${f}`));
  const more = c.files.length > MAX_FILE_NAMES ? ` and ${c.files.length - MAX_FILE_NAMES} more` : '';
  return `Database files at the volume root (${c.files.length}): ${shown.join(', ')}${more}`;
}

function candidateLine(c: CleanupCandidate, chosen: boolean): string {
  if (!c.deletable)
    return `:lock: ${candidateName(c)} · ${bytes(c.sizeBytes)} — kept: ${escapeText(c.whyNot ?? 'not deletable')}`;
  const retired = c.retiredAt === undefined ? '' : ` ${utc(c.retiredAt)}`;
  const kind =
    c.kind === 'retired'
      ? `retired${retired}`
      : c.kind === 'root_files' && retired !== ''
        ? `${KIND_WORDS[c.kind]}, live there until${retired}`
        : KIND_WORDS[c.kind];
  return `${chosen ? ':wastebasket:' : ':white_small_square:'} ${candidateName(c)} · ${bytes(c.sizeBytes)} · ${kind}${chosen ? ' · *chosen*' : ''}`;
}

/**
 * The multi-select of deletable directories. Option values are positions in the session's
 * candidate list: a path may be longer than an option value may be.
 */
export function cleanupChooser(s: RestoreSession): Block | undefined {
  const candidates = s.cleanup?.candidates ?? [];
  const deletable = candidates
    .map((c, index) => ({ c, index }))
    .filter(({ c }) => c.deletable)
    .slice(0, LIMITS.options);
  if (deletable.length === 0) return undefined;
  const chosen = new Set(s.cleanup?.chosen ?? []);
  const opts = deletable.map(({ c, index }) =>
    option({
      text: `${c.files === undefined ? c.path.slice(1) : `database files at the volume root (${c.files.length})`} (${bytes(c.sizeBytes)})`,
      value: String(index),
    }),
  );
  const initial = opts.filter((_, i) => chosen.has(deletable[i]?.c.path ?? ''));
  return actions(blockId('choose', s.id, s.revision), [
    {
      type: 'multi_static_select',
      action_id: ACTION_IDS.cleanupChoose,
      placeholder: { type: 'plain_text', text: 'Choose directories to delete' },
      options: opts,
      ...(initial.length === 0 ? {} : { initial_options: initial }),
    },
  ]);
}

/** Candidate paths named by the chooser's option values (positions); unknown ones are dropped. */
export function pathsFromOptions(s: RestoreSession, values: readonly string[]): string[] {
  const candidates = s.cleanup?.candidates ?? [];
  const paths: string[] = [];
  for (const v of values) {
    if (!/^\d{1,4}$/.test(v)) continue;
    const c = candidates[Number(v)];
    if (c !== undefined && !paths.includes(c.path)) paths.push(c.path);
  }
  return paths;
}

// -------------------------------------------------------------------------------------------
// Buttons

function buttonRow(s: RestoreSession): Block | undefined {
  const rev = s.revision;
  const cancel = button({
    text: 'Cancel',
    actionId: ACTION_IDS.cancel,
    value: s.id,
    confirm: cancelDialog(s),
  });
  switch (s.status) {
    case 'awaiting_confirmation':
    case 'staging': {
      if (s.planHash === undefined) return undefined;
      return actions(confirmBlockId(s.planHash, rev), [
        button({
          text: 'Confirm',
          actionId: ACTION_IDS.confirm,
          value: s.id,
          style: 'primary',
          confirm: confirmDialog(s),
        }),
        // Its dialog is a modal that asks for a reason (views/reject-dialog.ts).
        button({ text: 'Reject', actionId: ACTION_IDS.reject, value: s.id, style: 'danger' }),
        // The requester's: the stages before the cutover start now (views/staged.ts).
        ...(offersStaged(s) ? [startStagedButton(s)] : []),
        cancel,
      ]);
    }
    case 'awaiting_pick':
      return s.pick === undefined
        ? actions(blockId('run', s.id, rev), [cancel])
        : pickButtonRow(s, s.pick, cancel);
    case 'resolving':
      return actions(blockId('run', s.id, rev), [cancel]);
    case 'running':
      return pastPointOfNoReturn(s) ? undefined : actions(blockId('run', s.id, rev), [cancel]);
    default: {
      const follow = followUpButtons(s);
      return follow.length === 0 ? undefined : actions(blockId('done', s.id, rev), follow);
    }
  }
}

function followUpButtons(s: RestoreSession) {
  const rollback = button({ text: 'Rollback', actionId: ACTION_IDS.rollback, value: s.id });
  const cleanup = button({ text: 'Cleanup', actionId: ACTION_IDS.cleanup, value: s.id });
  if (s.kind === 'cleanup') return [];
  // A drill never cuts over; what it leaves is swept by the next drill, or by cleanup.
  if (s.kind === 'drill')
    return stageState(s, 'teardown')?.status === 'done' || s.status === 'running' ? [] : [cleanup];
  const cutOver = s.status === 'succeeded' || s.failure?.production === 'cut_over';
  // A cancelled restore job still finishes in AWS and leaves its directory; a failed one leaves none.
  const leftOver =
    s.aws.restoreDir !== undefined ||
    s.aws.flatDir !== undefined ||
    (s.status === 'cancelled' && s.aws.restoreJobId !== undefined);
  const list = [];
  const retry = retryButton(s);
  if (retry !== undefined) list.push(retry);
  if (cutOver) list.push(rollback);
  if (cutOver || leftOver) list.push(cleanup);
  return list;
}

/**
 * After a failed restore job, Retry restores the same point again; after a failed cut-over or
 * verify that left production on its old root, Retry cut-over reuses the restored directory.
 */
function retryButton(s: RestoreSession) {
  const f = s.failure;
  if (s.status !== 'failed' || s.kind !== 'restore' || f === undefined) return undefined;
  if (f.stage === 'restore') {
    return button({ text: 'Retry', actionId: ACTION_IDS.retryRestore, value: s.id, style: 'primary' });
  }
  const backOnOldRoot = f.production === 'unchanged' || f.production === 'rolled_back';
  if ((f.stage === 'cutover' || f.stage === 'verify') && backOnOldRoot && s.aws.flatDir !== undefined) {
    return button({
      text: 'Retry cut-over',
      actionId: ACTION_IDS.retryCutover,
      value: s.id,
      style: 'primary',
      confirm: {
        title: 'Retry the cut-over?',
        text: `This opens a new session that cuts chat-db over to ${s.aws.flatDir}, already restored and flattened; the restore job is not repeated. A second engineer confirms it as usual.`,
        confirm: 'Open it',
        deny: 'Not now',
      },
    });
  }
  return undefined;
}

// Dialog texts are plain_text (Slack's reference for the confirmation dialog object): no escaping.

function confirmDialog(s: RestoreSession) {
  const { from, to } = roots(s);
  const change =
    s.kind === 'cleanup'
      ? 'The chosen directories will be deleted for good.'
      : `chat-db will be switched from ${from ?? '?'} to ${to ?? '?'}; it restarts during the cutover.`;
  return {
    title: 'Confirm this plan?',
    text: `${sessionTitle(s)}. ${change} You confirm as the second engineer.`,
    confirm: 'Confirm',
    deny: 'Not yet',
  };
}

function cancelDialog(s: RestoreSession) {
  const job = s.aws.restoreJobId;
  const lost =
    s.staged !== undefined && s.confirmer === undefined
      ? STAGED_CANCEL
      : s.status === 'running'
        ? job === undefined
          ? ' The work done so far is thrown away.'
          : ` AWS Backup finishes restore job ${job} by itself; its directory is left for cleanup, and a new restore starts over.`
        : '';
  return {
    title: 'Cancel this session?',
    text: `${sessionTitle(s)} stops here.${lost} Production is not changed by cancelling.`,
    confirm: 'Cancel it',
    deny: 'Keep going',
    style: 'danger' as const,
  };
}
