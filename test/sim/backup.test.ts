import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  BackupClient,
  DescribeRecoveryPointCommand,
  DescribeRestoreJobCommand,
  type DescribeRestoreJobCommandOutput,
  GetRecoveryPointRestoreMetadataCommand,
  ListRecoveryPointsByBackupVaultCommand,
  ListRecoveryPointsByResourceCommand,
  ListRestoreJobsCommand,
  paginateListRecoveryPointsByBackupVault,
  paginateListRecoveryPointsByResource,
  StartRestoreJobCommand,
} from '@aws-sdk/client-backup';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIVE_DB_DIR } from '../../src/sim/scenario.js';
import type { Simulator } from '../../src/sim/server.js';
import {
  clientConfig,
  DB_FS,
  DB_FS_ARN,
  eventually,
  POINTS,
  pointArn,
  ROLE,
  VAULT,
  withSim,
} from './support.js';

let sim: Simulator;
let backup: BackupClient;

beforeAll(async () => {
  sim = await withSim();
  backup = new BackupClient(clientConfig(sim));
});
afterAll(async () => {
  backup.destroy();
  await sim.close();
});

const restoreInput = (id: string, token: string, metadata: Record<string, string> = {}) =>
  new StartRestoreJobCommand({
    RecoveryPointArn: pointArn(id),
    IamRoleArn: ROLE,
    IdempotencyToken: token,
    ResourceType: 'EFS',
    Metadata: { 'file-system-id': DB_FS, newFileSystem: 'false', ...metadata },
  });

async function finished(jobId: string): Promise<DescribeRestoreJobCommandOutput> {
  return eventually(async () => {
    const job = await backup.send(new DescribeRestoreJobCommand({ RestoreJobId: jobId }));
    return ['COMPLETED', 'FAILED', 'ABORTED'].includes(job.Status ?? '') ? job : undefined;
  });
}

function readMarker(dir: string): string {
  const bson = readFileSync(join(dir, 'storage.bson')).toString('latin1');
  return /chatdbSimSnapshot\0[\s\S]{4}([^\0]*)\0/.exec(bson)?.[1] ?? '';
}

