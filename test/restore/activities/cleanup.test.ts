import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Activities } from '../../../src/restore/activities/index.js';
import { type SimWithPorts, startSimWithPorts } from '../../helpers/sim-ports.js';
import { activitiesFor, defaultTarget, LIVE_DB_DIR } from './support.js';

let env: SimWithPorts;
let activities: Activities;
const STALE = 'aws-backup-restore_2026-02-03T09-12-44-120Z';
const RECENT = 'chatdb-restore_2026-11-20T03-00-00Z_rrecent';
const OLD = 'chatdb-restore_2026-10-01T03-00-00Z_rold';
const now = new Date('2026-11-24T12:00:00Z');
const retiredRoots = [
  { root: `/${RECENT}`, retiredAt: new Date(now.getTime() - 2 * 3_600_000) },
  { root: `/${OLD}`, retiredAt: new Date(now.getTime() - 30 * 3_600_000) },
];

beforeAll(async () => {
  env = await startSimWithPorts();
  ({ activities } = activitiesFor(env));
  for (const dir of [RECENT, OLD]) {
    mkdirSync(join(env.settings.inspectorMount, dir), { recursive: true });
    writeFileSync(join(env.settings.inspectorMount, dir, 'WiredTiger'), 'x'.repeat(5000));
  }
});
afterAll(async () => {
  await env?.close();
});

describe('cleanupCandidates', () => {
  it('lists restore and retired dirs with sizes; the live root and a root retired < 24 h ago are kept', async () => {
    const { candidates } = await activities.cleanupCandidates(defaultTarget(env), {
      liveRoot: LIVE_DB_DIR,
      retiredRoots,
      now,
    });
    const byName = new Map(candidates.map((c) => [c.name, c]));
    expect([...byName.keys()].sort()).toEqual([LIVE_DB_DIR.slice(1), OLD, RECENT, STALE].sort());
    expect(byName.get(LIVE_DB_DIR.slice(1))).toMatchObject({ kind: 'restore', deletable: false });
    expect(byName.get(LIVE_DB_DIR.slice(1))?.whyNot).toMatch(/live root/);
    expect(byName.get(RECENT)).toMatchObject({ kind: 'retired', deletable: false });
    expect(byName.get(RECENT)?.whyNot).toMatch(/less than 24 hours ago/);
    expect(byName.get(OLD)).toMatchObject({ kind: 'retired', deletable: true });
    expect(byName.get(STALE)).toMatchObject({ kind: 'restore', deletable: true });
    expect(byName.get(STALE)?.sizeBytes).toBeGreaterThan(10_000);
    expect(byName.get(OLD)?.sizeBytes).toBeGreaterThanOrEqual(5000);
  });
});

describe('deleteDirs', () => {
  it('deletes the chosen dirs, and a second run finds them absent', async () => {
    const protect = [RECENT];
    const first = await activities.deleteDirs(defaultTarget(env), [STALE, OLD], {
      liveRoot: LIVE_DB_DIR,
      protect,
    });
    expect(first).toEqual({ deleted: [STALE, OLD], absent: [] });
    expect(existsSync(join(env.settings.inspectorMount, STALE))).toBe(false);
    expect(existsSync(join(env.settings.inspectorMount, LIVE_DB_DIR))).toBe(true);
    const again = await activities.deleteDirs(defaultTarget(env), [STALE, OLD], {
      liveRoot: LIVE_DB_DIR,
      protect,
    });
    expect(again).toEqual({ deleted: [], absent: [STALE, OLD] });
  });

  it('never the live root nor a protected dir: refused before any command is sent', async () => {
    const sends = (await env.state()).calls['ssm:SendCommand'];
    await expect(
      activities.deleteDirs(defaultTarget(env), [LIVE_DB_DIR.slice(1)], { liveRoot: LIVE_DB_DIR }),
    ).rejects.toMatchObject({
      stage: 'delete',
      code: 'invalid_value',
      reason: expect.stringMatching(/live root/),
    });
    await expect(
      activities.deleteDirs(defaultTarget(env), [RECENT], { liveRoot: LIVE_DB_DIR, protect: [RECENT] }),
    ).rejects.toMatchObject({ code: 'invalid_value', reason: expect.stringMatching(/protected/) });
    expect((await env.state()).calls['ssm:SendCommand']).toBe(sends);
    expect(existsSync(join(env.settings.inspectorMount, RECENT))).toBe(true);
  });
});
