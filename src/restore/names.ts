// Every name the bot makes up (session ids, flat directory names, change set names, idempotency
// tokens) and the strict patterns for every value that will reach a shell script or an AWS call.
// Names are derived from the session id so that a resumed run computes the same ones again and
// AWS recognises a repeated call instead of doing the work twice.

import { randomBytes } from 'node:crypto';
import { RestoreError } from './errors.js';

// Crockford's base32 in lower case: no i, l, o, u, so an id read aloud or retyped survives.
const ID_ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
const ID_RANDOM_LENGTH = 6;

/** `r<yyyymmdd>-<6 base32>`, e.g. `r20261124-7k2p9x`: safe in paths, URLs, file and AWS names. */
export const SESSION_ID = /^r\d{8}-[0-9a-hjkmnp-tv-z]{6}$/;

export const RECOVERY_POINT_ID = /^[A-Za-z0-9][A-Za-z0-9-]{7,127}$/;
export const RECOVERY_POINT_ARN =
  /^arn:aws(?:-[a-z]+)*:backup:[a-z]{2}(?:-[a-z]+)+-\d:\d{12}:recovery-point:[A-Za-z0-9][A-Za-z0-9-]{7,127}$/;
export const BACKUP_VAULT = /^[A-Za-z0-9_-]{2,50}$/;
export const FILE_SYSTEM_ID = /^fs-[0-9a-f]{8,40}$/;
export const FILE_SYSTEM_ARN =
  /^arn:aws(?:-[a-z]+)*:elasticfilesystem:[a-z]{2}(?:-[a-z]+)+-\d:\d{12}:file-system\/fs-[0-9a-f]{8,40}$/;
export const STACK_NAME = /^[A-Za-z][A-Za-z0-9-]{0,127}$/;
export const VOLUME_NAME = /^[A-Za-z0-9_-]{1,255}$/;
/** A cluster or service as the ECS API takes it: a name or its ARN. */
export const ECS_NAME_OR_ARN =
  /^(?:[A-Za-z0-9_-]{1,255}|arn:aws(?:-[a-z]+)*:ecs:[a-z]{2}(?:-[a-z]+)+-\d:\d{12}:(?:cluster|service)\/[A-Za-z0-9_/-]{1,512})$/;
export const TASK_DEFINITION_ARN =
  /^arn:aws(?:-[a-z]+)*:ecs:[a-z]{2}(?:-[a-z]+)+-\d:\d{12}:task-definition\/[A-Za-z0-9_-]{1,255}:\d{1,10}$/;
export const TASK_ARN =
  /^arn:aws(?:-[a-z]+)*:ecs:[a-z]{2}(?:-[a-z]+)+-\d:\d{12}:task\/(?:[A-Za-z0-9_-]{1,255}\/)?[A-Za-z0-9]{1,64}$/;
/** An SSM command id: 36 characters (SSM API reference, CommandId), a UUID as SSM issues them. */
export const SSM_COMMAND_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** A managed node id, SSM's own pattern (SSM API reference, GetCommandInvocation InstanceId). */
export const SSM_INSTANCE_ID = /^(?:i-(?:\w{8}|\w{17})|mi-\w{17})$/;
/** CloudFormation's own rule for change set names. */
export const CHANGE_SET_NAME = /^[A-Za-z][-A-Za-z0-9]{0,127}$/;
/** AWS Backup restore job ids are UUIDs in practice; anything of this alphabet is accepted. */
export const RESTORE_JOB_ID = /^[A-Za-z0-9-]{1,128}$/;
export const SHA256_HEX = /^[0-9a-f]{64}$/;
/** A drill's change set (drillChangeSetName): the deploy's policy lets the bot create and delete these, never execute them. */
export const DRILL_CHANGE_SET_NAME = /^chatdb-drill-r\d{8}-[0-9a-hjkmnp-tv-z]{6}$/;

// Directory names come in two strengths. STRICT: exactly what AWS Backup or this bot names a
// directory; what a session records and plans with. LOOSE: the prefix and safe characters only;
// what the SSM scripts list, move and delete on the disk, where an odd timestamp must still be
// seen (and cleaned up) rather than ignored. prelude.sh's RESTORE_RE and FLAT_RE are the loose ones.

