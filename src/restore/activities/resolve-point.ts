import { AwsCallError, isAwsError } from '../../aws/errors.js';
import type { RecoveryPoint } from '../../aws/ports.js';
import { asStage, StageFailure } from './errors.js';
import type { ActivityDeps, PointSpec, RestoreTarget } from './types.js';

/** The file system's recovery points, newest first: what `list` shows and what an index counts. */
export async function listPoints(
  { ports }: ActivityDeps,
  target: RestoreTarget,
  limit?: number,
): Promise<RecoveryPoint[]> {
  return asStage('resolve', 'unchanged', 'recovery_points', () =>
    ports.backup.listRecoveryPoints(target.fileSystemArn, limit === undefined ? {} : { limit }),
  );
}

/** Statuses AWS Backup documents for a usable point: COMPLETED, and AVAILABLE in the newer API. */
const RESTORABLE_STATUSES = new Set(['COMPLETED', 'AVAILABLE']);

/**
 * Whether the point is in the configured vault (CHATDB_BACKUP_VAULT): the only points the bot
 * numbers and restores. ListRecoveryPointsByResource is not scoped to a vault, and EFS automatic
 * backups land in aws/efs/automatic-backup-vault, whose access policy denies StartRestoreJob.
 */
export function inConfiguredVault({ settings }: ActivityDeps, point: RecoveryPoint): boolean {
  return point.vault === '' || point.vault === settings.backupVault;
}

/**
 * Why the bot will not restore this point, or undefined when it will: only points in the
 * configured vault, in a usable status.
 */
export function whyNotRestorable(deps: ActivityDeps, point: RecoveryPoint): string | undefined {
  const { settings } = deps;
  if (!inConfiguredVault(deps, point)) {
    return `it is in vault ${point.vault}, not in ${settings.backupVault} (CHATDB_BACKUP_VAULT); the bot restores only from that vault`;
  }
  if (!RESTORABLE_STATUSES.has(point.status)) {
    return `its status is ${point.status}${point.statusMessage ? `: ${point.statusMessage}` : ''}`;
  }
  return undefined;
}

/**
 * The recovery point a user named, described afresh and checked: it must be a point of the chat-db
 * file system (not of the dump volume, not of anything else) and COMPLETED.
 */
export async function resolvePoint(
  deps: ActivityDeps,
  target: RestoreTarget,
  spec: PointSpec,
): Promise<RecoveryPoint> {
  return asStage('resolve', 'unchanged', 'recovery_points', async () => {
    const { ports, settings } = deps;
    let vault = settings.backupVault;
    let arn: string;
    switch (spec.kind) {
      case 'index': {
        // List numbers count only the configured vault's points, as `list` shows them.
        const points = (await ports.backup.listRecoveryPoints(target.fileSystemArn)).filter((p) =>
          inConfiguredVault(deps, p),
        );
        const point = spec.n >= 1 ? points[spec.n - 1] : undefined;
        if (point === undefined) {
          throw notFound(
            `There is no recovery point number ${spec.n}: the file system ${target.fileSystemId} has ${points.length} in vault ${settings.backupVault}.`,
          );
        }
        ({ arn, vault } = withVault(point, vault));
        break;
      }
      case 'latest':
      case 'before': {
        const points = await ports.backup.listRecoveryPoints(target.fileSystemArn);
        const before = spec.kind === 'before' ? spec.time.getTime() : Number.POSITIVE_INFINITY;
        const point = points.find(
          (p) => whyNotRestorable(deps, p) === undefined && p.createdAt.getTime() < before,
        );
        if (point === undefined) {
          throw notFound(
            spec.kind === 'before'
              ? `No restorable recovery point of ${target.fileSystemId} in vault ${settings.backupVault} was created before ${spec.time.toISOString()}.`
              : `The file system ${target.fileSystemId} has no restorable recovery point in vault ${settings.backupVault}.`,
          );
        }
        ({ arn, vault } = withVault(point, vault));
        break;
      }
      case 'id':
        // Recovery points live in the file system's own region and account.
        arn = `arn:aws:backup:${target.region}:${target.accountId}:recovery-point:${spec.id}`;
        break;
      case 'arn':
        arn = spec.arn;
        break;
    }

    let point: RecoveryPoint;
    try {
      point = await ports.backup.describeRecoveryPoint(vault, arn);
    } catch (error) {
      if (error instanceof AwsCallError && isAwsError(error, 'ResourceNotFoundException')) {
        // A point of the file system in another vault (EFS automatic backups): say which, and why not.
        const elsewhere = (await ports.backup.listRecoveryPoints(target.fileSystemArn)).find(
          (p) => p.arn === arn && !inConfiguredVault(deps, p),
        );
        if (elsewhere !== undefined) throw notRestorable(deps, elsewhere);
        throw notFound(
          `${error.awsMessage} (looked in vault ${vault}; ${error.operation}: ${error.awsCode})`,
          error,
        );
      }
      throw error;
    }
    if (point.vault === '') point = { ...point, vault };

    if (point.resourceArn !== target.fileSystemArn) {
      const owner = await describeOwner(deps, point.resourceArn);
      throw new StageFailure({
        stage: 'resolve',
        code: 'wrong_resource',
        reason: `Recovery point ${point.id} is a backup of ${owner}, not of the chat-db file system ${target.fileSystemId} (${target.fileSystemArn}).`,
        production: 'unchanged',
        activity: 'recovery_points',
      });
    }
    if (whyNotRestorable(deps, point) !== undefined) throw notRestorable(deps, point);
    return point;
  });
}

function notRestorable(deps: ActivityDeps, point: RecoveryPoint): StageFailure {
  return new StageFailure({
    stage: 'resolve',
    code: 'not_restorable',
    reason: `Recovery point ${point.id} cannot be restored: ${whyNotRestorable(deps, point)}. Only a COMPLETED or AVAILABLE point of vault ${deps.settings.backupVault} can be.`,
    production: 'unchanged',
    activity: 'recovery_points',
  });
}

function withVault(point: RecoveryPoint, fallback: string): { arn: string; vault: string } {
  return { arn: point.arn, vault: point.vault === '' ? fallback : point.vault };
}

function notFound(reason: string, cause?: unknown): StageFailure {
  return new StageFailure({
    stage: 'resolve',
    code: 'point_not_found',
    reason,
    production: 'unchanged',
    activity: 'recovery_points',
    cause,
  });
}

/** Names the resource a point belongs to, with the file system's name where it is one of ours. */
async function describeOwner({ ports }: ActivityDeps, resourceArn: string): Promise<string> {
  if (resourceArn === '') return 'an unknown resource';
  const fsId = /:file-system\/(fs-[0-9a-f]+)$/.exec(resourceArn)?.[1];
  if (fsId === undefined) return resourceArn;
  try {
    const fs = await ports.efs.describeFileSystem(fsId);
    return fs.name
      ? `file system ${fs.id} "${fs.name}" (${resourceArn})`
      : `file system ${fs.id} (${resourceArn})`;
  } catch {
    // The owner is only named for the message; it may be in another account or gone.
    return resourceArn;
  }
}
