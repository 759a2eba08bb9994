// The pick of a data dir, on the card and in the thread. When locate cannot prove which data dir
// holds the point's database, the card lists every one with its evidence; the requester presses
// "Use this one" on a complete one, and a second engineer presses "Confirm pick". The Confirm
// row's block id carries the pick's hash, as the plan's Confirm carries the plan's.

import type { CandidateEvidence } from '../../restore/data-evidence.js';
import type { DataDirPick } from '../../restore/pick.js';
import type { Notice, RestoreSession } from '../../restore/session.js';
import { ACTION_IDS } from '../ids.js';
import { actions, type Block, type Button, blockId, button, code, escapeText, section } from './blocks.js';
import type { CardContext } from './card.js';
import { approversMention, approversRule, bytes, user, utc, utcShort } from './format.js';
import { timeToConfirm } from './session-text.js';

/** At most this many candidates get a line (and a button) of their own on the card. */
export const MAX_PICK_LINES = 10;

const RELATION_WORDS: Readonly<Record<string, string>> = {
  in_window: "within the backup's window",
  older: 'before the backup: stale',
  after_backup: 'after the backup (restore-time stamps)',
  no_wiredtiger_files: 'no WiredTiger files',
};

/** One data dir with its evidence: path, depth, size, files, newest WiredTiger write. */
export function evidenceLine(entry: unknown): string {
  const c = (entry ?? {}) as Record<string, unknown>;
  const path = typeof c.path === 'string' ? c.path : '?';
  const newest = typeof c.newestWrite === 'string' ? utc(c.newestWrite, { seconds: true }) : 'never';
  const relation = RELATION_WORDS[String(c.relation)] ?? String(c.relation);
  const problem = typeof c.problem === 'string' ? ` · incomplete: ${escapeText(c.problem)}` : '';
  return `${code(`/${path}`)} · depth ${Number(c.depth)} · ${bytes(Number(c.sizeBytes))} · ${Number(c.fileCount)} files · newest WiredTiger write ${newest} (${relation})${problem}`;
}

/** The block id of a candidate's "Use this one": which session and which candidate. */
export function pickBlockId(sessionId: string, index: number, revision: number): string {
  return blockId('pick', sessionId, index, revision);
}

/** The candidate index a "Use this one" click names; undefined for any other block. */
export function pickIndexFromBlockId(id: string | undefined): number | undefined {
  const m = /^pick:[a-z0-9-]{1,64}:(\d{1,3}):\d+$/.exec(id ?? '');
  return m === null ? undefined : Number(m[1]);
}

/** The block id of the "Confirm pick" row: it binds a click to the pick the card showed. */
export function confirmPickBlockId(hash: string, revision: number): string {
  return blockId('pickconfirm', hash, revision);
}

/** The pick hash a "Confirm pick" click was bound to; undefined for any other block. */
export function pickHashFromBlockId(id: string | undefined): string | undefined {
  return /^pickconfirm:([0-9a-f]{64}):\d+$/.exec(id ?? '')?.[1];
}

/** What the situation line says while the session waits for a pick. */
export function pickSituation(
  s: RestoreSession,
  pick: DataDirPick,
  now: Date,
  rule: string,
  cancel: string,
): string {
  const expires = `Expires ${utcShort(s.expiresAt, now)} (${timeToConfirm(s, now)}).`;
  const next =
    pick.picked === undefined
      ? `Next: ${user(s.requester)} presses *Use this one* on the data dir that holds the point's database; then ${rule} presses *Confirm pick*; ${cancel}.`
      : `Next: ${rule} checks the evidence and presses *Confirm pick* for ${code(`/${pick.picked.path}`)}; ${user(s.requester)} can pick another one; ${cancel}.`;
  return `:large_orange_circle: *Waiting for a pick: which data dir holds the point's database is not proven.* ${escapeText(pick.why)} Nothing has moved. ${expires}\n${next}`;
}

