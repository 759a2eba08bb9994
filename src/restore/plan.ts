// What a session will do, as the confirming engineer sees it, and the hash that binds their
// confirmation to exactly that. A plan is built once the stage "resolve" has read the stack; the
// cutover checks the stack against it again and, if anything moved, asks for a new confirmation.

import { createHash } from 'node:crypto';
import type { RecoveryPoint } from '../aws/ports.js';
import {
  BACKUP_VAULT,
  DRILL_CHANGE_SET_NAME,
  drillDirName,
  ECS_NAME_OR_ARN,
  FILE_SYSTEM_ARN,
  FILE_SYSTEM_ID,
  flatDirName,
  isDrillDirName,
  isFlatDirName,
  isRelativeDirPath,
  isRestoreDirName,
  isRootDirectory,
  isSessionId,
  LOOSE_RESTORE_DIR_NAME,
  RECOVERY_POINT_ARN,
  RECOVERY_POINT_ID,
  RESTORE_JOB_ID,
  SHA256_HEX,
  STACK_NAME,
  TASK_DEFINITION_ARN,
  VOLUME_NAME,
} from './names.js';
import { deletableKind } from './script-values.js';

export type SessionKind = 'restore' | 'rollback' | 'cleanup' | 'drill';

/** What the stage "resolve" reads from the stack, common to every kind of plan. */
export interface PlanTarget {
  stackName: string;
  fileSystemId: string;
  fileSystemArn: string;
  cluster: string;
  service: string;
  taskDefinitionArn: string;
  volumeName: string;
  /** sha256 of the stack's template body as resolve read it: a template change voids the plan. */
  templateSha256: string;
  /** The chat-db volume's RootDirectory now ('/' when the template sets none). */
  currentRoot: string;
}

export interface PlanPoint {
  arn: string;
  id: string;
  vault: string;
  /** ISO time the recovery point was taken. */
  createdAt: string;
  /** ISO time its backup job finished: the live database's newest write lies before it. */
  completedAt?: string;
  sizeBytes?: number;
}

/** A recovery point as AWS Backup lists it, as the plan records it. */
export function planPoint(point: RecoveryPoint): PlanPoint {
  return {
    arn: point.arn,
    id: point.id,
    vault: point.vault,
    createdAt: point.createdAt.toISOString(),
    ...(point.completedAt === undefined ? {} : { completedAt: point.completedAt.toISOString() }),
    ...(point.sizeBytes === undefined ? {} : { sizeBytes: point.sizeBytes }),
  };
}

/**
 * `item`: restore only the directory that held the database when the point was taken (proven by
 * the task definition family's revisions and the sessions' own cutovers); `full`: the whole volume.
 */
export type RestoreMode = { kind: 'item'; path: string } | { kind: 'full' };

/** Something the confirming engineer should know; display-only, not bound by the hash. */
export type PlanWarning = {
  /** The stack has no service role: CloudFormation would update it with the bot's own role. */
  code: 'no_service_role';
  /** What that role would then need beyond the deploy's policy. */
  actions: string[];
};

interface PlanCommon extends PlanTarget {
  requester: string;
  warnings?: PlanWarning[];
  /** A display estimate; not bound by the hash. */
  expectedDurationMinutes: number;
}

export interface RestorePlan extends PlanCommon {
  kind: 'restore';
  recoveryPoint: PlanPoint;
  restoreMode: RestoreMode;
  /**
   * Where the data dir should be inside the new restore directory ('' = the directory itself);
   * undefined when unknown and the locate stage must choose.
   */
  expectedRelPath?: string;
  /** The flat directory the restore will create and cut over to (flatDirName). */
  targetRoot: string;
  /**
   * Where the database lived when the point was taken and how that is known (display; the
   * decision it led to, restoreMode and expectedRelPath, is what the hash binds).
   */
  rootEvidence?: { root?: string; basis: string; candidates: string[] };
  /**
   * A retried cut-over: the failed session whose restored and flattened directory (its
   * targetRoot) this plan cuts over to; the restore, locate and flatten stages do not run again.
   */
  reuses?: { sessionId: string };
  /** This point's data is already live: the session that restored it (a warning, not binding). */
  liveFrom?: string;
  /** How expectedDurationMinutes was drawn from this volume's past restores (absent: a default). */
  estimate?: { jobMinutes: number; afterJobMinutes: number; samples: number };
  /** The newest finished drill of this volume, for the confirming engineer (display only). */
  lastDrill?: LastDrill;
}

