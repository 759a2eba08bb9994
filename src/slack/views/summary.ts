// The end of a session: each stage's duration as a small text timeline, the recovery time, the
// data-loss window, the template change to check in, and the follow-ups.

import { recoveryTimeMs, stageDurations } from '../../restore/duration.js';
import type { RestoreSession } from '../../restore/session.js';
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
  messageText,
  type SlackMessage,
  section,
} from './blocks.js';
import { checkFacts, checkFigures, newestMessageText } from './check-text.js';
import { consoleLinksLine } from './console-links.js';
import { formatDuration, utc } from './format.js';
import { productionLine, roots, sessionTitle } from './session-text.js';
import { postmortemTimeline } from './timeline.js';

const BAR_WIDTH = 12;

/** A fixed-width timeline, one stage a line: `restore    ████████████ 38m 12s`. */
export function timeline(s: RestoreSession): string {
  const durations = stageDurations(s);
  if (durations.length === 0) return '';
  const longest = Math.max(1, ...durations.map((d) => d.ms));
  const label = Math.max(...durations.map((d) => d.stage.length));
  return durations
    .map(({ stage, ms }) => {
      const filled = ms === 0 ? 0 : Math.max(1, Math.round((ms / longest) * BAR_WIDTH));
      const bar = `${'█'.repeat(filled)}${' '.repeat(BAR_WIDTH - filled)}`;
      return `${stage.padEnd(label)} ${bar} ${formatDuration(ms)}`;
    })
    .join('\n');
}

/**
 * How much chat history the restore gives up: from the point's time to the moment chat-db
 * switched to the restored data (the end of the cutover), or to now while it has not.
 */
export function dataLossWindowMs(s: RestoreSession, now: Date): number | undefined {
  if (s.plan?.kind !== 'restore') return undefined;
  const cut = s.stages.find((st) => st.name === 'cutover');
  const end = cut?.status === 'done' && cut.endedAt !== undefined ? Date.parse(cut.endedAt) : now.getTime();
  return Math.max(0, end - Date.parse(s.plan.recoveryPoint.createdAt));
}

/** The measured figures, as label/value pairs. */
export function figures(s: RestoreSession, now: Date): [string, string][] {
  const pairs: [string, string][] = [];
  const rto = recoveryTimeMs(s, now);
  // A cleanup recovers nothing: its time is not an RTO.
  if (rto !== undefined && s.kind !== 'cleanup') {
    const from = s.staged === undefined ? 'confirmation' : 'Start restoring now';
    pairs.push(['Total RTO', `${formatDuration(rto)} (${from} to verified)`]);
  }
  const loss = dataLossWindowMs(s, now);
  const facts = checkFacts(s);
  if (facts !== undefined) {
    // Read from the data: what the restored database itself holds, up to the switch to it.
    const newest = facts.newestMessageAt == null ? Number.NaN : Date.parse(facts.newestMessageAt);
    const cut = s.stages.find((st) => st.name === 'cutover');
    const end = cut?.status === 'done' && cut.endedAt !== undefined ? Date.parse(cut.endedAt) : now.getTime();
    const span = Number.isNaN(newest) ? '' : `${formatDuration(Math.max(0, end - newest))}: `;
    pairs.push(['Data-loss window', `${span}${newestMessageText(facts)}`]);
    pairs.push(...checkFigures(s).slice(1));
  } else if (loss !== undefined && s.plan?.kind === 'restore') {
    pairs.push([
      'Data-loss window',
      `${formatDuration(loss)}: chat written after ${utc(s.plan.recoveryPoint.createdAt)} is not in the restored database`,
    ]);
  }
  return pairs;
}

export type MergeRequestOutcome =
  | { kind: 'opened'; url: string; reused: boolean }
  | { kind: 'unchanged'; path: string }
  | { kind: 'failed'; reason: string };

export interface SummaryExtras {
  /** The uploaded diff, or why it could not be uploaded. */
  diff?: { ok: true; name: string; permalink?: string } | { ok: false; reason: string };
  /** Undefined when GitLab is not configured. */
  mergeRequest?: MergeRequestOutcome;
  /** The infra repo path of the template (CHATDB_GITLAB_TEMPLATE_PATH), when known. */
  templatePath?: string;
}

