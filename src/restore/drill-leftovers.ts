// What drills that ended early (cancelled, taken over by a restore, or stopped before their
// teardown finished) left behind, by exact name, for the next drill's teardown to sweep. Pure: the
// orchestrator feeds it the stored sessions. A drill's leftovers count as swept once a later
// drill's teardown that listed them is done.

import { drillChangeSetName, isDrillDirName, isRestoreDirName } from './names.js';
import type { DrillLeftovers } from './plan.js';
import { isOpen, type RestoreSession, stageState } from './session.js';

/**
 * The leftovers of one drill, or undefined when it left nothing (or is still running). `claimed`:
 * the restore dirs other sessions recorded, which an unlocated job's directory cannot be.
 */
export function leftoversOf(s: RestoreSession, claimed: readonly string[] = []): DrillLeftovers | undefined {
  if (s.kind !== 'drill' || s.plan?.kind !== 'drill' || isOpen(s)) return undefined;
  if (stageState(s, 'teardown')?.status === 'done') return undefined;
  const started = (name: 'flatten' | 'rehearse') => stageState(s, name)?.startedAt !== undefined;
  const dirs = [
    ...(s.aws.restoreDir !== undefined && isRestoreDirName(s.aws.restoreDir) ? [s.aws.restoreDir] : []),
    ...(started('flatten') && isDrillDirName(s.plan.targetRoot.slice(1)) ? [s.plan.targetRoot.slice(1)] : []),
  ];
  const changeSet =
    started('rehearse') && s.aws.changeSetDeletedAt === undefined ? drillChangeSetName(s.id) : undefined;
  const before = s.aws.restoreDirsBefore;
  const unlocated =
    s.aws.restoreJobId !== undefined && s.aws.restoreDir === undefined && before !== undefined
      ? { restoreJobId: s.aws.restoreJobId, before: [...before], claimed: [...claimed] }
      : undefined;
  if (dirs.length === 0 && changeSet === undefined && unlocated === undefined) return undefined;
  return {
    sessionId: s.id,
    dirs,
    ...(changeSet === undefined ? {} : { changeSetName: changeSet }),
    ...(unlocated === undefined ? {} : { unlocatedJob: unlocated }),
  };
}

/** Every ended drill of the file system whose leftovers no later drill has swept yet, oldest first. */
export function drillLeftovers(sessions: readonly RestoreSession[], fileSystemId: string): DrillLeftovers[] {
  const swept = new Set(
    sessions
      .filter((s) => s.plan?.kind === 'drill' && stageState(s, 'teardown')?.status === 'done')
      .flatMap((s) => (s.plan?.kind === 'drill' ? (s.plan.sweep ?? []).map((left) => left.sessionId) : [])),
  );
  const ours = sessions.filter((s) => s.plan?.fileSystemId === fileSystemId);
  return ours
    .filter((s) => !swept.has(s.id))
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt))
    .flatMap((s) => {
      const claimed = ours.flatMap((o) =>
        o.id !== s.id && o.aws.restoreDir !== undefined ? [o.aws.restoreDir] : [],
      );
      const left = leftoversOf(s, claimed);
      return left === undefined ? [] : [left];
    });
}
