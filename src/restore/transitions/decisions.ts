// The engineers' decisions on a session: confirm, reject, cancel, Start restoring now, and the
// expiry of the time they had to decide.

import { cancelRule, mayCancel } from '../approval.js';
import type { Refusal } from '../errors.js';
import { dataLossWindowMs } from '../plan.js';
import {
  nextPendingStage,
  POINT_OF_NO_RETURN,
  pastPointOfNoReturn,
  type RestoreSession,
  runningStage,
} from '../session.js';
import { planTeardown, startStaged, stopStaging } from '../staged.js';
import { blockedPaths } from './cleanup.js';
import { endStage, finish, notify, staysOnVolume } from './draft.js';
import {
  approverGate,
  approversUnavailable,
  awaitingSomeone,
  expired,
  expiredRefusal,
  refuse,
  rejectReason,
  runnable,
} from './gates.js';
import type { EventOf, Step } from './step.js';

export function onConfirm(
  d: RestoreSession,
  e: EventOf<'confirm'>,
  { now, nowDate, effects }: Step,
): Refusal | undefined {
  if (expired(d, nowDate)) return expiredRefusal(d);
  if (e.user === d.requester) {
    return refuse('self_confirm', 'You asked for this session; a second engineer must confirm it.');
  }
  const approver = approverGate(e.isApprover, 'confirm');
  if (approver !== undefined) return approver;
  if (e.planHash !== d.planHash) {
    return refuse('plan_changed', 'The plan changed since this card was shown; confirm the current plan.', {
      current: d.planHash,
    });
  }
  if (d.plan?.kind === 'cleanup') {
    if (d.plan.paths.length === 0) {
      return refuse('nothing_chosen', 'Nothing is chosen for deletion yet.');
    }
    const blocked = blockedPaths(d, d.plan.paths, nowDate);
    if (blocked.length > 0) {
      return refuse('invalid_choice', `These may not be deleted now: ${blocked.join('; ')}.`, {
        paths: blocked,
      });
    }
  }
  d.confirmer = e.user;
  d.confirmedAt = now;
  endStage(d, 'confirm', 'done', now);
  // Staged: the work under way goes on (a pick still waits for its own confirmation).
  const waited = d.status === 'awaiting_confirmation';
  if (waited) {
    const next = nextPendingStage(d);
    if (next !== undefined) effects.push({ type: 'run_stage', stage: next });
  }
  if (d.status !== 'awaiting_pick') d.status = 'running';
  const window = d.plan === undefined ? undefined : dataLossWindowMs(d.plan, nowDate);
  notify(d, effects, now, 'confirm', 'confirmed', {
    by: e.user,
    ...(window === undefined ? {} : { dataLossWindowMs: window }),
    ...(d.staged === undefined ? {} : { staged: waited ? 'cutover_now' : 'after_staging' }),
  });
  return undefined;
}

export function onReject(
  d: RestoreSession,
  e: EventOf<'reject'>,
  { now, nowDate, effects }: Step,
): Refusal | undefined {
  if (expired(d, nowDate)) return expiredRefusal(d);
  if (e.user === d.requester) {
    return refuse('self_reject', 'You asked for this session; use Cancel to withdraw it.');
  }
  const approver = approverGate(e.isApprover, 'reject');
  if (approver !== undefined) return approver;
  if (e.planHash !== undefined && e.planHash !== d.planHash) {
    return refuse('plan_changed', 'The plan changed since this card was shown; look at the current plan.', {
      current: d.planHash,
    });
  }
  const why = rejectReason(e.reason);
  stopStaging(d, effects, now, `rejected by ${e.user}`);
  endStage(d, 'confirm', 'failed', now, `rejected by ${e.user}`);
  finish(d, effects, 'rejected', now, e.user);
  if (why !== undefined) d.ended = { ...(d.ended ?? { at: now }), reason: why };
  planTeardown(d, effects);
  notify(d, effects, now, 'confirm', 'rejected', {
    by: e.user,
    ...(why === undefined ? {} : { reason: why }),
  });
  return undefined;
}

