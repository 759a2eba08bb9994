// The teardown of a staged restore that ended before its cutover (staged.ts): delete the
// directories it restored, by the names its ending fixed, through the delete script's own rules
// (never the live root, read again from the stack now; exact names only), or leave them for
// `/chatdb-restore cleanup` and say which. AWS Backup has no call that stops a restore job
// (StopBackupJob stops backup jobs only), so a job still running keeps writing its directory; that
// one is left. Run again after a restart, the names already gone come back `absent`.

import { isRestoreDirName } from '../names.js';
import { listRestoreDirs, parseListRestoreDirs } from '../scripts.js';
import type { LeftDir, StagedTeardown, TeardownOutcome } from '../staged.js';
import { deleteDirs } from './cleanup.js';
import { resolveTarget } from './resolve-target.js';
import { runScript, type ScriptHooks } from './run-script.js';
import type { ActivityDeps } from './types.js';

export async function stagedTeardown(
  deps: ActivityDeps,
  teardown: StagedTeardown,
  hooks: ScriptHooks = {},
): Promise<TeardownOutcome> {
  const left: LeftDir[] = [];
  const job = teardown.restoreJobId;
  let jobDone = teardown.jobUnfinished !== true;
  if (!jobDone && job !== undefined) {
    const state = await deps.ports.backup.describeRestoreJob(job);
    jobDone = state.status === 'COMPLETED' || state.status === 'FAILED' || state.status === 'ABORTED';
    if (!jobDone) left.push({ why: 'job_running', restoreJobId: job });
  } else if (!jobDone && teardown.restoreDirsBefore !== undefined) {
    // Ended between StartRestoreJob and the record of its id: a job may be running, unnamed.
    left.push({ why: 'job_running' });
  }
  let names = [...teardown.names];
  if (jobDone && job !== undefined && !names.some((n) => isRestoreDirName(n))) {
    // The job ended but locate never named its directory: the new ones are named, not deleted
    // (another job may have written one of them).
    const listing = await runScript(
      deps,
      'delete',
      'delete',
      listRestoreDirs(deps.settings.inspectorMount),
      parseListRestoreDirs,
      hooks,
    );
    const before = new Set(teardown.restoreDirsBefore ?? []);
    for (const dir of listing.dirs) {
      if (!before.has(dir.name)) left.push({ name: dir.name, why: 'not_located', restoreJobId: job });
    }
  }
  if (names.length === 0) return { deleted: [], absent: [], left };
  // The live root as the stack says now, and the plan's: neither is ever deleted.
  const target = await resolveTarget(deps);
  const liveTops = new Set(
    [target.currentRoot, teardown.liveRoot].map((r) => r.replace(/^\/+/, '').split('/')[0]),
  );
  const kept = names.filter((n) => liveTops.has(n));
  for (const name of kept) left.push({ name, why: 'delete_failed' });
  names = names.filter((n) => !liveTops.has(n));
  if (names.length === 0) {
    return { deleted: [], absent: [], left, error: 'The directory holds the live root now.' };
  }
  try {
    const result = await deleteDirs(deps, target, names, { liveRoot: target.currentRoot }, hooks);
    return { deleted: result.deleted, absent: result.absent, left };
  } catch (error) {
    for (const name of names) left.push({ name, why: 'delete_failed' });
    return { deleted: [], absent: [], left, error: error instanceof Error ? error.message : String(error) };
  }
}
