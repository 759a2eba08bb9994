// The shell scripts the bot runs on the inspection host through SSM (AWS-RunShellScript: bash,
// as root, GNU coreutils and findutils), and the parsers that turn their output into data.
//
// Every value is checked against a strict pattern (script-values.ts) before a script is built and
// appears once, single-quoted, in a `readonly` assignment at the top; the script bodies are
// fixed files (./scripts/*.sh) with nothing interpolated into them. Names read from the disk are re-checked inside the script and, when they fail, only
// ever printed through `printf %q`. Machine output is one record a line, `CHATDB\t<key>\t<fields>`,
// framed by `begin` and `end`; failures print `CHATDB_ERROR\t<code>\t<message>` and exit non-zero.
// Any other output (a login banner, a tool's chatter) is ignored.

import { readFileSync } from 'node:fs';
import {
  LOOSE_DRILL_DIR_NAME,
  LOOSE_FLAT_DIR_NAME,
  LOOSE_RESTORE_DIR_NAME,
  LOOSE_RESTORE_DIR_PATH,
} from './names.js';
import {
  checkDeletableName,
  checkFlatDirName,
  checkLiveRoot,
  checkMount,
  checkRelPath,
  checkRestoreDirName,
  deletableKind,
  FAILED_RESTORE_NAME,
  isWithin,
  LOST_FOUND_NAME,
  ROOT_DB_DIR_NAME,
  ROOT_DB_FILE_NAME,
  ScriptValueError,
  shellQuote,
} from './script-values.js';

const SCRIPT_NAMES = [
  'list-restore-dirs',
  'locate-data-dir',
  'flatten',
  'cleanup-candidates',
  'delete-dirs',
  'verify-data-dir',
] as const;

export type ScriptName = (typeof SCRIPT_NAMES)[number];

/** Codes the scripts report themselves. */
const REPORTED_CODES = [
  'mount_missing',
  'mount_unreadable',
  'restore_dir_missing',
  'not_a_directory',
  'symlink_in_path',
  'source_missing',
  'not_a_data_dir',
  'target_exists',
  'touches_live_root',
  'delete_incomplete',
  'data_dir_missing',
  'incomplete_data_dir',
  'script_failed',
] as const;

export type ScriptErrorCode =
  | (typeof REPORTED_CODES)[number]
  /** The output stopped before its end marker: killed, timed out, or cut by SSM's 24 000 characters. */
  | 'incomplete_output'
  | 'malformed_output'
  | 'wrong_script'
  | 'no_new_restore_dir'
  | 'several_new_restore_dirs';

export class ScriptError extends Error {
  constructor(
    readonly code: ScriptErrorCode,
    message: string,
    readonly details: {
      script?: ScriptName;
      /** The code as the script printed it, when it is not one this build knows. */
      reportedCode?: string;
      /** Paths (relative to the volume root) of the data dirs or restore dirs involved. */
      paths?: readonly string[];
    } = {},
  ) {
    super(message);
    this.name = 'ScriptError';
  }
}

export { ScriptValueError };

export interface BuiltScript {
  script: string;
}

export interface ScriptWarning {
  code: string;
  message: string;
}

const PROTOCOL = '1';

// The script texts live in ./scripts/: prelude.sh (settings and helpers), enter-mount.sh, and one
// body per script, named after it. shellcheck checks them in `npm test`. They are read once, when
// this module loads, so a build that lost one fails at start rather than in the middle of a restore.
const SCRIPTS_DIR = new URL('./scripts/', import.meta.url);

function readScript(file: string): string {
  const text = readFileSync(new URL(`${file}.sh`, SCRIPTS_DIR), 'utf8');
  return text.endsWith('\n') ? text.slice(0, -1) : text;
}

const PRELUDE = readScript('prelude');
const ENTER_MOUNT = readScript('enter-mount');
const BODIES = Object.fromEntries(SCRIPT_NAMES.map((name) => [name, readScript(name)])) as Record<
  ScriptName,
  string
>;

// ---------------------------------------------------------------------------------------------
// Builders

/** The top-level `aws-backup-restore_*` directories, with their mtimes. */
export function listRestoreDirs(mount: string): BuiltScript {
  return build('list-restore-dirs', checkMount(mount), {});
}

/** Every MongoDB data dir candidate inside `<mount>/<restoreDir>`, at any depth. */
export function locateDataDir(mount: string, restoreDir: string): BuiltScript {
  return build('locate-data-dir', checkMount(mount), { RESTORE: checkRestoreDirName(restoreDir) });
}

