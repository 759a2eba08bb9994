// The opener: a new session, persisted first (with its card, when the caller posted one), then
// the file system's lock taken in its name, then its plan resolved (plans.ts) and recorded, or
// the reason it could not be. The target is read before anything is stored, because it decides
// which lock to take.

import type { RestoreTarget } from '../activities/index.js';
import { RestoreError } from '../errors.js';
import type { LockHolder } from '../lock.js';
import type { Actor } from '../service.js';
import { createSession, isOpen, type RestoreSession, type SessionKind } from '../session.js';
import type { SessionEvent } from '../transitions.js';
import type { Runner } from './context.js';
import { asFailure } from './failure.js';
import { apply, persistNew, serial } from './session-loop.js';

/** Builds the session's `resolved` (or `resolve_failed`) event from the target it will act on. */
export type Resolve = (session: RestoreSession, target: RestoreTarget) => Promise<SessionEvent>;

export async function open(
  rt: Runner,
  actor: Actor,
  kind: SessionKind,
  pointInput: string | undefined,
  resolve: Resolve,
): Promise<RestoreSession> {
  const at = rt.now();
  const id = rt.newId(at);
  const created = createSession({
    id,
    kind,
    channel: actor.channel,
    requester: actor.user,
    now: at,
    confirmTtlMs: rt.deps.confirmTtlMs,
    ...(pointInput === undefined ? {} : { pointInput }),
    ...(actor.cardTs === undefined ? {} : { cardTs: actor.cardTs }),
  });
  // A refusal is told by the caller that posted the card (see Actor.cardTs).
  const told = actor.cardTs === undefined ? {} : { told: true };

  // The target decides which lock to take, so it is read before anything is stored.
  let target: RestoreTarget | undefined;
  let targetError: unknown;
  try {
    target = await rt.deps.activities.resolveTarget();
  } catch (error) {
    targetError = error;
  }
  await serial(rt, id, () => persistNew(rt, created.session, []));
  const started = await apply(rt, id, { type: 'stage_started', stage: 'resolve' });
  if (!started.ok) throw RestoreError.fromRefusal(started);

  if (target !== undefined) await takeLock(rt, id, kind, actor, at, target, told);

  let event: SessionEvent;
  if (target === undefined) {
    event = resolveFailed(targetError);
  } else {
    try {
      event = await resolve(started.session, target);
    } catch (error) {
      event = resolveFailed(error);
    }
  }
  const resolved = await apply(rt, id, event.type === 'resolve_failed' ? { ...event, ...told } : event);
  if (!resolved.ok) {
    // A plan that fails its own checks must not be confirmable.
    const failed = await apply(rt, id, {
      type: 'resolve_failed',
      reason: resolved.reason,
      code: resolved.code,
      ...told,
    });
    if (target !== undefined) await rt.deps.lock.release(target.fileSystemId, id).catch(() => undefined);
    // Ended while it resolved (cancelled, or a drill taken over by a restore): that is its story.
    if (!failed.ok && failed.code === 'finished' && failed.session !== undefined) return failed.session;
    if (!failed.ok) throw RestoreError.fromRefusal(failed);
    return failed.session;
  }
  if (target !== undefined && !isOpen(resolved.session)) {
    await rt.deps.lock.release(target.fileSystemId, id).catch(() => undefined);
  }
  return resolved.session;
}

function resolveFailed(error: unknown): SessionEvent {
  const failure = asFailure('resolve', error);
  return { type: 'resolve_failed', reason: failure.reason, ...(failure.code ? { code: failure.code } : {}) };
}

/**
 * The lock names a persisted session (a lock naming an unknown one counts as stale). Held by
 * another session: this one fails `locked`, and the caller gets a RestoreError naming the holder.
 */
async function takeLock(
  rt: Runner,
  id: string,
  kind: SessionKind,
  actor: Actor,
  at: Date,
  target: RestoreTarget,
  told: { told?: boolean },
): Promise<void> {
  const holder = {
    sessionId: id,
    requester: actor.user,
    channel: actor.channel,
    since: at.toISOString(),
  };
  let held = await rt.deps.lock.acquire(target.fileSystemId, holder);
  // A restore never waits for a drill: the drill gives way (persisted as cancelled first), and
  // its lock is then stale and reclaimed under the lock's guard, so both never hold it.
  if (!held.ok && kind !== 'drill' && (await takeOverDrill(rt, held.held, id, actor.user))) {
    held = await rt.deps.lock.acquire(target.fileSystemId, holder);
  }
  if (held.ok) return;
  await apply(rt, id, {
    type: 'resolve_failed',
    code: 'locked',
    reason: `Session ${held.held.sessionId} of <@${held.held.requester}> has held ${target.fileSystemId} since ${held.held.since}.`,
    ...told,
  });
  throw new RestoreError('locked', `Another session (${held.held.sessionId}) holds ${target.fileSystemId}.`, {
    ...held.held,
    fileSystemId: target.fileSystemId,
  });
}

/** Ends an open drill holding the lock in favour of session `sessionId`; false when the holder is no drill. */
async function takeOverDrill(
  rt: Runner,
  held: LockHolder,
  sessionId: string,
  user: string,
): Promise<boolean> {
  const drill = rt.sessions.get(held.sessionId);
  if (drill?.kind !== 'drill' || !isOpen(drill)) return false;
  const outcome = await apply(rt, drill.id, { type: 'take_over', by: user, sessionId });
  if (!outcome.ok) rt.deps.log.warn({ session: drill.id, code: outcome.code }, 'the drill did not give way');
  return outcome.ok;
}
