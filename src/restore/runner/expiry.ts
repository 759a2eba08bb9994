// The expiry timers: a session waiting for a person (a confirmation, a pick) gets `expire` once
// its deadline passes. The transition decides whether it has really expired; a deadline moved
// meanwhile is answered `not_expired` with the new one, and the timer is armed again for it.

import type { Runner } from './context.js';
import { apply } from './session-loop.js';

export function armExpiry(rt: Runner, id: string, expiresAt: string): void {
  clearExpiry(rt, id);
  if (rt.closed) return;
  // setTimeout holds at most ~24.8 days; a confirmation window is minutes.
  const delay = Math.min(Math.max(0, Date.parse(expiresAt) - rt.now().getTime()), 2 ** 31 - 1);
  const timer = setTimeout(() => {
    rt.timers.delete(id);
    apply(rt, id, { type: 'expire' }).then(
      (outcome) => {
        // Confirmed or changed in the meantime: the refusal is the expected answer.
        if (!outcome.ok && outcome.code === 'not_expired' && outcome.session) {
          armExpiry(rt, id, outcome.session.expiresAt);
        }
      },
      (error: unknown) => rt.deps.log.error({ err: error, session: id }, 'could not expire the session'),
    );
  }, delay + 5);
  timer.unref();
  rt.timers.set(id, timer);
}

export function clearExpiry(rt: Runner, id: string): void {
  const timer = rt.timers.get(id);
  if (timer !== undefined) clearTimeout(timer);
  rt.timers.delete(id);
}

export function clearAllExpiries(rt: Runner): void {
  for (const id of [...rt.timers.keys()]) clearExpiry(rt, id);
}
