// The checks handlers share: refusals with their codes, the deadline, the approvers' verdict, the
// stage an in-stage event names, and whether a plan fits its session.

import type { Refusal, RefusalCode } from '../errors.js';
import { type Plan, planProblems } from '../plan.js';
import { type RestoreSession, runningStage, type StageName } from '../session.js';
import { stageDefinition } from '../stages/index.js';
import type { ApproverVerdict, SessionEventType } from '../transitions.js';

/** Stages whose activity the orchestrator runs (resolve and confirm end through their own events). */
export function runnable(stage: StageName): boolean {
  return stageDefinition(stage) !== undefined;
}

export function refuse(code: RefusalCode, reason: string, details?: Refusal['details']): Refusal {
  return details === undefined ? { ok: false, code, reason } : { ok: false, code, reason, details };
}

export function unexpected(d: RestoreSession, type: SessionEventType): Refusal {
  return refuse('unexpected_event', `${type} does not apply to a session that is ${d.status}.`, {
    status: d.status,
    event: type,
  });
}

export function expired(d: RestoreSession, now: Date): boolean {
  return now.getTime() >= Date.parse(d.expiresAt);
}

export function expiredRefusal(d: RestoreSession): Refusal {
  return refuse('expired', `The confirmation window closed at ${d.expiresAt}; start a new session.`, {
    expiresAt: d.expiresAt,
  });
}

export function whoConfirmed(d: RestoreSession): Refusal['details'] {
  return { confirmer: d.confirmer, confirmedAt: d.confirmedAt };
}

/** Waiting for a person (a confirmation or a pick), with an expiry timer armed. */
export function awaitingSomeone(d: RestoreSession): boolean {
  return d.status === 'awaiting_confirmation' || d.status === 'awaiting_pick';
}

export const MAX_REJECT_REASON = 500;

/** A rejecter's reason as stored: trimmed, control characters out, at most 500 characters. */
export function rejectReason(text: string | undefined): string | undefined {
  if (typeof text !== 'string') return undefined;
  const clean = text
    .replace(/\p{Cc}+/gu, ' ')
    .trim()
    .slice(0, MAX_REJECT_REASON);
  return clean === '' ? undefined : clean;
}

export function approverGate(verdict: ApproverVerdict, action: 'confirm' | 'reject'): Refusal | undefined {
  if (verdict === 'unknown') return approversUnavailable();
  if (verdict !== true)
    return refuse('not_approver', `Only a member of the approvers can ${action} a session.`);
  return undefined;
}

export function approversUnavailable(): Refusal {
  return refuse(
    'approvers_unavailable',
    'The approvers group could not be read just now; try again in a moment.',
  );
}

/** The stage an in-stage event names must be the one running. */
export function activeStage(d: RestoreSession, named: StageName | undefined): StageName | Refusal {
  if (d.status !== 'running' && d.status !== 'staging') {
    return refuse('unexpected_event', `No stage runs while the session is ${d.status}.`, {
      status: d.status,
    });
  }
  const running = runningStage(d);
  if (running === undefined || !runnable(running) || (named !== undefined && named !== running)) {
    return refuse('wrong_stage', `The running stage is ${running ?? 'none'}, not ${named ?? 'given'}.`, {
      stage: named,
      running,
    });
  }
  return running;
}

export function planFit(d: RestoreSession, plan: Plan): Refusal | undefined {
  if (plan?.kind !== d.kind) return refuse('invalid_plan', `A ${d.kind} session needs a ${d.kind} plan.`);
  if (plan.requester !== d.requester) return refuse('invalid_plan', 'The plan names another requester.');
  const problems = planProblems(plan, d.id);
  if (problems.length > 0) {
    return refuse('invalid_plan', `The plan is not sound: ${problems.join('; ')}.`, { problems });
  }
  return undefined;
}
