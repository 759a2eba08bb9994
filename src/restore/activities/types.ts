import type { AwsPorts, RecoveryPoint } from '../../aws/ports.js';

export interface ActivitySettings {
  stackName: string;
  /** The task definition volume that holds the database (`chat-db`). */
  volumeName: string;
  backupVault: string;
  restoreRoleArn: string;
  inspectorInstanceId: string;
  /** Where the inspection host mounts the chat-db file system's root. */
  inspectorMount: string;
  /** Bounds of every polling interval (restore job, stack update, task health). */
  pollMinMs: number;
  pollMaxMs: number;
  /** How long a stack update may take, from ExecuteChangeSet to a settled stack. */
  stackTimeoutMs: number;
  healthUrl?: string;
  /** How long verify waits for the new task to be RUNNING and HEALTHY; default 5 minutes. */
  healthWaitMs?: number;
  /**
   * How long a task must stay RUNNING to count as up where ECS reports no health (no health
   * check), and before an unhealthy verdict where it does; default a minute, at most half the wait.
   */
  healthStableMs?: number;
  /** executionTimeout of each SSM script; default 600 s. */
  ssmTimeoutSeconds?: number;
  /** The database the check stage validates; default `rocketchat`. */
  checkDatabase?: string;
  /** How long the check task may run before it is stopped; default 60 minutes. */
  checkMaxWaitMs?: number;
}

/** The pino logger satisfies this; activities only log structured lines. */
export interface ActivityLog {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export interface ActivityDeps {
  ports: AwsPorts;
  settings: ActivitySettings;
  log: ActivityLog;
  /** For the health URL check; the global fetch by default. */
  fetch?: typeof fetch;
}

/** What the restore acts on, read from the stack: nothing here is configured by hand. */
export interface RestoreTarget {
  stackName: string;
  stackStatus: string;
  /** sha256 (hex) of the stack's template body as GetTemplate returns it. */
  templateSha256: string;
  fileSystemId: string;
  fileSystemArn: string;
  /** The file system's logical id in the template (`DbStorage`). */
  fileSystemLogicalId: string;
  cluster: string;
  service: string;
  serviceArn: string;
  taskDefinitionArn: string;
  volumeName: string;
  /** The volume's RootDirectory in the running task definition; '/' when absent. */
  currentRoot: string;
  /**
   * When the running task definition was registered: the current root came into use then, or a
   * few minutes later once its deployment finished (undefined when ECS does not say).
   */
  currentRootSince?: Date;
  region: string;
  accountId: string;
}

export type PointSpec =
  /** 1 = the newest, as the list command numbers them. */
  | { kind: 'index'; n: number }
  | { kind: 'id'; id: string }
  | { kind: 'arn'; arn: string }
  | { kind: 'latest' }
  /** The newest COMPLETED point created strictly before `time`. */
  | { kind: 'before'; time: Date };

export type RestoreMode = { kind: 'item'; path: string } | { kind: 'full' };

/** A past cutover of this file system: from `cutAt` on, the database lived at `root`. */
export interface CutoverRecord {
  /** The root the cutover put in place, live from cutAt. */
  root: string;
  cutAt: Date;
  /** The root it replaced, live until the cutover started (where known). */
  from?: string;
  startedAt?: Date;
}

/** One revision of the chat-db task definition family, as ECS describes it. */
export interface RootRevision {
  arn: string;
  /** The chat-db volume's RootDirectory; undefined when ECS would not describe the revision. */
  root?: string;
  registeredAt?: Date;
  deregisteredAt?: Date;
}

/** Where the database lived when the point was taken, and how that is known: the plan records it. */
export interface RootEvidence {
  /** The one root the record allows; undefined when it allows none or several. */
  root?: string;
  /**
   * `task_definitions`: the family's revisions agree; `sessions`: they allowed two roots and the
   * bot's own cutover times settle which; `ambiguous`: a root change was under way or unknown
   * around the point's time; `unknown`: the record does not reach back that far.
   */
  basis: 'task_definitions' | 'sessions' | 'ambiguous' | 'unknown';
  /** The roots the record allows at the point's time (several when ambiguous). */
  candidates: string[];
}

export interface RestorePlanOutline {
  restoreMode: RestoreMode;
  /** Where the data dir will be inside the new restore dir; undefined: let locate decide. */
  expectedRelPath: string | undefined;
  expectedDurationMinutes: number;
  evidence: RootEvidence;
}

export interface ActivityHooks<Patch> {
  /** Persists a mid-stage checkpoint; the activity waits for it before its next mutation. */
  checkpoint(patch: Patch): Promise<void>;
  /** Stops the activity at its next wait or before its next mutation (a shutdown, a test's crash). */
  signal?: AbortSignal;
}

export type { RecoveryPoint };
