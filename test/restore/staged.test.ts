// Restoring while the confirmation is pending (src/restore/staged.ts), as pure transitions: who may
// start it, that the cutover waits for a second engineer however the stages and the confirmation
// interleave, and what a staged session that ends unconfirmed asks its teardown to delete.

import { describe, expect, it } from 'vitest';
import { type RestoreSession, runningStage, stageState } from '../../src/restore/session.js';
import { teardownPending } from '../../src/restore/staged.js';
import type { SessionEvent } from '../../src/restore/transitions.js';
import {
  apply,
  at,
  awaiting,
  CONFIRMER,
  OUTSIDER,
  REQUESTER,
  RESTORE_DIR,
  stagedRejected,
  stageReport,
  stageUntil,
  staging,
  step,
  TTL_MS,
  TWINS,
} from './session-fixtures.js';

function refused(s: RestoreSession, e: SessionEvent, now = at(60_000)) {
  const result = apply(s, e, now);
  if (result.ok) throw new Error(`${e.type} was accepted`);
  return result;
}

const confirmBy = (s: RestoreSession, user = CONFIRMER): SessionEvent & { type: 'confirm' } => ({
  type: 'confirm',
  user,
  planHash: s.planHash ?? '',
  isApprover: true,
});

const flatName = (s: RestoreSession) => (s.plan?.kind === 'restore' ? s.plan.targetRoot.slice(1) : '');

