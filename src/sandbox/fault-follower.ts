// The page arms faults for "the next restore". The sandbox keeps that promise by following the
// sessions in the bot's own state directory (the files the bot persists every step to): once a
// session that was running while the faults were armed ends, it clears them in the simulator, so
// the restore after it runs clean. Faults a restore consumed by itself are already gone then.

import type { RestoreSession } from '../restore/session.js';

export interface FaultFollower {
  /** Faults were armed from the page just now. */
  armed(): void;
  /** The page cleared them itself: nothing to follow. */
  cleared(): void;
  stop(): void;
}

export interface FaultFollowerOptions {
  /** Every session the bot has stored. */
  sessions(): Promise<RestoreSession[]>;
  /** Clears every fault in the simulator. */
  clear(): Promise<void>;
  intervalMs?: number;
  now?: () => number;
  /** Told when the follower clears the faults, or cannot. */
  log?: (message: string) => void;
}

export function followFaults(opts: FaultFollowerOptions): FaultFollower {
  const now = opts.now ?? Date.now;
  let armedAt: number | undefined;
  let busy = false;
  const check = async () => {
    const since = armedAt;
    if (since === undefined || busy) return;
    busy = true;
    try {
      const ended = (await opts.sessions()).find((s) => ranAndEndedSince(s, since));
      // Armed again meanwhile: those faults are for the restore after this one.
      if (ended === undefined || armedAt !== since) return;
      await opts.clear();
      if (armedAt === since) armedAt = undefined;
      opts.log?.(`session ${ended.id} ended ${ended.status}: the faults armed for it are cleared`);
    } catch (error) {
      opts.log?.(`could not follow the sessions to clear the faults: ${(error as Error).message}`);
    } finally {
      busy = false;
    }
  };
  const timer = setInterval(() => void check(), opts.intervalMs ?? 500);
  timer.unref();
  return {
    armed() {
      armedAt = now();
    },
    cleared() {
      armedAt = undefined;
    },
    stop() {
      clearInterval(timer);
    },
  };
}

/** A session that was confirmed (its stages ran) and ended after `since`. */
function ranAndEndedSince(s: RestoreSession, since: number): boolean {
  const ended = s.ended?.at;
  return s.confirmedAt !== undefined && ended !== undefined && Date.parse(ended) > since;
}
