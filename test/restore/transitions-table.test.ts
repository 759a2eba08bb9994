// Every status against every event, for every kind of session, driven through transition()
// against the lifecycle table in src (src/restore/lifecycle.ts). The table names an outcome for each
// pair (TypeScript refuses to compile it otherwise), so a new status or event cannot be added
// without deciding what it does everywhere. Each pair is tried with one representative event
// (sampleEvent below); where that event's own checks decide, SAMPLE_OUTCOMES says what they decide.

import { describe, expect, it } from 'vitest';
import { LIFECYCLE } from '../../src/restore/lifecycle.js';
import { changeSetName } from '../../src/restore/names.js';
import { templateSha256 } from '../../src/restore/plan.js';
import {
  nextPendingStage,
  type RestoreSession,
  runningStage,
  SESSION_STATUSES,
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
type Outcomes = Partial<Record<SessionStatus, Partial<Record<SessionEventType, Expect>>>>;

const RESTORE_OR_ROLLBACK: Outcomes = {
  // A cleanup's choice, sent to another kind: refused before the status is looked at. Only a
  // drill gives way to another session: take_over is refused the same way.
  resolving: {
    cleanup_choose: '!unexpected_event',
    take_over: '!unexpected_event',
    resolved: 'awaiting_confirmation',
  },
  awaiting_confirmation: { cleanup_choose: '!unexpected_event' },
  awaiting_pick: {
    cleanup_choose: '!unexpected_event',
    // The sample's plan was confirmed before locate asked for the pick.
    confirm: '!already_confirmed',
    reject: '!already_confirmed',
  },
  running: {
    cleanup_choose: '!unexpected_event',
    take_over: '!unexpected_event',
    // The stage reported is not the last one.
    stage_done: 'running',
    stage_failed: 'failed',
  },
};

/** Only a restore restores before its confirmation: start_staged elsewhere is refused first. */
const NOT_STAGED: Outcomes = {
  resolving: { start_staged: '!unexpected_event' },
  awaiting_confirmation: { start_staged: '!unexpected_event' },
  running: { start_staged: '!unexpected_event' },
};

const EVERY_KIND: Outcomes = {
  resolving: {
    // Before the session's expiresAt.
    expire: '!not_expired',
    // The sample names the next pending stage; only resolve starts here, and it already runs.
    stage_started: '!wrong_stage',
    // The sample reports resolve, which ends with `resolved` or `resolve_failed`: refused first.
    stage_done: '!wrong_stage',
    // No notice has been added yet.
    notice_posted: '!unknown_notice',
  },
  awaiting_confirmation: { expire: '!not_expired' },
  awaiting_pick: {
    expire: '!not_expired',
    // Nothing picked yet in the sample session.
    confirm_pick: '!nothing_picked',
  },
  // A stage is running: no other can start. Only locate asks for a pick, and the sample's running
  // stage is not locate.
  running: { stage_started: '!wrong_stage', pick_needed: '!wrong_stage' },
  // Restoring before the confirmation: the same, and the stage reported (restore) is not the last
  // before the cutover; the deadline is still ahead.
  staging: {
    expire: '!not_expired',
    stage_started: '!wrong_stage',
    pick_needed: '!wrong_stage',
    stage_done: 'staging',
  },
  // None of the sample ended sessions restored before its confirmation: no teardown to record.
  succeeded: { teardown_done: '!unexpected_event' },
  failed: { teardown_done: '!unexpected_event' },
  cancelled: { teardown_done: '!unexpected_event' },
  rejected: { teardown_done: '!unexpected_event' },
  expired: { teardown_done: '!unexpected_event' },
};

/** What the sample event's own checks decide, where the table's cell alone does not say. */
const SAMPLE_OUTCOMES: Record<SessionKind, Outcomes> = {
  restore: merge(RESTORE_OR_ROLLBACK, {
    // Running its restore stage, well before the cutover.
    running: { plan_changed: '!wrong_stage' },
  }),
  rollback: merge(RESTORE_OR_ROLLBACK, NOT_STAGED, {
    // Running at the cutover, its point of no return; a changed stack sends it back to confirmation.
    running: { cancel: '!cancel_too_late' },
  }),
  cleanup: merge(NOT_STAGED, {
    resolving: { take_over: '!unexpected_event', resolved: 'awaiting_confirmation' },
    // Running at the deletion: its point of no return, and its last stage. Its plan never changes
    // once confirmed.
    running: {
      cancel: '!cancel_too_late',
      stage_done: 'succeeded',
      stage_failed: 'failed',
      plan_changed: '!wrong_stage',
      take_over: '!unexpected_event',
    },
  }),
  drill: merge(NOT_STAGED, {
    // Nobody confirms a drill: resolved, it runs.
    resolving: { resolved: 'running', cleanup_choose: '!unexpected_event' },
    running: {
      cleanup_choose: '!unexpected_event',
      // The stage reported is not the last one.
      stage_done: 'running',
      // A drill's failure first runs its teardown.
      stage_failed: 'running',
      // Its plan never changes: it has no cutover to renew.
      plan_changed: '!wrong_stage',
    },
  }),
};

/** EVERY_KIND's outcomes, then each part's over them. */
function merge(...parts: Outcomes[]): Outcomes {
  const out: Outcomes = {};
  for (const status of SESSION_STATUSES) {
    const row = Object.assign({}, EVERY_KIND[status], ...parts.map((part) => part[status]));
    if (Object.keys(row).length > 0) out[status] = row;
  }
  return out;
}

/** The outcome expected of the sample event: SAMPLE_OUTCOMES, else the table's cell. */
function expectedOutcome(kind: SessionKind, status: SessionStatus, type: SessionEventType): Expect {
  const sample = SAMPLE_OUTCOMES[kind][status]?.[type];
  if (sample !== undefined) return sample;
  const cell = LIFECYCLE[status][type];
  if ('refuse' in cell) return `!${cell.refuse}`;
  const [only, ...more] = cell.to;
  if (only === undefined || more.length > 0) throw new Error(`${kind}: say where ${status} + ${type} lands`);
  return only;
}

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
    case 'take_over':
      return { type, by: CONFIRMER, sessionId: 'r20260518-zzzzzz' };
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
    case 'start_staged':
      return { type, user: REQUESTER, planHash: s.planHash ?? 'none' };
    case 'teardown_done':
      return { type, deleted: [], absent: [], left: [] };
  }
}

describe('every status × every event', () => {
  it('lists every event type', () => {
    expect(everyEventListed).toBe(true);
    expect(new Set(SESSION_EVENT_TYPES).size).toBe(SESSION_EVENT_TYPES.length);
  });

  for (const kind of ['restore', 'rollback', 'cleanup', 'drill'] as const) {
    describe(kind, () => {
      for (const status of statusesOf(kind)) {
        const base = sessionIn(status, kind);
        it(`${status} is reached`, () => {
          expect(base.status).toBe(status);
          expect(base.kind).toBe(kind);
        });
        for (const type of SESSION_EVENT_TYPES) {
          const expected = expectedOutcome(kind, status, type);
          const cell = LIFECYCLE[status][type];
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
              // Accepted: only where the status lets the event through, into a status it lists.
              expect('to' in cell && cell.to.includes(expected as SessionStatus)).toBe(true);
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
