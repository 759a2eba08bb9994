// Picking a data dir (pick.ts): locate asks (pick_needed), the requester picks (pick), a second
// engineer confirms (confirm_pick).

import type { CandidateEvidence } from '../data-evidence.js';
import type { Refusal } from '../errors.js';
import { type DataDirPick, isCandidate, pickable, pickHash } from '../pick.js';
import {
  type JsonValue,
  nextPendingStage,
  type RestoreSession,
  type SessionEffect,
  stageState,
} from '../session.js';
import { endStage, notify } from './draft.js';
import { activeStage, approverGate, expired, expiredRefusal, refuse } from './gates.js';
import { mergeReports } from './reports.js';
import type { EventOf, Step } from './step.js';

/** Locate ends without a choice: the session waits, with nothing moved, for the engineers' pick. */
export function askForPick(
  d: RestoreSession,
  e: EventOf<'pick_needed'>,
  { nowDate, effects }: Step,
): Refusal | undefined {
  const stage = activeStage(d, e.stage);
  if (typeof stage !== 'string') return stage;
  if (stage !== 'locate' || d.kind !== 'restore') {
    return refuse('wrong_stage', `Only a restore's locate stage asks for a pick, not ${stage}.`, { stage });
  }
  const candidates = Array.isArray(e.candidates) ? e.candidates : [];
  if (!candidates.every((c) => isCandidate(c, e.restoreDir)) || pickable({ candidates }).length === 0) {
    return refuse('invalid_checkpoint', 'A pick needs complete data dirs inside the new restore dir.');
  }
  const merged = mergeReports(d, { restoreDir: e.restoreDir }, undefined);
  if (merged !== undefined) return merged;
  const now = nowDate.toISOString();
  endStage(d, 'locate', 'done', now, undefined, {
    restoreDir: e.restoreDir,
    unproven: e.code,
    candidates: structuredClone(candidates) as unknown as JsonValue,
  });
  d.pick = {
    restoreDir: e.restoreDir,
    code: e.code,
    why: e.why,
    candidates: structuredClone(candidates),
    askedAt: now,
  };
  d.status = 'awaiting_pick';
  delete d.progress;
  renewExpiry(d, nowDate, effects);
  notify(d, effects, now, 'locate', 'pick_requested', { why: e.why, expiresAt: d.expiresAt });
  return undefined;
}

export function pickDataDir(
  d: RestoreSession,
  e: EventOf<'pick'>,
  { nowDate, effects }: Step,
): Refusal | undefined {
  const gate = pickGate(d, nowDate);
  if (gate !== undefined) return gate;
  const pick = d.pick as DataDirPick;
  if (e.user !== d.requester) {
    return refuse('not_requester', 'Only the engineer who asked for this restore picks the data dir.', {
      what: 'pick',
    });
  }
  if (!pickable(pick).some((c) => c.path === e.path)) {
    return refuse('invalid_choice', 'That is not one of the complete data dirs found.', {
      what: 'pick',
      paths: [String(e.path)],
    });
  }
  if (pick.picked?.path === e.path) return refuse('pick_unchanged', `/${e.path} is already the pick.`);
  const now = nowDate.toISOString();
  const hash = pickHash({
    sessionId: d.id,
    planHash: d.planHash ?? '',
    restoreDir: pick.restoreDir,
    path: e.path,
  });
  pick.picked = { path: e.path, by: e.user, at: now, hash };
  renewExpiry(d, nowDate, effects);
  notify(d, effects, now, 'locate', 'picked', { path: e.path, by: e.user, expiresAt: d.expiresAt });
  return undefined;
}

export function confirmPick(
  d: RestoreSession,
  e: EventOf<'confirm_pick'>,
  { nowDate, effects }: Step,
): Refusal | undefined {
  const gate = pickGate(d, nowDate);
  if (gate !== undefined) return gate;
  const pick = d.pick as DataDirPick;
  const picked = pick.picked;
  if (picked === undefined) return refuse('nothing_picked', 'No data dir has been picked yet.');
  if (e.user === d.requester) {
    return refuse('self_confirm', 'You asked for this session; a second engineer must confirm the pick.');
  }
  const approver = approverGate(e.isApprover, 'confirm');
  if (approver !== undefined) return approver;
  if (e.pickHash !== picked.hash) {
    return refuse('pick_changed', 'The pick changed since this card was shown; confirm the current pick.', {
      current: picked.path,
    });
  }
  const chosen = pick.candidates.find((c) => c.path === picked.path) as CandidateEvidence;
  const merged = mergeReports(
    d,
    { dataDir: chosen.path, dataSizeBytes: chosen.sizeBytes, dataFileCount: chosen.fileCount },
    undefined,
  );
  if (merged !== undefined) return merged;
  const now = nowDate.toISOString();
  pick.confirmer = e.user;
  pick.confirmedAt = now;
  const locate = stageState(d, 'locate');
  if (locate !== undefined) {
    locate.detail = {
      ...(locate.detail ?? {}),
      dataDir: chosen.path,
      sizeBytes: chosen.sizeBytes,
      fileCount: chosen.fileCount,
      rule: 'picked',
    };
  }
  // Staged and not yet confirmed: the work goes on, the cutover still waits for the confirmation.
  d.status = d.confirmer === undefined && d.staged !== undefined ? 'staging' : 'running';
  const next = nextPendingStage(d);
  if (next !== undefined) effects.push({ type: 'run_stage', stage: next });
  notify(d, effects, now, 'locate', 'pick_confirmed', { path: chosen.path, by: e.user, pickedBy: picked.by });
  return undefined;
}

/** A pick or its confirmation (lifecycle.ts lets them through only while awaiting_pick): not past the deadline. */
function pickGate(d: RestoreSession, now: Date): Refusal | undefined {
  return expired(d, now) ? expiredRefusal(d) : undefined;
}

/** Someone has the session's TTL from now to act; the expiry timer is re-armed. */
function renewExpiry(d: RestoreSession, nowDate: Date, effects: SessionEffect[]): void {
  d.expiresAt = new Date(nowDate.getTime() + d.confirmTtlMs).toISOString();
  effects.push({ type: 'await_confirmation', expiresAt: d.expiresAt });
}
