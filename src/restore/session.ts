// The restore session: one JSON-serialisable object per restore, rollback or cleanup, persisted
// at every step. This file holds its shape, its creation, the check that a stored one is sound,
// and read-only queries. Its changes are the pure transitions in transitions.ts.

import { RestoreError } from './errors.js';
import { isSessionId } from './names.js';
import { type DataDirPick, pickProblems } from './pick.js';
import type { Plan, SessionKind } from './plan.js';
import { isIsoTime, planHash, planProblems } from './plan.js';
import type { StagedRecord } from './staged.js';

export type { SessionKind } from './plan.js';

/** Bumped when the stored format changes in a way an older build cannot read. */
export const SESSION_FORMAT_VERSION = 1;

export const SESSION_STATUSES = [
  'resolving',
  'awaiting_confirmation',
  /** Locate found data dirs the evidence cannot tell apart: the engineers pick one (pick.ts). */
  'awaiting_pick',
  /**
   * A restore whose requester chose to restore before the confirmation (staged.ts): the stages
   * before the cutover run while a second engineer has not yet confirmed.
   */
  'staging',
  'running',
  'succeeded',
  'failed',
  'cancelled',
  'rejected',
  'expired',
] as const;
export type SessionStatus = (typeof SESSION_STATUSES)[number];

export const OPEN_STATUSES: readonly SessionStatus[] = [
  'resolving',
  'awaiting_confirmation',
  'awaiting_pick',
  'staging',
  'running',
];

export const STAGE_NAMES = [
  'resolve',
  'confirm',
  'restore',
  'locate',
  'flatten',
  'check',
  'cutover',
  'verify',
  'delete',
  /** A drill's: the cutover's change set created, its diff recorded, deleted unexecuted. */
  'rehearse',
  /** A drill's: its directories deleted and its change set gone, whatever happened before. */
  'teardown',
] as const;
export type StageName = (typeof STAGE_NAMES)[number];

export const STAGES_BY_KIND: Readonly<Record<SessionKind, readonly StageName[]>> = {
  restore: ['resolve', 'confirm', 'restore', 'locate', 'flatten', 'check', 'cutover', 'verify'],
  rollback: ['resolve', 'confirm', 'cutover', 'verify'],
  cleanup: ['resolve', 'confirm', 'delete'],
  // No confirm: production does not change. A drill that fails or is cancelled still tears down.
  drill: ['resolve', 'restore', 'locate', 'flatten', 'check', 'rehearse', 'teardown'],
};

/** Once this stage has started, cancel is refused: the stack update or the deletion is under way. */
export const POINT_OF_NO_RETURN: Readonly<Record<SessionKind, StageName>> = {
  restore: 'cutover',
  rollback: 'cutover',
  cleanup: 'delete',
  drill: 'teardown',
};

export const STAGE_STATUSES = ['pending', 'running', 'done', 'failed', 'skipped'] as const;
export type StageStatus = (typeof STAGE_STATUSES)[number];

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export interface StageState {
  name: StageName;
  status: StageStatus;
  startedAt?: string;
  endedAt?: string;
  /** What the stage found or did (sizes, names, counts), for the card and the summary. */
  detail?: JsonObject;
  /** AWS's own words when the stage failed. */
  error?: string;
}

/** The state production is in, as checked (never assumed) by the stage that reports it. */
export const PRODUCTIONS = ['unchanged', 'rolled_back', 'cut_over', 'unknown'] as const;
export type Production = (typeof PRODUCTIONS)[number];

