// teardown (a drill's, and the end of every drill that got past resolve, failed ones included):
// deletes the drill's change set if the rehearse left one, its restore and drill directories (SSM,
// the delete script's rules: exact names, never the live root), and what earlier drills that ended
// early left behind (the plan's sweep). Safe to run again: names already gone are `absent`.
// Production is never touched.

import { isDrillDirName, isRestoreDirName } from '../names.js';
import type { DrillPlan } from '../plan.js';
import type { StageDefinition } from './stage.js';

export const teardownStage: StageDefinition = {
  name: 'teardown',
  productionIfUnclassified: 'unchanged',
  requires: ['deletedPaths', 'changeSetDeletedAt'],
  async run(activities, session, target, { signal, commandSent }) {
    const plan = session.plan as DrillPlan;
    const { aws } = session;
    const sweep = plan.sweep ?? [];
    const changeSets = [
      ...(aws.changeSetName !== undefined && aws.changeSetDeletedAt === undefined ? [aws.changeSetName] : []),
      ...sweep.flatMap((left) => (left.changeSetName === undefined ? [] : [left.changeSetName])),
    ];
    const sets = await activities.deleteChangeSets(target, changeSets);
    const liveTop = plan.currentRoot.split('/')[1] ?? '';
    // Earlier drills' jobs whose directories they never located: named by elimination, or left.
    const found = await activities.findUnlocatedDirs(
      sweep.flatMap((left) => (left.unlocatedJob === undefined ? [] : [left.unlocatedJob])),
      [liveTop, ...(aws.restoreDir === undefined ? [] : [aws.restoreDir])],
      { signal, commandSent },
    );
    const wanted = [
      plan.targetRoot.slice(1),
      ...(aws.restoreDir === undefined ? [] : [aws.restoreDir]),
      ...sweep.flatMap((left) => left.dirs),
      ...found.flatMap((f) => (f.dir === undefined ? [] : [f.dir])),
    ].filter((name) => isDrillDirName(name) || isRestoreDirName(name));
    const names = [...new Set(wanted)].filter((name) => name !== liveTop);
    const kept = [...new Set(wanted)].filter((name) => name === liveTop);
    const dirs =
      names.length === 0
        ? { deleted: [], absent: [] }
        : await activities.deleteDirs(target, names, { liveRoot: plan.currentRoot }, { signal, commandSent });
    // A restore job that ran but whose directory was never located cannot be named: cleanup lists it.
    const unlocated =
      aws.restoreJobId !== undefined && aws.restoreDir === undefined ? aws.restoreJobId : undefined;
    return {
      aws: {
        deletedPaths: [...dirs.deleted, ...dirs.absent].map((name) => `/${name}`),
        changeSetDeletedAt: aws.changeSetDeletedAt ?? new Date().toISOString(),
      },
      detail: {
        deleted: dirs.deleted,
        absent: dirs.absent,
        changeSetsDeleted: sets.deleted,
        swept: sweep.map((left) => left.sessionId),
        ...(found.some((f) => f.dir === undefined)
          ? { notNamed: found.filter((f) => f.dir === undefined).map((f) => `${f.restoreJobId}: ${f.why}`) }
          : {}),
        ...(kept.length === 0 ? {} : { kept }),
        ...(unlocated === undefined ? {} : { unlocatedRestoreJobId: unlocated }),
      },
    };
  },
};
