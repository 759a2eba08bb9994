// Every status against every event, for every kind of session: the table below must name an
// outcome for each pair (TypeScript refuses to compile it otherwise), so a new status or event
// cannot be added without deciding what it does everywhere.

import { describe, expect, it } from 'vitest';
import { changeSetName } from '../../src/restore/names.js';
import { templateSha256 } from '../../src/restore/plan.js';
import {
  nextPendingStage,
  type RestoreSession,
  runningStage,
  type SessionKind,
  type SessionStatus,
  undeliveredNotices,
} from '../../src/restore/session.js';
import {
  SESSION_EVENT_TYPES,
  type SessionEvent,
  type SessionEventType,
  transition,
} from '../../src/restore/transitions.js';
import {
  at,
  CANDIDATES,
  CONFIRMER,
  planFor,
  REQUESTER,
  RESTORE_DIR,
  sessionIn,
  stageReport,
  statusesOf,
  TWINS,
} from './session-fixtures.js';

// Compile-time: the list of event types is the whole union.
type Missing = Exclude<SessionEventType, (typeof SESSION_EVENT_TYPES)[number]>;
const everyEventListed: [Missing] extends [never] ? true : false = true;

/** `'<status>'`: accepted, landing in that status. `'!<code>'`: refused with that code. */
type Expect = SessionStatus | `!${string}`;
type Table = Record<SessionStatus, Record<SessionEventType, Expect>>;

const FINISHED_ROW = (status: SessionStatus): Record<SessionEventType, Expect> => ({
  resolved: '!finished',
  resolve_failed: '!finished',
  confirm: '!finished',
  reject: '!finished',
  cancel: '!finished',
  expire: '!finished',
  cleanup_choose: '!finished',
  stage_started: '!finished',
  stage_progress: '!finished',
  stage_checkpoint: '!finished',
  stage_done: '!finished',
  stage_failed: '!finished',
  pick_needed: '!finished',
  pick: '!finished',
  confirm_pick: '!finished',
  plan_changed: '!finished',
  resumed: '!finished',
  // Delivery receipts still land after the end: the summary is posted after the session ended.
  notice_posted: status,
  card_posted: status,
});

const RESTORE_TABLE: Table = {
  resolving: {
    resolved: 'awaiting_confirmation',
    resolve_failed: 'failed',
    confirm: '!not_ready',
    reject: '!not_ready',
    cancel: 'cancelled',
    expire: '!not_expired',
    cleanup_choose: '!unexpected_event',
    stage_started: '!wrong_stage',
    stage_progress: '!unexpected_event',
    stage_checkpoint: '!unexpected_event',
    stage_done: '!wrong_stage',
    stage_failed: 'failed',
    pick_needed: '!unexpected_event',
    pick: '!unexpected_event',
    confirm_pick: '!unexpected_event',
    plan_changed: '!unexpected_event',
    resumed: 'resolving',
    notice_posted: '!unknown_notice',
    card_posted: 'resolving',
  },
  awaiting_confirmation: {
    resolved: '!unexpected_event',
    resolve_failed: '!unexpected_event',
    confirm: 'running',
    reject: 'rejected',
    cancel: 'cancelled',
    expire: '!not_expired',
    cleanup_choose: '!unexpected_event',
    stage_started: '!unexpected_event',
    stage_progress: '!unexpected_event',
    stage_checkpoint: '!unexpected_event',
    stage_done: '!unexpected_event',
    stage_failed: '!unexpected_event',
    pick_needed: '!unexpected_event',
    pick: '!unexpected_event',
    confirm_pick: '!unexpected_event',
    plan_changed: 'awaiting_confirmation',
    resumed: 'awaiting_confirmation',
    notice_posted: 'awaiting_confirmation',
    card_posted: 'awaiting_confirmation',
  },
  // Locate found data dirs the evidence cannot tell apart; the plan is confirmed, nothing has moved.
  awaiting_pick: {
    resolved: '!unexpected_event',
    resolve_failed: '!unexpected_event',
    confirm: '!already_confirmed',
    reject: '!already_confirmed',
    cancel: 'cancelled',
    expire: '!not_expired',
    cleanup_choose: '!unexpected_event',
    stage_started: '!unexpected_event',
    stage_progress: '!unexpected_event',
    stage_checkpoint: '!unexpected_event',
    stage_done: '!unexpected_event',
    stage_failed: '!unexpected_event',
    pick_needed: '!unexpected_event',
    pick: 'awaiting_pick',
    // Nothing picked yet in the representative session.
    confirm_pick: '!nothing_picked',
    plan_changed: '!unexpected_event',
    resumed: 'awaiting_pick',
    notice_posted: 'awaiting_pick',
    card_posted: 'awaiting_pick',
  },
  running: {
    resolved: '!unexpected_event',
    resolve_failed: '!unexpected_event',
    confirm: '!already_confirmed',
    reject: '!already_confirmed',
    cancel: 'cancelled',
    expire: '!already_confirmed',
    cleanup_choose: '!unexpected_event',
    stage_started: '!wrong_stage',
    stage_progress: 'running',
    stage_checkpoint: 'running',
    stage_done: 'running',
    stage_failed: 'failed',
    // Its representative runs the restore job; only locate asks for a pick.
    pick_needed: '!wrong_stage',
    pick: '!unexpected_event',
    confirm_pick: '!unexpected_event',
    plan_changed: '!wrong_stage',
    resumed: 'running',
    notice_posted: 'running',
    card_posted: 'running',
  },
  succeeded: FINISHED_ROW('succeeded'),
  failed: FINISHED_ROW('failed'),
  cancelled: FINISHED_ROW('cancelled'),
  rejected: FINISHED_ROW('rejected'),
  expired: FINISHED_ROW('expired'),
};

