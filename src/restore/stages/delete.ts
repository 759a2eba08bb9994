// delete: a cleanup's `rm -rf` of the chosen top-level names (SSM), never the live root nor a
// candidate offered as not deletable (e.g. retired less than a day ago). It records the names gone;
// run again after a restart, the names already gone are `absent`.

import type { StageDefinition } from './stage.js';

export const deleteStage: StageDefinition = {
  name: 'delete',
  productionIfUnclassified: 'unchanged',
  async run(activities, session, target, { signal, commandSent }) {
    const plan = session.plan;
    if (plan?.kind !== 'cleanup') throw new Error('delete runs only in a cleanup session');
    const protect = (session.cleanup?.candidates ?? [])
      .filter((c) => !c.deletable)
      .flatMap((c) => c.files ?? [c.path.slice(1)]);
    const result = await activities.deleteDirs(
      target,
      plan.paths.map((p) => p.slice(1)),
      { liveRoot: plan.currentRoot, protect },
      { signal, commandSent },
    );
    return {
      aws: { deletedPaths: [...result.deleted, ...result.absent].map((n) => `/${n.replace(/^\//, '')}`) },
      detail: { deleted: result.deleted, absent: result.absent },
    };
  },
};