/**
 * Renames the data dir at `fromRelPath` (relative to the volume root, inside a top-level restore
 * dir) to the top-level `toName`, moves any stale chains it carried back into the restore dir,
 * and removes the restore dir's empty shells. Safe to run again after a crash.
 */
export function flatten(mount: string, fromRelPath: string, toName: string, liveRoot: string): BuiltScript {
  const checkedMount = checkMount(mount);
  const from = checkRelPath(fromRelPath, 'fromRelPath');
  const restore = checkRestoreDirName(from.split('/')[0], 'fromRelPath');
  const to = checkFlatDirName(toName);
  const live = checkLiveRoot(liveRoot);
  // The database at the volume root ('') shares no name with restore or flat directories.
  if (live !== '') {
    if (isWithin(from, live) || isWithin(live, restore)) {
      throw new ScriptValueError(
        'fromRelPath',
        '',
        fromRelPath,
        `${restore} holds the live root ${liveRoot}`,
      );
    }
    if (isWithin(live, to))
      throw new ScriptValueError('toName', '', toName, `it is the live root ${liveRoot}`);
  }
  return build('flatten', checkedMount, { FROM: from, RESTORE: restore, TO: to, LIVE: live });
}

/**
 * Top-level restore, retired flat, failed-restore and lost+found directories with sizes (the one
 * holding the live root is marked), and the database files at the volume root when the volume root
 * holds a data dir.
 */
export function cleanupCandidates(mount: string, liveRoot: string): BuiltScript {
  const live = checkLiveRoot(liveRoot);
  return build('cleanup-candidates', checkMount(mount), { LIVE_TOP: live.split('/')[0] ?? '' });
}

/**
 * `rm -rf` of exact names at the volume root (cleanup's directories, or the database files left
 * there); never the directory holding the live root, never database files while the live root is
 * the volume root, nor any name in `protect` (e.g. a root retired less than a day ago).
 */
export function deleteDirs(
  mount: string,
  names: readonly string[],
  liveRoot: string,
  opts: { protect?: readonly string[] } = {},
): BuiltScript {
  const checkedMount = checkMount(mount);
  const liveTop = checkLiveRoot(liveRoot).split('/')[0] ?? '';
  if (!Array.isArray(names) || names.length === 0 || names.length > 100) {
    throw new ScriptValueError('names', 'a list of 1 to 100 directory names', names);
  }
  const protect = new Set((opts.protect ?? []).map((name, i) => checkDeletableName(name, `protect[${i}]`)));
  const checked = names.map((name, i) => checkDeletableName(name, `names[${i}]`));
  checked.forEach((name, i) => {
    if (name === liveTop) {
      throw new ScriptValueError(`names[${i}]`, '', name, `it holds the live root ${liveRoot}`);
    }
    if (liveTop === '' && deletableKind(name) !== 'dir') {
      throw new ScriptValueError(`names[${i}]`, '', name, 'the live database is at the volume root');
    }
    if (protect.has(name)) throw new ScriptValueError(`names[${i}]`, '', name, 'it is protected');
    if (checked.indexOf(name) !== i)
      throw new ScriptValueError(`names[${i}]`, '', name, 'it is listed twice');
  });
  const calls = checked.map((name) => `delete_one ${shellQuote(name)}`).join('\n');
  const precheck = checked
    .map((name) => `precheck ${PRECHECK_KIND[deletableKind(name) ?? 'dir']} ${shellQuote(name)}`)
    .join('\n');
  return build('delete-dirs', checkedMount, { LIVE_TOP: liveTop }, `${precheck}\n${calls}\nemit end`);
}

/** Confirms that `relPath` ('' or '/' for the volume root) holds a complete MongoDB data dir. */
export function verifyDataDir(mount: string, relPath: string): BuiltScript {
  const rel = checkRelPath(relPath, 'relPath', { allowEmpty: true });
  return build('verify-data-dir', checkMount(mount), { REL: rel });
}

/** How delete-dirs checks a name first: `d` a directory of cleanup's, `b` a database directory, `f` a database file. */
const PRECHECK_KIND = { dir: 'd', db_dir: 'b', db_file: 'f' } as const;

