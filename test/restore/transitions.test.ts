import { describe, expect, it } from 'vitest';
import { changeSetName } from '../../src/restore/names.js';
import {
  type CleanupPlan,
  planHash,
  type RestorePlan,
  type RollbackPlan,
  templateSha256,
} from '../../src/restore/plan.js';
import type { RestoreSession } from '../../src/restore/session.js';
import { stageState } from '../../src/restore/session.js';
import type { SessionEvent } from '../../src/restore/transitions.js';
import { nextStep } from '../../src/slack/views/next-step.js';
import {
  apply,
  at,
  awaiting,
  CANDIDATES,
  CONFIRMER,
  confirm,
  created,
  LIVE_ROOT,
  OLD_TASK,
  OUTSIDER,
  PREVIOUS_ROOT,
  planFor,
  REQUESTER,
  RESTORE_DIR,
  resolving,
  runUntil,
  SESSION,
  stageReport,
  step,
  T0,
  TARGET,
  TTL_MS,
} from './session-fixtures.js';

function refusal(session: RestoreSession, event: SessionEvent, now = at(60_000)) {
  const result = apply(session, event, now);
  if (result.ok) throw new Error(`${event.type} was accepted`);
  return result;
}

function accepted(session: RestoreSession, event: SessionEvent, now = at(60_000)) {
  const result = apply(session, event, now);
  if (!result.ok) throw new Error(`${event.type} refused: ${result.code}: ${result.reason}`);
  return result;
}

const confirmBy = (
  s: RestoreSession,
  user: string,
  isApprover: boolean | 'unknown' = true,
): SessionEvent => ({
  type: 'confirm',
  user,
  planHash: s.planHash ?? '',
  isApprover,
});

describe('a restore from start to finish', () => {
  it('walks every stage, asks for each one in turn, and releases the lock at the end', () => {
    let s = resolving();
    const r1 = accepted(s, { type: 'resolved', plan: planFor('restore') }, at(2000));
    expect(r1.session.status).toBe('awaiting_confirmation');
    expect(r1.effects).toEqual([
      { type: 'await_confirmation', expiresAt: new Date(T0.getTime() + TTL_MS).toISOString() },
      { type: 'notify', noticeId: 'confirm:confirm_requested' },
    ]);
    expect(r1.session.planHash).toBe(planHash(planFor('restore')));
    expect(r1.session.roots).toEqual({
      previous: LIVE_ROOT,
      next: (planFor('restore') as RestorePlan).targetRoot,
    });

    const r2 = accepted(r1.session, confirmBy(r1.session, CONFIRMER), at(60_000));
    s = r2.session;
    expect(s.status).toBe('running');
    expect(s.confirmer).toBe(CONFIRMER);
    expect(s.confirmedAt).toBe(at(60_000).toISOString());
    expect(r2.effects).toEqual([
      { type: 'run_stage', stage: 'restore' },
      { type: 'notify', noticeId: 'confirm:confirmed' },
    ]);
    // The data-loss window as it stood when the confirmation was given.
    expect(s.notices.at(-1)?.data?.dataLossWindowMs).toBe(
      at(60_000).getTime() - Date.parse('2026-05-18T08:00:00.000Z'),
    );

    const order: string[] = [];
    for (const stage of ['restore', 'locate', 'flatten', 'check', 'cutover', 'verify'] as const) {
      const started = accepted(s, { type: 'stage_started', stage }, at(100_000));
      expect(started.effects).toEqual([{ type: 'notify', noticeId: `${stage}:started` }]);
      expect(stageState(started.session, stage)?.status).toBe('running');
      const done = accepted(started.session, stageReport(stage, started.session), at(200_000));
      s = done.session;
      expect(stageState(s, stage)?.status).toBe('done');
      order.push(...done.effects.map((e) => (e.type === 'notify' ? `notify ${e.noticeId}` : `${e.type}`)));
    }
    expect(order).toEqual([
      'notify restore:done',
      'run_stage',
      'notify locate:done',
      'run_stage',
      'notify flatten:done',
      'run_stage',
      'notify check:done',
      'run_stage',
      'notify cutover:done',
      'run_stage',
      'notify verify:done',
      'release_lock',
      'notify session:summary',
    ]);
    expect(s.status).toBe('succeeded');
    expect(s.ended).toEqual({ at: at(200_000).toISOString() });
    expect(s.aws.stoppedTaskArns).toEqual([OLD_TASK]);
    expect(new Set(s.notices.map((n) => n.id)).size).toBe(s.notices.length);
    expect(s.events.map((e) => e.type)).toContain('confirm');
  });

  it('names the file system in release_lock', () => {
    const done = runUntil(confirm(awaiting()), 'verify');
    const result = accepted(done, stageReport('verify', done), at(300_000));
    expect(result.effects).toContainEqual({ type: 'release_lock', fileSystemId: TARGET.fileSystemId });
  });
});