/** A finished drill as a plan card shows it (estimate.ts's lastDrill). */
export interface LastDrill {
  sessionId: string;
  /** When it ended. */
  at: string;
  pointCreatedAt: string;
  /** Its check stage passed: MongoDB opened the restored copy. */
  restorable: boolean;
  /** Restore, locate, flatten and check as measured, plus the cutover estimate (minutes). */
  projectedMinutes?: number;
}

/**
 * A rehearsal of a restore on production's own volume: the same point, restore mode and data dir
 * evidence as a restore plan, flattened into a drill's own directory (`targetRoot`,
 * `/chatdb-drill_…`) that nothing is ever cut over to. Nobody confirms it: production does not change.
 */
export interface DrillPlan extends PlanCommon {
  kind: 'drill';
  recoveryPoint: PlanPoint;
  restoreMode: RestoreMode;
  expectedRelPath?: string;
  /** The drill's directory (drillDirName); the rehearsed change set names it, none executes it. */
  targetRoot: string;
  rootEvidence?: RestorePlan['rootEvidence'];
  /** What earlier drills that ended early left behind, for this drill's teardown to sweep. */
  sweep?: DrillLeftovers[];
  /** The cutover and verify a real restore adds, as this volume's restores measured them (display only). */
  cutoverEstimateMs?: number;
}

/** What an ended drill left on the volume and the stack, each by its exact name. */
export interface DrillLeftovers {
  sessionId: string;
  /** Names at the volume root: its `chatdb-drill_…` and `aws-backup-restore_…` directories. */
  dirs: string[];
  /** Its change set, when it may still exist. */
  changeSetName?: string;
  /**
   * Its restore job, when the drill ended before it located the job's directory: the directory is
   * found by elimination (listing now, minus the listing before the job, minus every restore dir a
   * session claims, minus the live root), and only when exactly one remains and the job COMPLETED.
   */
  unlocatedJob?: { restoreJobId: string; before: string[]; claimed: string[] };
}

export interface RollbackPlan extends PlanCommon {
  kind: 'rollback';
  /** The root the stack will go back to: the previous root of the session `rollbackOf`. */
  targetRoot: string;
  /** The session whose cutover this undoes. */
  rollbackOf: string;
}

export interface CleanupPlan extends PlanCommon {
  kind: 'cleanup';
  /**
   * What is chosen for deletion, each by its exact name at the volume root: directories
   * (`/aws-backup-restore_…`, `/chatdb-restore_…`, AWS Backup's leftovers) and database files.
   */
  paths: string[];
}

export type Plan = RestorePlan | RollbackPlan | CleanupPlan | DrillPlan;

// ---------------------------------------------------------------------------------------------
// Building

/** What a restore's and a drill's plans are both built from: a point restored into a directory. */
interface PointPlanInput {
  sessionId: string;
  target: PlanTarget;
  requester: string;
  point: PlanPoint;
  restoreMode: RestoreMode;
  expectedRelPath?: string;
  expectedDurationMinutes: number;
  rootEvidence?: RestorePlan['rootEvidence'];
}

