// The per-session event loop: one event at a time per session (serial), the pure transition, the
// next session persisted, listeners told, and only then its effects carried out. A refused event
// changes nothing and is answered with the refusal and the session as it is.

import type { Outcome } from '../service.js';
import type { RestoreSession, SessionEffect } from '../session.js';
import { type SessionEvent, transition } from '../transitions.js';
import type { Runner } from './context.js';

/** One event at a time per session: the transition sees the latest persisted state. */
export function serial<T>(rt: Runner, id: string, fn: () => Promise<T>): Promise<T> {
  return rt.queues.run(id, fn);
}

export function emit(rt: Runner, session: RestoreSession): void {
  for (const listener of rt.listeners) {
    try {
      listener(session);
    } catch (error) {
      rt.deps.log.error({ err: error, session: session.id }, 'session listener failed');
    }
  }
}

/** Persist, then tell, then act: the order a restart relies on (README, crash model). */
export async function persistNew(
  rt: Runner,
  session: RestoreSession,
  effects: SessionEffect[],
): Promise<void> {
  await rt.deps.store.save(session);
  rt.sessions.set(session.id, session);
  emit(rt, session);
  rt.runEffects(session, effects);
}

export function apply(rt: Runner, id: string, event: SessionEvent): Promise<Outcome> {
  return serial(rt, id, async () => {
    const current = rt.sessions.get(id);
    if (current === undefined) {
      return { ok: false, code: 'unexpected_event', reason: `There is no session ${id}.` } as Outcome;
    }
    const result = transition(current, event, { now: rt.now() });
    if (!result.ok) return { ...result, session: current };
    await persistNew(rt, result.session, result.effects);
    return { ok: true, session: result.session };
  });
}

/** What `event` would do now, persisting nothing: the session as it is, or the refusal. */
export function dryRun(rt: Runner, id: string, event: SessionEvent): Outcome {
  const current = rt.sessions.get(id);
  if (current === undefined) {
    return { ok: false, code: 'unexpected_event', reason: `There is no session ${id}.` };
  }
  const result = transition(current, event, { now: rt.now() });
  return result.ok ? { ok: true, session: current } : { ...result, session: current };
}

/** Every stored session, each as this process last saw it. */
export async function allSessions(rt: Runner): Promise<RestoreSession[]> {
  const listing = await rt.deps.store.list();
  for (const bad of listing.corrupt) rt.deps.log.warn({ file: bad.file, code: bad.code }, bad.message);
  // The in-memory copy is never older than the stored one.
  return listing.sessions.map((s) => rt.sessions.get(s.id) ?? s);
}