describe('confirmation rules', () => {
  it('refuses the requester, whatever else is true', () => {
    const s = awaiting();
    const r = refusal(s, confirmBy(s, REQUESTER));
    expect(r.code).toBe('self_confirm');
    expect(r.reason).toMatch(/second engineer/);
  });

  it('refuses someone outside the approvers, and says so when the group cannot be read', () => {
    const s = awaiting();
    expect(refusal(s, confirmBy(s, OUTSIDER, false)).code).toBe('not_approver');
    expect(refusal(s, confirmBy(s, OUTSIDER, 'unknown')).code).toBe('approvers_unavailable');
  });

  it('binds the confirmation to the plan hash shown on the card', () => {
    const s = awaiting();
    const r = refusal(s, {
      type: 'confirm',
      user: CONFIRMER,
      planHash: planHash({ ...planFor('restore'), currentRoot: '/' }),
      isApprover: true,
    });
    expect(r.code).toBe('plan_changed');
    expect(r.details?.current).toBe(s.planHash);
  });

  it('gives exactly one confirmation to a double click, and says who confirmed and when', () => {
    const s = awaiting();
    const first = accepted(s, confirmBy(s, CONFIRMER), at(60_000)).session;
    const second = refusal(first, confirmBy(s, OUTSIDER), at(61_000));
    expect(second.code).toBe('already_confirmed');
    expect(second.details).toMatchObject({ confirmer: CONFIRMER, confirmedAt: at(60_000).toISOString() });
    expect(refusal(first, confirmBy(s, CONFIRMER), at(61_000)).code).toBe('already_confirmed');
  });

  it('expires exactly at expiresAt, with or without the timer', () => {
    const s = awaiting();
    const deadline = Date.parse(s.expiresAt);
    expect(deadline).toBe(T0.getTime() + TTL_MS);
    expect(accepted(s, confirmBy(s, CONFIRMER), new Date(deadline - 1)).session.status).toBe('running');
    const late = refusal(s, confirmBy(s, CONFIRMER), new Date(deadline));
    expect(late.code).toBe('expired');
    expect(refusal(s, { type: 'reject', user: CONFIRMER, isApprover: true }, new Date(deadline)).code).toBe(
      'expired',
    );
    expect(refusal(s, { type: 'cancel', user: REQUESTER, isApprover: false }, new Date(deadline)).code).toBe(
      'expired',
    );

    expect(refusal(s, { type: 'expire' }, new Date(deadline - 1)).code).toBe('not_expired');
    const expired = accepted(s, { type: 'expire' }, new Date(deadline));
    expect(expired.session.status).toBe('expired');
    expect(stageState(expired.session, 'confirm')).toMatchObject({ status: 'failed', error: 'expired' });
    expect(stageState(expired.session, 'restore')?.status).toBe('skipped');
    expect(expired.effects).toEqual([
      { type: 'release_lock', fileSystemId: TARGET.fileSystemId },
      { type: 'notify', noticeId: 'confirm:expired' },
    ]);
    expect(refusal(expired.session, confirmBy(s, CONFIRMER), new Date(deadline)).code).toBe('finished');
  });

  it('expires a resolve that outlives the window, and stops it', () => {
    const s = resolving();
    const r = accepted(s, { type: 'expire' }, at(TTL_MS));
    expect(r.session.status).toBe('expired');
    expect(r.effects[0]).toEqual({ type: 'abort_stage', stage: 'resolve' });
  });

  it('lets an approver other than the requester reject, and nobody else', () => {
    const s = awaiting();
    expect(refusal(s, { type: 'reject', user: REQUESTER, isApprover: true }).code).toBe('self_reject');
    expect(refusal(s, { type: 'reject', user: OUTSIDER, isApprover: false }).code).toBe('not_approver');
    const r = accepted(s, { type: 'reject', user: CONFIRMER, isApprover: true });
    expect(r.session.status).toBe('rejected');
    expect(r.session.ended).toEqual({ at: at(60_000).toISOString(), by: CONFIRMER });
    expect(r.effects.map((e) => e.type)).toEqual(['release_lock', 'notify']);
  });
});