/** The fields a restore plan and a drill plan share, restoring `input.point` into `targetRoot`. */
function pointPlanFields(input: PointPlanInput, targetRoot: string) {
  return {
    ...pickTarget(input.target),
    requester: input.requester,
    recoveryPoint: { ...input.point },
    restoreMode: { ...input.restoreMode },
    targetRoot,
    expectedDurationMinutes: input.expectedDurationMinutes,
    ...(input.expectedRelPath === undefined ? {} : { expectedRelPath: input.expectedRelPath }),
    ...(input.rootEvidence === undefined ? {} : { rootEvidence: structuredClone(input.rootEvidence) }),
  };
}

export function buildRestorePlan(
  input: PointPlanInput & {
    /** A retried cut-over onto this failed session's flat directory. */
    reuses?: string;
  },
): RestorePlan {
  const targetRoot = flatDirName(input.point.createdAt, input.reuses ?? input.sessionId);
  const plan: RestorePlan = { kind: 'restore', ...pointPlanFields(input, targetRoot) };
  if (input.reuses !== undefined) plan.reuses = { sessionId: input.reuses };
  return plan;
}

export function buildRollbackPlan(input: {
  target: PlanTarget;
  requester: string;
  targetRoot: string;
  rollbackOf: string;
  expectedDurationMinutes: number;
}): RollbackPlan {
  return {
    kind: 'rollback',
    ...pickTarget(input.target),
    requester: input.requester,
    targetRoot: input.targetRoot,
    rollbackOf: input.rollbackOf,
    expectedDurationMinutes: input.expectedDurationMinutes,
  };
}

/** A cleanup plan starts with nothing chosen; the requester's choice replaces `paths`. */
export function buildCleanupPlan(input: {
  target: PlanTarget;
  requester: string;
  expectedDurationMinutes: number;
}): CleanupPlan {
  return {
    kind: 'cleanup',
    ...pickTarget(input.target),
    requester: input.requester,
    paths: [],
    expectedDurationMinutes: input.expectedDurationMinutes,
  };
}

/** A drill of `point`, flattened into the drill's own directory. */
export function buildDrillPlan(
  input: PointPlanInput & { sweep?: DrillLeftovers[]; cutoverEstimateMs?: number },
): DrillPlan {
  const targetRoot = drillDirName(input.point.createdAt, input.sessionId);
  const plan: DrillPlan = { kind: 'drill', ...pointPlanFields(input, targetRoot) };
  if (input.sweep !== undefined && input.sweep.length > 0) plan.sweep = structuredClone(input.sweep);
  if (input.cutoverEstimateMs !== undefined) plan.cutoverEstimateMs = input.cutoverEstimateMs;
  return plan;
}

/** Only the target's own fields, from anything that carries them (a RestoreTarget, a plan). */
export function pickTarget(t: PlanTarget): PlanTarget {
  return {
    stackName: t.stackName,
    fileSystemId: t.fileSystemId,
    fileSystemArn: t.fileSystemArn,
    cluster: t.cluster,
    service: t.service,
    taskDefinitionArn: t.taskDefinitionArn,
    volumeName: t.volumeName,
    templateSha256: t.templateSha256,
    currentRoot: t.currentRoot,
  };
}

// ---------------------------------------------------------------------------------------------
// Hash

const HASH_DOMAIN = 'chatdb-restore/plan/v1\n';

/**
 * The fields a confirmation binds: everything that decides what is done to AWS or to the disk.
 * Display-only values (the expected duration, the point's size, its id which the ARN carries)
 * stay out, so refreshing an estimate never voids a confirmation.
 */