/** The AWS ids and on-disk names a session created or touched; what a resumed run re-reads. */
export interface SessionAws {
  restoreJobId?: string;
  /**
   * The item-level job failed because its items were not in the point, and `restoreJobId` is now
   * a whole-volume restore of the same point (same confirmation): locate ignores the expected path.
   */
  fullFallback?: boolean;
  /** `aws-backup-restore_*` names listed before StartRestoreJob, so the new one can be told apart. */
  restoreDirsBefore?: string[];
  restoreJobCompletedAt?: string;
  /** The new `aws-backup-restore_*` directory (a name at the volume root). */
  restoreDir?: string;
  /** The data dir found in it, relative to the volume root. */
  dataDir?: string;
  dataSizeBytes?: number;
  dataFileCount?: number;
  /** The flat directory the data dir was renamed to (`/chatdb-restore_…`). */
  flatDir?: string;
  /** The check stage's revision (`<chat-db family>-check`), once registered. */
  checkTaskDefinitionArn?: string;
  /** The check stage's one-off task, once RunTask started it. */
  checkTaskArn?: string;
  changeSetName?: string;
  changeSetId?: string;
  /**
   * Recorded just before ExecuteChangeSet is called: from then production is being cut over. A
   * resumed run that finds it without `executedAt` asks CloudFormation whether the call ran.
   */
  executeCalledAt?: string;
  /** Set once ExecuteChangeSet returned (or a resumed run found it ran): the stack update has begun. */
  executedAt?: string;
  oldTaskDefinitionArn?: string;
  newTaskDefinitionArn?: string;
  /** A task about to be stopped: recorded before StopTask so a resumed run knows why it is gone. */
  stoppingTaskArn?: string;
  stoppedTaskArns: string[];
  newTaskArn?: string;
  /** Unified diff of the template change, for the summary and the merge request. */
  templateDiff?: string;
  /** What a cleanup deleted (directories and database files at the volume root), or a drill's teardown. */
  deletedPaths?: string[];
  /** A drill's change set is gone (deleted by the rehearse or the teardown, or never created). */
  changeSetDeletedAt?: string;
  /** Every SSM command the session's scripts were sent as, oldest first: each one's output is linked. */
  ssmCommands?: SsmCommandRecord[];
}

export interface SsmCommandRecord {
  commandId: string;
  instanceId: string;
  stage: StageName;
}

export interface SessionFailure {
  stage: StageName;
  /** A machine code where the failing side gave one (`drift`, `wrong_resource`, `locked`, …). */
  code?: string;
  /** AWS's own words where AWS said it. */
  reason: string;
  production: Production;
  /**
   * The activity that classified the failure (`ActivityName` in activities/errors.ts), when one
   * did: with the stage, the code and `production`, what the Slack layer words the next step from.
   */
  activity?: string;
  /**
   * What to do next, in words: written by versions before the next step moved to the Slack layer.
   * Read (and shown) for a session stored by one of those; never written any more.
   */
  next?: string;
  /** After a failed cutover: chat-db's service as ECS reported it, read when the stage failed. */
  service?: { desired: number; running: number; healthy: number; taskDefinitionArn: string };
}

export type NoticeKind =
  | 'started'
  | 'done'
  | 'failed'
  | 'resumed'
  | 'confirm_requested'
  | 'confirmed'
  | 'rejected'
  | 'cancelled'
  | 'expired'
  | 'plan_changed'
  | 'pick_requested'
  | 'picked'
  | 'pick_confirmed'
  /** The requester started the stages before the cutover ahead of the confirmation (staged.ts). */
  | 'staged'
  /** Those stages are done; the cutover waits for the confirmation. */
  | 'staged_ready'
  /** What a staged session that ended before its cutover deleted, and what it left for cleanup. */
  | 'staged_teardown'
  | 'summary';

/**
 * Something to post in the session's thread. The Slack layer posts undelivered notices and
 * records their ts with `notice_posted`, so a crash between posting and saving never posts a
 * stage twice (the id is deterministic: `<stage>:<kind>`, `#2`… on a repeat).
 */
export interface Notice {
  id: string;
  at: string;
  stage?: StageName;
  kind: NoticeKind;
  /** Structured facts; the words are the Slack layer's. */
  data?: JsonObject;
  postedTs?: string;
}

/** One line of the audit log: every accepted event but progress ticks and delivery receipts. */
export interface SessionEventRecord {
  at: string;
  type: string;
  by?: string;
  detail?: JsonObject;
}

export interface CleanupCandidate {
  /**
   * `/aws-backup-restore_…`, `/chatdb-restore_…`, `/chatdb-drill_…`, `/aws-backup-failed-restore_…` or
   * `/aws-backup-lost+found` at the volume root; `/` for the database files at the volume root.
   */
  path: string;
  sizeBytes: number;
  kind: 'restore' | 'retired' | 'drill' | 'failed_restore' | 'lost_found' | 'root_files';
  /** `root_files`: the exact names at the volume root it deletes (plan paths `/<name>`). */
  files?: string[];
  retiredAt?: string;
  deletable: boolean;
  whyNot?: string;
}