describe('cancel', () => {
  it('is open to the requester and to approvers only', () => {
    const s = awaiting();
    expect(accepted(s, { type: 'cancel', user: REQUESTER, isApprover: false }).session.status).toBe(
      'cancelled',
    );
    expect(accepted(s, { type: 'cancel', user: CONFIRMER, isApprover: true }).session.status).toBe(
      'cancelled',
    );
    expect(refusal(s, { type: 'cancel', user: OUTSIDER, isApprover: false }).code).toBe(
      'not_requester_or_approver',
    );
    expect(refusal(s, { type: 'cancel', user: OUTSIDER, isApprover: 'unknown' }).code).toBe(
      'approvers_unavailable',
    );
  });

  it('stops a running restore and leaves what it made for cleanup', () => {
    const s = runUntil(confirm(awaiting()), 'flatten');
    const r = accepted(s, { type: 'cancel', user: REQUESTER, isApprover: false }, at(400_000));
    expect(r.session.status).toBe('cancelled');
    expect(r.effects[0]).toEqual({ type: 'abort_stage', stage: 'flatten' });
    expect(stageState(r.session, 'flatten')?.status).toBe('skipped');
    expect(stageState(r.session, 'cutover')?.status).toBe('skipped');
    const notice = r.session.notices.find((n) => n.kind === 'cancelled');
    expect(notice?.data).toMatchObject({
      by: REQUESTER,
      restoreJobId: 'rj-0001',
      leftForCleanup: `/${RESTORE_DIR}`,
    });
  });

  it('is refused once the cutover has begun, until a changed plan sends it back', () => {
    let s = runUntil(confirm(awaiting()), 'cutover');
    const r = refusal(s, { type: 'cancel', user: REQUESTER, isApprover: true });
    expect(r.code).toBe('cancel_too_late');
    expect(r.reason).toMatch(/stack update has started/);
    s = step(s, {
      type: 'plan_changed',
      plan: { ...planFor('restore'), templateSha256: templateSha256('edited') },
    });
    expect(accepted(s, { type: 'cancel', user: REQUESTER, isApprover: false }).session.status).toBe(
      'cancelled',
    );
  });

  it('is refused once a cleanup is deleting', () => {
    const s = runUntil(confirm(awaiting('cleanup')), 'delete');
    const r = refusal(s, { type: 'cancel', user: REQUESTER, isApprover: true });
    expect(r.code).toBe('cancel_too_late');
    expect(r.reason).toMatch(/deletion/);
  });
});

