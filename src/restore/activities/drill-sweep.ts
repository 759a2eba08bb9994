// The directory of a drill's restore job that the drill never located (it was taken over or
// cancelled while AWS Backup still ran the job), found by elimination: the restore dirs on the
// volume now, minus those there before the job started, minus every restore dir a session claims,
// minus the live root's and the sweeping drill's own. Only a COMPLETED job counts, and only when
// exactly one directory remains: anything less certain is left for `cleanup`, never guessed.

import { listRestoreDirs, parseListRestoreDirs } from '../scripts.js';
import { asStage } from './errors.js';
import { runScript, type ScriptHooks } from './run-script.js';
import type { ActivityDeps } from './types.js';

export interface UnlocatedJob {
  restoreJobId: string;
  before: readonly string[];
  claimed: readonly string[];
}

export interface FoundLeftover {
  restoreJobId: string;
  /** The one directory left by elimination, or why none is named. */
  dir?: string;
  why?: 'job_not_completed' | 'no_candidate' | 'several_candidates';
}

export async function findUnlocatedDirs(
  deps: ActivityDeps,
  jobs: readonly UnlocatedJob[],
  exclude: readonly string[],
  hooks: ScriptHooks = {},
): Promise<FoundLeftover[]> {
  if (jobs.length === 0) return [];
  return asStage('teardown', 'unchanged', 'teardown', async () => {
    const listing = await runScript(
      deps,
      'teardown',
      'teardown',
      listRestoreDirs(deps.settings.inspectorMount),
      parseListRestoreDirs,
      hooks,
    );
    const now = listing.dirs.map((d) => d.name);
    const found: FoundLeftover[] = [];
    for (const job of jobs) {
      const status = (await deps.ports.backup.describeRestoreJob(job.restoreJobId)).status;
      if (status !== 'COMPLETED') {
        found.push({ restoreJobId: job.restoreJobId, why: 'job_not_completed' });
        continue;
      }
      const skip = new Set([...job.before, ...job.claimed, ...exclude]);
      const candidates = now.filter((name) => !skip.has(name));
      if (candidates.length === 1)
        found.push({ restoreJobId: job.restoreJobId, dir: candidates[0] as string });
      else
        found.push({
          restoreJobId: job.restoreJobId,
          why: candidates.length === 0 ? 'no_candidate' : 'several_candidates',
        });
    }
    return found;
  });
}
