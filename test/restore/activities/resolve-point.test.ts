import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Activities } from '../../../src/restore/activities/index.js';
import { StageFailure } from '../../../src/restore/activities/index.js';
import { AUTOMATIC_BACKUP_VAULT } from '../../../src/sim/scenario.js';
import { type SimWithPorts, startSimWithPorts } from '../../helpers/sim-ports.js';
import { activitiesFor, defaultTarget, POINTS, pointArn } from './support.js';

let env: SimWithPorts;
let activities: Activities;

beforeAll(async () => {
  env = await startSimWithPorts();
  ({ activities } = activitiesFor(env));
});
afterAll(async () => {
  await env?.close();
});

async function failure(promise: Promise<unknown>): Promise<StageFailure> {
  const error = await promise.catch((e: unknown) => e);
  expect(error).toBeInstanceOf(StageFailure);
  return error as StageFailure;
}

describe('listPoints', () => {
  it('lists the chat-db points newest first, across pages, and stops at the limit', async () => {
    const all = await activities.listPoints(defaultTarget(env));
    // ListRecoveryPointsByResource is not scoped to a vault: EFS's automatic backups come too.
    expect(all).toHaveLength(10);
    expect(all.filter((p) => p.vault === AUTOMATIC_BACKUP_VAULT)).toHaveLength(2);
    expect(all[0]?.vault).toBe(AUTOMATIC_BACKUP_VAULT);
    expect(all.find((p) => p.vault === env.sim.scenario.backupVault)?.id).toBe(POINTS.newest);
    const times = all.map((p) => p.createdAt.getTime());
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    expect(all.some((p) => p.id === POINTS.dump)).toBe(false);
    const three = await activities.listPoints(defaultTarget(env), 3);
    expect(three.map((p) => p.id)).toEqual(all.slice(0, 3).map((p) => p.id));
  });
});

describe('resolvePoint', () => {
  it("index n is the n-th of the configured vault's points, 1 the newest", async () => {
    const all = (await activities.listPoints(defaultTarget(env))).filter(
      (p) => p.vault === env.sim.scenario.backupVault,
    );
    const first = await activities.resolvePoint(defaultTarget(env), { kind: 'index', n: 1 });
    expect(first).toMatchObject({
      id: POINTS.newest,
      status: 'COMPLETED',
      vault: env.sim.scenario.backupVault,
    });
    expect(first.completedAt).toBeInstanceOf(Date);
    const third = await activities.resolvePoint(defaultTarget(env), { kind: 'index', n: 3 });
    expect(third.id).toBe(all[2]?.id);
  });

  it('an index past the end is point_not_found', async () => {
    const f = await failure(activities.resolvePoint(defaultTarget(env), { kind: 'index', n: 20 }));
    expect(f).toMatchObject({ stage: 'resolve', code: 'point_not_found', production: 'unchanged' });
    expect(f.reason).toMatch(/number 20.*has 8 in vault chat-backups/);
  });

  it('latest is the newest COMPLETED point of the configured vault, not a newer automatic backup', async () => {
    expect((await activities.resolvePoint(defaultTarget(env), { kind: 'latest' })).id).toBe(POINTS.newest);
  });

  it('a point in the automatic backup vault is not restorable, with the reason', async () => {
    const automatic = (await activities.listPoints(defaultTarget(env))).find(
      (p) => p.vault === AUTOMATIC_BACKUP_VAULT,
    );
    expect(automatic).toBeDefined();
    expect(activities.whyNotRestorable(automatic as NonNullable<typeof automatic>)).toMatch(
      /in vault aws\/efs\/automatic-backup-vault, not in chat-backups/,
    );
    const f = await failure(
      activities.resolvePoint(defaultTarget(env), { kind: 'arn', arn: automatic?.arn as string }),
    );
    expect(f.code).toBe('not_restorable');
    expect(f.reason).toContain(
      `Recovery point ${automatic?.id} cannot be restored: it is in vault aws/efs/automatic-backup-vault, not in chat-backups`,
    );
    const byId = await failure(
      activities.resolvePoint(defaultTarget(env), { kind: 'id', id: automatic?.id as string }),
    );
    expect(byId.code).toBe('not_restorable');
  });

  it('before a time is the newest COMPLETED point created strictly before it, skipping a PARTIAL one', async () => {
    const all = await activities.listPoints(defaultTarget(env));
    const partial = all.find((p) => p.id === POINTS.partial);
    expect(partial).toBeDefined();
    // Just after the PARTIAL point: the one before it is the answer.
    const justAfter = new Date((partial?.createdAt.getTime() ?? 0) + 1000);
    const point = await activities.resolvePoint(defaultTarget(env), { kind: 'before', time: justAfter });
    expect(point.id).toBe(POINTS.rootNewest);
    // Strictly before: the point's own time excludes it.
    const newest = all[0];
    const exact = await activities.resolvePoint(defaultTarget(env), {
      kind: 'before',
      time: newest?.createdAt ?? new Date(),
    });
    expect(exact.id).toBe(all[1]?.id);
    const none = await failure(
      activities.resolvePoint(defaultTarget(env), { kind: 'before', time: new Date('2020-01-01T00:00:00Z') }),
    );
    expect(none.code).toBe('point_not_found');
  });

  it('an id is looked up in the file system region and account; an ARN as given', async () => {
    const byId = await activities.resolvePoint(defaultTarget(env), { kind: 'id', id: POINTS.nested26h });
    expect(byId.arn).toBe(pointArn(env, POINTS.nested26h));
    const byArn = await activities.resolvePoint(defaultTarget(env), {
      kind: 'arn',
      arn: pointArn(env, POINTS.nested26h),
    });
    expect(byArn).toEqual(byId);
  });

  it('an unknown id is point_not_found with AWS words', async () => {
    const f = await failure(
      activities.resolvePoint(defaultTarget(env), { kind: 'id', id: '00000000-0000-0000-0000-000000000000' }),
    );
    expect(f.code).toBe('point_not_found');
    expect(f.reason).toMatch(/not found.*ResourceNotFoundException/);
  });

  it('a point of the dump volume is wrong_resource, naming what it belongs to', async () => {
    const f = await failure(activities.resolvePoint(defaultTarget(env), { kind: 'id', id: POINTS.dump }));
    expect(f).toMatchObject({ stage: 'resolve', code: 'wrong_resource', production: 'unchanged' });
    const dumpFs = env.sim.scenario.fileSystems.DumpStorage?.id as string;
    expect(f.reason).toContain(dumpFs);
    // The role may describe only the chat-db file system, so the dump volume is named by its ARN.
    expect(f.reason).not.toContain('rocket-chat-dump');
    expect((await env.state()).accessDenied).toContainEqual({
      action: 'elasticfilesystem:DescribeFileSystems',
      resource: expect.stringContaining(dumpFs),
    });
    expect(f.reason).toContain(defaultTarget(env).fileSystemId);
  });

  it('a PARTIAL point is not_restorable with its status and StatusMessage', async () => {
    const f = await failure(activities.resolvePoint(defaultTarget(env), { kind: 'id', id: POINTS.partial }));
    expect(f).toMatchObject({ code: 'not_restorable', production: 'unchanged' });
    expect(f.reason).toContain('PARTIAL');
    expect(f.reason).toContain('Backup job completed with partial data: some files could not be read.');
  });
});