describe('a plan that changes before the cutover', () => {
  const edited = (): RestorePlan => ({
    ...(planFor('restore') as RestorePlan),
    templateSha256: templateSha256('someone edited the stack'),
  });

  it('goes back to confirmation, keeps the finished stages, and uses a new change set name', () => {
    const s = runUntil(confirm(awaiting()), 'cutover');
    expect(
      accepted(s, {
        type: 'stage_checkpoint',
        stage: 'cutover',
        aws: { changeSetName: changeSetName(SESSION, 1) },
      }).session.aws.changeSetName,
    ).toBe(changeSetName(SESSION, 1));
    const r = accepted(s, { type: 'plan_changed', plan: edited(), changes: ['template'] }, at(500_000));
    const back = r.session;
    expect(back.status).toBe('awaiting_confirmation');
    expect(back.confirmer).toBeUndefined();
    expect(back.confirmedAt).toBeUndefined();
    expect(back.planHash).toBe(planHash(edited()));
    expect(back.attempt).toBe(2);
    expect(back.expiresAt).toBe(new Date(at(500_000).getTime() + TTL_MS).toISOString());
    expect(back.stages.map((st) => `${st.name}:${st.status}`)).toEqual([
      'resolve:done',
      'confirm:running',
      'restore:done',
      'locate:done',
      'flatten:done',
      'check:done',
      'cutover:pending',
      'verify:pending',
    ]);
    expect(r.effects).toEqual([
      { type: 'await_confirmation', expiresAt: back.expiresAt },
      { type: 'notify', noticeId: 'confirm:plan_changed' },
    ]);
    // The old card's hash no longer confirms anything.
    expect(
      refusal(
        back,
        { type: 'confirm', user: CONFIRMER, planHash: s.planHash ?? '', isApprover: true },
        at(510_000),
      ).code,
    ).toBe('plan_changed');
    const again = accepted(back, confirmBy(back, CONFIRMER), at(520_000));
    expect(again.effects[0]).toEqual({ type: 'run_stage', stage: 'cutover' });
    expect(again.session.notices.map((n) => n.id)).toContain('confirm:confirmed#2');
    const cut = step(again.session, { type: 'stage_started', stage: 'cutover' }, at(530_000));
    expect(
      refusal(cut, {
        type: 'stage_checkpoint',
        stage: 'cutover',
        aws: { changeSetName: changeSetName(SESSION, 1) },
      }).code,
    ).toBe('invalid_checkpoint');
    expect(
      accepted(cut, {
        type: 'stage_checkpoint',
        stage: 'cutover',
        aws: { changeSetName: changeSetName(SESSION, 2) },
      }).session.aws.changeSetName,
    ).toBe(changeSetName(SESSION, 2));
  });

  it('is refused once the change set was executed', () => {
    let s = runUntil(confirm(awaiting()), 'cutover');
    s = step(s, {
      type: 'stage_checkpoint',
      stage: 'cutover',
      aws: { executedAt: at(450_000).toISOString() },
    });
    expect(refusal(s, { type: 'plan_changed', plan: edited() }).code).toBe('wrong_stage');
  });

  it('refuses a plan that is not a change, or that changes the point or the target', () => {
    const s = runUntil(confirm(awaiting()), 'cutover');
    expect(refusal(s, { type: 'plan_changed', plan: planFor('restore') }).code).toBe('plan_unchanged');
    const otherPoint = {
      ...edited(),
      recoveryPoint: {
        ...(planFor('restore') as RestorePlan).recoveryPoint,
        createdAt: '2026-05-17T08:00:00.000Z',
      },
    };
    expect(refusal(s, { type: 'plan_changed', plan: otherPoint }).code).toBe('invalid_plan');
  });

  it('replaces the plan of a session still awaiting confirmation', () => {
    const s = awaiting();
    const r = accepted(s, { type: 'plan_changed', plan: edited() });
    expect(r.session.planHash).toBe(planHash(edited()));
    expect(r.session.attempt).toBe(1);
  });
});

describe('resolved plans are checked before anyone can confirm them', () => {
  it.each<[string, (p: RestorePlan) => RestorePlan]>([
    ['another requester', (p) => ({ ...p, requester: OUTSIDER })],
    [
      'a target root of another session',
      (p) => ({ ...p, targetRoot: '/chatdb-restore_2026-05-18T08-00-00Z_r20260101-aaaaaa' }),
    ],
    ['a file system id that is not one', (p) => ({ ...p, fileSystemId: 'fs-$(id)' })],
    [
      'an ARN of another file system',
      (p) => ({ ...p, fileSystemArn: p.fileSystemArn.replace('0db0c4a7e1', '0d0d0d0d01') }),
    ],
    ['a root with shell syntax', (p) => ({ ...p, currentRoot: '/db; rm -rf /' })],
    ['an item path of ..', (p) => ({ ...p, restoreMode: { kind: 'item', path: '/../etc' } })],
    [
      'a point ARN of another service',
      (p) => ({ ...p, recoveryPoint: { ...p.recoveryPoint, arn: 'arn:aws:s3:::bucket' } }),
    ],
  ])('refuses %s', (_what, edit) => {
    const r = refusal(resolving(), { type: 'resolved', plan: edit(planFor('restore') as RestorePlan) });
    expect(r.code).toBe('invalid_plan');
  });

  it('refuses a plan of another kind, and a resolve that was never started', () => {
    expect(refusal(resolving(), { type: 'resolved', plan: planFor('rollback') }).code).toBe('invalid_plan');
    expect(refusal(created(), { type: 'resolved', plan: planFor('restore') }).code).toBe('wrong_stage');
    expect(refusal(created(), { type: 'stage_started', stage: 'restore' }).code).toBe('wrong_stage');
  });
});

