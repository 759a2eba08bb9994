// Old buttons: a Start on a list, a Rollback or a Retry on a card, each acts only on what it was
// shown for. When sessions since then have changed chat-db or hold it, the click is answered
// privately with what happened, and nothing starts.

import type { RestoreService } from '../restore/service.js';
import { isOpen, type RestoreSession, stageState } from '../restore/session.js';
import type { ActionContext } from './actions/types.js';
import { replyPrivately } from './reply.js';
import { code, escapeText } from './views/blocks.js';
import { user, utc } from './views/format.js';
import { STAGE_LABELS, sessionTitle } from './views/session-text.js';

/** Sessions created after `at` (other than `except`) that are open or cut chat-db over. */
export function happenedSince(restore: RestoreService, at: Date, except?: string): RestoreSession[] {
  return restore
    .since(at)
    .filter((s) => s.id !== except && (isOpen(s) || stageState(s, 'cutover')?.status === 'done'));
}

/** The private answer to an out-of-date button: what it was for, what happened since, what to do. */
export function supersededText(
  what: string,
  at: Date,
  since: readonly RestoreSession[],
  next: string,
): string {
  const lines = since.slice(-5).map((s) => `• ${sessionLine(s)}`);
  return [
    `:information_source: ${what} is from ${utc(at)}; chat-db moved on since, so nothing was started:`,
    ...lines,
    next,
  ].join('\n');
}

function sessionLine(s: RestoreSession): string {
  const title = `*${escapeText(sessionTitle(s))}* (session ${code(s.id)}, asked by ${user(s.requester)} at ${utc(s.createdAt)})`;
  if (isOpen(s)) {
    const stage = s.stages.find((st) => st.status === 'running')?.name;
    const waiting =
      s.status === 'awaiting_confirmation' || s.status === 'staging'
        ? 'waiting for a confirmation'
        : s.status === 'awaiting_pick'
          ? 'waiting for the engineers to pick the data dir'
          : undefined;
    return `${title}: ${waiting ?? `running${stage === undefined ? '' : `: ${STAGE_LABELS[stage]}`}`}`;
  }
  const cut = stageState(s, 'cutover')?.endedAt;
  return `${title}: cut over${cut === undefined ? '' : ` at ${utc(cut)}`}, ${s.status}`;
}

/**
 * For a button on `s`'s card: when sessions since `s` changed or hold chat-db, answers the clicker
 * privately with what happened and returns true (the click must do nothing).
 */
export async function refusedAsSuperseded(
  ctx: ActionContext,
  s: RestoreSession,
  what: string,
  next: string,
): Promise<boolean> {
  const at = new Date(s.createdAt);
  const since = happenedSince(ctx.deps.restore, at, s.id);
  if (since.length === 0) return false;
  await replyPrivately(ctx, { text: supersededText(what, at, since, next) });
  return true;
}
