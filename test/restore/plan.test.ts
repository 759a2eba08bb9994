import { describe, expect, it } from 'vitest';
import {
  bindingFields,
  buildRestorePlan,
  type CleanupPlan,
  canonicalJson,
  dataLossWindowMs,
  type Plan,
  planHash,
  planProblems,
  RETIRED_GRACE_MS,
  type RestorePlan,
  type RollbackPlan,
  templateSha256,
  whyNotDeletable,
} from '../../src/restore/plan.js';
import { LIVE_ROOT, POINT, PREVIOUS_ROOT, planFor, SESSION, TARGET } from './session-fixtures.js';

const restore = planFor('restore') as RestorePlan;
const rollback = planFor('rollback') as RollbackPlan;
const cleanup: CleanupPlan = {
  ...(planFor('cleanup') as CleanupPlan),
  paths: ['/aws-backup-restore_2026-02-03T09-12-44-120Z', PREVIOUS_ROOT],
};

/** The same object with its keys in reverse order, at every level. */
function reversed<T>(value: T): T {
  if (Array.isArray(value)) return value.map(reversed) as T;
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .reverse()
      .map(([k, v]) => [k, reversed(v)]),
  ) as T;
}

const COMMON_CHANGES: [string, (p: Plan) => Plan][] = [
  ['stackName', (p) => ({ ...p, stackName: 'other-stack' })],
  ['fileSystemId', (p) => ({ ...p, fileSystemId: 'fs-0d0d0d0d01' })],
  ['fileSystemArn', (p) => ({ ...p, fileSystemArn: p.fileSystemArn.replace('eu-central-1', 'eu-west-1') })],
  ['currentRoot', (p) => ({ ...p, currentRoot: '/' })],
  ['requester', (p) => ({ ...p, requester: 'U0SOMEONE' })],
];
const STACK_CHANGES: [string, (p: Plan) => Plan][] = [
  ['cluster', (p) => ({ ...p, cluster: 'other' })],
  ['service', (p) => ({ ...p, service: 'chat' })],
  ['taskDefinitionArn', (p) => ({ ...p, taskDefinitionArn: p.taskDefinitionArn.replace(':7', ':9') })],
  ['volumeName', (p) => ({ ...p, volumeName: 'chat-dump' })],
  ['templateSha256', (p) => ({ ...p, templateSha256: templateSha256('a different template') })],
];
const RESTORE_CHANGES: [string, (p: RestorePlan) => RestorePlan][] = [
  [
    'recoveryPoint.arn',
    (p) => ({
      ...p,
      recoveryPoint: { ...p.recoveryPoint, arn: p.recoveryPoint.arn.replace('1F3B', '2F3B') },
    }),
  ],
  ['recoveryPoint.vault', (p) => ({ ...p, recoveryPoint: { ...p.recoveryPoint, vault: 'other-vault' } })],
  [
    'recoveryPoint.createdAt',
    (p) => ({ ...p, recoveryPoint: { ...p.recoveryPoint, createdAt: '2026-05-18T08:00:01.000Z' } }),
  ],
  ['restoreMode', (p) => ({ ...p, restoreMode: { kind: 'full' } })],
  ['restoreMode.path', (p) => ({ ...p, restoreMode: { kind: 'item', path: '/other' } })],
  ['expectedRelPath', (p) => ({ ...p, expectedRelPath: '' })],
  ['expectedRelPath absent', (p) => ({ ...p, expectedRelPath: undefined })],
  ['targetRoot', (p) => ({ ...p, targetRoot: '/chatdb-restore_2026-05-18T08-00-00Z_r20260101-aaaaaa' })],
];

