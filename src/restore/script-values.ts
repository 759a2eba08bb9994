// Strict patterns for every value that reaches an SSM shell script. A value either matches one of
// these, made only of letters, digits, '.', '_', '-' and '/' (and the one '+' of AWS Backup's
// `aws-backup-lost+found`), or no script is built at all. Single quotes around it in the script are
// a second wall, not the first.

import {
  LOOSE_DRILL_DIR_NAME,
  LOOSE_FLAT_DIR_NAME,
  LOOSE_RESTORE_DIR_NAME,
  PATH_COMPONENT,
} from './names.js';

export class ScriptValueError extends Error {
  readonly code = 'invalid_script_value';
  constructor(
    /** Which argument was refused, e.g. `restoreDir`. */
    readonly field: string,
    /** What the value must look like. */
    readonly expected: string,
    value: unknown,
    /** Why a well-formed value is refused anyway (e.g. it is the live root). */
    reason?: string,
  ) {
    super(
      reason === undefined
        ? `${field} ${describe(value)} is not ${expected}; no script was built.`
        : `Refusing ${field} ${describe(value)}: ${reason}; no script was built.`,
    );
    this.name = 'ScriptValueError';
  }
}

const MOUNT_COMPONENT = /^[A-Za-z0-9._-]{1,255}$/;
/** What AWS Backup leaves at the volume root after a restore that failed part-way. */
export const FAILED_RESTORE_NAME = /^aws-backup-failed-restore_[A-Za-z0-9][A-Za-z0-9._-]{0,200}$/;
/** AWS Backup's own lost+found at the volume root (the one name here with a '+'). */
export const LOST_FOUND_NAME = /^aws-backup-lost\+found$/;
/**
 * A MongoDB (WiredTiger) data dir's own files, as mongod names them: what the database leaves at
 * the volume root after its first move away from it. Exact names, or the collection and index
 * files' `<kind>-<n>-<ident>.wt`; never a pattern that reaches anything else.
 */
export const ROOT_DB_FILE_NAME =
  /^(?:WiredTiger|WiredTiger\.lock|WiredTiger\.turtle|WiredTiger\.wt|WiredTigerHS\.wt|WiredTigerLAS\.wt|WiredTiger\.backup|_mdb_catalog\.wt|sizeStorer\.wt|storage\.bson|mongod\.lock|(?:collection|index)-[0-9]{1,20}--?[0-9]{1,20}\.wt)$/;
/** The data dir's own directories at the volume root. */
export const ROOT_DB_DIR_NAME = /^(?:journal|diagnostic\.data|_tmp)$/;
const MAX_PATH = 1024;

/** The inspection host's mount point of the chat-db file system: an absolute directory path. */
export function checkMount(value: unknown): string {
  const expected = 'an absolute path of letters, digits, ., _ and - (no . or .. components)';
  if (typeof value !== 'string' || value.length > MAX_PATH || !value.startsWith('/')) {
    throw new ScriptValueError('mount', expected, value);
  }
  const parts = value.slice(1).split('/');
  const ok = parts.every(
    (part) => MOUNT_COMPONENT.test(part) && part !== '.' && part !== '..' && !part.startsWith('-'),
  );
  if (!ok) throw new ScriptValueError('mount', expected, value);
  return value;
}

/** A top-level `aws-backup-restore_<timestamp>` directory name. */
export function checkRestoreDirName(value: unknown, field = 'restoreDir'): string {
  if (typeof value !== 'string' || !LOOSE_RESTORE_DIR_NAME.test(value)) {
    throw new ScriptValueError(field, 'an aws-backup-restore_<timestamp> directory name', value);
  }
  return value;
}

/**
 * A flat `chatdb-restore_…` directory name, or a drill's `chatdb-drill_…`; a leading '/' (as in a
 * RootDirectory) is dropped.
 */