describe('recovery points', () => {
  it('pages through the chat-db points with the SDK paginator, newest first', async () => {
    const pages = [];
    for await (const page of paginateListRecoveryPointsByResource(
      { client: backup },
      { ResourceArn: DB_FS_ARN },
    )) {
      pages.push(page);
    }
    expect(pages.length).toBe(4); // 8 points in the vault and 2 automatic backups, pages of 3
    const all = pages.flatMap((p) => p.RecoveryPoints ?? []);
    expect(all).toHaveLength(10);
    // ListRecoveryPointsByResource is not scoped to a vault: EFS automatic backups come too.
    expect(all.filter((p) => p.BackupVaultName === 'aws/efs/automatic-backup-vault')).toHaveLength(2);
    const points = all.filter((p) => p.BackupVaultName === VAULT);
    expect(points).toHaveLength(8);
    expect(points[0]?.RecoveryPointArn).toBe(pointArn(POINTS.newest));
    const times = points.map((p) => p.CreationDate?.getTime() ?? 0);
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    expect(points.find((p) => p.RecoveryPointArn === pointArn(POINTS.partial))?.Status).toBe('PARTIAL');
    expect(points.every((p) => (p.BackupSizeBytes ?? 0) > 0 && p.BackupVaultName === VAULT)).toBe(true);
  });

  it('honours a smaller MaxResults', async () => {
    const r = await backup.send(
      new ListRecoveryPointsByResourceCommand({ ResourceArn: DB_FS_ARN, MaxResults: 2 }),
    );
    expect(r.RecoveryPoints).toHaveLength(2);
    expect(r.NextToken).toBeTruthy();
  });

  it('lists the vault, filtered by resource', async () => {
    const all = [];
    for await (const page of paginateListRecoveryPointsByBackupVault(
      { client: backup },
      { BackupVaultName: VAULT },
    )) {
      all.push(...(page.RecoveryPoints ?? []));
    }
    expect(all).toHaveLength(9);
    expect(all.filter((p) => p.ResourceArn !== DB_FS_ARN).map((p) => p.RecoveryPointArn)).toEqual([
      pointArn(POINTS.dump),
    ]);
    const filtered = await backup.send(
      new ListRecoveryPointsByBackupVaultCommand({
        BackupVaultName: VAULT,
        ByResourceArn: DB_FS_ARN,
        MaxResults: 50,
      }),
    );
    expect(filtered.RecoveryPoints?.length).toBe(3); // still capped at the page size
    expect(
      filtered.RecoveryPoints?.every((p) => p.ResourceArn === DB_FS_ARN && p.ResourceType === 'EFS'),
    ).toBe(true);
  });

  it('describes a point and its restore metadata; unknown vaults and points are ResourceNotFound', async () => {
    const p = await backup.send(
      new DescribeRecoveryPointCommand({
        BackupVaultName: VAULT,
        RecoveryPointArn: pointArn(POINTS.nested26h),
      }),
    );
    expect(p.Status).toBe('COMPLETED');
    expect(p.ResourceArn).toBe(DB_FS_ARN);
    expect(p.CreationDate).toBeInstanceOf(Date);
    expect(p.CompletionDate?.getTime()).toBeGreaterThan(p.CreationDate?.getTime() ?? 0);

    const meta = await backup.send(
      new GetRecoveryPointRestoreMetadataCommand({
        BackupVaultName: VAULT,
        RecoveryPointArn: pointArn(POINTS.newest),
      }),
    );
    expect(meta.RestoreMetadata).toMatchObject({
      'file-system-id': DB_FS,
      Encrypted: 'true',
      PerformanceMode: 'generalPurpose',
      newFileSystem: 'false',
    });
    expect(Object.keys(meta.RestoreMetadata ?? {})).toEqual(
      expect.arrayContaining(['KmsKeyId', 'CreationToken']),
    );

    await expect(
      backup.send(
        new DescribeRecoveryPointCommand({
          BackupVaultName: 'nope',
          RecoveryPointArn: pointArn(POINTS.newest),
        }),
      ),
    ).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    await expect(
      backup.send(
        new DescribeRecoveryPointCommand({
          BackupVaultName: VAULT,
          RecoveryPointArn: pointArn('0000-XXXX-0000'),
        }),
      ),
    ).rejects.toMatchObject({ name: 'ResourceNotFoundException', $metadata: { httpStatusCode: 404 } });
  });
});