describe('what stages report', () => {
  it('refuses values that fail their patterns or contradict the plan', () => {
    const restore = runUntil(confirm(awaiting()), 'restore');
    const bad = (s: RestoreSession, stage: 'restore' | 'locate' | 'flatten', aws: Record<string, unknown>) =>
      refusal(s, { type: 'stage_checkpoint', stage, aws } as SessionEvent).code;
    expect(bad(restore, 'restore', { restoreJobId: 'job; rm -rf /' })).toBe('invalid_checkpoint');
    expect(bad(restore, 'restore', { restoreDirsBefore: ['../etc'] })).toBe('invalid_checkpoint');
    expect(bad(restore, 'restore', { somethingElse: 1 })).toBe('invalid_checkpoint');
    expect(refusal(restore, { type: 'stage_checkpoint', stage: 'locate', aws: {} }).code).toBe('wrong_stage');

    const locate = runUntil(confirm(awaiting()), 'locate');
    expect(bad(locate, 'locate', { restoreDir: 'aws-backup-restore_$(id)' })).toBe('invalid_checkpoint');
    // The "new" directory was there before the restore job: not ours.
    expect(bad(locate, 'locate', { restoreDir: LIVE_ROOT.slice(1) })).toBe('invalid_checkpoint');
    expect(bad(locate, 'locate', { restoreDir: RESTORE_DIR, dataDir: `${LIVE_ROOT.slice(1)}/x` })).toBe(
      'invalid_checkpoint',
    );
    expect(bad(locate, 'locate', { restoreDir: RESTORE_DIR, dataDir: `${RESTORE_DIR}/../x` })).toBe(
      'invalid_checkpoint',
    );
    expect(bad(locate, 'locate', { dataSizeBytes: -1 })).toBe('invalid_checkpoint');

    const flatten = runUntil(confirm(awaiting()), 'flatten');
    expect(bad(flatten, 'flatten', { flatDir: PREVIOUS_ROOT })).toBe('invalid_checkpoint');
  });

  it('refuses to end a stage that did not record what the next one needs', () => {
    const s = runUntil(confirm(awaiting()), 'restore');
    const r = refusal(s, { type: 'stage_done', stage: 'restore' });
    expect(r.code).toBe('invalid_checkpoint');
    expect(r.details?.missing).toEqual(['restoreJobId']);
    // A checkpoint earlier in the stage counts.
    const checkpointed = step(s, {
      type: 'stage_checkpoint',
      stage: 'restore',
      aws: { restoreJobId: 'rj-1' },
    });
    expect(accepted(checkpointed, { type: 'stage_done', stage: 'restore' }).session.aws.restoreJobId).toBe(
      'rj-1',
    );
  });

  it('records progress without an audit line, and clears it when the stage ends', () => {
    const s = runUntil(confirm(awaiting()), 'restore');
    const p = accepted(
      s,
      { type: 'stage_progress', stage: 'restore', percentDone: 42.5, etaMinutes: 7 },
      at(150_000),
    ).session;
    expect(p.progress).toEqual({ percentDone: 42.5, etaMinutes: 7, at: at(150_000).toISOString() });
    expect(p.events.length).toBe(s.events.length);
    expect(refusal(s, { type: 'stage_progress', percentDone: 120 }).code).toBe('invalid_checkpoint');
    expect(step(p, stageReport('restore', p)).progress).toBeUndefined();
  });

  it('clears a key set to undefined, so a stopped task stops being "stopping"', () => {
    let s = runUntil(confirm(awaiting()), 'cutover');
    s = step(s, { type: 'stage_checkpoint', stage: 'cutover', aws: { stoppingTaskArn: OLD_TASK } });
    expect(s.aws.stoppingTaskArn).toBe(OLD_TASK);
    s = step(s, {
      type: 'stage_checkpoint',
      stage: 'cutover',
      aws: { stoppingTaskArn: undefined, stoppedTaskArns: [OLD_TASK] },
    });
    expect(s.aws.stoppingTaskArn).toBeUndefined();
    expect(s.aws.stoppedTaskArns).toEqual([OLD_TASK]);
  });
});

