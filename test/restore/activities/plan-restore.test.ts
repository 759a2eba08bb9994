import { describe, expect, it } from 'vitest';
import type { RecoveryPoint } from '../../../src/aws/ports.js';
import { ESTIMATE, expectedDurationMinutes } from '../../../src/restore/activities/index.js';
import { planRestore } from '../../../src/restore/activities/plan-restore.js';
import type { RestoreTarget } from '../../../src/restore/activities/types.js';

const target = { currentRoot: '/chatdb-restore_b' } as RestoreTarget;
const point = (createdAt: string, sizeBytes?: number): RecoveryPoint => ({
  arn: 'arn:aws:backup:eu-central-1:123456789012:recovery-point:P',
  id: 'P',
  vault: 'v',
  resourceArn: 'arn:aws:elasticfilesystem:eu-central-1:123456789012:file-system/fs-01234567',
  resourceType: 'EFS',
  status: 'COMPLETED',
  createdAt: new Date(createdAt),
  ...(sizeBytes !== undefined ? { sizeBytes } : {}),
});
const history = [
  { root: '/', cutAt: new Date('2026-01-01T00:00:00Z') },
  { root: '/aws-backup-restore_A', cutAt: new Date('2026-03-01T00:00:00Z') },
  { root: '/chatdb-restore_b', cutAt: new Date('2026-05-01T00:00:00Z') },
];

describe('planRestore', () => {
  it('restores only the dir the DB lived in when the point was taken (the latest cutover before it)', () => {
    expect(planRestore(target, point('2026-04-01T00:00:00Z'), history)).toMatchObject({
      restoreMode: { kind: 'item', path: '/aws-backup-restore_A' },
      expectedRelPath: 'aws-backup-restore_A',
      rootAtPoint: '/aws-backup-restore_A',
    });
    expect(planRestore(target, point('2026-06-01T00:00:00Z'), [...history].reverse())).toMatchObject({
      restoreMode: { kind: 'item', path: '/chatdb-restore_b' },
      expectedRelPath: 'chatdb-restore_b',
    });
  });

  it('a cutover at the very time of the point does not count: the point may predate it', () => {
    expect(planRestore(target, point('2026-03-01T00:00:00Z'), history)).toMatchObject({
      restoreMode: { kind: 'full' },
      expectedRelPath: '',
      rootAtPoint: '/',
    });
  });

  it('the volume root restores the whole volume, the data dir being the restore dir itself', () => {
    expect(planRestore(target, point('2026-02-01T00:00:00Z'), history)).toMatchObject({
      restoreMode: { kind: 'full' },
      expectedRelPath: '',
    });
  });

  it('without history (or a point older than it) where the DB lived is unknown: whole volume, no expectation', () => {
    for (const h of [[], history]) {
      const plan = planRestore(target, point('2025-12-01T00:00:00Z'), h);
      expect(plan.restoreMode).toEqual({ kind: 'full' });
      expect(plan.expectedRelPath).toBeUndefined();
      expect(plan.rootAtPoint).toBeUndefined();
    }
  });

  it('without a cutover before the point, a point clearly younger than the running revision was at its root', () => {
    const since = new Date('2026-05-01T00:00:00Z');
    const known = { ...target, currentRootSince: since };
    expect(planRestore(known, point('2026-05-02T00:00:00Z'), [])).toMatchObject({
      restoreMode: { kind: 'item', path: '/chatdb-restore_b' },
      expectedRelPath: 'chatdb-restore_b',
      rootKnownFrom: 'task_definition',
    });
    // Within the hour after registration the deployment may not have finished: unknown.
    expect(planRestore(known, point('2026-05-01T00:30:00Z'), [])).toMatchObject({
      restoreMode: { kind: 'full' },
      expectedRelPath: undefined,
      rootKnownFrom: undefined,
    });
    // History, where it covers the point, wins.
    expect(planRestore(known, point('2026-05-02T00:00:00Z'), history.slice(0, 2))).toMatchObject({
      restoreMode: { kind: 'item', path: '/aws-backup-restore_A' },
      rootKnownFrom: 'history',
    });
    // A revision at the volume root: the whole volume, the restore dir being the data dir.
    expect(planRestore({ ...known, currentRoot: '/' }, point('2026-05-02T00:00:00Z'), [])).toMatchObject({
      restoreMode: { kind: 'full' },
      expectedRelPath: '',
    });
  });

  it('a point older than every cutover of this bot was at the root the first cutover replaced', () => {
    // The bot cut over from the live dir on 2026-05-01; the point is from April.
    const cutovers = [
      {
        root: '/chatdb-restore_b',
        from: '/aws-backup-restore_A',
        startedAt: new Date('2026-05-01T00:00:00Z'),
        cutAt: new Date('2026-05-01T00:10:00Z'),
      },
      {
        root: '/chatdb-restore_c',
        from: '/chatdb-restore_b',
        startedAt: new Date('2026-06-01T00:00:00Z'),
        cutAt: new Date('2026-06-01T00:10:00Z'),
      },
    ];
    expect(planRestore(target, point('2026-04-01T00:00:00Z'), cutovers)).toMatchObject({
      restoreMode: { kind: 'item', path: '/aws-backup-restore_A' },
      expectedRelPath: 'aws-backup-restore_A',
      rootAtPoint: '/aws-backup-restore_A',
      rootKnownFrom: 'history',
    });
    // Taken while that cutover was under way: either root could hold it.
    expect(planRestore(target, point('2026-05-01T00:05:00Z'), cutovers)).toMatchObject({
      restoreMode: { kind: 'full' },
      rootAtPoint: undefined,
    });
    // A cutover that does not say when it started or what it replaced tells nothing about before.
    const bare = cutovers.map(({ root, cutAt }) => ({ root, cutAt }));
    expect(planRestore(target, point('2026-04-01T00:00:00Z'), bare).rootAtPoint).toBeUndefined();
  });

  it('forceFull restores the whole volume but still expects the data dir where it lived', () => {
    expect(planRestore(target, point('2026-04-01T00:00:00Z'), history, { forceFull: true })).toMatchObject({
      restoreMode: { kind: 'full' },
      expectedRelPath: 'aws-backup-restore_A',
    });
  });

  it('estimates 5 minutes plus the size at 200 MB a minute, capped at 12 hours', () => {
    expect(expectedDurationMinutes(undefined)).toBe(5);
    expect(expectedDurationMinutes(0)).toBe(5);
    expect(expectedDurationMinutes(ESTIMATE.bytesPerMinute * 10)).toBe(15);
    expect(expectedDurationMinutes(ESTIMATE.bytesPerMinute * 10 + 1)).toBe(16);
    expect(expectedDurationMinutes(1e15)).toBe(720);
    expect(
      planRestore(target, point('2026-04-01T00:00:00Z', ESTIMATE.bytesPerMinute * 30), history),
    ).toMatchObject({
      expectedDurationMinutes: 35,
    });
  });
});
