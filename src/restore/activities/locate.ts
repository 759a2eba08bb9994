import { checkLiveRoot, isWithin } from '../script-values.js';
import {
  chooseDataDir,
  listRestoreDirs,
  locateDataDir,
  parseListRestoreDirs,
  parseLocateDataDir,
  pickNewRestoreDir,
} from '../scripts.js';
import { asStage, StageFailure } from './errors.js';
import { runScript } from './run-script.js';
import type { ActivityDeps } from './types.js';

export interface LocateInput {
  restoreDirsBefore: readonly string[];
  /** Where the data dir should be inside the new restore dir ('' for the dir itself), when known. */
  expectedRelPath?: string;
  liveRoot: string;
}

export interface LocateResult {
  restoreDir: string;
  /** Relative to the volume root, e.g. `aws-backup-restore_X/aws-backup-restore_A`. */
  dataDir: string;
  sizeBytes: number;
  fileCount: number;
  /** How the data dir was chosen: at the expected place, the only one, or the shallowest. */
  rule: 'expected' | 'only' | 'shallowest';
  warnings: string[];
}

const NEXT =
  'Production is unchanged. Look at the new aws-backup-restore_* directory on the inspection host before trying again; `/chatdb-restore cleanup` removes it.';

/** Finds the directory the restore job created and the MongoDB data dir inside it; fails loudly. */
export async function locate(deps: ActivityDeps, input: LocateInput): Promise<LocateResult> {
  const { settings } = deps;
  return asStage('locate', 'unchanged', NEXT, async () => {
    const listing = await runScript(
      deps,
      'locate',
      NEXT,
      listRestoreDirs(settings.inspectorMount),
      parseListRestoreDirs,
    );
    const restoreDir = pickNewRestoreDir(
      input.restoreDirsBefore,
      listing.dirs.map((d) => d.name),
    );
    const live = checkLiveRoot(input.liveRoot);
    if (live !== '' && isWithin(live, restoreDir)) {
      throw new StageFailure({
        stage: 'locate',
        code: 'script_error',
        reason: `The new restore dir ${restoreDir} holds the live root ${input.liveRoot}; refusing to touch it.`,
        production: 'unchanged',
        next: NEXT,
      });
    }
    const report = await runScript(
      deps,
      'locate',
      NEXT,
      locateDataDir(settings.inspectorMount, restoreDir),
      parseLocateDataDir,
    );
    const { chosen, rule, others } = chooseDataDir(
      report,
      input.expectedRelPath === undefined ? {} : { expectedRelPath: input.expectedRelPath },
    );
    const warnings = [
      ...[...listing.warnings, ...report.warnings].map((w) => `${w.code}: ${w.message}`),
      ...listing.unexpected.map((u) => `unexpected entry at the volume root: ${u}`),
      ...report.unexpected.map((u) => `data dir with an unusable name: ${u.shown}`),
      ...others.map((o) => `stale data dir /${o.path} left for cleanup`),
    ];
    return {
      restoreDir,
      dataDir: chosen.path,
      sizeBytes: chosen.sizeBytes,
      fileCount: chosen.fileCount,
      rule,
      warnings,
    };
  });
}