export interface RestoreSession {
  version: typeof SESSION_FORMAT_VERSION;
  id: string;
  kind: SessionKind;
  /** Slack channel the session was started in; its card lives there. */
  channel: string;
  requester: string;
  confirmer?: string;
  confirmedAt?: string;
  createdAt: string;
  updatedAt: string;
  /** The confirmation deadline: creation (or the last plan change) plus confirmTtlMs. */
  expiresAt: string;
  confirmTtlMs: number;
  /** Grows by one with every accepted transition; the store refuses to write an older one. */
  revision: number;
  /** Grows when a changed plan goes back for confirmation; names the next change set. */
  attempt: number;
  status: SessionStatus;
  /** The recovery point as the user typed it (restore sessions). */
  pointInput?: string;
  plan?: Plan;
  planHash?: string;
  stages: StageState[];
  aws: SessionAws;
  roots: { previous?: string; next?: string };
  progress?: { percentDone?: number; etaMinutes?: number; at: string };
  failure?: SessionFailure;
  /** When and by whom the session ended (cancel, reject) or when it finished by itself. */
  ended?: { at: string; by?: string; reason?: string };
  notices: Notice[];
  events: SessionEventRecord[];
  cleanup?: { candidates: CleanupCandidate[]; chosen: string[] };
  /** The data dirs locate could not choose between, and the engineers' pick (restore sessions). */
  pick?: DataDirPick;
  /** The session card's message: posted by the caller before the session opened, or later by the Slack layer. */
  card?: { ts: string };
  /** Restoring before the confirmation: who started it, and its teardown if it ended unconfirmed. */
  staged?: StagedRecord;
}

/** What the orchestrator is asked to do after a transition was persisted. */
export type SessionEffect =
  /** Run this stage's activity (send `stage_started` first when the stage is still pending). */
  | { type: 'run_stage'; stage: StageName }
  /** Stop the in-flight activity of this stage (the session was cancelled under it). */
  | { type: 'abort_stage'; stage: StageName }
  /** Arm the expiry timer: send `expire` at this time unless the session moved on. */
  | { type: 'await_confirmation'; expiresAt: string }
  | { type: 'release_lock'; fileSystemId?: string }
  | { type: 'notify'; noticeId: string }
  /** Delete what a staged session restored, now that it ended before its cutover (staged.ts). */
  | { type: 'teardown_staged' };

// ---------------------------------------------------------------------------------------------
// Creation

export interface NewSessionInput {
  id: string;
  kind: SessionKind;
  channel: string;
  requester: string;
  pointInput?: string;
  now: Date;
  confirmTtlMs: number;
  /** The card's message, where the caller posted it before opening the session. */
  cardTs?: string;
}

/** A new session, resolving; the effect asks the orchestrator to run the stage "resolve". */
export function createSession(input: NewSessionInput): { session: RestoreSession; effects: SessionEffect[] } {
  if (!isSessionId(input.id)) {
    throw new RestoreError('invalid_value', 'session id is not a session id like r20261124-7k2p9x.', {
      field: 'id',
    });
  }
  if (!Number.isFinite(input.confirmTtlMs) || input.confirmTtlMs <= 0) {
    throw new RestoreError('invalid_value', 'confirmTtlMs must be a positive number of milliseconds.', {
      field: 'confirmTtlMs',
    });
  }
  if (!(input.kind in STAGES_BY_KIND)) {
    throw new RestoreError('invalid_value', 'kind must be restore, rollback, cleanup or drill.', {
      field: 'kind',
    });
  }
  const at = input.now.toISOString();
  const session: RestoreSession = {
    version: SESSION_FORMAT_VERSION,
    id: input.id,
    kind: input.kind,
    channel: input.channel,
    requester: input.requester,
    createdAt: at,
    updatedAt: at,
    expiresAt: new Date(input.now.getTime() + input.confirmTtlMs).toISOString(),
    confirmTtlMs: input.confirmTtlMs,
    revision: 1,
    attempt: 1,
    status: 'resolving',
    stages: STAGES_BY_KIND[input.kind].map((name) => ({ name, status: 'pending' as const })),
    aws: { stoppedTaskArns: [] },
    roots: {},
    notices: [],
    events: [{ at, type: 'created', by: input.requester }],
  };
  if (input.pointInput !== undefined) session.pointInput = input.pointInput;
  if (input.cardTs !== undefined) session.card = { ts: input.cardTs };
  return { session, effects: [{ type: 'run_stage', stage: 'resolve' }] };
}