/** `calls`: lines run after the script's own body (delete-dirs' one call per name). */
function build(name: ScriptName, mount: string, values: Record<string, string>, calls?: string): BuiltScript {
  const assignments = Object.entries(values).map(([key, value]) => `readonly ${key}=${shellQuote(value)}`);
  const script = [
    '#!/bin/bash',
    `# chatdb-restore ${name}: every value below was checked against a strict pattern.`,
    PRELUDE,
    `readonly MOUNT=${shellQuote(mount)}`,
    ...assignments,
    `emit begin ${name} ${PROTOCOL}`,
    ENTER_MOUNT,
    BODIES[name],
    ...(calls === undefined ? [] : [calls]),
    '',
  ].join('\n');
  return { script };
}

// ---------------------------------------------------------------------------------------------
// Output protocol

interface Line {
  key: string;
  fields: string[];
}

function readOutput(script: ScriptName, stdout: string): { records: Line[]; warnings: ScriptWarning[] } {
  const lines = String(stdout)
    .split('\n')
    .map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line));
  const error = lines.find((line) => line.startsWith('CHATDB_ERROR\t'));
  if (error !== undefined) {
    const [, reported = '', ...message] = error.split('\t');
    const known = (REPORTED_CODES as readonly string[]).includes(reported);
    throw new ScriptError(
      known ? (reported as ScriptErrorCode) : 'script_failed',
      message.join(' ') || `the ${script} script failed (${reported})`,
      known ? { script } : { script, reportedCode: reported },
    );
  }
  const records: Line[] = lines
    .filter((line) => line.startsWith('CHATDB\t'))
    .map((line) => {
      const [, key = '', ...fields] = line.split('\t');
      return { key, fields };
    });
  const begin = records[0];
  if (begin === undefined) {
    throw new ScriptError('incomplete_output', `The ${script} script printed nothing the bot can read.`, {
      script,
    });
  }
  if (begin.key !== 'begin' || begin.fields[0] !== script || begin.fields[1] !== PROTOCOL) {
    throw new ScriptError(
      'wrong_script',
      `Expected output of ${script} (protocol ${PROTOCOL}), got ${[begin.key, ...begin.fields].join(' ').slice(0, 120)}.`,
      { script },
    );
  }
  const end = records.findIndex((record) => record.key === 'end');
  if (end === -1) {
    throw new ScriptError(
      'incomplete_output',
      `The ${script} script's output stops before its end marker: it was killed, timed out or cut short.`,
      { script },
    );
  }
  if (end !== records.length - 1) {
    throw new ScriptError('malformed_output', `The ${script} script printed records after its end marker.`, {
      script,
    });
  }
  const body = records.slice(1, end);
  const warnings = body
    .filter((record) => record.key === 'warning')
    .map((record) => ({ code: record.fields[0] ?? '', message: record.fields.slice(1).join(' ') }));
  return { records: body.filter((record) => record.key !== 'warning'), warnings };
}

function malformed(script: ScriptName, record: Line, why: string): ScriptError {
  const shown = [record.key, ...record.fields].join(' ').slice(0, 200);
  return new ScriptError('malformed_output', `Unexpected ${script} output (${why}): ${shown}`, { script });
}

function fieldsOf(script: ScriptName, record: Line, count: number): string[] {
  if (record.fields.length !== count) throw malformed(script, record, `expected ${count} fields`);
  return record.fields;
}

function epoch(script: ScriptName, record: Line, value: string): Date {
  if (!/^\d{1,12}(\.\d+)?$/.test(value)) throw malformed(script, record, 'bad time');
  return new Date(Math.round(Number(value) * 1000));
}

function count(script: ScriptName, record: Line, value: string): number {
  if (!/^\d{1,18}$/.test(value)) throw malformed(script, record, 'bad number');
  return Number(value);
}

function flag(script: ScriptName, record: Line, value: string): boolean {
  if (value !== '0' && value !== '1') throw malformed(script, record, 'bad flag');
  return value === '1';
}

function name(script: ScriptName, record: Line, value: string, pattern: RegExp): string {
  if (!pattern.test(value)) throw malformed(script, record, 'bad name');
  return value;
}

function unknown(script: ScriptName, record: Line): never {
  throw malformed(script, record, `unknown record ${record.key}`);
}

interface DirStats {
  fileCount: number;
  sizeBytes: number;
  /** Files named *.wt or WiredTiger*. */
  wiredTigerFileCount: number;
  /** The newest mtime among those; undefined when there are none. */
  newestWiredTigerMtime?: Date;
}

