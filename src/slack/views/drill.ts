// The words of a drill: its situation on the card, its stages' notices, and its report (restorable
// or not, what the database holds, each stage's time, the projected RTO of a real restore), plus
// the last drill as a restore's plan card shows it. The restore machinery records the facts.

import type { ApproversSetting } from '../../config.js';
import { projectedRtoMs } from '../../restore/estimate.js';
import type { LastDrill } from '../../restore/plan.js';
import {
  type JsonValue,
  type Notice,
  type RestoreSession,
  runningStage,
  stageState,
} from '../../restore/session.js';
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
import { checkFacts, countsText, newestMessageText } from './check-text.js';
import { age, approversMention, formatDuration, user, utc } from './format.js';
import { productionLine, STAGE_LABELS } from './session-text.js';
import { timeline } from './summary.js';

function strings(v: JsonValue | undefined): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

/** What the rehearsed change set would change, as CloudFormation listed it. */
function changesText(value: JsonValue | undefined): string {
  if (value === undefined) return 'its changes were not read again after a restart';
  const changes = strings(value);
  return `it would change ${changes.length === 0 ? 'nothing' : changes.map((c) => escapeText(c)).join(', ')}`;
}

/** The drill's title: `Drill: restore chat-db from 2026-05-14 08:00 UTC`. */
export function drillTitle(s: RestoreSession): string {
  const plan = s.plan;
  if (plan?.kind === 'drill') return `Drill: restore chat-db from ${utc(plan.recoveryPoint.createdAt)}`;
  return `Drill: restore chat-db from ${s.pointInput?.replace(/[<>&*_~`]/g, '') ?? 'a recovery point'}`;
}

/** Restorable, not restorable, or not known yet, from the check stage. */
export function restorableText(s: RestoreSession): string {
  const check = stageState(s, 'check');
  if (check?.status === 'done') return 'yes: MongoDB opened the restored copy and validated it';
  if (check?.status === 'failed') {
    return s.failure?.code === 'check_failed'
      ? '*no*: MongoDB did not accept the restored copy'
      : '*not known*: the check could not run';
  }
  return '*not known*: the drill stopped before MongoDB could check the data';
}

/** Whose session took the drill over, when a restore did. */
function takenOverBy(s: RestoreSession): string | undefined {
  const m = /^taken over by session (\S+)$/.exec(s.ended?.reason ?? '');
  return m?.[1];
}

/** What the drill left behind for the next drill's teardown (or `cleanup`), in words. */
function leftBehind(s: RestoreSession): string {
  const torn = stageState(s, 'teardown');
  if (torn?.status === 'done') {
    const unlocated = torn.detail?.unlocatedRestoreJobId;
    return typeof unlocated === 'string'
      ? `nothing it could name; the directory of restore job ${code(unlocated)} was never located, so \`cleanup\` lists it`
      : 'nothing: its directories and its change set are gone';
  }
  const names = [
    ...(s.aws.restoreDir === undefined ? [] : [`/${s.aws.restoreDir}`]),
    ...(stageState(s, 'flatten')?.startedAt !== undefined && s.plan?.kind === 'drill'
      ? [s.plan.targetRoot]
      : []),
  ];
  const job =
    s.aws.restoreJobId !== undefined && s.aws.restoreDir === undefined
      ? `the directory restore job ${code(s.aws.restoreJobId)} makes (AWS Backup finishes it by itself)`
      : undefined;
  const changeSet =
    s.aws.changeSetName !== undefined && s.aws.changeSetDeletedAt === undefined
      ? `change set ${code(s.aws.changeSetName)} (never executed)`
      : undefined;
  const all = [
    ...names.map((n) => code(n)),
    ...(job === undefined ? [] : [job]),
    ...(changeSet ? [changeSet] : []),
  ];
  if (all.length === 0) return 'nothing';
  return `${all.join(', ')}: the next drill's teardown deletes them; \`cleanup\` lists the directories meanwhile`;
}

