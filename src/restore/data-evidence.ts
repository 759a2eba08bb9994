// Which of the MongoDB data dirs a restore brought back holds the recovery point's database, from
// the evidence on the disk: a running mongod writes its WiredTiger checkpoint and journal every
// minute or so, so the live copy's newest WiredTiger write lies just before the backup started
// (or during it), and stale copies are older. The bot chooses only when that evidence agrees with
// where AWS's record says the database lived; otherwise the engineers choose.

import { type DataDirCandidate, type DataDirReport, dataDirProblem } from './scripts.js';

/**
 * How long before the point's creation the live copy's newest WiredTiger write may lie: mongod
 * checkpoints every 60 s and writes its journal continuously, so ten minutes is generous.
 */
export const LIVE_WRITE_WINDOW_MS = 10 * 60_000;
/** Without the backup's completion time, how long after its start a backup is taken to run. */
export const DEFAULT_BACKUP_RUN_MS = 60 * 60_000;

/** Where a candidate's newest WiredTiger write lies against the backup's window. */
export type WriteRelation = 'in_window' | 'older' | 'after_backup' | 'no_wiredtiger_files';

export interface CandidateEvidence {
  /** Relative to the volume root, e.g. `aws-backup-restore_X/aws-backup-restore_A`. */
  path: string;
  depth: number;
  sizeBytes: number;
  fileCount: number;
  /** ISO time of the newest write among its WiredTiger files. */
  newestWrite?: string;
  relation: WriteRelation;
  /** Why it cannot be a complete database, when it cannot. */
  problem?: string;
}

export type DataDirDecision =
  | {
      kind: 'chosen';
      chosen: CandidateEvidence;
      /** `expected`: where the record says, and nothing written closer; `fresh`: the only one written in the window. */
      rule: 'expected' | 'fresh';
      candidates: CandidateEvidence[];
    }
  | { kind: 'ask'; code: UnprovenCode; why: string; candidates: CandidateEvidence[] };

export type UnprovenCode =
  | 'no_data_dir'
  | 'expected_missing'
  | 'expected_incomplete'
  | 'closer_write'
  | 'mtimes_untrustworthy'
  | 'none_in_window'
  | 'several_in_window'
  | 'unusable_name';

export interface DecideInput {
  /** Where the record says the data dir is inside the restore dir ('' = the dir itself); undefined: not proven. */
  expectedRelPath?: string;
  pointCreatedAt: Date;
  /** When the backup job finished; DEFAULT_BACKUP_RUN_MS after its start when unknown. */
  pointCompletedAt?: Date;
}

export function decideDataDir(report: DataDirReport, input: DecideInput): DataDirDecision {
  const start = input.pointCreatedAt.getTime();
  const end = input.pointCompletedAt?.getTime() ?? start + DEFAULT_BACKUP_RUN_MS;
  const views = report.candidates.map((c) => evidenceOf(c, start - LIVE_WRITE_WINDOW_MS, end));
  const ask = (code: UnprovenCode, why: string): DataDirDecision => ({
    kind: 'ask',
    code,
    why,
    candidates: views,
  });
  if (views.length === 0) return ask('no_data_dir', `No MongoDB data dir in /${report.restoreDir}.`);
  // A write after the backup finished cannot be the backup's: the restore stamped its own time.
  const untrusted = views.some((v) => v.relation === 'after_backup');

  if (input.expectedRelPath !== undefined) {
    const index = report.candidates.findIndex((c) => c.relPath === input.expectedRelPath);
    const match = views[index];
    if (match === undefined) {
      return ask(
        'expected_missing',
        `The record says the database was at /${expectedPath(report, input.expectedRelPath)}, but no data dir is there.`,
      );
    }
    if (match.problem !== undefined) {
      return ask(
        'expected_incomplete',
        `The data dir at /${match.path}, where the record says the database was, is incomplete: ${match.problem}.`,
      );
    }
    if (views.length === 1) return { kind: 'chosen', chosen: match, rule: 'expected', candidates: views };
    if (untrusted) return ask('mtimes_untrustworthy', untrustedWhy(views));
    const rival = views.find((v) => v !== match && v.problem === undefined && closerOrEqual(v, match, start));
    if (rival !== undefined) {
      return ask(
        'closer_write',
        `/${rival.path} was written as close to the point's time as /${match.path}, where the record says the database was.`,
      );
    }
    return { kind: 'chosen', chosen: match, rule: 'expected', candidates: views };
  }

  if (untrusted) return ask('mtimes_untrustworthy', untrustedWhy(views));
  // A data dir whose name the scripts refuse has no evidence here, and may be the freshest.
  if (report.unexpected.length > 0) {
    return ask(
      'unusable_name',
      `${report.unexpected.length} data dir(s) in /${report.restoreDir} have names the bot will not handle (${report.unexpected.map((u) => u.shown).join(', ')}); nothing says they are not the database.`,
    );
  }
  const fresh = views.filter((v) => v.relation === 'in_window' && v.problem === undefined);
  if (fresh.length === 1) {
    return { kind: 'chosen', chosen: fresh[0] as CandidateEvidence, rule: 'fresh', candidates: views };
  }
  return fresh.length === 0
    ? ask(
        'none_in_window',
        "No complete data dir was written within the backup's window; nothing says which one held the database.",
      )
    : ask(
        'several_in_window',
        `${fresh.length} data dirs were written within the backup's window; nothing says which one held the database.`,
      );
}

function evidenceOf(c: DataDirCandidate, windowStart: number, windowEnd: number): CandidateEvidence {
  const newest = c.newestWiredTigerMtime?.getTime();
  const relation: WriteRelation =
    newest === undefined
      ? 'no_wiredtiger_files'
      : newest > windowEnd
        ? 'after_backup'
        : newest >= windowStart
          ? 'in_window'
          : 'older';
  const problem = dataDirProblem(c);
  return {
    path: c.path,
    depth: c.depth,
    sizeBytes: c.sizeBytes,
    fileCount: c.fileCount,
    ...(c.newestWiredTigerMtime === undefined ? {} : { newestWrite: c.newestWiredTigerMtime.toISOString() }),
    relation,
    ...(problem === undefined ? {} : { problem }),
  };
}

/** How far a write lies from the point's time; a write during the backup counts as at it. */
function distance(v: CandidateEvidence, start: number): number {
  if (v.newestWrite === undefined) return Number.POSITIVE_INFINITY;
  return Math.max(0, start - Date.parse(v.newestWrite));
}

function closerOrEqual(v: CandidateEvidence, than: CandidateEvidence, start: number): boolean {
  return v.newestWrite !== undefined && distance(v, start) <= distance(than, start);
}

function untrustedWhy(views: CandidateEvidence[]): string {
  const late = views.filter((v) => v.relation === 'after_backup').map((v) => `/${v.path}`);
  return `The newest writes of ${late.join(', ')} are later than the backup itself: the restored files do not carry their original modification times, so they cannot tell the live copy from stale ones.`;
}

function expectedPath(report: DataDirReport, rel: string): string {
  return rel === '' ? report.restoreDir : `${report.restoreDir}/${rel}`;
}