function stats(script: ScriptName, record: Line, fields: string[]): DirStats {
  const [files = '', bytes = '', wtFiles = '', newest = ''] = fields;
  const wiredTigerFileCount = count(script, record, wtFiles);
  const mtime = epoch(script, record, newest);
  return {
    fileCount: count(script, record, files),
    sizeBytes: count(script, record, bytes),
    wiredTigerFileCount,
    ...(wiredTigerFileCount > 0 ? { newestWiredTigerMtime: mtime } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// Parsers

export interface RestoreDirListing {
  dirs: { name: string; mtime: Date }[];
  /** Entries that look like restore dirs but are not usable: odd names (%q-quoted), symlinks, files. */
  unexpected: string[];
  warnings: ScriptWarning[];
}

export function parseListRestoreDirs(stdout: string): RestoreDirListing {
  const script = 'list-restore-dirs';
  const { records, warnings } = readOutput(script, stdout);
  const listing: RestoreDirListing = { dirs: [], unexpected: [], warnings };
  for (const record of records) {
    if (record.key === 'dir') {
      const [dir = '', mtime = ''] = fieldsOf(script, record, 2);
      listing.dirs.push({
        name: name(script, record, dir, LOOSE_RESTORE_DIR_NAME),
        mtime: epoch(script, record, mtime),
      });
    } else if (record.key === 'unexpected') {
      const [why = '', shown = ''] = fieldsOf(script, record, 2);
      listing.unexpected.push(`${shown} (${why})`);
    } else {
      unknown(script, record);
    }
  }
  listing.dirs.sort((a, b) => a.name.localeCompare(b.name));
  return listing;
}

/** The one restore dir that appeared between two listings; anything else fails loudly. */
export function pickNewRestoreDir(before: readonly string[], after: readonly string[]): string {
  const known = new Set(before);
  const fresh = after.filter((dir) => !known.has(dir));
  if (fresh.length === 0) {
    throw new ScriptError(
      'no_new_restore_dir',
      `The restore job finished but no new aws-backup-restore_* directory appeared (${after.length} present, all there before).`,
    );
  }
  if (fresh.length > 1) {
    throw new ScriptError(
      'several_new_restore_dirs',
      `${fresh.length} new aws-backup-restore_* directories appeared (${fresh.join(', ')}); another restore may be running. Refusing to guess.`,
      { paths: fresh },
    );
  }
  return fresh[0] as string;
}

export interface DataDirCandidate extends DirStats {
  /** Relative to the restore dir; '' for the restore dir itself. */
  relPath: string;
  /** Relative to the volume root: what flatten takes as `fromRelPath`. */
  path: string;
  /** 0 for the restore dir itself. */
  depth: number;
  hasWiredTiger: boolean;
  hasStorageBson: boolean;
  hasWiredTigerWt: boolean;
  wiredTigerWtBytes: number;
  hasJournal: boolean;
}

export interface DataDirReport {
  restoreDir: string;
  /** Entries directly inside the restore dir. */
  entries: number;
  candidates: DataDirCandidate[];
  /** Data-dir-like directories whose paths fail our patterns, %q-quoted, with their depth. */
  unexpected: { shown: string; depth: number }[];
  warnings: ScriptWarning[];
}

export function parseLocateDataDir(stdout: string): DataDirReport {
  const script = 'locate-data-dir';
  const { records, warnings } = readOutput(script, stdout);
  const head = records[0];
  if (head?.key !== 'restore_dir') {
    throw new ScriptError('malformed_output', 'The locate-data-dir output does not name its restore dir.', {
      script,
    });
  }
  const [restoreDir = '', entries = ''] = fieldsOf(script, head, 2);
  const report: DataDirReport = {
    restoreDir: name(script, head, restoreDir, LOOSE_RESTORE_DIR_NAME),
    entries: count(script, head, entries),
    candidates: [],
    unexpected: [],
    warnings,
  };
  for (const record of records.slice(1)) {
    if (record.key === 'candidate') {
      const [rel = '', depth = '', wt = '', bson = '', wtwt = '', wtwtBytes = '', journal = '', ...rest] =
        fieldsOf(script, record, 11);
      const relPath = rel === '.' ? '' : name(script, record, rel, /^[A-Za-z0-9_][A-Za-z0-9._/-]*$/);
      report.candidates.push({
        relPath,
        path: relPath === '' ? report.restoreDir : `${report.restoreDir}/${relPath}`,
        depth: count(script, record, depth),
        hasWiredTiger: flag(script, record, wt),
        hasStorageBson: flag(script, record, bson),
        hasWiredTigerWt: flag(script, record, wtwt),
        wiredTigerWtBytes: count(script, record, wtwtBytes),
        hasJournal: flag(script, record, journal),
        ...stats(script, record, rest),
      });
    } else if (record.key === 'unexpected_candidate') {
      const [depth = '', shown = ''] = fieldsOf(script, record, 2);
      report.unexpected.push({ shown, depth: count(script, record, depth) });
    } else {
      unknown(script, record);
    }
  }
  return report;
}

/** Why a candidate cannot be the database, or undefined when it looks complete. */
export function dataDirProblem(candidate: DataDirCandidate): string | undefined {
  const missing = [
    candidate.hasWiredTiger ? undefined : 'WiredTiger',
    candidate.hasStorageBson ? undefined : 'storage.bson',
    candidate.hasWiredTigerWt ? undefined : 'WiredTiger.wt',
  ].filter((file) => file !== undefined);
  if (missing.length > 0) return `it lacks ${missing.join(', ')}`;
  if (candidate.wiredTigerWtBytes === 0) return 'its WiredTiger.wt is empty';
  return undefined;
}

export interface FlattenResult {
  from: string;
  to: string;
  /** The target was already in place and the source gone: a resumed run. */
  already: boolean;
  /** Stale chains moved from the data dir back into the restore dir (paths relative to the volume root). */
  movedAside: string[];
  /** Chains left inside the data dir, with the reason (`exists`, `not_a_directory`, `odd_name`). */
  asideSkipped: string[];
  /** Empty directories removed from the restore dir. */
  shellsRemoved: number;
  /** Non-empty entries left in the restore dir (relative to the volume root), for cleanup. */
  leftovers: string[];
  target: DirStats;
  warnings: ScriptWarning[];
}

export function parseFlatten(stdout: string): FlattenResult {
  const script = 'flatten';
  const { records, warnings } = readOutput(script, stdout);
  let moved: { from: string; to: string; already: boolean } | undefined;
  let target: DirStats | undefined;
  let shellsRemoved: number | undefined;
  const movedAside: string[] = [];
  const asideSkipped: string[] = [];
  const leftovers: string[] = [];
  for (const record of records) {
    switch (record.key) {
      case 'moved': {
        const [from = '', to = '', already = ''] = fieldsOf(script, record, 3);
        moved = {
          from: name(script, record, from, LOOSE_RESTORE_DIR_PATH),
          to: name(
            script,
            record,
            to,
            LOOSE_DRILL_DIR_NAME.test(to) ? LOOSE_DRILL_DIR_NAME : LOOSE_FLAT_DIR_NAME,
          ),
          already: flag(script, record, already),
        };
        break;
      }
      case 'moved_aside':
        movedAside.push(name(script, record, fieldsOf(script, record, 1)[0] ?? '', LOOSE_RESTORE_DIR_PATH));
        break;
      case 'aside_skipped': {
        const [why = '', shown = ''] = fieldsOf(script, record, 2);
        asideSkipped.push(`${shown} (${why})`);
        break;
      }
      case 'shells_removed':
        shellsRemoved = count(script, record, fieldsOf(script, record, 1)[0] ?? '');
        break;
      case 'leftover':
        leftovers.push(name(script, record, fieldsOf(script, record, 1)[0] ?? '', LOOSE_RESTORE_DIR_PATH));
        break;
      case 'leftover_odd': {
        const [restore = '', shown = ''] = fieldsOf(script, record, 2);
        leftovers.push(`${restore}/${shown}`);
        break;
      }
      case 'target': {
        const [, ...rest] = fieldsOf(script, record, 5);
        target = stats(script, record, rest);
        break;
      }
      default:
        unknown(script, record);
    }
  }
  if (moved === undefined || target === undefined || shellsRemoved === undefined) {
    throw new ScriptError(
      'malformed_output',
      'The flatten output lacks its moved, shells_removed or target record.',
      {
        script,
      },
    );
  }
  return { ...moved, movedAside, asideSkipped, shellsRemoved, leftovers, target, warnings };
}

/**
 * `restore`: aws-backup-restore_*; `retired`: a flat chatdb-restore_*; `drill`: a drill's
 * chatdb-drill_*; the rest AWS Backup's leftovers.
 */
export type CleanupDirKind = 'restore' | 'retired' | 'drill' | 'failed_restore' | 'lost_found';

const CLEANUP_DIR_NAMES: Readonly<Record<CleanupDirKind, RegExp>> = {
  restore: LOOSE_RESTORE_DIR_NAME,
  retired: LOOSE_FLAT_DIR_NAME,
  drill: LOOSE_DRILL_DIR_NAME,
  failed_restore: FAILED_RESTORE_NAME,
  lost_found: LOST_FOUND_NAME,
};

export interface CleanupCandidate {
  name: string;
  kind: CleanupDirKind;
  mtime: Date;
  sizeBytes: number;
  /** It is, or contains, the live root: never deletable. */
  holdsLiveRoot: boolean;
}

/** A database file (or its journal, diagnostic.data, _tmp directory) at the volume root. */
export interface RootDbFile {
  name: string;
  type: 'f' | 'd';
  sizeBytes: number;
}

export interface CleanupListing {
  dirs: CleanupCandidate[];
  /** Only when the volume root holds a data dir (WiredTiger and storage.bson). */
  rootDbFiles: RootDbFile[];
  unexpected: string[];
  warnings: ScriptWarning[];
}

export function parseCleanupCandidates(stdout: string): CleanupListing {
  const script = 'cleanup-candidates';
  const { records, warnings } = readOutput(script, stdout);
  const listing: CleanupListing = { dirs: [], rootDbFiles: [], unexpected: [], warnings };
  for (const record of records) {
    if (record.key === 'dir') {
      const [kind = '', dir = '', mtime = '', bytes = '', live = ''] = fieldsOf(script, record, 5);
      if (!(kind in CLEANUP_DIR_NAMES)) throw malformed(script, record, 'bad kind');
      listing.dirs.push({
        name: name(script, record, dir, CLEANUP_DIR_NAMES[kind as CleanupDirKind]),
        kind: kind as CleanupDirKind,
        mtime: epoch(script, record, mtime),
        sizeBytes: count(script, record, bytes),
        holdsLiveRoot: flag(script, record, live),
      });
    } else if (record.key === 'dbfile') {
      const [type = '', file = '', bytes = ''] = fieldsOf(script, record, 3);
      if (type !== 'f' && type !== 'd') throw malformed(script, record, 'bad type');
      listing.rootDbFiles.push({
        name: name(script, record, file, type === 'f' ? ROOT_DB_FILE_NAME : ROOT_DB_DIR_NAME),
        type,
        sizeBytes: count(script, record, bytes),
      });
    } else if (record.key === 'unexpected') {
      const [why = '', shown = ''] = fieldsOf(script, record, 2);
      listing.unexpected.push(`${shown} (${why})`);
    } else {
      unknown(script, record);
    }
  }
  listing.rootDbFiles.sort((a, b) => a.name.localeCompare(b.name));
  listing.dirs.sort((a, b) => a.mtime.getTime() - b.mtime.getTime() || a.name.localeCompare(b.name));
  return listing;
}

export interface DeleteResult {
  deleted: string[];
  /** Already gone before the script ran (e.g. a resumed cleanup). */
  absent: string[];
  warnings: ScriptWarning[];
}

export function parseDeleteDirs(stdout: string): DeleteResult {
  const script = 'delete-dirs';
  const { records, warnings } = readOutput(script, stdout);
  const result: DeleteResult = { deleted: [], absent: [], warnings };
  const deletable = (value: string, record: Line) =>
    deletableKind(value) === undefined ? unknown(script, record) : value;
  for (const record of records) {
    const [dir = ''] = fieldsOf(script, record, 1);
    if (record.key === 'deleted') result.deleted.push(deletable(dir, record));
    else if (record.key === 'absent') result.absent.push(deletable(dir, record));
    else unknown(script, record);
  }
  return result;
}

export interface VerifiedDataDir extends DirStats {
  /** As an absolute path inside the volume, e.g. `/chatdb-restore_…` or `/`. */
  path: string;
  warnings: ScriptWarning[];
}

export function parseVerifyDataDir(stdout: string): VerifiedDataDir {
  const script = 'verify-data-dir';
  const { records, warnings } = readOutput(script, stdout);
  const record = records[0];
  if (records.length !== 1 || record?.key !== 'data_dir') {
    throw new ScriptError('malformed_output', 'The verify-data-dir output lacks its data_dir record.', {
      script,
    });
  }
  const [path = '', ...rest] = fieldsOf(script, record, 5);
  return {
    path: name(script, record, path, /^\/[A-Za-z0-9._/-]*$/),
    ...stats(script, record, rest),
    warnings,
  };
}
