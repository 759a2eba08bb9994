import {
  type BackupClient,
  DescribeRecoveryPointCommand,
  DescribeRestoreJobCommand,
  GetRecoveryPointRestoreMetadataCommand,
  paginateListRecoveryPointsByResource,
  StartRestoreJobCommand,
} from '@aws-sdk/client-backup';
import { call, toAwsCallError } from './errors.js';
import type { BackupPort, RecoveryPoint, RestoreJob, StartRestoreInput } from './ports.js';

export function recoveryPointId(arn: string): string {
  return arn.slice(arn.lastIndexOf(':') + 1);
}

/** AWS formats PercentDone as a string such as "42.00%". */
export function parsePercent(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number.parseFloat(value.replace('%', ''));
  return Number.isFinite(n) ? Math.max(0, Math.min(100, n)) : undefined;
}

export function createBackupPort(client: BackupClient): BackupPort {
  return {
    async listRecoveryPoints(resourceArn, opts = {}) {
      const limit = opts.limit ?? Number.POSITIVE_INFINITY;
      // AWS does not promise an order, so every page is read; only the newest `limit` are kept,
      // so that memory follows what is shown, not how many points the vault holds.
      const newest: RecoveryPoint[] = [];
      try {
        for await (const page of paginateListRecoveryPointsByResource(
          { client },
          { ResourceArn: resourceArn },
        )) {
          for (const p of page.RecoveryPoints ?? []) {
            if (!p.RecoveryPointArn) continue;
            const point: RecoveryPoint = {
              arn: p.RecoveryPointArn,
              id: recoveryPointId(p.RecoveryPointArn),
              vault: p.BackupVaultName ?? '',
              resourceArn,
              resourceType: 'EFS',
              status: p.Status ?? 'UNKNOWN',
              statusMessage: p.StatusMessage,
              createdAt: p.CreationDate ?? new Date(0),
              sizeBytes: p.BackupSizeBytes,
            };
            insertNewestFirst(newest, point, limit);
          }
        }
      } catch (error) {
        throw toAwsCallError('ListRecoveryPointsByResource', error);
      }
      return newest;
    },

    async describeRecoveryPoint(vault, recoveryPointArn) {
      const r = await call('DescribeRecoveryPoint', () =>
        client.send(
          new DescribeRecoveryPointCommand({ BackupVaultName: vault, RecoveryPointArn: recoveryPointArn }),
        ),
      );
      return {
        arn: r.RecoveryPointArn ?? recoveryPointArn,
        id: recoveryPointId(r.RecoveryPointArn ?? recoveryPointArn),
        vault: r.BackupVaultName ?? vault,
        resourceArn: r.ResourceArn ?? '',
        resourceType: r.ResourceType ?? '',
        status: r.Status ?? 'UNKNOWN',
        statusMessage: r.StatusMessage,
        createdAt: r.CreationDate ?? new Date(0),
        completedAt: r.CompletionDate,
        sizeBytes: r.BackupSizeInBytes,
      };
    },

    async getRestoreMetadata(vault, recoveryPointArn) {
      const r = await call('GetRecoveryPointRestoreMetadata', () =>
        client.send(
          new GetRecoveryPointRestoreMetadataCommand({
            BackupVaultName: vault,
            RecoveryPointArn: recoveryPointArn,
          }),
        ),
      );
      return { ...(r.RestoreMetadata ?? {}) };
    },

    async startRestoreJob(input: StartRestoreInput) {
      // AWS Backup's EFS restore metadata starts from what GetRecoveryPointRestoreMetadata gave,
      // then names the target: the source file system itself (newFileSystem false). The items
      // key is sent as `ItemsToRestore`, the casing of the EFS restore section of the AWS Backup
      // Developer Guide; the API reference's prose writes `itemsToRestore` (see src/sim README).
      const metadata: Record<string, string> = {
        ...input.restoreMetadata,
        'file-system-id': input.fileSystemId,
        newFileSystem: 'false',
      };
      delete metadata.itemsToRestore;
      delete metadata.ItemsToRestore;
      if (input.itemsToRestore?.length) metadata.ItemsToRestore = JSON.stringify(input.itemsToRestore);
      const r = await call('StartRestoreJob', () =>
        client.send(
          new StartRestoreJobCommand({
            RecoveryPointArn: input.recoveryPointArn,
            IamRoleArn: input.roleArn,
            IdempotencyToken: input.idempotencyToken,
            ResourceType: 'EFS',
            Metadata: metadata,
          }),
        ),
      );
      if (!r.RestoreJobId) throw new Error('StartRestoreJob returned no RestoreJobId');
      return r.RestoreJobId;
    },

    async describeRestoreJob(id): Promise<RestoreJob> {
      const r = await call('DescribeRestoreJob', () =>
        client.send(new DescribeRestoreJobCommand({ RestoreJobId: id })),
      );
      return {
        id: r.RestoreJobId ?? id,
        status: r.Status ?? 'UNKNOWN',
        statusMessage: r.StatusMessage,
        percentDone: parsePercent(r.PercentDone),
        expectedCompletionMinutes: r.ExpectedCompletionTimeMinutes,
        createdAt: r.CreationDate,
        completedAt: r.CompletionDate,
        recoveryPointArn: r.RecoveryPointArn,
      };
    },
  };
}

function insertNewestFirst(list: RecoveryPoint[], point: RecoveryPoint, limit: number): void {
  const t = point.createdAt.getTime();
  let i = list.length;
  while (i > 0 && (list[i - 1] as RecoveryPoint).createdAt.getTime() < t) i--;
  if (i >= limit) return;
  list.splice(i, 0, point);
  if (list.length > limit) list.pop();
}
