// The plan's events: resolved (the plan is recorded and waits for its confirmation),
// resolve_failed, and plan_changed (the stack moved since: the plan is renewed and confirmed again).

import type { Refusal } from '../errors.js';
import { planHash } from '../plan.js';
import {
  type CleanupCandidate,
  nextPendingStage,
  POINT_OF_NO_RETURN,
  type RestoreSession,
  runningStage,
  stageState,
} from '../session.js';
import { validCandidate } from './cleanup.js';
import { endStage, fail, notify, reuseRestored, setPlan, startStage } from './draft.js';
import { planFit, refuse } from './gates.js';
import type { EventOf, Step } from './step.js';

export function onResolved(
  d: RestoreSession,
  e: EventOf<'resolved'>,
  { now, effects }: Step,
): Refusal | undefined {
  if (stageState(d, 'resolve')?.status !== 'running') {
    return refuse('wrong_stage', 'The stage "resolve" was not started.', { stage: 'resolve' });
  }
  const bad = planFit(d, e.plan);
  if (bad !== undefined) return bad;
  let candidates: CleanupCandidate[] | undefined;
  if (d.kind === 'cleanup') {
    candidates = e.cleanupCandidates ?? [];
    if (!candidates.every(validCandidate)) {
      return refuse(
        'invalid_plan',
        'A cleanup candidate is not a cleanup directory or the database files at the volume root.',
      );
    }
    if (e.plan.kind === 'cleanup' && e.plan.paths.length > 0) {
      return refuse('invalid_plan', 'A cleanup plan starts with nothing chosen.');
    }
  } else if (e.cleanupCandidates !== undefined) {
    return refuse('invalid_plan', `A ${d.kind} session has no cleanup candidates.`);
  }
  setPlan(d, e.plan);
  if (candidates !== undefined) d.cleanup = { candidates: structuredClone(candidates), chosen: [] };
  if (e.plan.kind === 'restore' && e.plan.reuses !== undefined)
    reuseRestored(d, e.plan.targetRoot, e.plan.reuses.sessionId);
  endStage(d, 'resolve', 'done', now);
  if (d.kind === 'drill') {
    // Nobody confirms a drill: production does not change. Its stages start at once.
    d.status = 'running';
    const first = nextPendingStage(d);
    if (first !== undefined) effects.push({ type: 'run_stage', stage: first });
    return undefined;
  }
  startStage(d, 'confirm', now);
  d.status = 'awaiting_confirmation';
  effects.push({ type: 'await_confirmation', expiresAt: d.expiresAt });
  notify(d, effects, now, 'confirm', 'confirm_requested', {
    planHash: d.planHash ?? '',
    expiresAt: d.expiresAt,
  });
  return undefined;
}

export function onResolveFailed(
  d: RestoreSession,
  e: EventOf<'resolve_failed'>,
  { now, effects }: Step,
): Refusal | undefined {
  fail(d, effects, now, {
    stage: 'resolve',
    reason: e.reason,
    production: 'unchanged',
    ...(e.code === undefined ? {} : { code: e.code }),
  });
  const card = d.card?.ts;
  if (e.told === true && card !== undefined) {
    for (const notice of d.notices) notice.postedTs ??= card;
  }
  return undefined;
}

export function onPlanChanged(
  d: RestoreSession,
  e: EventOf<'plan_changed'>,
  { now, nowDate, effects }: Step,
): Refusal | undefined {
  if (d.status === 'running') {
    const gateStage = POINT_OF_NO_RETURN[d.kind];
    if (d.kind === 'cleanup' || runningStage(d) !== gateStage || d.aws.executedAt !== undefined) {
      return refuse('wrong_stage', 'A plan can only change before the cutover executes its change set.', {
        stage: runningStage(d),
      });
    }
  }
  const bad = planFit(d, e.plan);
  if (bad !== undefined) return bad;
  if (planHash(e.plan) === d.planHash)
    return refuse('plan_unchanged', 'The new plan is the same as the old.');
  const old = d.plan;
  if (old?.kind === 'restore' && e.plan.kind === 'restore') {
    if (e.plan.recoveryPoint.arn !== old.recoveryPoint.arn || e.plan.targetRoot !== old.targetRoot) {
      return refuse('invalid_plan', 'A changed plan keeps the recovery point and the target root.');
    }
  }
  if (old?.kind === 'rollback' && e.plan.kind === 'rollback' && d.status === 'running') {
    if (e.plan.targetRoot !== old.targetRoot) {
      return refuse('invalid_plan', 'A changed rollback plan keeps its target root.');
    }
  }
  if (d.status === 'running') {
    // Back to the confirmation; the stages already done (restore, locate, flatten) stay done.
    const cut = stageState(d, POINT_OF_NO_RETURN[d.kind]);
    if (cut !== undefined) {
      cut.status = 'pending';
      delete cut.startedAt;
    }
    const confirm = stageState(d, 'confirm');
    if (confirm !== undefined) delete confirm.endedAt;
    startStage(d, 'confirm', now);
    delete d.confirmer;
    delete d.confirmedAt;
    delete d.progress;
    d.attempt += 1;
    delete d.aws.changeSetName;
    delete d.aws.changeSetId;
    delete d.aws.templateDiff;
    d.status = 'awaiting_confirmation';
  }
  if (d.kind === 'cleanup' && d.cleanup !== undefined && e.plan.kind === 'cleanup') {
    d.cleanup.chosen = [...e.plan.paths];
  }
  setPlan(d, e.plan);
  d.expiresAt = new Date(nowDate.getTime() + d.confirmTtlMs).toISOString();
  effects.push({ type: 'await_confirmation', expiresAt: d.expiresAt });
  notify(d, effects, now, 'confirm', 'plan_changed', {
    planHash: d.planHash ?? '',
    changes: e.changes ?? [],
    expiresAt: d.expiresAt,
  });
  return undefined;
}
