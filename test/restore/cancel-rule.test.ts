// Who may cancel, as the state machine enforces it and the card says it (cancelRule): before the
// work starts the requester or an approver; once a stage that takes time runs, only the requester,
// the confirmer or a named approver; nobody past the point of no return.

import { describe, expect, it } from 'vitest';
import { cancelRule, mayCancel } from '../../src/restore/approval.js';
import { transition } from '../../src/restore/transitions.js';
import {
  at,
  awaiting,
  CONFIRMER,
  confirm,
  OUTSIDER,
  REQUESTER,
  runUntil,
  sessionIn,
} from './session-fixtures.js';

const BYSTANDER_APPROVER = 'U0BYSTANDER';

function cancel(s: ReturnType<typeof awaiting>, user: string, isApprover: boolean | 'unknown', named = true) {
  return transition(s, { type: 'cancel', user, isApprover, approversNamed: named }, { now: at(400_000) });
}

describe('cancelRule', () => {
  it('lets the requester or any approver cancel before the work starts', () => {
    const s = awaiting();
    expect(cancelRule(s, false)).toEqual({ users: [REQUESTER], approvers: true });
    expect(cancel(s, OUTSIDER, true, false).ok).toBe(true);
    expect(cancel(s, OUTSIDER, false).ok).toBe(false);
  });

  it('once the restore job runs, lets only the requester, the confirmer or a named approver cancel', () => {
    const s = runUntil(confirm(awaiting()), 'restore');
    expect(cancelRule(s, true)).toEqual({ users: [REQUESTER, CONFIRMER], approvers: true });
    expect(cancel(s, REQUESTER, false).ok).toBe(true);
    expect(cancel(s, CONFIRMER, false).ok).toBe(true);
    expect(cancel(s, BYSTANDER_APPROVER, true).ok).toBe(true);
    const outsider = cancel(s, OUTSIDER, false);
    expect(outsider.ok ? 'accepted' : outsider.code).toBe('not_requester_or_approver');
  });

  it('with approvers "anyone", refuses a bystander once the work runs though they could confirm', () => {
    const s = runUntil(confirm(awaiting()), 'locate');
    expect(cancelRule(s, false)).toEqual({ users: [REQUESTER, CONFIRMER], approvers: false });
    const bystander = cancel(s, BYSTANDER_APPROVER, true, false);
    expect(bystander.ok ? 'accepted' : bystander.code).toBe('not_requester_or_approver');
    expect(cancel(s, CONFIRMER, true, false).ok).toBe(true);
  });

  it('says "unknown" only when the unreadable group would decide', () => {
    const s = runUntil(confirm(awaiting()), 'restore');
    const rule = cancelRule(s, true);
    expect(mayCancel(rule, REQUESTER, 'unknown')).toBe(true);
    expect(mayCancel(rule, OUTSIDER, 'unknown')).toBe('unknown');
    expect(mayCancel(cancelRule(s, false), OUTSIDER, 'unknown')).toBe(false);
  });

  it('lets nobody cancel past the point of no return or after the end', () => {
    expect(cancelRule(runUntil(confirm(awaiting()), 'cutover'), true)).toBeUndefined();
    expect(cancelRule(sessionIn('succeeded'), true)).toBeUndefined();
    expect(mayCancel(undefined, REQUESTER, true)).toBe(false);
  });
});

describe('reject with a reason', () => {
  it('keeps the rejecter’s words, cleaned, on the session and its notice', () => {
    const s = awaiting();
    const r = transition(
      s,
      { type: 'reject', user: CONFIRMER, isApprover: true, reason: '  wrong point:\nuse the 08:00 one ' },
      { now: at(60_000) },
    );
    if (!r.ok) throw new Error(r.reason);
    expect(r.session.ended?.reason).toBe('wrong point: use the 08:00 one');
    expect(r.session.notices.at(-1)?.data).toMatchObject({
      by: CONFIRMER,
      reason: 'wrong point: use the 08:00 one',
    });
  });
});
