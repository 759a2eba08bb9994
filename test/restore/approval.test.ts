import { describe, expect, it } from 'vitest';
import { createApproverCheck, type GroupMembersPort } from '../../src/restore/approval.js';

const GROUP = 'S0ONCALL';

/** A group members port that counts its calls and can be made to fail. */
function fakeGroup(members: string[]) {
  const state = { calls: 0, failing: false, members };
  const port: GroupMembersPort = async (groupId) => {
    state.calls++;
    await Promise.resolve();
    if (state.failing) throw new Error('ratelimited');
    expect(groupId).toBe(GROUP);
    return [...state.members];
  };
  return { port, state };
}

function clock(start = 1_000_000) {
  const c = { t: start, now: () => c.t };
  return c;
}

describe('approvers', () => {
  it('anyone: every user (the requester is refused by the state machine, not here)', async () => {
    const { port, state } = fakeGroup([]);
    const check = createApproverCheck({ kind: 'anyone' }, port);
    expect(await check.isApprover('U0ANY')).toBe(true);
    expect(await check.verdict('U0OTHER')).toBe(true);
    expect(state.calls).toBe(0);
  });

  it('a list of users: exactly those', async () => {
    const check = createApproverCheck({ kind: 'users', ids: ['U0ALICE', 'U0BOB'] }, fakeGroup([]).port);
    expect(await check.isApprover('U0ALICE')).toBe(true);
    expect(await check.isApprover('U0MALLORY')).toBe(false);
  });

  it('a group: its members, read once per cache period', async () => {
    const { port, state } = fakeGroup(['U0ALICE', 'U0BOB']);
    const c = clock();
    const check = createApproverCheck({ kind: 'group', groupId: GROUP }, port, {
      cacheMs: 60_000,
      now: c.now,
    });
    expect(await check.isApprover('U0ALICE')).toBe(true);
    expect(await check.isApprover('U0MALLORY')).toBe(false);
    expect(state.calls).toBe(1);

    state.members = ['U0BOB', 'U0MALLORY'];
    c.t += 59_999;
    expect(await check.isApprover('U0MALLORY')).toBe(false);
    expect(state.calls).toBe(1);
    c.t += 1;
    // The cache expired: a member added to the group counts now, one removed no longer does.
    expect(await check.isApprover('U0MALLORY')).toBe(true);
    expect(await check.isApprover('U0ALICE')).toBe(false);
    expect(state.calls).toBe(2);
  });

  it('concurrent clicks share one read of the group', async () => {
    const { port, state } = fakeGroup(['U0ALICE']);
    const check = createApproverCheck({ kind: 'group', groupId: GROUP }, port, { now: clock().now });
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => check.isApprover(i % 2 ? 'U0ALICE' : 'U0X')),
    );
    expect(results.filter(Boolean)).toHaveLength(5);
    expect(state.calls).toBe(1);
  });

  it('keeps using a recent list while Slack fails, then says it cannot tell', async () => {
    const { port, state } = fakeGroup(['U0ALICE']);
    const c = clock();
    const check = createApproverCheck({ kind: 'group', groupId: GROUP }, port, {
      cacheMs: 60_000,
      staleMs: 600_000,
      now: c.now,
    });
    expect(await check.isApprover('U0ALICE')).toBe(true);
    state.failing = true;
    c.t += 120_000;
    expect(await check.isApprover('U0ALICE')).toBe(true);
    expect(state.calls).toBe(2);
    c.t += 600_000;
    await expect(check.isApprover('U0ALICE')).rejects.toMatchObject({ code: 'approvers_unavailable' });
    expect(await check.verdict('U0ALICE')).toBe('unknown');
    // Slack recovers: the next click reads the group again.
    state.failing = false;
    expect(await check.verdict('U0ALICE')).toBe(true);
  });

  it('with no list at all, a failure is "unknown", never "no"', async () => {
    const { port, state } = fakeGroup(['U0ALICE']);
    state.failing = true;
    const check = createApproverCheck({ kind: 'group', groupId: GROUP }, port, { now: clock().now });
    expect(await check.verdict('U0ALICE')).toBe('unknown');
    expect(await check.verdict('U0ALICE')).toBe('unknown');
    expect(state.calls).toBe(2);
  });

  it('survives a port that throws before returning a promise', async () => {
    let calls = 0;
    const throwing: GroupMembersPort = (() => {
      calls++;
      throw new Error('synchronous failure');
    }) as unknown as GroupMembersPort;
    const check = createApproverCheck({ kind: 'group', groupId: GROUP }, throwing, { now: clock().now });
    expect(await check.verdict('U0ALICE')).toBe('unknown');
    expect(await check.verdict('U0ALICE')).toBe('unknown');
    expect(calls).toBe(2);
  });
});
