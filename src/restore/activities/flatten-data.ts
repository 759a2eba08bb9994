import { flatten, parseFlatten } from '../scripts.js';
import { asStage } from './errors.js';
import { runScript, type ScriptHooks } from './run-script.js';
import type { ActivityDeps } from './types.js';

export interface FlattenInput {
  /** Relative to the volume root, as locate found it. */
  dataDir: string;
  /** `/chatdb-restore_…` or the bare name. */
  flatName: string;
  liveRoot: string;
}

export interface FlattenDataResult {
  /** The new root, e.g. `/chatdb-restore_…`. */
  flatDir: string;
  /** An earlier run had already moved it. */
  already: boolean;
  sizeBytes: number;
  fileCount: number;
  /** Stale chains and other entries left in the restore dir for cleanup. */
  leftovers: string[];
  warnings: string[];
}

/** Renames the data dir to its flat top-level name (instant, same file system); safe to repeat. */
export async function flattenData(
  deps: ActivityDeps,
  input: FlattenInput,
  hooks: ScriptHooks = {},
): Promise<FlattenDataResult> {
  return asStage('flatten', 'unchanged', 'flatten', async () => {
    const result = await runScript(
      deps,
      'flatten',
      'flatten',
      flatten(deps.settings.inspectorMount, input.dataDir, input.flatName, input.liveRoot),
      parseFlatten,
      hooks,
    );
    return {
      flatDir: `/${result.to}`,
      already: result.already,
      sizeBytes: result.target.sizeBytes,
      fileCount: result.target.fileCount,
      leftovers: [...result.leftovers, ...result.asideSkipped],
      warnings: result.warnings.map((w) => `${w.code}: ${w.message}`),
    };
  });
}
