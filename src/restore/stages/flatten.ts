// flatten: renames the located data dir to the flat top-level chatdb-restore_… name (SSM; a rename
// on one file system, instant whatever the size), never touching the live root. It records the
// flat directory; run again after a restart, it finds the target in place and reports `already`.

import type { RestorePlan } from '../plan.js';
import type { StageDefinition } from './stage.js';

export const flattenStage: StageDefinition = {
  name: 'flatten',
  productionIfUnclassified: 'unchanged',
  requires: ['flatDir'],
  async run(activities, session, _target, { signal, commandSent }) {
    const plan = session.plan as RestorePlan;
    const result = await activities.flattenData(
      {
        dataDir: session.aws.dataDir ?? '',
        flatName: plan.targetRoot,
        liveRoot: plan.currentRoot,
      },
      { signal, commandSent },
    );
    return {
      aws: { flatDir: result.flatDir },
      detail: {
        flatDir: result.flatDir,
        sizeBytes: result.sizeBytes,
        fileCount: result.fileCount,
        leftovers: result.leftovers,
        warnings: result.warnings,
      },
    };
  },
};