export function checkFlatDirName(value: unknown, field = 'toName'): string {
  const name = typeof value === 'string' && value.startsWith('/') ? value.slice(1) : value;
  if (typeof name !== 'string' || !(LOOSE_FLAT_DIR_NAME.test(name) || LOOSE_DRILL_DIR_NAME.test(name))) {
    throw new ScriptValueError(field, 'a chatdb-restore_<…> or chatdb-drill_<…> directory name', value);
  }
  return name;
}

/** What a name at the volume root is, for cleanup: a directory of ours or AWS's, or a database file. */
export type DeletableKind = 'dir' | 'db_file' | 'db_dir';

export function deletableKind(value: unknown): DeletableKind | undefined {
  if (typeof value !== 'string') return undefined;
  if (
    [
      LOOSE_RESTORE_DIR_NAME,
      LOOSE_FLAT_DIR_NAME,
      LOOSE_DRILL_DIR_NAME,
      FAILED_RESTORE_NAME,
      LOST_FOUND_NAME,
    ].some((re) => re.test(value))
  ) {
    return 'dir';
  }
  if (ROOT_DB_FILE_NAME.test(value)) return 'db_file';
  if (ROOT_DB_DIR_NAME.test(value)) return 'db_dir';
  return undefined;
}

/**
 * A name at the volume root the bot may delete: a restore, retired flat, drill, failed-restore or
 * lost+found directory, or one of a MongoDB data dir's own files and directories.
 */
export function checkDeletableName(value: unknown, field = 'name'): string {
  if (deletableKind(value) !== undefined) return value as string;
  throw new ScriptValueError(
    field,
    'an aws-backup-restore_…, chatdb-restore_…, chatdb-drill_…, aws-backup-failed-restore_… or aws-backup-lost+found directory name, or a MongoDB data file name',
    value,
  );
}

/**
 * A path relative to the volume root or to a restore directory, as `a/b/c`; a leading '/' is
 * dropped. '' stands for the directory itself when `allowEmpty`, and so do '/' and '.'.
 */
export function checkRelPath(value: unknown, field: string, { allowEmpty = false } = {}): string {
  const expected = allowEmpty
    ? "'' or a relative path of letters, digits, ., _ and - components"
    : 'a relative path of letters, digits, ., _ and - components';
  if (typeof value !== 'string' || value.length > MAX_PATH)
    throw new ScriptValueError(field, expected, value);
  const trimmed = value.startsWith('/') ? value.slice(1) : value;
  if (trimmed === '' || trimmed === '.') {
    if (allowEmpty) return '';
    throw new ScriptValueError(field, expected, value);
  }
  if (!trimmed.split('/').every((part) => PATH_COMPONENT.test(part)))
    throw new ScriptValueError(field, expected, value);
  return trimmed;
}

/**
 * The chat-db volume's live RootDirectory ('/' or an absolute path), returned relative to the
 * volume root: '' when the database lives at the root itself.
 */
export function checkLiveRoot(value: unknown): string {
  if (typeof value !== 'string' || !value.startsWith('/')) {
    throw new ScriptValueError('liveRoot', "'/' or an absolute path", value);
  }
  return checkRelPath(value, 'liveRoot', { allowEmpty: true });
}

/** Single-quotes a value that a check above accepted. */
export function shellQuote(value: string): string {
  // Every pattern above excludes quotes, so this never fires for a checked value; it keeps a
  // future unchecked caller from producing a script at all.
  if (!/^[A-Za-z0-9._/-]*$/.test(value)) throw new ScriptValueError('value', 'a checked value', value);
  return `'${value}'`;
}

/** True when `path` is `base` or lies inside it (both relative, '' being the volume root). */
export function isWithin(path: string, base: string): boolean {
  return base === '' || path === base || path.startsWith(`${base}/`);
}

function describe(value: unknown): string {
  if (typeof value !== 'string') return `(a ${value === null ? 'null' : typeof value})`;
  const shown = JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
  return shown;
}
