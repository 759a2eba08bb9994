import { checkLiveRoot } from '../script-values.js';
import {
  cleanupCandidates as cleanupCandidatesScript,
  deleteDirs as deleteDirsScript,
  parseCleanupCandidates,
  parseDeleteDirs,
} from '../scripts.js';
import { asStage } from './errors.js';
import { runScript } from './run-script.js';
import type { ActivityDeps, RestoreTarget } from './types.js';

/** A root retired less than this long ago is kept: it is what a rollback goes back to. */
export const RETIRED_GRACE_MS = 24 * 60 * 60 * 1000;

export interface CleanupCandidateView {
  name: string;
  kind: 'restore' | 'retired';
  sizeBytes: number;
  mtime: Date;
  deletable: boolean;
  whyNot?: string;
}

export interface CleanupListingResult {
  candidates: CleanupCandidateView[];
  /** Entries that look like ours but are not usable (odd names, files, symlinks). */
  unexpected: string[];
}

const NEXT = 'Nothing was deleted. Check the inspection host and try `/chatdb-restore cleanup` again.';

/** Restore and retired flat directories with their sizes, each marked deletable or why not. */
export async function cleanupCandidates(
  deps: ActivityDeps,
  _target: RestoreTarget,
  opts: { liveRoot: string; retiredRoots: readonly { root: string; retiredAt: Date }[]; now: Date },
): Promise<CleanupListingResult> {
  return asStage('resolve', 'unchanged', NEXT, async () => {
    const listing = await runScript(
      deps,
      'resolve',
      NEXT,
      cleanupCandidatesScript(deps.settings.inspectorMount, opts.liveRoot),
      parseCleanupCandidates,
    );
    const recent = new Map<string, Date>();
    for (const { root, retiredAt } of opts.retiredRoots) {
      if (opts.now.getTime() - retiredAt.getTime() >= RETIRED_GRACE_MS) continue;
      const top = topComponent(root);
      const known = recent.get(top);
      if (top !== '' && (known === undefined || retiredAt > known)) recent.set(top, retiredAt);
    }
    const candidates = listing.dirs.map((dir): CleanupCandidateView => {
      const base = { name: dir.name, kind: dir.kind, sizeBytes: dir.sizeBytes, mtime: dir.mtime };
      if (dir.holdsLiveRoot) {
        return { ...base, deletable: false, whyNot: `it holds the live root ${opts.liveRoot}` };
      }
      const retiredAt = recent.get(dir.name);
      if (retiredAt !== undefined) {
        return {
          ...base,
          deletable: false,
          whyNot: `it was the live root until ${retiredAt.toISOString()}, less than 24 hours ago; rollback may need it`,
        };
      }
      return { ...base, deletable: true };
    });
    return { candidates, unexpected: listing.unexpected };
  });
}

/** Deletes exact top-level directory names; never the live root's, never a protected one. */
export async function deleteDirs(
  deps: ActivityDeps,
  _target: RestoreTarget,
  names: readonly string[],
  opts: { liveRoot: string; protect?: readonly string[] },
): Promise<{ deleted: string[]; absent: string[] }> {
  return asStage('delete', 'unchanged', NEXT, async () => {
    checkLiveRoot(opts.liveRoot);
    const result = await runScript(
      deps,
      'delete',
      NEXT,
      deleteDirsScript(deps.settings.inspectorMount, names, opts.liveRoot, { protect: opts.protect ?? [] }),
      parseDeleteDirs,
    );
    return { deleted: result.deleted, absent: result.absent };
  });
}

function topComponent(root: string): string {
  return root.replace(/^\/+/, '').split('/')[0] ?? '';
}