describe('restore jobs', () => {
  it('runs PENDING → RUNNING → COMPLETED and copies the whole point into aws-backup-restore_<ns time>', async () => {
    const before = new Set(readdirSync(sim.env().CHATDB_INSPECTOR_MOUNT as string));
    const { RestoreJobId } = await backup.send(restoreInput(POINTS.nested26h, 'whole-1'));
    expect(RestoreJobId).toMatch(/^[0-9A-F-]{36}$/);
    const seen = new Set<string>();
    const percents: number[] = [];
    const job = await eventually(
      async () => {
        const j = await backup.send(new DescribeRestoreJobCommand({ RestoreJobId }));
        seen.add(j.Status ?? '');
        expect(j.PercentDone).toMatch(/^\d{1,3}\.\d{2}%$/);
        percents.push(Number.parseFloat(j.PercentDone ?? ''));
        return j.Status === 'COMPLETED' ? j : undefined;
      },
      20_000,
      20,
    );
    expect(seen.has('COMPLETED')).toBe(true);
    expect([...seen].every((s) => ['PENDING', 'RUNNING', 'COMPLETED'].includes(s))).toBe(true);
    expect([...percents].sort((a, b) => a - b)).toEqual(percents);
    expect(job.PercentDone).toBe('100.00%');
    expect(job.ExpectedCompletionTimeMinutes).toBeGreaterThanOrEqual(1);
    expect(job.CompletionDate).toBeInstanceOf(Date);
    expect(job.CreatedResourceArn).toBe(DB_FS_ARN);
    expect(job.RecoveryPointArn).toBe(pointArn(POINTS.nested26h));

    const mount = sim.env().CHATDB_INSPECTOR_MOUNT as string;
    const added = readdirSync(mount).filter((n) => !before.has(n));
    expect(added).toHaveLength(1);
    const dir = added[0] as string;
    expect(dir).toMatch(/^aws-backup-restore_\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}-\d{9}Z$/);
    // Named from the job's own creation time, not the point's.
    const stamp = dir.slice('aws-backup-restore_'.length);
    const iso = `${stamp.slice(0, 10)}T${stamp.slice(11, 13)}:${stamp.slice(14, 16)}:${stamp.slice(17, 19)}.${stamp.slice(20, 23)}Z`;
    expect(Date.parse(iso)).toBe(job.CreationDate?.getTime());
    // The whole volume came back: the DB one level down, the stale chain inside it.
    expect(readMarker(join(mount, dir, LIVE_DB_DIR))).toBe(POINTS.nested26h);
    expect(readdirSync(join(mount, dir, LIVE_DB_DIR))).toEqual(
      expect.arrayContaining([
        'WiredTiger',
        'WiredTiger.wt',
        'storage.bson',
        'journal',
        'aws-backup-restore_2026-02-03T09-12-44-120Z',
      ]),
    );
    const state = sim.state();
    expect(state.restoreJobs.find((j) => j.id === RestoreJobId)).toMatchObject({ restoreDir: `/${dir}` });
  });

  it('restores only ItemsToRestore, keeping their hierarchy', async () => {
    const { RestoreJobId } = await backup.send(
      restoreInput(POINTS.newest, 'items-1', { ItemsToRestore: JSON.stringify([LIVE_DB_DIR]) }),
    );
    const job = await finished(RestoreJobId as string);
    expect(job.Status).toBe('COMPLETED');
    const restoreDir = sim.state().restoreJobs.find((j) => j.id === RestoreJobId)?.restoreDir as string;
    const root = join(sim.env().CHATDB_INSPECTOR_MOUNT as string, restoreDir);
    expect(readdirSync(root)).toEqual([LIVE_DB_DIR.slice(1)]);
    expect(readMarker(join(root, LIVE_DB_DIR))).toBe(POINTS.newest);
    // The API reference's own example writes the key "itemsToRestore": read the same way.
    const lower = await backup.send(
      restoreInput(POINTS.newest, 'items-2', { itemsToRestore: JSON.stringify([LIVE_DB_DIR]) }),
    );
    await finished(lower.RestoreJobId as string);
    expect(sim.state().restoreJobs.find((j) => j.id === lower.RestoreJobId)?.itemsToRestore).toEqual([
      LIVE_DB_DIR,
    ]);
  });

  it('restores a root-layout point whole: the DB at the top of the new directory', async () => {
    const { RestoreJobId } = await backup.send(restoreInput(POINTS.rootNewest, 'root-1'));
    await finished(RestoreJobId as string);
    const restoreDir = sim.state().restoreJobs.find((j) => j.id === RestoreJobId)?.restoreDir as string;
    expect(readMarker(join(sim.env().CHATDB_INSPECTOR_MOUNT as string, restoreDir))).toBe(POINTS.rootNewest);
  });

  it('gives the same job for the same IdempotencyToken and restores once', async () => {
    const a = await backup.send(restoreInput(POINTS.newest, 'same-token'));
    const b = await backup.send(restoreInput(POINTS.newest, 'same-token'));
    expect(b.RestoreJobId).toBe(a.RestoreJobId);
    await finished(a.RestoreJobId as string);
    const jobs = sim.state().restoreJobs.filter((j) => j.id === a.RestoreJobId);
    expect(jobs).toHaveLength(1);
    const c = await backup.send(restoreInput(POINTS.newest, 'same-token'));
    expect(c.RestoreJobId).toBe(a.RestoreJobId);
  });

  it('ends FAILED or ABORTED with a StatusMessage under the one-shot fault, and leaves no directory', async () => {
    for (const outcome of ['FAILED', 'ABORTED'] as const) {
      sim.setFaults({ restoreJob: outcome });
      const mount = sim.env().CHATDB_INSPECTOR_MOUNT as string;
      const before = readdirSync(mount).length;
      const { RestoreJobId } = await backup.send(restoreInput(POINTS.newest, `fault-${outcome}`));
      expect(sim.state().faults.restoreJob).toBeUndefined(); // taken by this job
      const job = await finished(RestoreJobId as string);
      expect(job.Status).toBe(outcome);
      expect(job.StatusMessage).toBeTruthy();
      expect(Number.parseFloat(job.PercentDone ?? '')).toBeLessThan(100);
      expect(readdirSync(mount).length).toBe(before);
    }
    const next = await backup.send(restoreInput(POINTS.newest, 'after-faults'));
    expect((await finished(next.RestoreJobId as string)).Status).toBe('COMPLETED');
  });

  it('refuses what AWS refuses, and fails a job whose role Backup cannot assume', async () => {
    await expect(backup.send(restoreInput(POINTS.partial, 'bad-1'))).rejects.toMatchObject({
      name: 'InvalidRequestException',
    });
    // The automatic backup vault's access policy denies restores to everyone, operators included.
    const automatic = await backup
      .send(restoreInput('A7E5C3B1-9F8D-4E6C-B4A2-0F1E2D3C4B5A', 'bad-automatic'))
      .catch((e: unknown) => e);
    expect(automatic).toMatchObject({ name: 'AccessDeniedException', $metadata: { httpStatusCode: 403 } });
    expect((automatic as Error).message).toContain('with an explicit deny in a resource-based policy');
    await expect(
      backup.send(restoreInput(POINTS.newest, 'bad-2', { newFileSystem: 'true' })),
    ).rejects.toMatchObject({
      name: 'InvalidParameterValueException',
    });
    await expect(
      backup.send(restoreInput(POINTS.newest, 'bad-3', { 'file-system-id': 'fs-0d0d0d0d01' })),
    ).rejects.toMatchObject({ name: 'InvalidParameterValueException' });
    await expect(
      backup.send(restoreInput(POINTS.newest, 'bad-4', { ItemsToRestore: '/not-json' })),
    ).rejects.toMatchObject({ name: 'InvalidParameterValueException' });
    await expect(
      backup.send(restoreInput(POINTS.newest, 'bad-5', { ItemsToRestore: '["relative/path"]' })),
    ).rejects.toMatchObject({ name: 'InvalidParameterValueException' });
    await expect(backup.send(restoreInput('0000-NOPE-0000', 'bad-6'))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
    const missing = await backup.send(
      restoreInput(POINTS.newest, 'bad-7', { ItemsToRestore: '["/no/such/dir"]' }),
    );
    const failed = await finished(missing.RestoreJobId as string);
    expect(failed.Status).toBe('FAILED');
    expect(failed.StatusMessage).toContain('/no/such/dir');

    const otherRole = await backup.send(
      new StartRestoreJobCommand({
        RecoveryPointArn: pointArn(POINTS.newest),
        IamRoleArn: 'arn:aws:iam::123456789012:role/someone-else',
        Metadata: { 'file-system-id': DB_FS, newFileSystem: 'false' },
      }),
    );
    const denied = await finished(otherRole.RestoreJobId as string);
    expect(denied.Status).toBe('FAILED');
    expect(denied.StatusMessage).toContain('someone-else');
  });

  it('describes unknown jobs as ResourceNotFound and lists jobs newest first, paginated', async () => {
    await expect(backup.send(new DescribeRestoreJobCommand({ RestoreJobId: 'nope' }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
    const first = await backup.send(new ListRestoreJobsCommand({}));
    expect(first.RestoreJobs?.length).toBe(3);
    expect(first.NextToken).toBeTruthy();
    const created = (first.RestoreJobs ?? []).map((j) => j.CreationDate?.getTime() ?? 0);
    expect([...created].sort((a, b) => b - a)).toEqual(created);
    const second = await backup.send(new ListRestoreJobsCommand({ NextToken: first.NextToken }));
    expect(second.RestoreJobs?.[0]?.RestoreJobId).not.toBe(first.RestoreJobs?.[0]?.RestoreJobId);
    const failed = await backup.send(new ListRestoreJobsCommand({ ByStatus: 'FAILED', MaxResults: 1 }));
    expect(failed.RestoreJobs?.[0]?.Status).toBe('FAILED');
  });
});