describe('Start restoring now', () => {
  it('lets the requester start the stages before the cutover while the confirmation still waits', () => {
    const s = awaiting('restore');
    const result = apply(
      s,
      { type: 'start_staged', user: REQUESTER, planHash: s.planHash ?? '' },
      at(30_000),
    );
    if (!result.ok) throw new Error(result.reason);
    expect(result.session.status).toBe('staging');
    expect(result.session.staged).toEqual({ by: REQUESTER, at: at(30_000).toISOString() });
    expect(result.effects).toContainEqual({ type: 'run_stage', stage: 'restore' });
    expect(result.session.notices.map((n) => n.id)).toContain('confirm:staged');
    expect(result.session.confirmer).toBeUndefined();
    // The confirmation still waits beside the work.
    const running = staging();
    expect(stageState(running, 'confirm')?.status).toBe('running');
    expect(runningStage(running)).toBe('restore');
  });

  it('refuses anyone but the requester, a stale card, a second press, another kind and a closed window, changing nothing', () => {
    const s = awaiting('restore');
    const other = refused(s, { type: 'start_staged', user: CONFIRMER, planHash: s.planHash ?? '' });
    expect(other.code).toBe('not_requester');
    expect(other.details).toEqual({ what: 'staged' });
    expect(refused(s, { type: 'start_staged', user: REQUESTER, planHash: 'f'.repeat(64) }).code).toBe(
      'plan_changed',
    );
    const ready = stageUntil(staging());
    expect(ready.status).toBe('awaiting_confirmation');
    expect(
      refused(ready, { type: 'start_staged', user: REQUESTER, planHash: ready.planHash ?? '' }).code,
    ).toBe('already_staged');
    const rollback = awaiting('rollback');
    expect(
      refused(rollback, { type: 'start_staged', user: REQUESTER, planHash: rollback.planHash ?? '' }).code,
    ).toBe('unexpected_event');
    expect(
      refused(s, { type: 'start_staged', user: REQUESTER, planHash: s.planHash ?? '' }, at(TTL_MS)).code,
    ).toBe('expired');
  });

  it('stops before the cutover when nobody confirmed: the session waits again, the cutover is not asked for', () => {
    let s = stageUntil(staging(), 'check');
    expect(s.status).toBe('staging');
    const done = apply(s, stageReport('check', s), at(120_000));
    if (!done.ok) throw new Error(done.reason);
    s = done.session;
    expect(s.status).toBe('awaiting_confirmation');
    expect(done.effects.filter((e) => e.type === 'run_stage')).toEqual([]);
    expect(stageState(s, 'cutover')?.status).toBe('pending');
    expect(s.notices.map((n) => n.id)).toContain('confirm:staged_ready');
    // A second engineer's confirmation starts the cutover at once.
    const confirmed = apply(s, confirmBy(s), at(130_000));
    if (!confirmed.ok) throw new Error(confirmed.reason);
    expect(confirmed.session.status).toBe('running');
    expect(confirmed.effects).toContainEqual({ type: 'run_stage', stage: 'cutover' });
    expect(confirmed.session.notices.at(-1)?.data).toMatchObject({ staged: 'cutover_now' });
    // The requester still cannot confirm their own staged plan.
    expect(refused(s, confirmBy(s, REQUESTER)).code).toBe('self_confirm');
  });

  it('records a confirmation that arrives while staging, and runs on into the cutover', () => {
    const s = stageUntil(staging(), 'flatten');
    const confirmed = apply(s, confirmBy(s), at(80_000));
    if (!confirmed.ok) throw new Error(confirmed.reason);
    expect(confirmed.session.status).toBe('running');
    expect(confirmed.session.confirmer).toBe(CONFIRMER);
    // The flatten under way goes on; nothing new is started by the confirmation itself.
    expect(confirmed.effects.filter((e) => e.type === 'run_stage')).toEqual([]);
    expect(runningStage(confirmed.session)).toBe('flatten');
    let r = step(confirmed.session, stageReport('flatten', confirmed.session), at(90_000));
    r = step(r, { type: 'stage_started', stage: 'check' }, at(91_000));
    const checked = apply(r, stageReport('check', r), at(100_000));
    if (!checked.ok) throw new Error(checked.reason);
    expect(checked.effects).toContainEqual({ type: 'run_stage', stage: 'cutover' });
  });

  it('a rejection while the job runs aborts it, ends the session and asks for a teardown that names the job', () => {
    let s = staging();
    s = step(s, { type: 'stage_checkpoint', stage: 'restore', aws: { restoreDirsBefore: [] } }, at(32_000));
    s = step(s, { type: 'stage_checkpoint', stage: 'restore', aws: { restoreJobId: 'rj-0001' } }, at(33_000));
    const result = apply(s, { type: 'reject', user: CONFIRMER, isApprover: true }, at(40_000));
    if (!result.ok) throw new Error(result.reason);
    const r = result.session;
    expect(r.status).toBe('rejected');
    expect(result.effects).toContainEqual({ type: 'abort_stage', stage: 'restore' });
    expect(result.effects).toContainEqual({ type: 'teardown_staged' });
    expect(result.effects.some((e) => e.type === 'release_lock')).toBe(true);
    expect(r.stages.filter((st) => st.status === 'running')).toEqual([]);
    expect(r.staged?.teardown).toMatchObject({
      status: 'pending',
      names: [],
      restoreJobId: 'rj-0001',
      jobUnfinished: true,
    });
    expect(teardownPending(r)).toBe(true);
  });

  it('a rejection once all is staged names the flat and the restore directory, never the live root', () => {
    const r = stagedRejected();
    expect(r.staged?.teardown?.names).toEqual([flatName(r), RESTORE_DIR]);
    expect(r.staged?.teardown?.jobUnfinished).toBeUndefined();
    expect(r.staged?.teardown?.names).not.toContain(r.plan?.currentRoot.slice(1));
    // The ended notice does not claim the directories are left: the teardown says what happened.
    expect(r.notices.find((n) => n.kind === 'rejected')?.data).not.toHaveProperty('leftForCleanup');
  });

  it('expiry and cancel while staging end it the same way; a bystander cannot cancel the staged job', () => {
    const s = stageUntil(staging(), 'locate');
    const expired = apply(s, { type: 'expire' }, at(TTL_MS));
    if (!expired.ok) throw new Error(expired.reason);
    expect(expired.session.status).toBe('expired');
    expect(expired.effects).toContainEqual({ type: 'abort_stage', stage: 'locate' });
    expect(expired.session.staged?.teardown?.status).toBe('pending');
    expect(stageState(expired.session, 'confirm')?.status).toBe('failed');

    const byRequester = apply(s, { type: 'cancel', user: REQUESTER, isApprover: false }, at(70_000));
    if (!byRequester.ok) throw new Error(byRequester.reason);
    expect(byRequester.session.status).toBe('cancelled');
    expect(byRequester.effects).toContainEqual({ type: 'teardown_staged' });
    expect(refused(s, { type: 'cancel', user: OUTSIDER, isApprover: true, approversNamed: false }).code).toBe(
      'not_requester_or_approver',
    );
  });

  it('records the teardown once, with names of its own only', () => {
    const r = stagedRejected();
    const names = r.staged?.teardown?.names ?? [];
    expect(
      refused(r, { type: 'teardown_done', deleted: ['chatdb-restore_other'], absent: [], left: [] }).code,
    ).toBe('invalid_checkpoint');
    const done = step(r, { type: 'teardown_done', deleted: names, absent: [], left: [] }, at(210_000));
    expect(done.status).toBe('rejected');
    expect(done.staged?.teardown).toMatchObject({ status: 'done', deleted: names });
    expect(done.notices.map((n) => n.kind)).toContain('staged_teardown');
    expect(refused(done, { type: 'teardown_done', deleted: names, absent: [], left: [] }).code).toBe(
      'already_posted',
    );
  });

  it('a pick while staging: the plan may be confirmed there, and the confirmed pick goes on to the cutover', () => {
    const s = stageUntil(staging(), 'locate');
    const asked = step(
      s,
      {
        type: 'pick_needed',
        stage: 'locate',
        restoreDir: RESTORE_DIR,
        code: 'several_in_window',
        why: 'Two data dirs were written within the window.',
        candidates: TWINS,
      },
      at(70_000),
    );
    expect(asked.status).toBe('awaiting_pick');
    const pick = step(asked, { type: 'pick', user: REQUESTER, path: TWINS[0]?.path ?? '' }, at(71_000));
    const pickHash = pick.pick?.picked?.hash ?? '';
    // Unconfirmed: the confirmed pick goes back to staging.
    const unconfirmed = step(
      pick,
      { type: 'confirm_pick', user: CONFIRMER, pickHash, isApprover: true },
      at(72_000),
    );
    expect(unconfirmed.status).toBe('staging');
    // Confirmed while waiting for the pick: it stays there, then runs on.
    const planConfirmed = step(pick, confirmBy(pick), at(72_000));
    expect(planConfirmed.status).toBe('awaiting_pick');
    expect(refused(planConfirmed, confirmBy(planConfirmed, OUTSIDER)).code).toBe('already_confirmed');
    const running = step(
      planConfirmed,
      { type: 'confirm_pick', user: OUTSIDER, pickHash, isApprover: true },
      at(73_000),
    );
    expect(running.status).toBe('running');
  });

  it('a stage failing while staging ends the wait for the confirmation too', () => {
    const s = staging();
    const failed = step(
      s,
      { type: 'stage_failed', stage: 'restore', reason: 'Access Denied', production: 'unchanged' },
      at(40_000),
    );
    expect(failed.status).toBe('failed');
    expect(failed.stages.filter((st) => st.status === 'running')).toEqual([]);
    expect(failed.staged?.teardown).toBeUndefined();
  });

  it('resumes staging with both the expiry timer and the stage under way', () => {
    const s = stageUntil(staging(), 'flatten');
    const resumed = apply(s, { type: 'resumed' }, at(80_000));
    if (!resumed.ok) throw new Error(resumed.reason);
    expect(resumed.effects).toContainEqual({ type: 'await_confirmation', expiresAt: s.expiresAt });
    expect(resumed.effects).toContainEqual({ type: 'run_stage', stage: 'flatten' });
  });

  it('a stack that changed at the cutover sends a staged restore back for confirmation, keeping what was staged', () => {
    let s = stageUntil(staging());
    s = step(s, confirmBy(s), at(130_000));
    s = step(s, { type: 'stage_started', stage: 'cutover' }, at(131_000));
    const plan = s.plan;
    const shown = s.planHash ?? '';
    if (plan?.kind !== 'restore') throw new Error('no plan');
    s = step(s, { type: 'plan_changed', plan: { ...plan, templateSha256: 'b'.repeat(64) } }, at(140_000));
    expect(s.status).toBe('awaiting_confirmation');
    expect(s.confirmer).toBeUndefined();
    expect(stageState(s, 'check')?.status).toBe('done');
    // The old card's plan no longer confirms; the new one does, and cuts over.
    expect(refused(s, { ...confirmBy(s), planHash: shown }, at(141_000)).code).toBe('plan_changed');
    const again = apply(s, confirmBy(s), at(142_000));
    if (!again.ok) throw new Error(again.reason);
    expect(again.effects).toContainEqual({ type: 'run_stage', stage: 'cutover' });
  });
});
