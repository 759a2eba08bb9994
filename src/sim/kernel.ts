// The contract between the simulator's protocol layer (server, codecs) and its services.
// A service is a table of operations; each takes the decoded request members and returns the
// response members, both as plain objects named exactly as on the wire for that protocol
// (PascalCase for Backup, EFS, SSM and CloudFormation; camelCase for ECS). Errors are thrown as
// SimError and rendered by the protocol layer in that protocol's own error shape.

export type ServiceName = 'backup' | 'efs' | 'ecs' | 'cloudformation' | 'ssm' | 'logs';

export class SimError extends Error {
  constructor(
    /** The AWS error code the SDK will surface as `error.name`, e.g. `ResourceNotFoundException`. */
    readonly code: string,
    message: string,
    /** HTTP status; 400 for client errors, 5xx for service errors, 429/400 for throttling per protocol. */
    readonly status = 400,
  ) {
    super(message);
    this.name = code;
  }
}

export type OpInput = Record<string, unknown>;
export type OpHandler = (input: OpInput) => unknown | Promise<unknown>;

export interface ServiceModule {
  readonly name: ServiceName;
  readonly ops: Readonly<Record<string, OpHandler>>;
}

/**
 * Simulated time. Durations in the scenario are in simulated milliseconds; the clock divides them
 * by the speed factor, so speed 1200 turns a 40-minute restore into two seconds. Timestamps the
 * simulator reports are real wall-clock time (`Date.now()`), so that the bot's own measurements
 * and the simulator's agree.
 */
export interface SimClock {
  readonly speed: number;
  /** Real milliseconds that `simMs` of simulated time take at the current speed. */
  real(simMs: number): number;
  /** Run `fn` after `simMs` of simulated time. Returns a cancel function. Timers are unref'd. */
  after(simMs: number, fn: () => void): () => void;
  now(): number;
}

/** Faults the scenario or `POST /_sim/faults` can set; every field is optional and off by default. */
export interface FaultSpec {
  /** Fraction (0..1) of calls to a service answered with that protocol's throttling error. */
  throttle?: Partial<Record<ServiceName, number>>;
  /** The next N calls to a service answer 500/503 InternalFailure/ServiceUnavailable. */
  burst5xx?: Partial<Record<ServiceName, number>>;
  /** The next restore job ends in this state, with a StatusMessage. */
  restoreJob?: 'FAILED' | 'ABORTED';
  /** The next change set ends FAILED with this reason (default: a generic template error). */
  changeSetFails?: string | boolean;
  /** The next stack update fails and rolls back (UPDATE_ROLLBACK_COMPLETE). */
  stackUpdateFails?: string | boolean;
  /** New chat-db tasks exit right after starting (the deployment never stabilises). */
  taskCrashLoop?: boolean;
  /** The next SSM command ends TimedOut, or Failed with exit code 1 and this stderr. */
  ssm?: 'timeout' | 'fail';
  /** The next RunTask starts no task: its `failures` carry this reason (true: Fargate's capacity reason). */
  runTaskFails?: string | boolean;
  /**
   * The next one-off task never runs: `stuck` stays PROVISIONING until stopped (no capacity found),
   * `pull_error` stops with CannotPullContainerError (TaskFailedToStart).
   */
  oneOffTaskStart?: 'stuck' | 'pull_error';
}

/** The live fault settings. Protocol-level faults (throttle, burst5xx) are applied by the server. */
export interface Faults {
  get(): Readonly<FaultSpec>;
  /** Read a one-shot fault and clear it, so that it hits exactly one job, change set or command. */
  take<K extends keyof FaultSpec>(key: K): FaultSpec[K] | undefined;
}
