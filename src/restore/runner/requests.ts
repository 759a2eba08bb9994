// Engineers' requests on an existing session, each one event through the session loop. Whether a
// user is an approver is read here, before the event, so the transition stays pure.

import { RestoreError } from '../errors.js';
import type { Outcome } from '../service.js';
import type { Runner } from './context.js';
import { apply, dryRun } from './session-loop.js';

function verdict(rt: Runner, user: string) {
  return rt.deps.approvers.verdict(user);
}

export async function confirm(
  rt: Runner,
  sessionId: string,
  user: string,
  planHash: string,
): Promise<Outcome> {
  return apply(rt, sessionId, { type: 'confirm', user, planHash, isApprover: await verdict(rt, user) });
}

export async function reject(
  rt: Runner,
  sessionId: string,
  user: string,
  opts: { reason?: string; planHash?: string },
): Promise<Outcome> {
  return apply(rt, sessionId, {
    type: 'reject',
    user,
    isApprover: await verdict(rt, user),
    ...(opts.reason === undefined ? {} : { reason: opts.reason }),
    ...(opts.planHash === undefined ? {} : { planHash: opts.planHash }),
  });
}

export async function mayReject(
  rt: Runner,
  sessionId: string,
  user: string,
  planHash: string,
): Promise<Outcome> {
  return dryRun(rt, sessionId, { type: 'reject', user, isApprover: await verdict(rt, user), planHash });
}

export async function cancel(rt: Runner, sessionId: string, user: string): Promise<Outcome> {
  return apply(rt, sessionId, {
    type: 'cancel',
    user,
    isApprover: await verdict(rt, user),
    approversNamed: rt.deps.approvers.policy.kind !== 'anyone',
  });
}

export async function confirmPick(
  rt: Runner,
  sessionId: string,
  user: string,
  pickHash: string,
): Promise<Outcome> {
  return apply(rt, sessionId, { type: 'confirm_pick', user, pickHash, isApprover: await verdict(rt, user) });
}

export async function setCard(rt: Runner, sessionId: string, ts: string): Promise<void> {
  const outcome = await apply(rt, sessionId, { type: 'card_posted', ts });
  if (!outcome.ok && outcome.code !== 'already_posted') throw RestoreError.fromRefusal(outcome);
}

export async function markNoticePosted(
  rt: Runner,
  sessionId: string,
  noticeId: string,
  ts: string,
): Promise<void> {
  const outcome = await apply(rt, sessionId, { type: 'notice_posted', id: noticeId, ts });
  if (!outcome.ok && outcome.code !== 'already_posted') throw RestoreError.fromRefusal(outcome);
}