describe('planHash', () => {
  it('ignores key order at every level', () => {
    for (const plan of [restore, rollback, cleanup]) {
      expect(planHash(reversed(plan))).toBe(planHash(plan));
      expect(canonicalJson(reversed(bindingFields(plan)))).toBe(canonicalJson(bindingFields(plan)));
    }
  });

  it('changes with every binding field of a restore', () => {
    const base = planHash(restore);
    const seen = new Set([base]);
    for (const [field, change] of [...COMMON_CHANGES, ...STACK_CHANGES]) {
      const h = planHash(change(restore));
      expect(h, field).not.toBe(base);
      seen.add(h);
    }
    for (const [field, change] of RESTORE_CHANGES) {
      const h = planHash(change(restore));
      expect(h, field).not.toBe(base);
      seen.add(h);
    }
    expect(seen.size).toBe(1 + COMMON_CHANGES.length + STACK_CHANGES.length + RESTORE_CHANGES.length);
  });

  it('changes with every binding field of a rollback and a cleanup', () => {
    for (const [field, change] of [
      ...COMMON_CHANGES,
      ...STACK_CHANGES,
      ['targetRoot', (p: Plan) => ({ ...p, targetRoot: '/elsewhere' })] as const,
      ['rollbackOf', (p: Plan) => ({ ...p, rollbackOf: 'r20260101-bbbbbb' })] as const,
    ]) {
      expect(planHash(change(rollback)), field).not.toBe(planHash(rollback));
    }
    for (const [field, change] of COMMON_CHANGES) {
      expect(planHash(change(cleanup)), field).not.toBe(planHash(cleanup));
    }
    expect(planHash({ ...cleanup, paths: [PREVIOUS_ROOT] })).not.toBe(planHash(cleanup));
    expect(planHash({ ...cleanup, paths: [] })).not.toBe(planHash(cleanup));
    expect(planHash({ ...restore, kind: 'rollback' } as unknown as Plan)).not.toBe(planHash(restore));
  });

  it('does not change with display-only values or the order of chosen paths', () => {
    expect(planHash({ ...restore, expectedDurationMinutes: 99 })).toBe(planHash(restore));
    expect(planHash({ ...restore, recoveryPoint: { ...restore.recoveryPoint, sizeBytes: 1 } })).toBe(
      planHash(restore),
    );
    expect(planHash({ ...cleanup, paths: [...cleanup.paths].reverse() })).toBe(planHash(cleanup));
    // A cleanup binds no stack detail: the template may change under it.
    expect(planHash({ ...cleanup, templateSha256: templateSha256('x') })).toBe(planHash(cleanup));
  });

  it('is a sha256 hex digest', () => {
    expect(planHash(restore)).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('canonicalJson', () => {
  it('sorts keys, keeps array order, drops undefined members', () => {
    expect(canonicalJson({ b: 1, a: [3, { d: undefined, c: 'x' }], e: null })).toBe(
      '{"a":[3,{"c":"x"}],"b":1,"e":null}',
    );
    expect(() => canonicalJson({ a: Number.NaN })).toThrow();
  });
});

describe('planProblems', () => {
  it('finds none in sound plans', () => {
    expect(planProblems(restore, SESSION)).toEqual([]);
    expect(planProblems(rollback)).toEqual([]);
    expect(planProblems(cleanup)).toEqual([]);
  });

  it('names what is wrong', () => {
    expect(planProblems({ ...restore, fileSystemId: 'fs-0d0d0d0d01' })).toEqual([
      'fileSystemArn does not name fileSystemId',
    ]);
    expect(planProblems(restore, 'r20260101-aaaaaa')).toEqual([
      'targetRoot is not the flat directory this session creates for that point',
    ]);
    expect(planProblems({ ...restore, templateSha256: 'abc' })).toEqual([
      'templateSha256 is not a sha256 hex digest',
    ]);
    expect(planProblems({ ...restore, restoreMode: { kind: 'item', path: '/' } })).toHaveLength(1);
    expect(planProblems({ ...rollback, targetRoot: rollback.currentRoot })).toHaveLength(1);
    expect(planProblems({ ...cleanup, paths: ['/etc'] })).toHaveLength(1);
    expect(planProblems({ ...cleanup, paths: [PREVIOUS_ROOT, PREVIOUS_ROOT] })).toHaveLength(1);
    expect(planProblems({ ...restore, expectedDurationMinutes: -1 })).toHaveLength(1);
  });
});

describe('building', () => {
  it('a restore plan targets the flat directory its session will create', () => {
    const plan = buildRestorePlan({
      sessionId: SESSION,
      target: { ...TARGET, extra: 'ignored' } as typeof TARGET,
      requester: 'U0REQUESTER',
      point: POINT,
      restoreMode: { kind: 'full' },
      expectedDurationMinutes: 20,
    });
    expect(plan.targetRoot).toBe('/chatdb-restore_2026-05-18T08-00-00Z_r20260520-7k2p9x');
    expect(plan).not.toHaveProperty('extra');
    expect(plan).not.toHaveProperty('expectedRelPath');
  });
});

describe('derived figures', () => {
  it('the data-loss window is now minus the point time', () => {
    expect(dataLossWindowMs(restore, new Date('2026-05-18T10:30:00.000Z'))).toBe(2.5 * 3600_000);
    expect(dataLossWindowMs(restore, new Date('2026-05-18T07:00:00.000Z'))).toBe(0);
    expect(dataLossWindowMs(rollback, new Date())).toBeUndefined();
  });

  it('the live root and roots retired within 24 hours cannot be deleted', () => {
    const now = new Date('2026-05-20T10:00:00.000Z');
    const top = `/${LIVE_ROOT.slice(1).split('/')[0]}`;
    expect(whyNotDeletable(top, { liveRoot: LIVE_ROOT, now })).toMatch(/live root/);
    expect(whyNotDeletable(top, { liveRoot: `${LIVE_ROOT}/nested`, now })).toMatch(/live root/);
    expect(whyNotDeletable(PREVIOUS_ROOT, { liveRoot: '/', now })).toBeUndefined();
    const justUnder = new Date(now.getTime() - RETIRED_GRACE_MS + 1).toISOString();
    const exactly = new Date(now.getTime() - RETIRED_GRACE_MS).toISOString();
    expect(whyNotDeletable(PREVIOUS_ROOT, { liveRoot: LIVE_ROOT, retiredAt: justUnder, now })).toMatch(
      /24 hours/,
    );
    expect(whyNotDeletable(PREVIOUS_ROOT, { liveRoot: LIVE_ROOT, retiredAt: exactly, now })).toBeUndefined();
    expect(whyNotDeletable(PREVIOUS_ROOT, { liveRoot: LIVE_ROOT, retiredAt: 'garbage', now })).toMatch(
      /24 hours/,
    );
  });
});
