// locate: finds the new restore directory and the MongoDB data dir in it (SSM, read only), from
// the evidence (where the database lived when the point was taken, what the data says). It records
// both; when the evidence cannot tell complete data dirs apart its activity throws PickNeeded and
// the runner asks the engineers (awaiting_pick). A restart runs it again.

import type { RestorePlan } from '../plan.js';
import type { JsonValue } from '../session.js';
import type { StageDefinition } from './stage.js';

export const locateStage: StageDefinition = {
  name: 'locate',
  productionIfUnclassified: 'unchanged',
  requires: ['restoreDir', 'dataDir'],
  async run(activities, session, _target, { signal, commandSent }) {
    const plan = session.plan as RestorePlan;
    const { completedAt } = plan.recoveryPoint;
    const result = await activities.locate(
      {
        restoreDirsBefore: session.aws.restoreDirsBefore ?? [],
        ...(plan.expectedRelPath === undefined || session.aws.fullFallback === true
          ? {}
          : { expectedRelPath: plan.expectedRelPath }),
        liveRoot: plan.currentRoot,
        pointCreatedAt: new Date(plan.recoveryPoint.createdAt),
        ...(completedAt === undefined ? {} : { pointCompletedAt: new Date(completedAt) }),
      },
      { signal, commandSent },
    );
    return {
      aws: {
        restoreDir: result.restoreDir,
        dataDir: result.dataDir,
        dataSizeBytes: result.sizeBytes,
        dataFileCount: result.fileCount,
      },
      detail: {
        restoreDir: result.restoreDir,
        dataDir: result.dataDir,
        sizeBytes: result.sizeBytes,
        fileCount: result.fileCount,
        rule: result.rule,
        candidates: result.candidates as unknown as JsonValue,
        warnings: result.warnings,
      },
    };
  },
};
