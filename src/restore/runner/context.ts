// What the runner's parts share: the service's dependencies and the state of the sessions it runs.
// One object, passed to each part's functions (session-loop, stage-runner, opener, expiry, points)
// instead of closures over one another: the parts read and change this state, nothing else.

import type { Activities, ActivityLog } from '../activities/index.js';
import type { ApproverCheck } from '../approval.js';
import { KeyQueue } from '../key-queue.js';
import type { SessionLock } from '../lock.js';
import { newSessionId } from '../names.js';
import type { ListResult, SessionListener } from '../service.js';
import type { RestoreSession, SessionEffect, StageName } from '../session.js';
import type { SessionStore } from '../store.js';

export interface OrchestratorLog extends ActivityLog {
  error(obj: object, msg?: string): void;
}

export interface RestoreServiceDeps {
  activities: Activities;
  store: SessionStore;
  lock: SessionLock;
  approvers: ApproverCheck;
  confirmTtlMs: number;
  /** The template's path in the infra repo, for the diff's headers. */
  templateFile?: string;
  log: OrchestratorLog;
  now?: () => Date;
  newId?: (now: Date) => string;
}

/** A stage's activity under way for a session. */
export interface Running {
  stage: StageName;
  abort: AbortController;
  done: Promise<void>;
}

export interface Runner {
  readonly deps: RestoreServiceDeps;
  readonly now: () => Date;
  readonly newId: (at: Date) => string;
  /** Every session this process knows, as last persisted. */
  readonly sessions: Map<string, RestoreSession>;
  /** One event at a time per session (session-loop.ts). */
  readonly queues: KeyQueue;
  /** The stage running per session, and the one asked for while it still ran (stage-runner.ts). */
  readonly running: Map<string, Running>;
  readonly wanted: Map<string, StageName>;
  /** Staged teardowns under way (teardown.ts). */
  readonly teardowns: Map<string, Promise<void>>;
  /** Expiry timers per session (expiry.ts). */
  readonly timers: Map<string, NodeJS.Timeout>;
  /** `list` reads in flight per limit, shared by concurrent callers (points.ts). */
  readonly listFlights: Map<number, Promise<ListResult>>;
  readonly listeners: Set<SessionListener>;
  /**
   * Carries out a persisted event's effects (effects.ts). Set by the wiring: the loop that
   * persists knows nothing of stages or timers.
   */
  runEffects: (session: RestoreSession, effects: SessionEffect[]) => void;
  /** close() was called: no stage, timer or teardown starts any more. */
  closed: boolean;
}

export function createRunner(deps: RestoreServiceDeps): Runner {
  return {
    deps,
    now: deps.now ?? (() => new Date()),
    newId: deps.newId ?? ((at: Date) => newSessionId(at)),
    sessions: new Map(),
    queues: new KeyQueue(),
    running: new Map(),
    wanted: new Map(),
    teardowns: new Map(),
    timers: new Map(),
    listFlights: new Map(),
    listeners: new Set(),
    runEffects: () => undefined,
    closed: false,
  };
}