// ---------------------------------------------------------------------------------------------
// Queries

export function isOpenStatus(status: SessionStatus): boolean {
  return OPEN_STATUSES.includes(status);
}

export function isOpen(session: RestoreSession): boolean {
  return isOpenStatus(session.status);
}

export function stageState(session: Pick<RestoreSession, 'stages'>, name: StageName): StageState | undefined {
  return session.stages.find((stage) => stage.name === name);
}

/**
 * The stage running. While a restore stages, the confirmation waits (running) as its work runs: the
 * later one is the work, so the last running stage is the one that runs.
 */
export function runningStage(session: RestoreSession): StageName | undefined {
  return session.stages.findLast((stage) => stage.status === 'running')?.name;
}

/** The first stage not yet run, in the kind's order. */
export function nextPendingStage(session: RestoreSession): StageName | undefined {
  return session.stages.find((stage) => stage.status === 'pending')?.name;
}

/** True once the stage after which cancel is refused has started (or finished). */
export function pastPointOfNoReturn(session: Pick<RestoreSession, 'kind' | 'stages'>): boolean {
  const stage = stageState(session, POINT_OF_NO_RETURN[session.kind]);
  return stage !== undefined && stage.status !== 'pending' && stage.status !== 'skipped';
}

export function undeliveredNotices(session: RestoreSession): Notice[] {
  return session.notices.filter((notice) => notice.postedTs === undefined);
}

export function releaseLockEffect(session: RestoreSession): SessionEffect {
  return session.plan === undefined
    ? { type: 'release_lock' }
    : { type: 'release_lock', fileSystemId: session.plan.fileSystemId };
}

// ---------------------------------------------------------------------------------------------
// History: what past sessions say about a file system's roots

export interface Cutover {
  sessionId: string;
  kind: SessionKind;
  from: string;
  to: string;
  /** When the stack update finished: from then on the database lived in `to`. */
  cutAt: string;
  /** When the cutover stage started: until then the database lived in `from`. */
  startedAt?: string;
}

/**
 * Every completed cutover of a file system, oldest first. A session whose verify stage failed
 * still counts: its cutover happened, production runs on the new root.
 */
export function cutoverHistory(sessions: readonly RestoreSession[], fileSystemId: string): Cutover[] {
  const cutovers: Cutover[] = [];
  for (const s of sessions) {
    const cut = stageState(s, 'cutover');
    if (s.plan?.fileSystemId !== fileSystemId || cut?.status !== 'done' || cut.endedAt === undefined)
      continue;
    const from = s.roots.previous ?? s.plan.currentRoot;
    const to = s.roots.next;
    if (to === undefined) continue;
    cutovers.push({
      sessionId: s.id,
      kind: s.kind,
      from,
      to,
      cutAt: cut.endedAt,
      ...(cut.startedAt === undefined ? {} : { startedAt: cut.startedAt }),
    });
  }
  return cutovers.sort((a, b) => Date.parse(a.cutAt) - Date.parse(b.cutAt));
}

/**
 * Where a rollback goes: the root the latest cutover replaced. Undefined when no session of this
 * bot has cut over this file system.
 */
export function rollbackTarget(
  sessions: readonly RestoreSession[],
  fileSystemId: string,
): { root: string; sessionId: string; expectedCurrentRoot: string } | undefined {
  const last = cutoverHistory(sessions, fileSystemId).at(-1);
  return last === undefined
    ? undefined
    : { root: last.from, sessionId: last.sessionId, expectedCurrentRoot: last.to };
}

/**
 * The recovery point whose data chat-db runs on now: the newest restore of this bot whose cutover
 * put production on `currentRoot`. Undefined when the live root is not one this bot restored.
 */
export function livePoint(
  sessions: readonly RestoreSession[],
  fileSystemId: string,
  currentRoot: string,
): { arn: string; sessionId: string } | undefined {
  const cut = cutoverHistory(sessions, fileSystemId)
    .filter((c) => c.kind === 'restore' && c.to === currentRoot)
    .at(-1);
  const s = cut === undefined ? undefined : sessions.find((x) => x.id === cut.sessionId);
  return s?.plan?.kind === 'restore' ? { arn: s.plan.recoveryPoint.arn, sessionId: s.id } : undefined;
}

// ---------------------------------------------------------------------------------------------
// Reading a stored session back