/** The summary posted in the card's thread at the end of a successful session. */
export function summaryMessage(s: RestoreSession, now: Date, extras: SummaryExtras = {}): SlackMessage {
  const { from, to } = roots(s);
  const blocks: Block[] = [];
  const rev = s.revision;
  let headline: string;
  if (s.kind === 'cleanup') {
    const deleted = s.aws.deletedPaths ?? [];
    headline = `:white_check_mark: *Cleanup done:* ${deleted.length} ${deleted.length === 1 ? 'directory' : 'directories'} deleted.`;
    if (deleted.length > 0) headline += `\n${deleted.map((p) => `• ${code(p)}`).join('\n')}`;
  } else {
    const what =
      s.kind === 'rollback'
        ? 'rolled back'
        : `restored from ${escapeText(sessionTitle(s).replace(/^Restore chat-db from /, ''))}`;
    headline = `:white_check_mark: *chat-db ${what}.* It runs on ${to === undefined ? 'the new root' : code(to)}${from === undefined ? '' : ` (was ${code(from)})`} and its task is healthy.`;
  }
  blocks.push(section(headline, { blockId: blockId('summary', s.id, rev, 'head') }));
  const line = timeline(s);
  if (line !== '')
    blocks.push(section(`\`\`\`${line}\`\`\``, { blockId: blockId('summary', s.id, rev, 'timeline') }));
  const pairs = figures(s, now);
  if (pairs.length > 0) blocks.push(...fields(pairs, blockId('summary', s.id, rev, 'figures')));
  if (s.kind !== 'cleanup') {
    blocks.push(section(followUps(s, from, extras), { blockId: blockId('summary', s.id, rev, 'next') }));
  }
  blocks.push(section(postmortemTimeline(s), { blockId: blockId('summary', s.id, rev, 'postmortem') }));
  const links = consoleLinksLine(s);
  if (links !== '') blocks.push(context([links]));
  blocks.push(context([productionLine(s)]));
  if (s.kind !== 'cleanup') {
    blocks.push(
      actions(blockId('summary', s.id, rev), [
        button({ text: 'Rollback', actionId: ACTION_IDS.rollback, value: s.id }),
        button({ text: 'Cleanup', actionId: ACTION_IDS.cleanup, value: s.id }),
      ]),
    );
  }
  const rto = recoveryTimeMs(s, now);
  const took = rto === undefined || s.kind === 'cleanup' ? '' : ` in ${formatDuration(rto)}`;
  const text = `${sessionTitle(s)}: done${took}. ${productionLine(s).replace(/^:[a-z_]+: /, '')}`;
  return { text: messageText(text), blocks };
}

function followUps(s: RestoreSession, from: string | undefined, extras: SummaryExtras): string {
  const lines = ['*Follow-ups*'];
  const path = extras.templatePath === undefined ? 'the stack template' : code(extras.templatePath);
  const diff = extras.diff;
  if (s.aws.templateDiff === undefined) {
    lines.push(
      '• The template change was not recorded; compare the stack template with the infra repo by hand.',
    );
  } else if (diff === undefined || diff.ok) {
    const file = diff?.ok
      ? ` (${diff.permalink === undefined ? code(diff.name) : `<${diff.permalink}|${escapeText(diff.name)}>`})`
      : '';
    lines.push(`• Check in the template change to ${path}: the diff is attached in this thread${file}.`);
  } else {
    lines.push(
      `• Check in the template change to ${path}: the diff could not be uploaded (${escapeText(diff.reason)}); it is in the bot's session file.`,
    );
  }
  const mr = extras.mergeRequest;
  if (mr?.kind === 'opened')
    lines.push(
      `• Merge request ${mr.reused ? '(already open)' : 'opened'}: <${mr.url}|review and merge it>.`,
    );
  else if (mr?.kind === 'unchanged')
    lines.push(`• GitLab's ${code(mr.path)} already has this root; no merge request needed.`);
  else if (mr?.kind === 'failed')
    lines.push(`• The merge request could not be opened: ${escapeText(mr.reason)}. Apply the diff by hand.`);
  lines.push(
    `• *Rollback* (button below, or \`/chatdb-restore rollback\`) points chat-db back at ${from === undefined ? 'its previous root' : code(from)}; it needs a second engineer too.`,
  );
  lines.push(
    '• *Cleanup* lists old restore directories with their sizes; the previous root stays protected for 24 hours.',
  );
  return lines.join('\n');
}