describe('failures', () => {
  it('keep AWS’s words, the production state, and what to do next', () => {
    const s = runUntil(confirm(awaiting()), 'cutover');
    const r = accepted(s, {
      type: 'stage_failed',
      stage: 'cutover',
      reason: 'Resource handler returned message: "Essential container in task exited"',
      production: 'rolled_back',
      code: 'stack_update_failed',
    });
    expect(r.session.status).toBe('failed');
    expect(r.session.failure).toMatchObject({
      stage: 'cutover',
      code: 'stack_update_failed',
      reason: 'Resource handler returned message: "Essential container in task exited"',
      production: 'rolled_back',
    });
    expect(nextStep(r.session)).toMatch(/rolled the stack back/);
    expect(stageState(r.session, 'cutover')?.error).toMatch(/Essential container/);
    expect(stageState(r.session, 'verify')?.status).toBe('skipped');
    expect(r.effects).toEqual([
      { type: 'release_lock', fileSystemId: TARGET.fileSystemId },
      { type: 'notify', noticeId: 'cutover:failed' },
    ]);
  });

  it('record the activity that classified them (what the next step is worded from), and refuse an unknown production state', () => {
    const s = runUntil(confirm(awaiting()), 'verify');
    const r = accepted(s, {
      type: 'stage_failed',
      stage: 'verify',
      reason: 'HTTP 502',
      production: 'cut_over',
      activity: 'verify',
    });
    expect(r.session.failure?.activity).toBe('verify');
    expect(r.session.failure).not.toHaveProperty('next');
    expect(nextStep(r.session)).toMatch(/`\/chatdb-restore rollback` returns to the previous root/);
    expect(
      refusal(s, { type: 'stage_failed', stage: 'verify', reason: 'x', production: 'fine' as 'unknown' })
        .code,
    ).toBe('invalid_checkpoint');
  });

  it('of resolve leave production unchanged', () => {
    const r = accepted(resolving(), {
      type: 'resolve_failed',
      reason: 'The point belongs to fs-0d0d0d0d01',
      code: 'wrong_resource',
    });
    expect(r.session.failure).toMatchObject({
      stage: 'resolve',
      production: 'unchanged',
      code: 'wrong_resource',
    });
    expect(r.effects).toEqual([{ type: 'release_lock' }, { type: 'notify', noticeId: 'resolve:failed' }]);
  });

  it('of resolve told by the caller are recorded as posted on the card the session was created with', () => {
    const withCard = resolving();
    withCard.card = { ts: '1779271200.000100' };
    const told = accepted(withCard, { type: 'resolve_failed', reason: 'locked', code: 'locked', told: true });
    expect(told.session.notices.map((n) => [n.id, n.postedTs])).toEqual([
      ['resolve:failed', '1779271200.000100'],
    ]);
    const untold = accepted(withCard, { type: 'resolve_failed', reason: 'interrupted', code: 'interrupted' });
    expect(untold.session.notices.map((n) => n.postedTs)).toEqual([undefined]);
  });
});

describe('notices', () => {
  it('are marked delivered once, and a resumed stage gets a new one each time', () => {
    let s = runUntil(confirm(awaiting()), 'restore');
    const pending = s.notices.filter((n) => n.postedTs === undefined).map((n) => n.id);
    expect(pending).toEqual(['confirm:confirm_requested', 'confirm:confirmed', 'restore:started']);
    s = step(s, { type: 'notice_posted', id: 'restore:started', ts: '1.1' });
    expect(s.notices.find((n) => n.id === 'restore:started')?.postedTs).toBe('1.1');
    expect(refusal(s, { type: 'notice_posted', id: 'restore:started', ts: '1.2' }).code).toBe(
      'already_posted',
    );
    expect(refusal(s, { type: 'notice_posted', id: 'nope', ts: '1.2' }).code).toBe('unknown_notice');

    const r1 = accepted(s, { type: 'resumed' });
    expect(r1.effects).toEqual([
      { type: 'run_stage', stage: 'restore' },
      { type: 'notify', noticeId: 'restore:resumed' },
    ]);
    const r2 = accepted(r1.session, { type: 'resumed' });
    expect(r2.effects[1]).toEqual({ type: 'notify', noticeId: 'restore:resumed#2' });
  });

  it('record the card once', () => {
    const s = step(awaiting(), { type: 'card_posted', ts: '1779271200.000100' });
    expect(s.card).toEqual({ ts: '1779271200.000100' });
    expect(refusal(s, { type: 'card_posted', ts: '1779271200.000100' }).code).toBe('already_posted');
  });
});

