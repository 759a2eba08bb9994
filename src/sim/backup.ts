import type { SimClockControl } from './clock.js';
import type { Faults, OpInput, ServiceModule } from './kernel.js';
import { SimError } from './kernel.js';
import { paginate } from './pagination.js';
import { RestoreJob } from './restore-job.js';
import { AUTOMATIC_BACKUP_VAULT } from './scenario.js';
import type { SimAccount, SimRecoveryPoint } from './world-types.js';

export interface BackupOptions extends SimAccount {
  clock: SimClockControl;
  faults: Faults;
  vault: string;
  /** The role AWS Backup can assume; any other makes the job fail, as AWS does. */
  roleArn: string;
  points: SimRecoveryPoint[];
  restoreJobMs: number;
  /** See the scenario's keys of the same names. */
  restoreKeepsMtimes?: boolean;
  restoreDirDigits?: 0 | 3 | 6 | 9;
  pageSizes: { recoveryPoints: number; restoreJobs: number };
}

export interface BackupWorld {
  module: ServiceModule;
  jobs(): RestoreJob[];
  close(): void;
}

const ROLE_RE = /^arn:aws:iam::\d{12}:role\/[\w+=,.@/-]+$/;

export function createBackup(opts: BackupOptions): BackupWorld {
  const vaultArn = (vault: string) => `arn:aws:backup:${opts.region}:${opts.accountId}:backup-vault:${vault}`;
  const vaults = new Set([opts.vault, ...opts.points.map((p) => p.vault)]);
  const jobs: RestoreJob[] = [];
  const byToken = new Map<string, RestoreJob>();
  // Newest first, as the console and the CLI show them.
  const points = [...opts.points].sort((a, b) => b.createdAt - a.createdAt);

  const findPoint = (vault: unknown, arn: unknown): SimRecoveryPoint => {
    if (typeof vault !== 'string' || !vaults.has(vault)) {
      throw new SimError('ResourceNotFoundException', `Backup vault ${String(vault)} does not exist.`, 404);
    }
    const point = points.find((p) => p.arn === arn && p.vault === vault);
    if (!point)
      throw new SimError('ResourceNotFoundException', `Recovery point ${String(arn)} not found.`, 404);
    return point;
  };

  const summary = (p: SimRecoveryPoint) => ({
    RecoveryPointArn: p.arn,
    BackupVaultName: p.vault,
    BackupVaultArn: vaultArn(p.vault),
    ResourceArn: p.fs.arn,
    ResourceType: 'EFS',
    ResourceName: p.fs.name,
    CreatedBy: {
      BackupPlanId: 'a1b2c3d4-5e6f-4a8b-9c0d-1e2f3a4b5c6d',
      BackupPlanArn: `arn:aws:backup:${opts.region}:${opts.accountId}:backup-plan:a1b2c3d4-5e6f-4a8b-9c0d-1e2f3a4b5c6d`,
      BackupPlanVersion: 'NjQ0ZWI0ZjYtYjg3Mi00ZTJhLWIwYjEtNDdkNWEyMmQ5ZTkx',
      BackupRuleId: 'daily-35d',
    },
    IamRoleArn: `arn:aws:iam::${opts.accountId}:role/service-role/AWSBackupDefaultServiceRole`,
    Status: p.status,
    ...(p.statusMessage !== undefined ? { StatusMessage: p.statusMessage } : {}),
    CreationDate: new Date(p.createdAt),
    InitiationDate: new Date(p.createdAt),
    ...(p.completedAt !== undefined ? { CompletionDate: new Date(p.completedAt) } : {}),
    BackupSizeInBytes: p.sizeBytes,
    Lifecycle: { DeleteAfterDays: 35 },
    CalculatedLifecycle: { DeleteAt: new Date(p.createdAt + 35 * 86_400_000) },
    IsEncrypted: true,
    EncryptionKeyArn: `arn:aws:kms:${opts.region}:${opts.accountId}:key/5f2b8c1e-3a4d-4e6f-8b9c-0d1e2f3a4b5c`,
    StorageClass: 'WARM',
    VaultType: 'BACKUP_VAULT',
    IsParent: false,
  });

  const jobView = (job: RestoreJob) => {
    const p = job.request.point;
    return {
      AccountId: opts.accountId,
      RestoreJobId: job.id,
      RecoveryPointArn: p.arn,
      SourceResourceArn: p.fs.arn,
      BackupVaultArn: vaultArn(p.vault),
      CreationDate: new Date(job.createdAt),
      ...(job.completedAt !== undefined ? { CompletionDate: new Date(job.completedAt) } : {}),
      Status: job.status,
      ...(job.statusMessage !== undefined ? { StatusMessage: job.statusMessage } : {}),
      PercentDone: job.percentDone(),
      BackupSizeInBytes: p.sizeBytes,
      IamRoleArn: job.request.roleArn,
      ExpectedCompletionTimeMinutes: job.expectedMinutes(),
      ...(job.status === 'COMPLETED' ? { CreatedResourceArn: p.fs.arn } : {}),
      ResourceType: 'EFS',
      RecoveryPointCreationDate: new Date(p.createdAt),
      IsParent: false,
    };
  };

  const ops = {
    ListRecoveryPointsByResource(input: OpInput) {
      const arn = input.ResourceArn;
      if (typeof arn !== 'string' || arn === '') {
        throw new SimError('MissingParameterValueException', 'ResourceArn is required.');
      }
      const page = paginate(
        points.filter((p) => p.fs.arn === arn),
        {
          token: input.NextToken,
          max: input.MaxResults,
          pageSize: opts.pageSizes.recoveryPoints,
          scope: `rp:${arn}`,
          invalidToken: 'InvalidParameterValueException',
        },
      );
      return {
        RecoveryPoints: page.items.map((p) => {
          const s = summary(p);
          return {
            RecoveryPointArn: s.RecoveryPointArn,
            CreationDate: s.CreationDate,
            Status: s.Status,
            StatusMessage: s.StatusMessage,
            EncryptionKeyArn: s.EncryptionKeyArn,
            BackupSizeBytes: s.BackupSizeInBytes,
            BackupVaultName: s.BackupVaultName,
            IsParent: false,
            ResourceName: s.ResourceName,
            VaultType: s.VaultType,
          };
        }),
        NextToken: page.next,
      };
    },

    ListRecoveryPointsByBackupVault(input: OpInput) {
      if (typeof input.BackupVaultName !== 'string' || !vaults.has(input.BackupVaultName)) {
        throw new SimError(
          'ResourceNotFoundException',
          `Backup vault ${String(input.BackupVaultName)} does not exist.`,
          404,
        );
      }
      const after = dateFilter(input.ByCreatedAfter, 'ByCreatedAfter');
      const before = dateFilter(input.ByCreatedBefore, 'ByCreatedBefore');
      const matching = points.filter(
        (p) =>
          p.vault === input.BackupVaultName &&
          (input.ByResourceArn === undefined || p.fs.arn === input.ByResourceArn) &&
          (input.ByResourceType === undefined || input.ByResourceType === 'EFS') &&
          (after === undefined || p.createdAt >= after) &&
          (before === undefined || p.createdAt <= before),
      );
      const page = paginate(matching, {
        token: input.NextToken,
        max: input.MaxResults,
        pageSize: opts.pageSizes.recoveryPoints,
        scope: `vault:${opts.vault}:${String(input.ByResourceArn ?? '')}`,
        invalidToken: 'InvalidParameterValueException',
      });
      return { RecoveryPoints: page.items.map(summary), NextToken: page.next };
    },

    DescribeRecoveryPoint(input: OpInput) {
      return summary(findPoint(input.BackupVaultName, input.RecoveryPointArn));
    },

    GetRecoveryPointRestoreMetadata(input: OpInput) {
      const p = findPoint(input.BackupVaultName, input.RecoveryPointArn);
      return {
        BackupVaultArn: vaultArn(p.vault),
        RecoveryPointArn: p.arn,
        ResourceType: 'EFS',
        RestoreMetadata: {
          'file-system-id': p.fs.id,
          Encrypted: 'true',
          KmsKeyId: `arn:aws:kms:${opts.region}:${opts.accountId}:key/5f2b8c1e-3a4d-4e6f-8b9c-0d1e2f3a4b5c`,
          PerformanceMode: 'generalPurpose',
          CreationToken: `${p.fs.name}-${p.fs.id.slice(3)}`,
          newFileSystem: 'false',
        },
      };
    },

    StartRestoreJob(input: OpInput) {
      const token = typeof input.IdempotencyToken === 'string' ? input.IdempotencyToken : undefined;
      const existing = token === undefined ? undefined : byToken.get(token);
      if (existing) return { RestoreJobId: existing.id };

      const arn = input.RecoveryPointArn;
      if (typeof arn !== 'string' || arn === '') {
        throw new SimError('MissingParameterValueException', 'RecoveryPointArn is required.');
      }
      const roleArn = input.IamRoleArn;
      if (typeof roleArn !== 'string' || roleArn === '') {
        throw new SimError('MissingParameterValueException', 'IamRoleArn is required.');
      }
      if (!ROLE_RE.test(roleArn)) {
        throw new SimError('InvalidParameterValueException', `Invalid IAM role ARN: ${roleArn}`);
      }
      if (input.ResourceType !== undefined && input.ResourceType !== 'EFS') {
        throw new SimError(
          'InvalidParameterValueException',
          `Resource type ${String(input.ResourceType)} does not match the recovery point's resource type EFS.`,
        );
      }
      const point = points.find((p) => p.arn === arn);
      if (!point) throw new SimError('ResourceNotFoundException', `Recovery point ${arn} not found.`, 404);
      if (point.vault === AUTOMATIC_BACKUP_VAULT) {
        // The automatic backup vault's default access policy denies StartRestoreJob to everyone.
        throw new SimError(
          'AccessDeniedException',
          `User is not authorized to perform: backup:StartRestoreJob on resource: ${arn} with an explicit deny in a resource-based policy`,
          403,
        );
      }
      if (point.status !== 'COMPLETED' && point.status !== 'AVAILABLE') {
        throw new SimError(
          'InvalidRequestException',
          `Recovery point ${arn} is in status ${point.status} and cannot be restored.`,
        );
      }
      const metadata = readMetadata(input.Metadata);
      const fsId = metadata['file-system-id'];
      if (fsId === undefined) {
        throw new SimError(
          'MissingParameterValueException',
          'Restore metadata file-system-id is required for EFS.',
        );
      }
      const newFs = metadata.newFileSystem?.toLowerCase();
      if (newFs !== 'false') {
        throw new SimError(
          'InvalidParameterValueException',
          newFs === 'true'
            ? 'The simulator restores only into the source file system: set restore metadata newFileSystem to "false".'
            : 'Restore metadata newFileSystem must be "true" or "false".',
        );
      }
      if (fsId !== point.fs.id) {
        throw new SimError(
          'InvalidParameterValueException',
          `Restore metadata file-system-id ${fsId} is not the recovery point's file system ${point.fs.id}; ` +
            'the simulator restores only into the source file system.',
        );
      }
      const itemsText = metadata.ItemsToRestore ?? metadata.itemsToRestore;
      const items = itemsText === undefined ? undefined : parseItems(itemsText);

      const fault = opts.faults.take('restoreJob');
      const job = new RestoreJob(
        {
          point,
          roleArn,
          metadata,
          ...(items !== undefined ? { items } : {}),
          ...(fault !== undefined ? { fault } : {}),
          roleDenied: roleArn !== opts.roleArn,
        },
        opts.clock,
        opts.restoreJobMs,
        { keepMtimes: opts.restoreKeepsMtimes ?? true, stampDigits: opts.restoreDirDigits ?? 9 },
      );
      jobs.push(job);
      if (token !== undefined) byToken.set(token, job);
      return { RestoreJobId: job.id };
    },

    DescribeRestoreJob(input: OpInput) {
      const job = jobs.find((j) => j.id === input.RestoreJobId);
      if (!job) {
        throw new SimError(
          'ResourceNotFoundException',
          `Restore job ${String(input.RestoreJobId)} not found.`,
          404,
        );
      }
      return jobView(job);
    },

    ListRestoreJobs(input: OpInput) {
      const after = dateFilter(input.ByCreatedAfter, 'ByCreatedAfter');
      const before = dateFilter(input.ByCreatedBefore, 'ByCreatedBefore');
      const matching = [...jobs]
        .reverse()
        .filter(
          (j) =>
            (input.ByStatus === undefined || j.status === input.ByStatus) &&
            (input.ByResourceType === undefined || input.ByResourceType === 'EFS') &&
            (input.ByAccountId === undefined || input.ByAccountId === opts.accountId) &&
            (after === undefined || j.createdAt >= after) &&
            (before === undefined || j.createdAt <= before),
        );
      const page = paginate(matching, {
        token: input.NextToken,
        max: input.MaxResults,
        pageSize: opts.pageSizes.restoreJobs,
        scope: 'restore-jobs',
        invalidToken: 'InvalidParameterValueException',
      });
      return { RestoreJobs: page.items.map(jobView), NextToken: page.next };
    },
  };

  return {
    module: { name: 'backup', ops },
    jobs: () => [...jobs],
    close() {
      for (const job of jobs) job.cancel();
    },
  };
}