export function bindingFields(plan: Plan): Record<string, unknown> {
  const common = {
    kind: plan.kind,
    stackName: plan.stackName,
    fileSystemId: plan.fileSystemId,
    fileSystemArn: plan.fileSystemArn,
    currentRoot: plan.currentRoot,
    requester: plan.requester,
  };
  // What a cutover touches: any change to the stack's template or service voids its confirmation.
  const stack = {
    cluster: plan.cluster,
    service: plan.service,
    taskDefinitionArn: plan.taskDefinitionArn,
    volumeName: plan.volumeName,
    templateSha256: plan.templateSha256,
  };
  switch (plan.kind) {
    case 'restore':
      return {
        ...common,
        ...stack,
        recoveryPoint: {
          arn: plan.recoveryPoint.arn,
          vault: plan.recoveryPoint.vault,
          createdAt: plan.recoveryPoint.createdAt,
        },
        restoreMode: plan.restoreMode,
        expectedRelPath: plan.expectedRelPath,
        targetRoot: plan.targetRoot,
        reuses: plan.reuses?.sessionId,
      };
    case 'rollback':
      return { ...common, ...stack, targetRoot: plan.targetRoot, rollbackOf: plan.rollbackOf };
    case 'cleanup':
      // A cleanup never touches the stack; only what it deletes and the live root it must spare.
      return { ...common, paths: [...plan.paths].sort() };
    case 'drill':
      // Nobody confirms a drill; the hash still names what it restores and deletes.
      return {
        ...common,
        ...stack,
        recoveryPoint: { arn: plan.recoveryPoint.arn, createdAt: plan.recoveryPoint.createdAt },
        restoreMode: plan.restoreMode,
        expectedRelPath: plan.expectedRelPath,
        targetRoot: plan.targetRoot,
        sweep: plan.sweep,
      };
  }
}

/** sha256 (hex) of the canonical JSON of the plan's binding fields. */
export function planHash(plan: Plan): string {
  return createHash('sha256')
    .update(HASH_DOMAIN + canonicalJson(bindingFields(plan)))
    .digest('hex');
}

/** JSON with object keys sorted at every level and undefined members left out. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (value === undefined) return 'null';
    if (typeof value === 'number' && !Number.isFinite(value))
      throw new TypeError('non-finite number in plan');
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item)).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** sha256 (hex) of a template body, as plans record it. */
export function templateSha256(templateBody: string): string {
  return createHash('sha256').update(templateBody, 'utf8').digest('hex');
}

// ---------------------------------------------------------------------------------------------
// Checks

/**
 * Problems with a plan, empty when it is sound. Every value that a later stage passes to a
 * script or an AWS call is checked here, before anyone can confirm it.
 */