/** The report: restorable or not, the data, the projected RTO, the rehearsed change set, what is left. */
export function drillReportLines(s: RestoreSession): string[] {
  const lines = [`*Restorable:* ${restorableText(s)}.`];
  const facts = checkFacts(s);
  if (facts !== undefined) {
    const counts = countsText(facts);
    lines.push(`*The restored database:* ${newestMessageText(facts)}${counts === '' ? '' : `; ${counts}`}.`);
  }
  const rto = projectedRtoMs(s);
  if (rto !== undefined) {
    lines.push(
      `*Projected RTO of a real restore of this point:* about ${formatDuration(rto.totalMs)} (restore, locate, flatten and check as measured: ${formatDuration(rto.measuredMs)}; cutover and verify as this volume's restores took: ${formatDuration(rto.cutoverMs)}).`,
    );
  }
  const rehearse = stageState(s, 'rehearse');
  if (rehearse?.status === 'done') {
    lines.push(
      `*Rehearsed cutover:* change set ${code(s.aws.changeSetName ?? '?')} created and deleted, never executed; ${changesText(rehearse.detail?.changes)}.`,
    );
  }
  lines.push(`*Left behind:* ${leftBehind(s)}.`);
  return lines;
}

/** The drill's situation on its card. */
export function drillSituation(s: RestoreSession, approvers: ApproversSetting): string {
  switch (s.status) {
    case 'resolving':
      return ':hourglass_flowing_sand: *Working out the drill* from the stack and the recovery point. Production is never touched by a drill.';
    case 'running': {
      const stage = runningStage(s);
      const doing = stage === undefined ? 'starting the next stage' : STAGE_LABELS[stage];
      const failing =
        s.failure === undefined ? '' : ' The drill failed; it tears down what it made before it ends.';
      return `:arrows_counterclockwise: *Drill running: ${doing}.*${failing}\nProduction is not touched: the data goes to a drill directory, the change set is deleted unexecuted, and everything is torn down. A real \`start\` takes over at once.`;
    }
    case 'succeeded':
      return ':white_check_mark: *Drill done: the point is restorable.* Nothing was left behind and production was never touched.';
    case 'failed': {
      const notRestorable = s.failure?.stage === 'check' && s.failure.code === 'check_failed';
      const head = notRestorable
        ? ':x: *Drill: the point is NOT restorable.* MongoDB did not accept the restored copy.'
        : `:x: *Drill failed${s.failure === undefined ? '' : ` at: ${STAGE_LABELS[s.failure.stage]}`}.*`;
      const group = approvers.kind === 'anyone' ? '' : ` ${approversMention(approvers)}: please look.`;
      return `${head}${group} Production was never touched.`;
    }
    case 'cancelled': {
      const by = takenOverBy(s);
      const who = s.ended?.by === undefined ? '' : ` by ${user(s.ended.by)}`;
      return by === undefined
        ? `:white_circle: *Drill cancelled${who}.* Left behind: ${leftBehind(s)}.`
        : `:white_circle: *Drill gave way to restore session ${code(by)}*${who}: a restore never waits for a drill. Left behind: ${leftBehind(s)}.`;
    }
    default:
      return `:white_circle: *Drill ${s.status}.*`;
  }
}

/** The drill's own thread notices; undefined where the common words apply. */
export function drillNoticeText(
  n: Notice,
  s: RestoreSession,
  approvers: ApproversSetting,
): string | undefined {
  const took = (() => {
    const stage = s.stages.find((st) => st.name === n.stage);
    if (stage?.startedAt === undefined || stage.endedAt === undefined) return '';
    return ` in ${formatDuration(Date.parse(stage.endedAt) - Date.parse(stage.startedAt))}`;
  })();
  if (n.kind === 'started' && n.stage === 'rehearse') {
    return ':performing_arts: *Rehearsing the cutover:* the same template edit a real cutover makes, as a change set that is shown, then deleted, never executed.';
  }
  if (n.kind === 'started' && n.stage === 'teardown') {
    return ':broom: *Tearing the drill down:* its change set, its restore and drill directories (never the live root).';
  }
  if (n.kind === 'done' && n.stage === 'rehearse') {
    return `:white_check_mark: *Cutover rehearsed*${took}: change set ${code(s.aws.changeSetName ?? '?')}: ${changesText(n.data?.changes)}; deleted, never executed.`;
  }
  if (n.kind === 'done' && n.stage === 'teardown') {
    const deleted = strings(n.data?.deleted);
    return `:white_check_mark: *Torn down*${took}: ${deleted.length === 0 ? 'nothing was left to delete' : deleted.map((p) => code(`/${p}`)).join(', ')}.`;
  }
  if (n.kind === 'failed' && n.stage === 'teardown') {
    const group = approvers.kind === 'anyone' ? '' : `${approversMention(approvers)}: `;
    return `:x: ${group}*The drill's teardown failed*; something may be left behind. ${codeBlock(s.failure?.reason ?? '')}`;
  }
  if (n.kind === 'failed' && n.stage !== undefined && n.stage !== 'check' && n.stage !== 'resolve') {
    const reason = typeof n.data?.reason === 'string' ? n.data.reason : (s.failure?.reason ?? '');
    return `:x: *${STAGE_LABELS[n.stage]} failed in the drill.* ${codeBlock(reason)}\n*Next:* ${drillNext(s)}`;
  }
  if (n.kind === 'cancelled') return drillSituation(s, approvers);
  return undefined;
}

