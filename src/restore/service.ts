// What the Slack layer (and the sandbox, and tests) can ask of the restore machinery. The
// orchestrator implements it over the session state machine, the store, the lock and the
// activities; callers never see AWS or the store directly.

import type { RecoveryPoint } from '../aws/ports.js';
import type { PointSpec } from './activities/types.js';
import type { Refusal } from './errors.js';
import type { RestoreSession } from './session.js';

// How a user names a recovery point in `/chatdb-restore start <point>`, and who else holds the
// file system: defined once, beside what uses them, and offered here to the Slack layer.
export type { LockHolder } from './lock.js';
export type { PointSpec };

export interface PointListing {
  /**
   * 1-based, newest first: what `start <n>` refers to. Absent for a point in another vault
   * (CHATDB_BACKUP_VAULT's points alone are numbered).
   */
  index?: number;
  point: RecoveryPoint;
  restorable: boolean;
  /** Why it cannot be restored (status, another resource), in plain words. */
  whyNot?: string;
}

export interface ListResult {
  stackName: string;
  fileSystemId: string;
  fileSystemArn: string;
  currentRoot: string;
  points: PointListing[];
  /** The point whose data chat-db runs on now, when a session of this bot restored it. */
  livePoint?: { arn: string; sessionId: string };
}

/** A user's request on an existing session; the session as it now is, or why nothing changed. */
export type Outcome = { ok: true; session: RestoreSession } | (Refusal & { session?: RestoreSession });

export interface Actor {
  channel: string;
  user: string;
  /**
   * The message the caller posted as the session's card before asking (Slack's placeholder): the
   * session is created, and persisted, with its card already recorded there. A start refused
   * before its plan (a bad point, a stale button, the lock held) is then the caller's to tell: its
   * notices are recorded as told on that card, so nothing else draws it.
   */
  cardTs?: string;
}

export type SessionListener = (session: RestoreSession) => void;

export interface RestoreService {
  listPoints(limit: number): Promise<ListResult>;

  /**
   * Opens a restore session and resolves its plan (stage "resolve" runs before this returns, so
   * the card can show the plan). Throws RestoreError `locked` (details: LockHolder) when another
   * session holds the file system; a resolve failure comes back as a failed session.
   */
  start(actor: Actor, point: PointSpec, pointInput: string): Promise<RestoreSession>;
  /**
   * Opens a drill of `point`: restore, locate, flatten and check into the drill's own directory,
   * the cutover's change set created and deleted unexecuted, everything torn down. Nobody
   * confirms it. Throws RestoreError `locked` like start; a restore's start takes a drill's lock over.
   */
  drill(actor: Actor, point: PointSpec, pointInput: string): Promise<RestoreSession>;
  /** `of`: the session whose cutover the clicked button offered to undo; refused if another cut over since. */
  rollback(actor: Actor, of?: string): Promise<RestoreSession>;
  /** Restores the point of a session whose restore job failed again, as a new session. */
  retryRestore(actor: Actor, of: string): Promise<RestoreSession>;
  /**
   * A new session that cuts over to the directory a failed session already restored and
   * flattened (its cut-over or verify failed); the usual confirmation applies.
   */
  retryCutover(actor: Actor, of: string): Promise<RestoreSession>;
  cleanup(actor: Actor): Promise<RestoreSession>;

  confirm(sessionId: string, user: string, planHash: string): Promise<Outcome>;
  /**
   * "Start restoring now": the requester starts the stages before the cutover while the
   * confirmation is pending (bound to the plan shown); the confirmation then gates the cutover.
   */
  startStaged(sessionId: string, user: string, planHash: string): Promise<Outcome>;
  /**
   * `reason`: the rejecter's optional words, shown on the card. `planHash`: the plan the rejecter
   * was shown; refused (`plan_changed`) when the session's plan is another.
   */
  reject(sessionId: string, user: string, opts?: { reason?: string; planHash?: string }): Promise<Outcome>;
  /** What `reject` would answer now, changing nothing: the Reject button asks before its dialog opens. */
  mayReject(sessionId: string, user: string, planHash: string): Promise<Outcome>;
  cancel(sessionId: string, user: string): Promise<Outcome>;
  /** A cleanup's requester picks the directories to delete; the choice then needs confirming. */
  chooseCleanup(sessionId: string, user: string, paths: string[]): Promise<Outcome>;
  /** A restore's requester picks the data dir locate could not choose (its path in the restore). */
  pickDataDir(sessionId: string, user: string, path: string): Promise<Outcome>;
  /** A second engineer confirms the pick the card showed (its hash); the restore goes on. */
  confirmPick(sessionId: string, user: string, pickHash: string): Promise<Outcome>;

  get(sessionId: string): RestoreSession | undefined;
  /** Open sessions, optionally only this channel's. */
  open(channel?: string): RestoreSession[];
  /** The newest sessions of a channel, open or not. */
  recent(channel: string, limit: number): RestoreSession[];
  /** Sessions of any channel created after `at`, oldest first: what happened since a list or a card. */
  since(at: Date): RestoreSession[];

  /** Records the session card's message so later updates edit it. */
  setCard(sessionId: string, ts: string): Promise<void>;
  /** Records that a notice was posted, so it is never posted twice. */
  markNoticePosted(sessionId: string, noticeId: string, ts: string): Promise<void>;

  /** Called after every persisted change of any session. */
  subscribe(listener: SessionListener): () => void;

  /** Loads open sessions from the store and carries each on from its last persisted step. */
  resumeAll(): Promise<RestoreSession[]>;
  close(): Promise<void>;
}
