import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Activities } from '../../../src/restore/activities/index.js';
import { writeMongoDataDir } from '../../../src/sim/data-dir.js';
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

describe('what AWS Backup and the first move away from the volume root leave behind', () => {
  let world: SimWithPorts;
  let acts: Activities;
  const FAILED = 'aws-backup-failed-restore_2026-03-01T00-00-00-000Z';
  const LOST = 'aws-backup-lost+found';
  const liveFiles = () => readdirSync(join(world.settings.inspectorMount, LIVE_DB_DIR)).sort();

  beforeAll(async () => {
    world = await startSimWithPorts();
    ({ activities: acts } = activitiesFor(world));
    const mount = world.settings.inspectorMount;
    writeMongoDataDir(mount, 'stale:/', '/');
    for (const dir of [FAILED, LOST]) {
      mkdirSync(join(mount, dir));
      writeFileSync(join(mount, dir, 'partial.bin'), 'x'.repeat(100));
    }
    // Not the database's: never listed, never deleted.
    writeFileSync(join(mount, 'README.txt'), 'ops notes');
    writeFileSync(join(mount, 'notes.wt'), 'not a mongod file name');
  });
  afterAll(async () => {
    await world?.close();
  });

  it('offers the failed-restore and lost+found dirs, and the root database files as one item', async () => {
    const { candidates } = await acts.cleanupCandidates(defaultTarget(world), {
      liveRoot: LIVE_DB_DIR,
      retiredRoots: [{ root: '/', retiredAt: new Date(now.getTime() - 100 * 86_400_000) }],
      now,
    });
    const byKind = new Map(candidates.map((c) => [c.kind, c]));
    expect(byKind.get('failed_restore')).toMatchObject({ name: FAILED, deletable: true });
    expect(byKind.get('lost_found')).toMatchObject({ name: LOST, deletable: true });
    const root = byKind.get('root_files');
    expect(root).toMatchObject({ name: '', deletable: true });
    expect(root?.files).toEqual(
      expect.arrayContaining(['WiredTiger', 'WiredTiger.wt', 'storage.bson', 'journal', 'diagnostic.data']),
    );
    expect(root?.files).not.toContain('README.txt');
    expect(root?.files).not.toContain('notes.wt');
    expect(root?.files?.every((f) => !f.startsWith('aws-backup') && !f.startsWith('chatdb'))).toBe(true);
    expect(root?.sizeBytes).toBeGreaterThan(10_000);
  });

  it('keeps them while the volume root is live, or was less than a day ago', async () => {
    const live = await acts.cleanupCandidates(defaultTarget(world), { liveRoot: '/', retiredRoots: [], now });
    expect(live.candidates.find((c) => c.kind === 'root_files')).toMatchObject({
      deletable: false,
      whyNot: expect.stringMatching(/live database/),
    });
    const recent = await acts.cleanupCandidates(defaultTarget(world), {
      liveRoot: LIVE_DB_DIR,
      retiredRoots: [{ root: '/', retiredAt: new Date(now.getTime() - 2 * 3_600_000) }],
      now,
    });
    expect(recent.candidates.find((c) => c.kind === 'root_files')).toMatchObject({
      deletable: false,
      whyNot: expect.stringMatching(/less than 24 hours ago/),
    });
  });

  it('deletes exactly the named database files, never while the volume root is live', async () => {
    const sends = (await world.state()).calls['ssm:SendCommand'];
    await expect(
      acts.deleteDirs(defaultTarget(world), ['WiredTiger'], { liveRoot: '/' }),
    ).rejects.toMatchObject({ code: 'invalid_value', reason: expect.stringMatching(/volume root/) });
    expect((await world.state()).calls['ssm:SendCommand']).toBe(sends);

    const { candidates } = await acts.cleanupCandidates(defaultTarget(world), {
      liveRoot: LIVE_DB_DIR,
      retiredRoots: [],
      now,
    });
    const files = candidates.find((c) => c.kind === 'root_files')?.files ?? [];
    const before = liveFiles();
    const result = await acts.deleteDirs(defaultTarget(world), files, { liveRoot: LIVE_DB_DIR });
    expect(result.deleted.sort()).toEqual([...files].sort());
    const left = readdirSync(world.settings.inspectorMount).sort();
    expect(left.filter((name) => files.includes(name))).toEqual([]);
    // Every file mongod wrote at the root was listed, collection and index files included.
    expect(left.filter((name) => /\.wt$|^WiredTiger|^storage\.bson$|^journal$/.test(name))).toEqual([
      'notes.wt',
    ]);
    expect(files.filter((f) => f.startsWith('collection-'))).toHaveLength(4);
    expect(left).toEqual(
      expect.arrayContaining(['README.txt', 'notes.wt', FAILED, LOST, LIVE_DB_DIR.slice(1)]),
    );
    expect(liveFiles()).toEqual(before);
  });
});
