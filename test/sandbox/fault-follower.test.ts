import { afterEach, describe, expect, it } from 'vitest';
import type { RestoreSession } from '../../src/restore/session.js';
import { type FaultFollower, followFaults } from '../../src/sandbox/fault-follower.js';
import { waitFor } from '../helpers/wait.js';
import { at, awaiting, confirm, runUntil, step } from '../restore/session-fixtures.js';

let follower: FaultFollower | undefined;
afterEach(() => follower?.stop());

/** A follower over `sessions`, its clock at `clock.now`, counting the clears. */
function follow(sessions: RestoreSession[], clock: { now: number }) {
  const clears: number[] = [];
  follower = followFaults({
    sessions: async () => sessions,
    clear: async () => void clears.push(clock.now),
    intervalMs: 5,
    now: () => clock.now,
  });
  return clears;
}

const ran = () => runUntil(confirm(awaiting('restore')));
const pause = () => new Promise((resolve) => setTimeout(resolve, 50));

describe('the sandbox’s fault follower', () => {
  it('clears the armed faults once a session that ran ends after they were armed', async () => {
    const clock = { now: at(500_000).getTime() };
    const sessions: RestoreSession[] = [ran()];
    const clears = follow(sessions, clock);
    follower?.armed();
    await pause();
    // The restore that ended before the faults were armed is not the next one.
    expect(sessions[0]?.status).toBe('succeeded');
    expect(clears).toEqual([]);

    sessions.push(step(awaiting(), { type: 'reject', user: 'U0CONFIRMER', isApprover: true }, at(600_000)));
    await pause();
    expect(clears).toEqual([]);

    const next = runUntil(confirm(awaiting('restore'), at(700_000)), undefined, 800_000);
    expect(next.status).toBe('succeeded');
    expect(Date.parse(next.ended?.at ?? '')).toBeGreaterThan(clock.now);
    sessions.push(next);
    await waitFor(() => clears.length === 1);
    await pause();
    expect(clears).toHaveLength(1);
  });

  it('follows nothing once the page cleared the faults itself, and keeps faults armed again for the next one', async () => {
    const clock = { now: at(0).getTime() };
    const sessions: RestoreSession[] = [];
    const clears = follow(sessions, clock);
    follower?.armed();
    follower?.cleared();
    sessions.push(runUntil(confirm(awaiting('restore'), at(20_000)), undefined, 30_000));
    await pause();
    expect(clears).toEqual([]);

    clock.now = at(10_000_000).getTime();
    follower?.armed();
    await pause();
    expect(clears).toEqual([]);
  });
});