/**
 * The directory AWS Backup creates at the volume root: `aws-backup-restore_` and the restore
 * job's UTC time with milliseconds (`2022-01-17T08-53-32-695Z`), more digits on newer restores
 * (`2026-05-14T17-27-00-417720408Z`), or none (`2022-01-17T08-53-32Z`).
 */
export const STRICT_RESTORE_DIR_NAME =
  /^aws-backup-restore_\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}(?:-(?:\d{3}|\d{6}|\d{9}))?Z$/;
/** A flat directory this bot creates: `chatdb-restore_<point time>_<session id>`. */
export const STRICT_FLAT_DIR_NAME =
  /^chatdb-restore_\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}Z_r\d{8}-[0-9a-hjkmnp-tv-z]{6}$/;
/** A drill's flat directory: `chatdb-drill_<point time>_<session id>`. */
export const STRICT_DRILL_DIR_NAME =
  /^chatdb-drill_\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}Z_r\d{8}-[0-9a-hjkmnp-tv-z]{6}$/;
/** Any top-level `aws-backup-restore_…` directory on the disk. */
export const LOOSE_RESTORE_DIR_NAME = /^aws-backup-restore_[A-Za-z0-9][A-Za-z0-9._-]{0,200}$/;
/** Any top-level `chatdb-restore_…` directory on the disk. */
export const LOOSE_FLAT_DIR_NAME = /^chatdb-restore_[A-Za-z0-9][A-Za-z0-9._-]{0,200}$/;
/** Any top-level `chatdb-drill_…` directory on the disk. */
export const LOOSE_DRILL_DIR_NAME = /^chatdb-drill_[A-Za-z0-9][A-Za-z0-9._-]{0,200}$/;
/** A path under a restore directory as the scripts print it (`aws-backup-restore_…/…`). */
export const LOOSE_RESTORE_DIR_PATH = /^aws-backup-restore_[A-Za-z0-9._/-]+$/;
/** One path component that can never be read as an option, '.', '..' or shell syntax. */
export const PATH_COMPONENT = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,254}$/;
const MAX_PATH = 1024;
const MAX_DEPTH = 32;

export function newSessionId(now: Date, random: (size: number) => Uint8Array = randomBytes): string {
  const day = now.toISOString().slice(0, 10).replaceAll('-', '');
  const bytes = random(ID_RANDOM_LENGTH);
  let suffix = '';
  for (let i = 0; i < ID_RANDOM_LENGTH; i++) {
    // 256 is a multiple of 32, so the low five bits are uniform.
    suffix += ID_ALPHABET[(bytes[i] ?? 0) & 31];
  }
  return checkSessionId(`r${day}-${suffix}`);
}

/**
 * The flat top-level directory a restore renames the data dir to, as a RootDirectory:
 * `/chatdb-restore_2026-05-14T08-00-00Z_r20261124-7k2p9x`. The point's time tells an engineer
 * looking at the volume what the data is; the session id makes it unique and traceable.
 */
export function flatDirName(pointCreatedAt: Date | string, sessionId: string): string {
  const at = typeof pointCreatedAt === 'string' ? new Date(pointCreatedAt) : pointCreatedAt;
  if (Number.isNaN(at.getTime())) {
    throw new RestoreError('invalid_value', 'The recovery point time is not a valid date.', {
      field: 'pointCreatedAt',
    });
  }
  const compact = `${at.toISOString().slice(0, 19).replaceAll(':', '-')}Z`;
  return `/chatdb-restore_${compact}_${checkSessionId(sessionId)}`;
}

/**
 * The directory a drill flattens its restored data into, as a RootDirectory:
 * `/chatdb-drill_2026-05-14T08-00-00Z_r20261124-7k2p9x`. Named apart from a restore's, so that
 * nothing can mistake it for data to cut over to, and so that any drill's leftovers are found by name.
 */
export function drillDirName(pointCreatedAt: Date | string, sessionId: string): string {
  return flatDirName(pointCreatedAt, sessionId).replace(/^\/chatdb-restore_/, '/chatdb-drill_');
}

/** A drill's change set: created, read and deleted, never executed (the deploy's policy allows no execution of it). */
export function drillChangeSetName(sessionId: string): string {
  return `chatdb-drill-${checkSessionId(sessionId)}`;
}

/**
 * The cutover's change set. `attempt` grows when a changed plan is confirmed again, since the
 * first change set may already exist with the old template.
 */
