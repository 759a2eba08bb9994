import { RETIRED_GRACE_MS } from '../plan.js';
import { checkLiveRoot } from '../script-values.js';
import {
  type CleanupDirKind,
  cleanupCandidates as cleanupCandidatesScript,
  deleteDirs as deleteDirsScript,
  parseCleanupCandidates,
  parseDeleteDirs,
  type RootDbFile,
} from '../scripts.js';
import { asStage } from './errors.js';
import { runScript, type ScriptHooks } from './run-script.js';
import type { ActivityDeps, RestoreTarget } from './types.js';

export { RETIRED_GRACE_MS };

export interface CleanupCandidateView {
  /** A name at the volume root; '' for the database files at the volume root (`files`). */
  name: string;
  kind: CleanupDirKind | 'root_files';
  sizeBytes: number;
  mtime?: Date;
  /** `root_files`: the exact names it deletes. */
  files?: string[];
  /** When this root stopped being live, where a cutover (the bot's or anyone's) says so. */
  retiredAt?: Date;
  deletable: boolean;
  whyNot?: string;
}

export interface CleanupListingResult {
  candidates: CleanupCandidateView[];
  /** Entries that look like ours but are not usable (odd names, files, symlinks). */
  unexpected: string[];
}

/**
 * What cleanup may offer, with sizes, each marked deletable or why not: restore, retired flat,
 * failed-restore and lost+found directories, and (one item) the database files at the volume root.
 * Never the live root; never a root that stopped being live less than RETIRED_GRACE_MS ago.
 */
export async function cleanupCandidates(
  deps: ActivityDeps,
  _target: RestoreTarget,
  opts: { liveRoot: string; retiredRoots: readonly { root: string; retiredAt: Date }[]; now: Date },
): Promise<CleanupListingResult> {
  return asStage('resolve', 'unchanged', 'cleanup_candidates', async () => {
    const listing = await runScript(
      deps,
      'resolve',
      'cleanup_candidates',
      cleanupCandidatesScript(deps.settings.inspectorMount, opts.liveRoot),
      parseCleanupCandidates,
    );
    const retired = latestRetirements(opts.retiredRoots);
    const kept = (top: string): string | undefined => {
      const at = retired.get(top);
      if (at === undefined || opts.now.getTime() - at.getTime() >= RETIRED_GRACE_MS) return undefined;
      return `it was the live root until ${at.toISOString()}, less than 24 hours ago; rollback may need it`;
    };
    const candidates = listing.dirs.map((dir): CleanupCandidateView => {
      const retiredAt = retired.get(dir.name);
      const base = {
        name: dir.name,
        kind: dir.kind,
        sizeBytes: dir.sizeBytes,
        mtime: dir.mtime,
        ...(retiredAt === undefined ? {} : { retiredAt }),
      };
      const whyNot = dir.holdsLiveRoot ? `it holds the live root ${opts.liveRoot}` : kept(dir.name);
      return whyNot === undefined ? { ...base, deletable: true } : { ...base, deletable: false, whyNot };
    });
    if (listing.rootDbFiles.length > 0)
      candidates.push(rootFilesItem(listing.rootDbFiles, opts, retired, kept));
    return { candidates, unexpected: listing.unexpected };
  });
}

/** The database files at the volume root as one item: deletable only once the live root is elsewhere. */
function rootFilesItem(
  files: readonly RootDbFile[],
  opts: { liveRoot: string },
  retired: ReadonlyMap<string, Date>,
  kept: (top: string) => string | undefined,
): CleanupCandidateView {
  const retiredAt = retired.get('');
  const whyNot =
    opts.liveRoot === '/' ? 'they are the live database: chat-db runs on the volume root' : kept('');
  return {
    name: '',
    kind: 'root_files',
    sizeBytes: files.reduce((sum, f) => sum + f.sizeBytes, 0),
    files: files.map((f) => f.name),
    ...(retiredAt === undefined ? {} : { retiredAt }),
    deletable: whyNot === undefined,
    ...(whyNot === undefined ? {} : { whyNot }),
  };
}

/** The newest retirement of each top-level directory ('' for the volume root itself). */
function latestRetirements(roots: readonly { root: string; retiredAt: Date }[]): Map<string, Date> {
  const latest = new Map<string, Date>();
  for (const { root, retiredAt } of roots) {
    const top = topComponent(root);
    const known = latest.get(top);
    if (known === undefined || retiredAt > known) latest.set(top, retiredAt);
  }
  return latest;
}

/** Deletes exact names at the volume root; never the live root's, never a protected one. */
export async function deleteDirs(
  deps: ActivityDeps,
  _target: RestoreTarget,
  names: readonly string[],
  opts: { liveRoot: string; protect?: readonly string[] },
  hooks: ScriptHooks = {},
): Promise<{ deleted: string[]; absent: string[] }> {
  return asStage('delete', 'unchanged', 'delete', async () => {
    checkLiveRoot(opts.liveRoot);
    const result = await runScript(
      deps,
      'delete',
      'delete',
      deleteDirsScript(deps.settings.inspectorMount, names, opts.liveRoot, { protect: opts.protect ?? [] }),
      parseDeleteDirs,
      hooks,
    );
    return { deleted: result.deleted, absent: result.absent };
  });
}

function topComponent(root: string): string {
  return root.replace(/^\/+/, '').split('/')[0] ?? '';
}
