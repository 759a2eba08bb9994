import { describe, expect, it } from 'vitest';
import type { RecoveryPoint } from '../../../src/aws/ports.js';
import {
  DEPLOYMENT_MARGIN_MS,
  ESTIMATE,
  expectedDurationMinutes,
  rootAt,
} from '../../../src/restore/activities/index.js';
import { planRestore } from '../../../src/restore/activities/plan-restore.js';
import type { CutoverRecord, RestoreTarget, RootRevision } from '../../../src/restore/activities/types.js';

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
const rev = (
  n: number,
  root: string | undefined,
  registered: string,
  deregistered?: string,
): RootRevision => ({
  arn: `arn:aws:ecs:eu-central-1:123456789012:task-definition/chat-db:${n}`,
  ...(root === undefined ? {} : { root }),
  registeredAt: new Date(registered),
  ...(deregistered === undefined ? {} : { deregisteredAt: new Date(deregistered) }),
});
/** '/' until March (moved by hand), /aws-backup-restore_A until May, then the bot's flat dir. */
const REVISIONS = [
  rev(1, '/', '2026-01-01T00:00:00Z', '2026-03-01T00:20:00Z'),
  rev(2, '/aws-backup-restore_A', '2026-03-01T00:00:00Z', '2026-05-01T00:10:00Z'),
  rev(3, '/chatdb-restore_b', '2026-05-01T00:00:00Z'),
];
const BOT_CUTOVER: CutoverRecord = {
  root: '/chatdb-restore_b',
  from: '/aws-backup-restore_A',
  startedAt: new Date('2026-05-01T00:00:00Z'),
  cutAt: new Date('2026-05-01T00:09:00Z'),
};

describe('rootAt: where the database lived, from the task definition revisions', () => {
  it('between root changes, the one revision that was live', () => {
    expect(rootAt(REVISIONS, [], new Date('2026-02-01T00:00:00Z'))).toEqual({
      root: '/',
      basis: 'task_definitions',
      candidates: ['/'],
    });
    expect(rootAt(REVISIONS, [], new Date('2026-04-01T00:00:00Z')).root).toBe('/aws-backup-restore_A');
    expect(rootAt(REVISIONS, [], new Date('2026-06-01T00:00:00Z')).root).toBe('/chatdb-restore_b');
  });

  it('within the deployment window after a registration: ambiguous, both roots named', () => {
    const during = new Date(Date.parse('2026-03-01T00:00:00Z') + DEPLOYMENT_MARGIN_MS / 2);
    expect(rootAt(REVISIONS, [], during)).toEqual({
      basis: 'ambiguous',
      candidates: ['/', '/aws-backup-restore_A'],
    });
  });

  it("the bot's own cutover times settle a window it spans", () => {
    const before = new Date('2026-04-30T23:59:00Z');
    const after = new Date('2026-05-01T00:30:00Z');
    expect(rootAt(REVISIONS, [], after).basis).toBe('ambiguous');
    expect(rootAt(REVISIONS, [BOT_CUTOVER], after)).toMatchObject({
      root: '/chatdb-restore_b',
      basis: 'sessions',
    });
    expect(rootAt(REVISIONS, [BOT_CUTOVER], before).root).toBe('/aws-backup-restore_A');
    const during = new Date('2026-05-01T00:05:00Z');
    expect(rootAt(REVISIONS, [BOT_CUTOVER], during).basis).toBe('ambiguous');
  });

  it('a rolled-back revision leaves its short life ambiguous, and the previous root before and after it', () => {
    const revisions = [
      rev(1, '/a', '2026-01-01T00:00:00Z', '2026-06-01T00:00:00Z'),
      rev(2, '/b', '2026-03-01T00:00:00Z', '2026-03-01T00:30:00Z'),
      rev(3, '/c', '2026-06-01T00:00:00Z'),
    ];
    expect(rootAt(revisions, [], new Date('2026-03-01T00:10:00Z')).basis).toBe('ambiguous');
    expect(rootAt(revisions, [], new Date('2026-04-01T00:00:00Z')).root).toBe('/a');
  });

  it('before the oldest revision, or with a revision ECS would not describe: not proven', () => {
    expect(rootAt(REVISIONS, [], new Date('2025-12-01T00:00:00Z'))).toEqual({
      basis: 'unknown',
      candidates: [],
    });
    const gap = [
      REVISIONS[0] as RootRevision,
      rev(2, undefined, '2026-03-01T00:00:00Z', '2026-05-01T00:10:00Z'),
    ];
    expect(rootAt(gap, [], new Date('2026-04-01T00:00:00Z')).root).toBeUndefined();
    expect(rootAt([], [BOT_CUTOVER], new Date('2026-06-01T00:00:00Z')).basis).toBe('unknown');
  });
});

describe('planRestore', () => {
  it('item-level only where the record proves the path held the database', () => {
    expect(planRestore(target, point('2026-04-01T00:00:00Z'), REVISIONS, [])).toMatchObject({
      restoreMode: { kind: 'item', path: '/aws-backup-restore_A' },
      expectedRelPath: 'aws-backup-restore_A',
      evidence: { root: '/aws-backup-restore_A', basis: 'task_definitions' },
    });
  });

  it('a point older than a cutover the bot never saw is restored from where the database was then', () => {
    // The bot's history alone would have said /aws-backup-restore_A (the root its cutover replaced).
    expect(planRestore(target, point('2026-02-01T00:00:00Z'), REVISIONS, [BOT_CUTOVER])).toMatchObject({
      restoreMode: { kind: 'full' },
      expectedRelPath: '',
    });
  });

  it('ambiguous or unknown: the whole volume and no expected path, so the data decides', () => {
    for (const at of ['2026-03-01T00:10:00Z', '2025-12-01T00:00:00Z']) {
      const plan = planRestore(target, point(at), REVISIONS, []);
      expect(plan.restoreMode).toEqual({ kind: 'full' });
      expect(plan.expectedRelPath).toBeUndefined();
    }
  });

  it('estimates 5 minutes plus the size at 200 MB a minute, capped at 12 hours', () => {
    expect(expectedDurationMinutes(undefined)).toBe(5);
    expect(expectedDurationMinutes(0)).toBe(5);
    expect(expectedDurationMinutes(ESTIMATE.bytesPerMinute * 10)).toBe(15);
    expect(expectedDurationMinutes(ESTIMATE.bytesPerMinute * 10 + 1)).toBe(16);
    expect(expectedDurationMinutes(1e15)).toBe(720);
    expect(
      planRestore(target, point('2026-04-01T00:00:00Z', ESTIMATE.bytesPerMinute * 30), REVISIONS, []),
    ).toMatchObject({
      expectedDurationMinutes: 35,
    });
  });
});
