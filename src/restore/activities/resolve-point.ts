import { AwsCallError, isAwsError } from '../../aws/errors.js';
import type { RecoveryPoint } from '../../aws/ports.js';
import { asStage, StageFailure } from './errors.js';
import type { ActivityDeps, PointSpec, RestoreTarget } from './types.js';

const NEXT =
  'Nothing was changed. Run `/chatdb-restore list` and start again with one of the points it shows.';

/** The file system's recovery points, newest first: what `list` shows and what an index counts. */
export async function listPoints(
  { ports }: ActivityDeps,
  target: RestoreTarget,
  limit?: number,
): Promise<RecoveryPoint[]> {
  return asStage('resolve', 'unchanged', NEXT, () =>
    ports.backup.listRecoveryPoints(target.fileSystemArn, limit === undefined ? {} : { limit }),
  );
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
  return asStage('resolve', 'unchanged', NEXT, async () => {
    const { ports, settings } = deps;
    let vault = settings.backupVault;
    let arn: string;
    switch (spec.kind) {
      case 'index': {
        const points = await ports.backup.listRecoveryPoints(target.fileSystemArn, { limit: spec.n });
        const point = spec.n >= 1 ? points[spec.n - 1] : undefined;
        if (point === undefined) {
          throw notFound(
            `There is no recovery point number ${spec.n}: the file system ${target.fileSystemId} has ${points.length} in the list.`,
          );
        }
        ({ arn, vault } = withVault(point, vault));
        break;
      }
      case 'latest':
      case 'before': {
        const points = await ports.backup.listRecoveryPoints(target.fileSystemArn);
        const before = spec.kind === 'before' ? spec.time.getTime() : Number.POSITIVE_INFINITY;
        const point = points.find((p) => p.status === 'COMPLETED' && p.createdAt.getTime() < before);
        if (point === undefined) {
          throw notFound(
            spec.kind === 'before'
              ? `No COMPLETED recovery point of ${target.fileSystemId} was created before ${spec.time.toISOString()}.`
              : `The file system ${target.fileSystemId} has no COMPLETED recovery point.`,
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
        next: NEXT,
      });
    }
    if (point.status !== 'COMPLETED') {
      throw new StageFailure({
        stage: 'resolve',
        code: 'not_restorable',
        reason: `Recovery point ${point.id} is ${point.status}${point.statusMessage ? `: ${point.statusMessage}` : ''}. Only a COMPLETED point can be restored.`,
        production: 'unchanged',
        next: NEXT,
      });
    }
    return point;
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
    next: NEXT,
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
