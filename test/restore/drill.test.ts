// A drill's rows of the state machine, its plan's checks, what an ended drill leaves for the next
// one to sweep, and what drills add to the estimate: pure, no AWS.

import { describe, expect, it } from 'vitest';
import { drillLeftovers, leftoversOf } from '../../src/restore/drill-leftovers.js';
import {
  DEFAULT_CUTOVER_VERIFY_MS,
  lastDrill,
  projectedRtoMs,
  restoreSamples,
} from '../../src/restore/estimate.js';
import { drillChangeSetName, drillDirName } from '../../src/restore/names.js';
import { type DrillPlan, planProblems } from '../../src/restore/plan.js';
import type { RestoreSession } from '../../src/restore/session.js';
import {
  apply,
  at,
  awaiting,
  CONFIRMER,
  LIVE_ROOT,
  OUTSIDER,
  POINT,
  planFor,
  REQUESTER,
  RESTORE_DIR,
  runUntil,
  SESSION,
  sessionIn,
  stageReport,
  step,
  TARGET,
} from './session-fixtures.js';

const OTHER = 'r20260521-abcdef';

/** A drill run until `stage` is running. */
function drillAt(stage: string): RestoreSession {
  return runUntil(awaiting('drill'), stage);
}

describe('a drill in the state machine', () => {
  it('runs as soon as it is resolved: no confirmation, no request to the approvers', () => {
    const s = awaiting('drill');
    expect(s.status).toBe('running');
    expect(s.stages.map((st) => st.name)).toEqual([
      'resolve',
      'restore',
      'locate',
      'flatten',
      'check',
      'rehearse',
      'teardown',
    ]);
    expect(s.notices.map((n) => n.kind)).not.toContain('confirm_requested');
    expect(s.roots.next).toBeUndefined();
    // Never waiting for anyone, it has nothing to expire.
    const expire = apply(s, { type: 'expire' }, at(3_600_000));
    expect(expire.ok ? 'accepted' : expire.code).toBe('already_confirmed');
  });

  it('a failure before the teardown keeps it running until the teardown is done, then it ends failed', () => {
    const failing = apply(drillAt('check'), {
      type: 'stage_failed',
      stage: 'check',
      code: 'check_failed',
      reason: 'WiredTiger error message: handle-open: No such file or directory',
      production: 'unchanged',
    });
    if (!failing.ok) throw new Error(failing.reason);
    const s = failing.session;
    expect(s.status).toBe('running');
    expect(s.failure?.stage).toBe('check');
    expect(failing.effects).toContainEqual({ type: 'run_stage', stage: 'teardown' });
    expect(failing.effects.some((e) => e.type === 'release_lock')).toBe(false);
    expect(s.stages.find((st) => st.name === 'rehearse')?.status).toBe('skipped');

    const torn = runUntil(s);
    expect(torn.status).toBe('failed');
    expect(torn.failure?.stage).toBe('check');
    expect(torn.stages.find((st) => st.name === 'teardown')?.status).toBe('done');
    expect(torn.notices.at(-1)?.kind).toBe('summary');
  });

  it('a failed teardown ends it failed at once', () => {
    const result = apply(drillAt('teardown'), {
      type: 'stage_failed',
      stage: 'teardown',
      reason: 'SSM command timed out',
      production: 'unchanged',
    });
    if (!result.ok) throw new Error(result.reason);
    expect(result.session.status).toBe('failed');
    expect(result.effects).toContainEqual({ type: 'release_lock', fileSystemId: TARGET.fileSystemId });
  });

  it('succeeds once its teardown is done', () => {
    const done = runUntil(awaiting('drill'));
    expect(done.status).toBe('succeeded');
    expect(done.aws.changeSetName).toBe(drillChangeSetName(SESSION));
    expect(done.aws.deletedPaths).toContain(drillDirName(POINT.createdAt, SESSION));
  });

  it('gives way to a start at any stage, its teardown included, and says to whom', () => {
    for (const stage of ['restore', 'rehearse', 'teardown']) {
      const result = apply(
        drillAt(stage),
        { type: 'take_over', by: CONFIRMER, sessionId: OTHER },
        at(900_000),
      );
      if (!result.ok) throw new Error(result.reason);
      expect(result.session.status).toBe('cancelled');
      expect(result.session.ended).toMatchObject({ by: CONFIRMER, reason: `taken over by session ${OTHER}` });
      expect(result.effects).toContainEqual({ type: 'abort_stage', stage });
      expect(result.effects).toContainEqual({ type: 'release_lock', fileSystemId: TARGET.fileSystemId });
    }
  });

  it('only a drill gives way', () => {
    const restore = sessionIn('running', 'restore');
    const result = apply(restore, { type: 'take_over', by: CONFIRMER, sessionId: OTHER });
    expect(result.ok ? 'accepted' : result.code).toBe('unexpected_event');
  });

  it('anyone may cancel a drill, even a scheduled one the bot asked for, until its teardown', () => {
    const running = drillAt('locate');
    expect(apply(running, { type: 'cancel', user: OUTSIDER, isApprover: true }).ok).toBe(true);
    const refused = apply(drillAt('teardown'), { type: 'cancel', user: REQUESTER, isApprover: true });
    expect(refused.ok ? 'accepted' : refused.code).toBe('cancel_too_late');
  });

  it('records only its own change set and deletes only its own directories and those it sweeps', () => {
    const rehearsing = drillAt('rehearse');
    const wrongName = apply(rehearsing, {
      type: 'stage_checkpoint',
      stage: 'rehearse',
      aws: { changeSetName: `chatdb-restore-${SESSION}-1` },
    });
    expect(wrongName.ok ? 'accepted' : wrongName.code).toBe('invalid_checkpoint');
    const tearing = drillAt('teardown');
    const live = apply(tearing, {
      ...stageReport('teardown', tearing),
      aws: { deletedPaths: [LIVE_ROOT], changeSetDeletedAt: at(1).toISOString() },
    });
    expect(live.ok ? 'accepted' : live.code).toBe('invalid_checkpoint');
  });
});