function readMetadata(value: unknown): Record<string, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new SimError('MissingParameterValueException', 'Metadata is required.');
  }
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== 'string')
      throw new SimError('InvalidParameterValueException', `Metadata ${k} must be a string.`);
    out[k] = v;
  }
  return out;
}

/** ItemsToRestore: a JSON list of one to five absolute paths, without wildcards. */
function parseItems(text: string): string[] {
  let items: unknown;
  try {
    items = JSON.parse(text);
  } catch {
    throw new SimError(
      'InvalidParameterValueException',
      `Restore metadata ItemsToRestore must be a JSON list of paths, e.g. ["/dir"]; got ${text}`,
    );
  }
  if (!Array.isArray(items) || items.length < 1 || items.length > 5) {
    throw new SimError('InvalidParameterValueException', 'ItemsToRestore must list one to five paths.');
  }
  return items.map((item) => {
    if (
      typeof item !== 'string' ||
      !item.startsWith('/') ||
      /[*?[\]]/.test(item) ||
      item.split('/').some((s) => s === '..' || s === '.')
    ) {
      throw new SimError(
        'InvalidParameterValueException',
        `Invalid item to restore ${JSON.stringify(item)}: paths must be absolute, relative to the file system root, without wildcards.`,
      );
    }
    return item.length > 1 ? item.replace(/\/+$/, '') : item;
  });
}

function dateFilter(value: unknown, name: string): number | undefined {
  if (value === undefined) return undefined;
  const t = value instanceof Date ? value.getTime() : Date.parse(String(value));
  if (Number.isNaN(t))
    throw new SimError('InvalidParameterValueException', `${name} is not a valid timestamp.`);
  return t;
}