/** What to do after a failed drill: production was never touched, and the drill tears down. */
export function drillNext(s: RestoreSession): string {
  const torn = stageState(s, 'teardown')?.status;
  const teardown =
    torn === 'done'
      ? 'it tore down what it made'
      : torn === 'failed'
        ? 'its teardown failed: `cleanup` lists what is left'
        : 'it tears down what it made';
  return `Production was never touched and ${teardown}. Read the reason, fix what it names, and run \`drill\` again before relying on this backup.`;
}

/** The drill's report, posted in its thread at the end; loud when the drill failed. */
export function drillSummaryMessage(s: RestoreSession, approvers: ApproversSetting): SlackMessage {
  const rev = s.revision;
  const failed = s.status === 'failed';
  const group = failed && approvers.kind !== 'anyone' ? `${approversMention(approvers)}: ` : '';
  const head = failed
    ? `:rotating_light: ${group}*${escapeText(drillTitle(s))}: failed.*`
    : `:white_check_mark: *${escapeText(drillTitle(s))}: done.*`;
  const blocks: Block[] = [
    section(`${head}\n${drillReportLines(s).join('\n')}`, { blockId: blockId('drill', s.id, rev) }),
  ];
  const line = timeline(s);
  if (line !== '')
    blocks.push(section(`\`\`\`${line}\`\`\``, { blockId: blockId('drill', s.id, rev, 'timeline') }));
  const diff = s.aws.templateDiff;
  if (diff !== undefined && diff !== '') {
    blocks.push(
      section(`*The template edit a real cutover would make:*\n${codeBlock(diff, 2600)}`, {
        blockId: blockId('drill', s.id, rev, 'diff'),
      }),
    );
  }
  blocks.push(context([productionLine(s)]));
  const text = `${drillTitle(s)}: ${failed ? 'failed' : 'done'}. Restorable: ${restorableText(s).replace(/\*/g, '')}.`;
  return { text: messageText(`${group}${text}`), blocks };
}

/** "last drill 2 days ago: point 2026-05-14 08:00 UTC, restorable, 14 min", for a restore's plan card. */
export function lastDrillText(drill: LastDrill | undefined, now: Date): string {
  if (drill === undefined) return 'none yet: `drill` rehearses a restore without touching production';
  const minutes = drill.projectedMinutes === undefined ? '' : `, ${drill.projectedMinutes} min`;
  return `${age(drill.at, now)}: point ${utc(drill.pointCreatedAt)}, ${drill.restorable ? 'restorable' : '*not restorable*'}${minutes} (session ${code(drill.sessionId)})`;
}

/** The placeholder of a scheduled drill's card, before its session exists. */
export function scheduledDrillPlaceholder(at: Date): string {
  return `:alarm_clock: *Scheduled drill* (${utc(at)}): rehearsing a restore of the latest recovery point. Working out the plan…`;
}

/** A scheduled drill that did not run because another session holds chat-db. */
export function scheduledDrillSkipped(at: Date, holder: { sessionId?: string; requester?: string }): string {
  const who = holder.requester === undefined ? 'someone' : user(holder.requester);
  const id = holder.sessionId === undefined ? '' : ` ${code(holder.sessionId)}`;
  return `:white_circle: *Scheduled drill skipped* (${utc(at)}): session${id} of ${who} holds chat-db, and a drill never interrupts another session. The next scheduled drill runs as usual.`;
}

/** A scheduled drill that could not start at all: loud, since nobody asked for it and nobody is watching. */
export function scheduledDrillNotStarted(at: Date, reason: string, approvers: ApproversSetting): string {
  const group = approvers.kind === 'anyone' ? '' : `${approversMention(approvers)}: `;
  return `:rotating_light: ${group}*The scheduled drill* (${utc(at)}) *could not start.* ${codeBlock(reason)}`;
}