describe('a drill plan', () => {
  it('flattens into its own drill directory, never a restore’s', () => {
    const plan = planFor('drill') as DrillPlan;
    expect(plan.targetRoot).toBe(drillDirName(POINT.createdAt, SESSION));
    expect(plan.targetRoot).toMatch(/^\/chatdb-drill_2026-05-\d\dT\d\d-\d\d-\d\dZ_r20260520-7k2p9x$/);
    expect(planProblems(plan, SESSION)).toEqual([]);
    expect(
      planProblems(
        { ...plan, targetRoot: plan.targetRoot.replace('chatdb-drill_', 'chatdb-restore_') },
        SESSION,
      ),
    ).toContain('targetRoot is not a drill directory');
    expect(
      planProblems({ ...plan, sweep: [{ sessionId: OTHER, dirs: [LIVE_ROOT.slice(1), 'etc'] }] }, SESSION),
    ).toContain("sweep names something that is not a drill's leftover");
  });
});

describe('what ended drills leave, and the next drill sweeps', () => {
  function cancelledAt(stage: string, id = SESSION): RestoreSession {
    const s = runUntil(awaiting('drill'), stage);
    return step({ ...s, id }, { type: 'take_over', by: CONFIRMER, sessionId: OTHER }, at(900_000));
  }

  it('names its directories and its change set by exact name', () => {
    const left = leftoversOf(cancelledAt('rehearse'));
    expect(left).toEqual({
      sessionId: SESSION,
      dirs: [RESTORE_DIR, drillDirName(POINT.createdAt, SESSION).slice(1)],
      changeSetName: drillChangeSetName(SESSION),
    });
  });

  it('a job whose directory was never located is left to elimination, with what others claim', () => {
    const taken = cancelledAt('locate');
    const restore: RestoreSession = { ...sessionIn('succeeded', 'restore'), id: OTHER };
    const [left] = drillLeftovers([taken, restore], TARGET.fileSystemId);
    expect(left?.dirs).toEqual([]);
    expect(left?.unlocatedJob).toEqual({
      restoreJobId: 'rj-0001',
      before: [LIVE_ROOT.slice(1)],
      claimed: [RESTORE_DIR],
    });
  });

  it('nothing once its teardown is done, or once a later drill swept it', () => {
    expect(leftoversOf(runUntil(awaiting('drill')))).toBeUndefined();
    const taken = cancelledAt('check');
    const sweeper: RestoreSession = {
      ...runUntil(awaiting('drill')),
      id: OTHER,
      plan: { ...(planFor('drill', OTHER) as DrillPlan), sweep: [leftoversOf(taken) as never] },
    };
    expect(drillLeftovers([taken], TARGET.fileSystemId)).toHaveLength(1);
    expect(drillLeftovers([taken, sweeper], TARGET.fileSystemId)).toEqual([]);
  });
});

describe('drills in the estimate', () => {
  it('projects a real restore: measured restore, locate, flatten and check, plus the cutover estimate', () => {
    const done = runUntil(awaiting('drill'));
    const rto = projectedRtoMs(done);
    // runUntil spends 5 s on each stage; the cutover and verify are the default without restores.
    expect(rto).toEqual({
      measuredMs: 20_000,
      cutoverMs: DEFAULT_CUTOVER_VERIFY_MS,
      totalMs: 20_000 + DEFAULT_CUTOVER_VERIFY_MS,
    });
    expect(lastDrill([done], TARGET.fileSystemId)).toMatchObject({
      sessionId: SESSION,
      restorable: true,
      projectedMinutes: Math.ceil((20_000 + DEFAULT_CUTOVER_VERIFY_MS) / 60_000),
      pointCreatedAt: POINT.createdAt,
    });
    expect(restoreSamples([done], TARGET.fileSystemId)).toEqual([
      { jobMs: 5_000, sizeBytes: POINT.sizeBytes, afterJobMs: 15_000 + DEFAULT_CUTOVER_VERIFY_MS },
    ]);
  });

  it('a torn point’s drill is the last drill, not restorable', () => {
    const torn = runUntil(
      step(drillAt('check'), {
        type: 'stage_failed',
        stage: 'check',
        code: 'check_failed',
        reason: 'Fatal assertion',
        production: 'unchanged',
      }),
    );
    expect(lastDrill([torn], TARGET.fileSystemId)).toMatchObject({ restorable: false });
    expect(lastDrill([drillAt('check')], TARGET.fileSystemId)).toBeUndefined();
  });
});