/** Where the other kinds differ from a restore (their representative running stage differs). */
const OVERRIDES: Record<
  SessionKind,
  Partial<Record<SessionStatus, Partial<Record<SessionEventType, Expect>>>>
> = {
  restore: {},
  rollback: {
    // Running at the cutover, its point of no return; a changed stack sends it back to confirmation.
    running: { cancel: '!cancel_too_late', plan_changed: 'awaiting_confirmation' },
  },
  cleanup: {
    resolving: { cleanup_choose: '!not_ready' },
    awaiting_confirmation: { cleanup_choose: 'awaiting_confirmation' },
    // Running at the deletion: its point of no return, and its last stage.
    running: { cancel: '!cancel_too_late', cleanup_choose: '!already_confirmed', stage_done: 'succeeded' },
  },
};

const NOW = at(20 * 60_000);

function sampleEvent(type: SessionEventType, s: RestoreSession): SessionEvent {
  const running = runningStage(s);
  switch (type) {
    case 'resolved':
      return {
        type,
        plan: planFor(s.kind),
        ...(s.kind === 'cleanup' ? { cleanupCandidates: CANDIDATES } : {}),
      };
    case 'resolve_failed':
      return { type, reason: 'Stack with id rocket-chat does not exist', code: 'target_not_found' };
    case 'confirm':
      return { type, user: CONFIRMER, planHash: s.planHash ?? 'none', isApprover: true };
    case 'reject':
      return { type, user: CONFIRMER, isApprover: true };
    case 'cancel':
      return { type, user: REQUESTER, isApprover: false };
    case 'expire':
      return { type };
    case 'cleanup_choose':
      return { type, user: REQUESTER, paths: [CANDIDATES[1]?.path ?? ''] };
    case 'stage_started':
      return { type, stage: nextPendingStage(s) ?? 'verify' };
    case 'stage_progress':
      return { type, percentDone: 40, etaMinutes: 6 };
    case 'stage_checkpoint': {
      const stage = running ?? 'restore';
      if (stage === 'cutover') return { type, stage, aws: { changeSetName: changeSetName(s.id, s.attempt) } };
      if (stage === 'delete') return { type, stage, aws: { deletedPaths: [] } };
      return { type, stage, aws: { restoreJobId: 'rj-0001' } };
    }
    case 'stage_done':
      return stageReport(running ?? 'restore', s);
    case 'stage_failed':
      return { type, stage: running ?? 'restore', reason: 'Access Denied', production: 'unchanged' };
    case 'pick_needed':
      return {
        type,
        stage: 'locate',
        restoreDir: RESTORE_DIR,
        code: 'several_in_window',
        why: 'Two data dirs were written within the window.',
        candidates: TWINS,
      };
    case 'pick':
      return { type, user: REQUESTER, path: TWINS[0]?.path ?? '' };
    case 'confirm_pick':
      return { type, user: CONFIRMER, pickHash: s.pick?.picked?.hash ?? 'none', isApprover: true };
    case 'plan_changed': {
      const plan = s.plan ?? planFor(s.kind);
      const changed =
        plan.kind === 'cleanup'
          ? { ...plan, currentRoot: '/' }
          : { ...plan, templateSha256: templateSha256('v2') };
      return { type, plan: changed, changes: ['template'] };
    }
    case 'resumed':
      return { type };
    case 'notice_posted':
      return { type, id: undeliveredNotices(s)[0]?.id ?? 'none:none', ts: '1779271200.000100' };
    case 'card_posted':
      return { type, ts: '1779271200.000200' };
  }
}

describe('every status × every event', () => {
  it('lists every event type', () => {
    expect(everyEventListed).toBe(true);
    expect(new Set(SESSION_EVENT_TYPES).size).toBe(SESSION_EVENT_TYPES.length);
  });

  for (const kind of ['restore', 'rollback', 'cleanup'] as const) {
    describe(kind, () => {
      for (const status of statusesOf(kind)) {
        const base = sessionIn(status, kind);
        it(`${status} is reached`, () => {
          expect(base.status).toBe(status);
          expect(base.kind).toBe(kind);
        });
        for (const type of SESSION_EVENT_TYPES) {
          const expected = OVERRIDES[kind][status]?.[type] ?? RESTORE_TABLE[status][type];
          it(`${status} + ${type} → ${expected}`, () => {
            const before = structuredClone(base);
            const result = transition(base, sampleEvent(type, base), { now: NOW });
            // Pure: the input session is never touched, accepted or not.
            expect(base).toEqual(before);
            if (expected.startsWith('!')) {
              expect(result.ok ? `accepted as ${result.session.status}` : `!${result.code}`).toBe(expected);
              if (!result.ok) expect(result.reason.length).toBeGreaterThan(10);
            } else {
              expect(
                result.ok ? result.session.status : `!${result.ok || result.code}: ${result.reason}`,
              ).toBe(expected);
              if (result.ok) {
                expect(result.session.revision).toBe(base.revision + 1);
                expect(result.session.updatedAt).toBe(NOW.toISOString());
                // What is stored must survive JSON.
                expect(JSON.parse(JSON.stringify(result.session))).toEqual(result.session);
              }
            }
          });
        }
      }
    });
  }
});