export function planProblems(plan: Plan, sessionId?: string): string[] {
  const problems: string[] = [];
  const need = (ok: boolean, what: string) => {
    if (!ok) problems.push(what);
  };
  const str = (v: unknown, re: RegExp) => typeof v === 'string' && re.test(v);
  need(
    ['restore', 'rollback', 'cleanup', 'drill'].includes(plan.kind),
    'kind is not restore, rollback, cleanup or drill',
  );
  need(str(plan.stackName, STACK_NAME), 'stackName is not a CloudFormation stack name');
  need(str(plan.fileSystemId, FILE_SYSTEM_ID), 'fileSystemId is not an EFS id');
  need(str(plan.fileSystemArn, FILE_SYSTEM_ARN), 'fileSystemArn is not an EFS file system ARN');
  need(
    typeof plan.fileSystemArn === 'string' && plan.fileSystemArn.endsWith(`/${plan.fileSystemId}`),
    'fileSystemArn does not name fileSystemId',
  );
  need(str(plan.cluster, ECS_NAME_OR_ARN), 'cluster is not an ECS cluster name or ARN');
  need(str(plan.service, ECS_NAME_OR_ARN), 'service is not an ECS service name or ARN');
  need(str(plan.taskDefinitionArn, TASK_DEFINITION_ARN), 'taskDefinitionArn is not a task definition ARN');
  need(str(plan.volumeName, VOLUME_NAME), 'volumeName is not an ECS volume name');
  need(str(plan.templateSha256, SHA256_HEX), 'templateSha256 is not a sha256 hex digest');
  need(isRootDirectory(plan.currentRoot), 'currentRoot is not / or an absolute path of plain names');
  need(typeof plan.requester === 'string' && plan.requester !== '', 'requester is missing');
  need(
    typeof plan.expectedDurationMinutes === 'number' &&
      Number.isFinite(plan.expectedDurationMinutes) &&
      plan.expectedDurationMinutes >= 0,
    'expectedDurationMinutes is not a number of minutes',
  );
  switch (plan.kind) {
    case 'drill':
      drillPlanProblems(plan, need, sessionId);
      break;
    case 'restore': {
      const p = plan.recoveryPoint;
      pointProblems(plan, need);
      const reused = plan.reuses?.sessionId;
      need(reused === undefined || isSessionId(reused), 'reuses.sessionId is not a session id');
      if (
        sessionId !== undefined &&
        isIsoTime(p?.createdAt) &&
        (reused === undefined || isSessionId(reused))
      ) {
        need(
          plan.targetRoot === flatDirName(p.createdAt, reused ?? sessionId),
          'targetRoot is not the flat directory this session creates for that point',
        );
      }
      need(plan.targetRoot !== plan.currentRoot, 'targetRoot is the current root');
      break;
    }
    case 'rollback':
      need(isRootDirectory(plan.targetRoot), 'targetRoot is not / or an absolute path of plain names');
      need(plan.targetRoot !== plan.currentRoot, 'targetRoot is the current root: nothing to roll back');
      need(isSessionId(plan.rollbackOf), 'rollbackOf is not a session id');
      break;
    case 'cleanup':
      need(
        Array.isArray(plan.paths) && plan.paths.every((path) => isDeletablePath(path)),
        'paths are not cleanup directories or database files at the volume root',
      );
      need(new Set(plan.paths).size === plan.paths.length, 'paths lists a directory twice');
      break;
  }
  return problems;
}

/** The point, the restore mode and the expected data dir, as a restore and a drill of it have them. */
function pointProblems(plan: RestorePlan | DrillPlan, need: (ok: boolean, what: string) => void): void {
  const str = (v: unknown, re: RegExp) => typeof v === 'string' && re.test(v);
  const p = plan.recoveryPoint;
  need(str(p?.arn, RECOVERY_POINT_ARN), 'recoveryPoint.arn is not a recovery point ARN');
  need(str(p?.id, RECOVERY_POINT_ID) && p.arn.endsWith(`:${p.id}`), 'recoveryPoint.id does not end its ARN');
  need(str(p?.vault, BACKUP_VAULT), 'recoveryPoint.vault is not a backup vault name');
  need(isIsoTime(p?.createdAt), 'recoveryPoint.createdAt is not an ISO time');
  const mode = plan.restoreMode;
  need(
    mode?.kind === 'full' || (mode?.kind === 'item' && isRootDirectory(mode.path) && mode.path !== '/'),
    "restoreMode is not full or an item path other than '/'",
  );
  need(
    plan.expectedRelPath === undefined || isRelativeDirPath(plan.expectedRelPath),
    'expectedRelPath is not a relative path of plain names',
  );
}

/** A drill plan's own checks: its point, its mode, its directory, and what it sweeps. */
function drillPlanProblems(plan: DrillPlan, need: (ok: boolean, what: string) => void, sessionId?: string) {
  const p = plan.recoveryPoint;
  pointProblems(plan, need);
  need(
    typeof plan.targetRoot === 'string' &&
      isDrillDirName(plan.targetRoot.slice(1)) &&
      plan.targetRoot.startsWith('/'),
    'targetRoot is not a drill directory',
  );
  if (sessionId !== undefined && isIsoTime(p?.createdAt)) {
    need(
      plan.targetRoot === drillDirName(p.createdAt, sessionId),
      "targetRoot is not this drill's directory",
    );
  }
  const sweep = plan.sweep ?? [];
  need(
    Array.isArray(sweep) &&
      sweep.every(
        (left) =>
          isSessionId(left?.sessionId) &&
          Array.isArray(left.dirs) &&
          left.dirs.every((name) => isRestoreDirName(name) || isDrillDirName(name)) &&
          (left.changeSetName === undefined || DRILL_CHANGE_SET_NAME.test(left.changeSetName)) &&
          (left.unlocatedJob === undefined ||
            (RESTORE_JOB_ID.test(left.unlocatedJob.restoreJobId) &&
              [...left.unlocatedJob.before, ...left.unlocatedJob.claimed].every((n) =>
                LOOSE_RESTORE_DIR_NAME.test(n),
              ))),
      ),
    "sweep names something that is not a drill's leftover",
  );
}

