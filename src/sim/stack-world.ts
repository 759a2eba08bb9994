// The CloudFormation + ECS half of the simulated world: the `rocket-chat` stack, the ECS cluster
// it created, its task definitions, services and tasks. CloudFormation drives ECS (a stack update
// registers task definition revisions and updates services); ECS runs the tasks against the real
// directory trees of the file systems. Durations are the scenario's, in simulated time.
//
// - At start the stack is CREATE_COMPLETE (created 30 days earlier, with that event history);
//   every task definition is at revision 1; every service has one completed deployment and its
//   tasks RUNNING and HEALTHY.
// - A change set takes changeSetMs: CREATE_PENDING, CREATE_IN_PROGRESS, then CREATE_COMPLETE; or
//   FAILED with AWS's "didn't contain changes" reason when no resource evaluates differently
//   (comments and spacing do not count); or FAILED with the one-shot `changeSetFails` reason.
// - Executing it updates the changed resources in dependency order, a stackStepMs each. A changed
//   task definition is replaced by a new revision; the service then points at it, which starts a
//   deployment, and CloudFormation waits for that deployment (at most 3 hours).
// - ECS: a task does not get past PENDING while another task of its service that mounts the same
//   file system still runs (MongoDB is single-writer), and with minimumHealthyPercent 100 the
//   scheduler never stops the old task first: the deployment, and the stack, wait until someone
//   calls StopTask. A task whose EFS RootDirectory is not a directory on the file system stops
//   with ResourceInitializationError; under `taskCrashLoop` a new revision's tasks exit soon after
//   RUNNING. Three such failures trip the deployment circuit breaker (on in the default template);
//   without it, CloudFormation gives up after 3 hours.
// - A failed update (or the one-shot `stackUpdateFails`, at the service step) rolls back: the
//   service returns to the previous revision, the new one is deregistered,
//   UPDATE_ROLLBACK_COMPLETE. A successful one deregisters the old revision: UPDATE_COMPLETE.
// - Outside a deployment a stopped task is replaced, on the service's current revision.
//
// Not modelled: creating or deleting stacks, other or nested stacks, CREATE/IMPORT change sets,
// TemplateURL, adding or removing ECS services in an update, drift, stack policies, load
// balancers, scaling, placement, ECS's own circuit-breaker rollback, real health checks (a task
// is HEALTHY a moment after RUNNING) and tasks that run but stay unhealthy.

import { createCloudFormation } from './cloudformation.js';
import { createEcs, type OneOffSettings, type TaskDefinitionHistory } from './ecs.js';
import type { Faults, ServiceModule, SimClock } from './kernel.js';

export interface StackWorldOptions {
  clock: SimClock;
  faults: Faults;
  region: string;
  accountId: string;
  stackName: string;
  templateBody: string;
  /** logical id (DbStorage, DumpStorage) → the file system id and its host directory (the real tree). */
  fileSystems: Record<string, { id: string; rootDir: string }>;
  durations: {
    changeSetMs: number;
    stackStepMs: number;
    taskStartMs: number;
    /** Default: a quarter of taskStartMs. */
    taskHealthyMs?: number;
    taskStopMs: number;
  };
  /** Earlier revisions of a task definition family (see the scenario's taskDefinitionHistory). */
  taskDefinitionHistory?: TaskDefinitionHistory;
  /** One-off tasks (RunTask): where their logs go and what their mongod finds. */
  oneOff?: OneOffSettings;
}

export interface StackWorld {
  cloudformation: ServiceModule;
  ecs: ServiceModule;
  state(): unknown;
  close(): void;
}

export function createStackWorld(opts: StackWorldOptions): StackWorld {
  const timers = createTimers(opts.clock);
  const fileSystemDirs = new Map(Object.values(opts.fileSystems).map((fs) => [fs.id, fs.rootDir]));
  const ecs = createEcs({
    timers,
    faults: opts.faults,
    region: opts.region,
    accountId: opts.accountId,
    fileSystems: fileSystemDirs,
    taskStartMs: opts.durations.taskStartMs,
    taskHealthyMs: opts.durations.taskHealthyMs ?? opts.durations.taskStartMs / 4,
    taskStopMs: opts.durations.taskStopMs,
    now: () => opts.clock.now(),
    ...(opts.taskDefinitionHistory === undefined ? {} : { history: opts.taskDefinitionHistory }),
    ...(opts.oneOff === undefined ? {} : { oneOff: opts.oneOff }),
  });
  let cfn: ReturnType<typeof createCloudFormation>;
  try {
    cfn = createCloudFormation({
      timers,
      faults: opts.faults,
      region: opts.region,
      accountId: opts.accountId,
      stackName: opts.stackName,
      templateBody: opts.templateBody,
      fileSystemIds: Object.fromEntries(Object.entries(opts.fileSystems).map(([id, fs]) => [id, fs.id])),
      changeSetMs: opts.durations.changeSetMs,
      stackStepMs: opts.durations.stackStepMs,
      ecs,
      now: () => opts.clock.now(),
    });
  } catch (error) {
    timers.close();
    throw error;
  }
  return {
    cloudformation: cfn.module,
    ecs: ecs.module,
    state: () => ({ ...cfn.state(), ...ecs.state() }),
    close: () => timers.close(),
  };
}

/** Simulated-time timers that all end with the world. */
export interface Timers {
  readonly closed: boolean;
  /** Runs `fn` after `simMs` of simulated time unless cancelled or closed; returns the cancel. */
  after(simMs: number, fn: () => void): () => void;
  /**
   * Resolves after `simMs` of simulated time. After close it never settles: a step waiting in a
   * closed world simply never continues, and is collected with it.
   */
  sleep(simMs: number): Promise<void>;
}

export function createTimers(clock: SimClock): Timers & { close(): void } {
  let closed = false;
  const cancels = new Set<() => void>();
  const after = (simMs: number, fn: () => void) => {
    if (closed) return () => {};
    const cancel = clock.after(simMs, () => {
      cancels.delete(cancel);
      if (!closed) fn();
    });
    cancels.add(cancel);
    return () => {
      cancel();
      cancels.delete(cancel);
    };
  };
  return {
    get closed() {
      return closed;
    },
    after,
    sleep(simMs) {
      return new Promise<void>((resolve) => {
        after(simMs, resolve);
      });
    },
    close() {
      closed = true;
      for (const cancel of cancels) cancel();
      cancels.clear();
    },
  };
}
