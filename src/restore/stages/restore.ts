// restore: lists the aws-backup-restore_* directories already on the volume (SSM), starts the AWS
// Backup restore job (its idempotency token derived from the session id) and polls it. It records
// the listing before StartRestoreJob and the job id after it, so a restart finds the same job and
// never starts a second; its progress reaches the card.

import type { RecoveryPoint } from '../../aws/ports.js';
import type { RestoreJobCheckpoint } from '../activities/index.js';
import { restoreIdempotencyToken } from '../names.js';
import type { RestorePlan } from '../plan.js';
import type { JsonObject } from '../session.js';
import type { StageDefinition } from './stage.js';

export const restoreStage: StageDefinition = {
  name: 'restore',
  productionIfUnclassified: 'unchanged',
  requires: ['restoreJobId'],
  startData(session): JsonObject {
    return session.plan?.kind === 'restore'
      ? { expectedDurationMinutes: session.plan.expectedDurationMinutes }
      : {};
  },
  async run(activities, session, target, { signal, checkpoint, progress, commandSent }) {
    const plan = session.plan as RestorePlan;
    const { aws } = session;
    const result = await activities.runRestoreJob(
      {
        point: pointFromPlan(plan),
        target,
        restoreMode: plan.restoreMode,
        idempotencyToken: restoreIdempotencyToken(session.id),
        ...(aws.restoreDirsBefore === undefined ? {} : { restoreDirsBefore: aws.restoreDirsBefore }),
        ...(aws.restoreJobId === undefined ? {} : { restoreJobId: aws.restoreJobId }),
        ...(aws.fullFallback === true ? { fullFallback: true } : {}),
      },
      {
        signal,
        checkpoint: (patch: RestoreJobCheckpoint) => checkpoint(patch),
        commandSent,
        progress: ({ percentDone, etaMinutes }) =>
          progress({
            ...(percentDone === undefined ? {} : { percentDone }),
            ...(etaMinutes === undefined ? {} : { etaMinutes }),
          }),
      },
    );
    return {
      aws: {
        restoreJobId: result.restoreJobId,
        restoreDirsBefore: result.restoreDirsBefore,
        restoreJobCompletedAt: result.completedAt.toISOString(),
        ...(result.fullFallback ? { fullFallback: true } : {}),
      },
      detail: {
        restoreJobId: result.restoreJobId,
        ...(result.fullFallback ? { fullFallback: true } : {}),
      },
    };
  },
};

/** The confirmed plan's recovery point, as the restore job takes it. */
function pointFromPlan(plan: RestorePlan): RecoveryPoint {
  return {
    arn: plan.recoveryPoint.arn,
    id: plan.recoveryPoint.id,
    vault: plan.recoveryPoint.vault,
    resourceArn: plan.fileSystemArn,
    resourceType: 'EFS',
    status: 'COMPLETED',
    createdAt: new Date(plan.recoveryPoint.createdAt),
    ...(plan.recoveryPoint.sizeBytes === undefined ? {} : { sizeBytes: plan.recoveryPoint.sizeBytes }),
  };
}