export function changeSetName(sessionId: string, attempt = 1): string {
  if (!Number.isInteger(attempt) || attempt < 1 || attempt > 999) {
    throw new RestoreError('invalid_value', 'A change set attempt is a whole number from 1 to 999.', {
      field: 'attempt',
      value: attempt,
    });
  }
  return `chatdb-restore-${checkSessionId(sessionId)}-${attempt}`;
}

/** StartRestoreJob's IdempotencyToken: one restore job per session, however often it is retried. */
export function restoreIdempotencyToken(sessionId: string): string {
  return `chatdb-restore-${checkSessionId(sessionId)}`;
}

// ---------------------------------------------------------------------------------------------
// Predicates

export function isSessionId(value: unknown): value is string {
  return typeof value === 'string' && SESSION_ID.test(value);
}

export function isDrillDirName(value: unknown): value is string {
  return typeof value === 'string' && STRICT_DRILL_DIR_NAME.test(value);
}

export function isRestoreDirName(value: unknown): value is string {
  return typeof value === 'string' && STRICT_RESTORE_DIR_NAME.test(value);
}

export function isFlatDirName(value: unknown): value is string {
  return typeof value === 'string' && STRICT_FLAT_DIR_NAME.test(value);
}

/**
 * A task definition volume's RootDirectory as the bot will accept it from a template: `/` or an
 * absolute path of plain components (no '.', '..', spaces, quotes or leading '-').
 */
export function isRootDirectory(value: unknown): value is string {
  return value === '/' || (absoluteParts(value)?.length ?? 0) > 0;
}

/**
 * Where the data dir was found, relative to the volume root: a restore directory, then any plain
 * components (`aws-backup-restore_X`, `aws-backup-restore_X/aws-backup-restore_A`, …).
 */
export function isDataDirPath(value: unknown): value is string {
  if (typeof value !== 'string' || value.length > MAX_PATH || value.startsWith('/')) return false;
  const parts = value.split('/');
  const [first, ...rest] = parts;
  return (
    parts.length <= MAX_DEPTH &&
    first !== undefined &&
    STRICT_RESTORE_DIR_NAME.test(first) &&
    rest.every((part) => PATH_COMPONENT.test(part))
  );
}

/** A directory path relative to a restore directory ('' = the restore directory itself). */
export function isRelativeDirPath(value: unknown): value is string {
  if (value === '') return true;
  if (typeof value !== 'string' || value.length > MAX_PATH || value.startsWith('/')) return false;
  const parts = value.split('/');
  return parts.length <= MAX_DEPTH && parts.every((part) => PATH_COMPONENT.test(part));
}

/**
 * A RootDirectory as the bot compares and records it. ECS documents no slash rule and the infra
 * repo writes `RootDirectory: aws-backup-restore_…` without one; both name the same directory
 * under the volume root, as does a trailing slash. Absent or empty means the root, '/'.
 */
export function normaliseRoot(root: string | undefined): string {
  const trimmed = (root ?? '').replace(/\/+$/, '');
  if (trimmed === '') return '/';
  return trimmed.startsWith('/') ? trimmed : `/${trimmed}`;
}

/** Whether two RootDirectory values name the same directory (see normaliseRoot). */
export function sameRoot(a: string | undefined, b: string | undefined): boolean {
  return normaliseRoot(a) === normaliseRoot(b);
}

function absoluteParts(value: unknown): string[] | undefined {
  if (typeof value !== 'string' || value.length > MAX_PATH || !value.startsWith('/')) return undefined;
  const parts = value.slice(1).split('/');
  if (parts.length > MAX_DEPTH || !parts.every((part) => PATH_COMPONENT.test(part))) return undefined;
  return parts;
}

// ---------------------------------------------------------------------------------------------
// A check that throws: for a session id arriving from outside (a button, a file name) on its way in.

export function checkSessionId(value: unknown): string {
  if (!isSessionId(value)) {
    throw new RestoreError('invalid_value', 'session id is not a session id like r20261124-7k2p9x.', {
      field: 'session id',
      value: shown(value),
    });
  }
  return value;
}

function shown(value: unknown): string {
  if (typeof value !== 'string') return `(a ${value === null ? 'null' : typeof value})`;
  return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
}