/**
 * A directory cleanup may offer: `/aws-backup-restore_…`, `/chatdb-restore_…`, `/chatdb-drill_…`,
 * `/aws-backup-failed-restore_…` or `/aws-backup-lost+found` at the volume root. The names follow
 * the scripts' own patterns (script-values.ts), which accept odd timestamps too: cleanup must be
 * able to remove whatever is there.
 */
export function isTopLevelCandidate(path: unknown): path is string {
  if (typeof path !== 'string' || !path.startsWith('/')) return false;
  const name = path.slice(1);
  return (
    isRestoreDirName(name) || isFlatDirName(name) || isDrillDirName(name) || deletableKind(name) === 'dir'
  );
}

/** A database file (or its journal, diagnostic.data, _tmp) at the volume root, as `/<name>`. */
export function isRootDbFilePath(path: unknown): path is string {
  if (typeof path !== 'string' || !path.startsWith('/')) return false;
  const kind = deletableKind(path.slice(1));
  return kind === 'db_file' || kind === 'db_dir';
}

/** What a cleanup plan may name: a cleanup directory or a database file at the volume root. */
export function isDeletablePath(path: unknown): path is string {
  return isTopLevelCandidate(path) || isRootDbFilePath(path);
}

export function isIsoTime(value: unknown): value is string {
  return (
    typeof value === 'string' &&
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?Z$/.test(value) &&
    !Number.isNaN(Date.parse(value))
  );
}

// ---------------------------------------------------------------------------------------------
// Derived figures

/** How much chat history the restore gives up: now minus the point's time (ms, never negative). */
export function dataLossWindowMs(plan: Plan, now: Date): number | undefined {
  if (plan.kind !== 'restore') return undefined;
  return Math.max(0, now.getTime() - Date.parse(plan.recoveryPoint.createdAt));
}

/** A root retired by a cutover stays undeletable this long: it is what a rollback goes back to. */
export const RETIRED_GRACE_MS = 24 * 60 * 60 * 1000;

/**
 * Why a top-level directory may not be deleted, or undefined when it may: it holds the live root,
 * or it became the previous root less than RETIRED_GRACE_MS ago.
 */
export function whyNotDeletable(
  path: string,
  opts: { liveRoot: string; retiredAt?: string | undefined; now: Date },
): string | undefined {
  const liveTop = opts.liveRoot === '/' ? undefined : `/${opts.liveRoot.slice(1).split('/')[0]}`;
  if (liveTop !== undefined && path === liveTop) return `it holds the live root ${opts.liveRoot}`;
  if (liveTop === undefined && isRootDbFilePath(path))
    return 'it is part of the live database at the volume root';
  if (opts.retiredAt !== undefined) {
    const age = opts.now.getTime() - Date.parse(opts.retiredAt);
    if (!(age >= RETIRED_GRACE_MS)) return 'it was the live root less than 24 hours ago (kept for rollback)';
  }
  return undefined;
}

/** The root a plan points chat-db at: a cleanup's is the live one, which it never changes. */
export function targetRootOf(plan: Plan): string {
  // A cleanup never changes the live root, and nothing is ever cut over to a drill's directory.
  if (plan.kind === 'cleanup' || plan.kind === 'drill') return plan.currentRoot;
  return plan.targetRoot;
}
