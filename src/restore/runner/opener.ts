// The opener: a new session, persisted first (with its card, when the caller posted one), then
// the file system's lock taken in its name, then its plan resolved (plans.ts) and recorded, or
// the reason it could not be. The target is read before anything is stored, because it decides
// which lock to take.

import type { RestoreTarget } from '../activities/index.js';
import { RestoreError } from '../errors.js';
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

  if (target !== undefined) await takeLock(rt, id, actor, at, target, told);

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
    if (!failed.ok) throw RestoreError.fromRefusal(failed);
    if (target !== undefined) await rt.deps.lock.release(target.fileSystemId, id).catch(() => undefined);
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
  actor: Actor,
  at: Date,
  target: RestoreTarget,
  told: { told?: boolean },
): Promise<void> {
  const held = await rt.deps.lock.acquire(target.fileSystemId, {
    sessionId: id,
    requester: actor.user,
    channel: actor.channel,
    since: at.toISOString(),
  });
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
