// The CloudFormation + ECS half of the simulated world: the `rocket-chat` stack, the ECS cluster
// it created, its task definitions, services and tasks. CloudFormation drives ECS (a stack update
// registers task definition revisions and updates services); ECS runs the tasks against the real
// directory trees of the file systems.

import { createCloudFormation } from './cloudformation.js';
import { createEcs } from './ecs.js';
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
  durations: { changeSetMs: number; stackStepMs: number; taskStartMs: number; taskStopMs: number };
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
    taskStopMs: opts.durations.taskStopMs,
    now: () => opts.clock.now(),
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