describe('cleanup', () => {
  const chosenPlan = (s: RestoreSession) => s.plan as CleanupPlan;

  it('only the requester chooses, only among deletable candidates, and the choice changes the hash', () => {
    const s = awaiting('cleanup', { choose: false });
    expect(s.cleanup?.candidates).toHaveLength(3);
    const pick = CANDIDATES[0]?.path ?? '';
    expect(refusal(s, { type: 'cleanup_choose', user: CONFIRMER, paths: [pick] }).code).toBe('not_requester');
    expect(refusal(s, { type: 'cleanup_choose', user: REQUESTER, paths: [LIVE_ROOT] }).code).toBe(
      'invalid_choice',
    );
    expect(refusal(s, { type: 'cleanup_choose', user: REQUESTER, paths: ['/chatdb-restore_x'] }).code).toBe(
      'invalid_choice',
    );
    expect(refusal(s, { type: 'cleanup_choose', user: REQUESTER, paths: [pick, pick] }).code).toBe(
      'invalid_choice',
    );
    expect(refusal(s, confirmBy(s, CONFIRMER)).code).toBe('nothing_chosen');

    const chosen = step(s, { type: 'cleanup_choose', user: REQUESTER, paths: [PREVIOUS_ROOT, pick] });
    expect(chosenPlan(chosen).paths).toEqual([pick, PREVIOUS_ROOT].sort());
    expect(chosen.cleanup?.chosen).toEqual(chosenPlan(chosen).paths);
    expect(chosen.planHash).not.toBe(s.planHash);
    expect(refusal(chosen, confirmBy(s, CONFIRMER)).code).toBe('plan_changed');
    const confirmed = accepted(chosen, confirmBy(chosen, CONFIRMER));
    expect(confirmed.effects[0]).toEqual({ type: 'run_stage', stage: 'delete' });
    expect(refusal(confirmed.session, { type: 'cleanup_choose', user: REQUESTER, paths: [pick] }).code).toBe(
      'already_confirmed',
    );
  });

  it('never deletes a root retired less than 24 hours ago, whatever the candidate list said', () => {
    const retired = '2026-05-20T09:00:00.000Z';
    let s = resolving('cleanup');
    s = step(s, {
      type: 'resolved',
      plan: planFor('cleanup'),
      cleanupCandidates: [
        { path: PREVIOUS_ROOT, sizeBytes: 1, kind: 'retired', retiredAt: retired, deletable: true },
      ],
    });
    const r = refusal(s, { type: 'cleanup_choose', user: REQUESTER, paths: [PREVIOUS_ROOT] });
    expect(r.code).toBe('invalid_choice');
    expect(String(r.details?.paths)).toMatch(/24 hours/);
  });

  it('deletes, then records what it deleted', () => {
    const s = runUntil(confirm(awaiting('cleanup')), 'delete');
    expect(refusal(s, { type: 'stage_done', stage: 'delete', aws: { deletedPaths: [LIVE_ROOT] } }).code).toBe(
      'invalid_checkpoint',
    );
    const done = accepted(s, stageReport('delete', s)).session;
    expect(done.status).toBe('succeeded');
    expect(done.aws.deletedPaths).toEqual([CANDIDATES[0]?.path]);
  });
});

describe('rollback', () => {
  it('goes straight from confirmation to the cutover and verify', () => {
    const s = confirm(awaiting('rollback'));
    expect(s.stages.map((st) => st.name)).toEqual(['resolve', 'confirm', 'cutover', 'verify']);
    expect(s.roots).toEqual({ previous: LIVE_ROOT, next: PREVIOUS_ROOT });
    const done = runUntil(s);
    expect(done.status).toBe('succeeded');
  });

  it('refuses a plan that rolls back to where it already is', () => {
    const r = refusal(resolving('rollback'), {
      type: 'resolved',
      plan: { ...(planFor('rollback') as RollbackPlan), targetRoot: LIVE_ROOT },
    });
    expect(r.code).toBe('invalid_plan');
  });
});

it('is pure: the same inputs give the same outputs', () => {
  const s = awaiting();
  const e = confirmBy(s, CONFIRMER);
  expect(apply(s, e, at(90_000))).toEqual(apply(structuredClone(s), e, at(90_000)));
});