/**
 * A restore session stored before the check stage existed gets one: pending while its cutover has
 * not started (the check then runs before it, as in a new session), skipped otherwise.
 */
function addCheckStage(stages: StageState[]): void {
  if (stages.some((stage) => stage?.name === 'check')) return;
  const at = stages.findIndex((stage) => stage?.name === 'cutover');
  if (at < 0) return;
  const status = stages[at]?.status === 'pending' ? 'pending' : 'skipped';
  stages.splice(at, 0, { name: 'check', status });
}

/**
 * Checks that a parsed JSON value is a session this build can work with, and returns it typed.
 * Throws `unsupported_version` for a newer format and `corrupt_session` for anything else wrong.
 */
export function parseSession(value: unknown): RestoreSession {
  const problems: string[] = [];
  const need = (ok: boolean, what: string) => {
    if (!ok) problems.push(what);
  };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new RestoreError('corrupt_session', 'The session file does not hold a JSON object.');
  }
  const s = value as Partial<RestoreSession> & Record<string, unknown>;
  if (typeof s.version === 'number' && s.version > SESSION_FORMAT_VERSION) {
    throw new RestoreError(
      'unsupported_version',
      `Session format ${s.version} is newer than this build reads (${SESSION_FORMAT_VERSION}).`,
      { id: typeof s.id === 'string' ? s.id : undefined },
    );
  }
  need(s.version === SESSION_FORMAT_VERSION, 'version');
  need(isSessionId(s.id), 'id');
  need(typeof s.kind === 'string' && s.kind in STAGES_BY_KIND, 'kind');
  need(typeof s.channel === 'string', 'channel');
  need(typeof s.requester === 'string' && s.requester !== '', 'requester');
  need(SESSION_STATUSES.includes(s.status as SessionStatus), 'status');
  for (const key of ['createdAt', 'updatedAt', 'expiresAt'] as const) need(isIsoTime(s[key]), key);
  for (const key of ['confirmedAt'] as const) need(s[key] === undefined || isIsoTime(s[key]), key);
  need(typeof s.confirmTtlMs === 'number' && s.confirmTtlMs > 0, 'confirmTtlMs');
  need(Number.isInteger(s.revision) && (s.revision as number) >= 1, 'revision');
  need(Number.isInteger(s.attempt) && (s.attempt as number) >= 1, 'attempt');
  const expected = typeof s.kind === 'string' ? STAGES_BY_KIND[s.kind as SessionKind] : undefined;
  if (s.kind === 'restore' && Array.isArray(s.stages)) addCheckStage(s.stages);
  need(
    Array.isArray(s.stages) &&
      expected !== undefined &&
      s.stages.length === expected.length &&
      s.stages.every(
        (stage, i) =>
          typeof stage === 'object' &&
          stage !== null &&
          stage.name === expected[i] &&
          STAGE_STATUSES.includes(stage.status),
      ),
    'stages',
  );
  need(
    typeof s.aws === 'object' && s.aws !== null && Array.isArray(s.aws.stoppedTaskArns),
    'aws.stoppedTaskArns',
  );
  need(typeof s.roots === 'object' && s.roots !== null, 'roots');
  need(
    Array.isArray(s.notices) &&
      s.notices.every((n) => typeof n === 'object' && n !== null && typeof n.id === 'string'),
    'notices',
  );
  need(Array.isArray(s.events), 'events');
  if (s.plan !== undefined) {
    const planOk = typeof s.plan === 'object' && s.plan !== null && s.plan.kind === s.kind;
    need(planOk && planProblems(s.plan as Plan).length === 0, 'plan');
    need(planOk && s.planHash === planHash(s.plan as Plan), 'planHash');
  }
  if (s.pick !== undefined) {
    const pickOk = typeof s.pick === 'object' && s.pick !== null && s.kind === 'restore';
    need(pickOk && pickProblems(s.pick, { id: String(s.id), planHash: s.planHash }).length === 0, 'pick');
  }
  need(s.status !== 'awaiting_pick' || (s.pick !== undefined && s.pick.confirmedAt === undefined), 'pick');
  if (problems.length > 0) {
    throw new RestoreError(
      'corrupt_session',
      `The session file is not a valid session: ${problems.join(', ')}.`,
      {
        id: typeof s.id === 'string' ? s.id : undefined,
        problems,
      },
    );
  }
  return value as RestoreSession;
}
