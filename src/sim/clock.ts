import type { SimClock } from './kernel.js';

/** The simulator's clock: the kernel's SimClock plus what the server needs to run it. */
export interface SimClockControl extends SimClock {
  /** Simulated milliseconds elapsed since the clock started (advances `speed` times real time). */
  elapsed(): number;
  /** Changes the speed; timers already set keep their simulated deadline. */
  setSpeed(speed: number): void;
  /** Cancels every pending timer. */
  close(): void;
}

interface Timer {
  deadline: number;
  fn: () => void;
  handle: NodeJS.Timeout;
}

export function createSimClock(initialSpeed: number): SimClockControl {
  assertSpeed(initialSpeed);
  let speed = initialSpeed;
  // Simulated time is piecewise linear in real time: it restarts from (simBase, realBase) at every
  // speed change, so a change never makes simulated time jump.
  let simBase = 0;
  let realBase = performance.now();
  const timers = new Set<Timer>();

  const elapsed = () => simBase + (performance.now() - realBase) * speed;

  const schedule = (timer: Timer) => {
    const delay = Math.max(0, (timer.deadline - elapsed()) / speed);
    timer.handle = setTimeout(() => {
      timers.delete(timer);
      timer.fn();
    }, delay);
    timer.handle.unref();
  };

  return {
    get speed() {
      return speed;
    },
    real: (simMs) => simMs / speed,
    now: () => Date.now(),
    elapsed,
    after(simMs, fn) {
      const timer: Timer = { deadline: elapsed() + Math.max(0, simMs), fn, handle: undefined as never };
      timers.add(timer);
      schedule(timer);
      return () => {
        clearTimeout(timer.handle);
        timers.delete(timer);
      };
    },
    setSpeed(next) {
      assertSpeed(next);
      simBase = elapsed();
      realBase = performance.now();
      speed = next;
      for (const timer of timers) {
        clearTimeout(timer.handle);
        schedule(timer);
      }
    },
    close() {
      for (const timer of timers) clearTimeout(timer.handle);
      timers.clear();
    },
  };
}

function assertSpeed(speed: number): void {
  if (!Number.isFinite(speed) || speed <= 0)
    throw new RangeError(`speed must be a positive number, got ${speed}`);
}