export function onCancel(
  d: RestoreSession,
  e: EventOf<'cancel'>,
  { now, nowDate, effects }: Step,
): Refusal | undefined {
  if ((awaitingSomeone(d) || d.status === 'staging') && expired(d, nowDate)) return expiredRefusal(d);
  if (d.status === 'running' && pastPointOfNoReturn(d)) {
    const stage = POINT_OF_NO_RETURN[d.kind];
    return refuse(
      'cancel_too_late',
      stage === 'cutover'
        ? 'The stack update has started; it cannot be cancelled. Use rollback once it ends.'
        : 'The deletion has started; it cannot be cancelled.',
      { stage },
    );
  }
  const may = mayCancel(cancelRule(d, e.approversNamed ?? true), e.user, e.isApprover);
  if (may === 'unknown') return approversUnavailable();
  if (!may) {
    return refuse(
      'not_requester_or_approver',
      d.status === 'running'
        ? 'Only the requester, the confirmer or an approver can cancel a session that is running.'
        : 'Only the requester or an approver can cancel this session.',
      { status: d.status },
    );
  }
  stopStaging(d, effects, now, `cancelled by ${e.user}`);
  const running = runningStage(d);
  if (running !== undefined) {
    if (runnable(running) || running === 'resolve') effects.push({ type: 'abort_stage', stage: running });
    endStage(d, running, 'skipped', now, `cancelled by ${e.user}`);
  }
  finish(d, effects, 'cancelled', now, e.user);
  planTeardown(d, effects);
  const left = staysOnVolume(d);
  notify(d, effects, now, undefined, 'cancelled', {
    by: e.user,
    ...(d.aws.restoreJobId === undefined ? {} : { restoreJobId: d.aws.restoreJobId }),
    ...(left === undefined ? {} : { leftForCleanup: left }),
  });
  return undefined;
}

/** A drill gives way to a restore's start: it ends cancelled, its stage aborted. */
export function onTakeOver(
  d: RestoreSession,
  e: EventOf<'take_over'>,
  { now, effects }: Step,
): Refusal | undefined {
  const running = runningStage(d);
  if (running !== undefined) {
    effects.push({ type: 'abort_stage', stage: running });
    endStage(d, running, 'skipped', now, `taken over by session ${e.sessionId}`);
  }
  finish(d, effects, 'cancelled', now, e.by);
  d.ended = { ...(d.ended ?? { at: now }), reason: `taken over by session ${e.sessionId}` };
  notify(d, effects, now, undefined, 'cancelled', {
    by: e.by,
    takenOverBy: e.sessionId,
    ...(d.aws.restoreJobId === undefined ? {} : { restoreJobId: d.aws.restoreJobId }),
  });
  return undefined;
}

export function onExpire(
  d: RestoreSession,
  _e: EventOf<'expire'>,
  { now, nowDate, effects }: Step,
): Refusal | undefined {
  if (!expired(d, nowDate)) {
    return refuse('not_expired', `The session expires at ${d.expiresAt}.`, { expiresAt: d.expiresAt });
  }
  stopStaging(d, effects, now, 'expired');
  const stage = runningStage(d);
  if (stage === 'resolve') effects.push({ type: 'abort_stage', stage });
  if (stage !== undefined) endStage(d, stage, 'failed', now, 'expired');
  const picking = d.status === 'awaiting_pick';
  finish(d, effects, 'expired', now);
  planTeardown(d, effects);
  const left = staysOnVolume(d);
  notify(d, effects, now, picking ? 'locate' : 'confirm', 'expired', {
    expiresAt: d.expiresAt,
    ...(left === undefined ? {} : { leftForCleanup: left }),
  });
  return undefined;
}

export function onStartStaged(
  d: RestoreSession,
  e: EventOf<'start_staged'>,
  { now, nowDate, effects }: Step,
): Refusal | undefined {
  if (expired(d, nowDate)) return expiredRefusal(d);
  return startStaged(d, e, now, effects, (at, kind, data) => notify(d, effects, now, at, kind, data));
}