/** The candidates, each with its evidence and, for a complete one not yet picked, its button. */
export function pickBlocks(s: RestoreSession, pick: DataDirPick): Block[] {
  const point = s.plan?.kind === 'restore' ? s.plan.recoveryPoint : undefined;
  const when =
    point === undefined
      ? ''
      : ` The point was taken ${utc(point.createdAt, { seconds: true })}${point.completedAt === undefined ? '' : `; its backup finished ${utc(point.completedAt, { seconds: true })}`}.`;
  const blocks: Block[] = [
    section(`*Data dirs in ${code(`/${pick.restoreDir}`)}:*${when}`, {
      blockId: blockId('card', s.id, s.revision, 'pickintro'),
    }),
  ];
  pick.candidates.slice(0, MAX_PICK_LINES).forEach((c, index) => {
    blocks.push(candidateBlock(s, pick, c, index));
  });
  const more = pick.candidates.length - MAX_PICK_LINES;
  if (more > 0) {
    blocks.push(section(`…and ${more} more, not shown; they cannot be picked here.`));
  }
  return blocks;
}

function candidateBlock(s: RestoreSession, pick: DataDirPick, c: CandidateEvidence, index: number): Block {
  const id = pickBlockId(s.id, index, s.revision);
  if (pick.picked?.path === c.path) {
    return section(`:point_right: ${evidenceLine(c)} · *picked by ${user(pick.picked.by)}*`, { blockId: id });
  }
  if (c.problem !== undefined) return section(`:no_entry_sign: ${evidenceLine(c)}`, { blockId: id });
  return section(`:white_small_square: ${evidenceLine(c)}`, {
    blockId: id,
    accessory: button({ text: 'Use this one', actionId: ACTION_IDS.pickDataDir, value: s.id }),
  });
}

/** Confirm pick (once there is one) and the card's Cancel. */
export function pickButtonRow(s: RestoreSession, pick: DataDirPick, cancel: Button): Block {
  const picked = pick.picked;
  if (picked === undefined) return actions(blockId('run', s.id, s.revision), [cancel]);
  return actions(confirmPickBlockId(picked.hash, s.revision), [
    button({
      text: 'Confirm pick',
      actionId: ACTION_IDS.confirmPick,
      value: s.id,
      style: 'primary',
      confirm: {
        title: 'Confirm this pick?',
        text: `The restore goes on with ${escapeText(`/${picked.path}`)} as the point's database, picked by the requester. You confirm as the second engineer.`,
        confirm: 'Confirm pick',
        deny: 'Not yet',
      },
    }),
    cancel,
  ]);
}

/** The thread's words for the pick's notices (and the expiry of a session waiting for one). */
export function pickNoticeText(n: Notice, s: RestoreSession, ctx: CardContext): string {
  const d = n.data ?? {};
  const path = typeof d.path === 'string' ? code(`/${d.path}`) : 'a data dir';
  const by = typeof d.by === 'string' ? user(d.by) : 'someone';
  switch (n.kind) {
    case 'pick_requested':
      return `:raising_hand: *Which data dir holds the point's database is not proven*: ${escapeText(String(d.why ?? ''))} Nothing has moved. ${user(s.requester)}: pick one on the card; then ${approversRule(ctx.approvers, s.requester)} confirms the pick.`;
    case 'picked':
      return `:point_right: ${by} picked ${path}. ${approversMention(ctx.approvers)}: check its evidence on the card and press *Confirm pick* (not ${by}).`;
    case 'pick_confirmed': {
      const pickedBy = typeof d.pickedBy === 'string' ? ` (picked by ${user(d.pickedBy)})` : '';
      return `:white_check_mark: *Pick confirmed by ${by}:* the restore goes on with ${path}${pickedBy}.`;
    }
    default: {
      const left =
        typeof d.leftForCleanup === 'string'
          ? `; ${code(d.leftForCleanup)} is left on the volume for \`cleanup\``
          : '';
      return `:white_circle: *Expired:* no data dir was picked and confirmed in time. Nothing has moved${left}.`;
    }
  }
}
