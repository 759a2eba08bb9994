import { type CandidateEvidence, type DataDirDecision, decideDataDir } from '../data-evidence.js';
import { checkLiveRoot, isWithin } from '../script-values.js';
import {
  listRestoreDirs,
  locateDataDir,
  parseListRestoreDirs,
  parseLocateDataDir,
  pickNewRestoreDir,
} from '../scripts.js';
import { asStage, PickNeeded, StageFailure } from './errors.js';
import { runScript, type ScriptHooks } from './run-script.js';
import type { ActivityDeps } from './types.js';

export interface LocateInput {
  restoreDirsBefore: readonly string[];
  /** Where the data dir should be inside the new restore dir ('' for the dir itself), when known. */
  expectedRelPath?: string;
  liveRoot: string;
  pointCreatedAt: Date;
  pointCompletedAt?: Date;
}

export interface LocateResult {
  restoreDir: string;
  /** Relative to the volume root, e.g. `aws-backup-restore_X/aws-backup-restore_A`. */
  dataDir: string;
  sizeBytes: number;
  fileCount: number;
  /** How the data dir was chosen: where the record says, or the only one written in the backup's window. */
  rule: 'expected' | 'fresh';
  /** Every data dir found, with its evidence. */
  candidates: CandidateEvidence[];
  warnings: string[];
}

/** Finds the directory the restore job created and the MongoDB data dir inside it; fails loudly. */
export async function locate(
  deps: ActivityDeps,
  input: LocateInput,
  hooks: ScriptHooks = {},
): Promise<LocateResult> {
  const { settings } = deps;
  return asStage('locate', 'unchanged', 'locate', async () => {
    const listing = await runScript(
      deps,
      'locate',
      'locate',
      listRestoreDirs(settings.inspectorMount),
      parseListRestoreDirs,
      hooks,
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
        activity: 'locate',
      });
    }
    const report = await runScript(
      deps,
      'locate',
      'locate',
      locateDataDir(settings.inspectorMount, restoreDir),
      parseLocateDataDir,
      hooks,
    );
    const decision = decideDataDir(report, {
      ...(input.expectedRelPath === undefined ? {} : { expectedRelPath: input.expectedRelPath }),
      pointCreatedAt: input.pointCreatedAt,
      ...(input.pointCompletedAt === undefined ? {} : { pointCompletedAt: input.pointCompletedAt }),
    });
    if (decision.kind === 'ask') {
      // Complete candidates: the engineers pick one. None: nothing to pick, the session fails.
      if (decision.candidates.some((c) => c.problem === undefined)) {
        throw new PickNeeded(restoreDir, decision.code, decision.why, decision.candidates);
      }
      throw unproven(restoreDir, decision);
    }
    const { chosen, rule, candidates } = decision;
    const warnings = [
      ...[...listing.warnings, ...report.warnings].map((w) => `${w.code}: ${w.message}`),
      ...listing.unexpected.map((u) => `unexpected entry at the volume root: ${u}`),
      ...report.unexpected.map((u) => `data dir with an unusable name: ${u.shown}`),
      ...candidates.filter((c) => c !== chosen).map(otherLine),
    ];
    return {
      restoreDir,
      dataDir: chosen.path,
      sizeBytes: chosen.sizeBytes,
      fileCount: chosen.fileCount,
      rule,
      candidates,
      warnings,
    };
  });
}

/** Only a copy the evidence shows to be older than the point is called stale. */
function otherLine(c: CandidateEvidence): string {
  if (c.relation === 'older')
    return `stale data dir /${c.path} (last written ${c.newestWrite}) left for cleanup`;
  return `other data dir /${c.path} not used (${c.relation.replace(/_/g, ' ')})`;
}

/** No complete data dir to pick from: stop before anything moves. */
function unproven(restoreDir: string, decision: Extract<DataDirDecision, { kind: 'ask' }>): StageFailure {
  return new StageFailure({
    stage: 'locate',
    code: 'data_dir_unproven',
    reason: decision.why,
    production: 'unchanged',
    activity: 'locate',
    detailCode: decision.code,
    candidates: decision.candidates,
    // Where the data dirs were looked for, for the next step the card words.
    detail: { restoreDir },
  });
}
