// A process's start and end: resumeAll carries every stored session on from its last persisted
// step (the lock taken again, the expiry timer armed again, the stage that ran started again);
// idle waits until nothing runs; close stops timers and stages and waits for them to unwind.

import { isOpen, type RestoreSession, undeliveredNotices } from '../session.js';
import { teardownPending } from '../staged.js';
import type { Runner } from './context.js';
import { clearAllExpiries } from './expiry.js';
import { allSessions, apply, emit } from './session-loop.js';
import { runTeardown } from './teardown.js';

export async function resumeAll(rt: Runner): Promise<RestoreSession[]> {
  const all = await allSessions(rt);
  const resumed: RestoreSession[] = [];
  for (const stored of all) {
    if (!rt.sessions.has(stored.id)) rt.sessions.set(stored.id, stored);
  }
  for (const stored of all) {
    const session = rt.sessions.get(stored.id) as RestoreSession;
    if (!isOpen(session)) {
      // Finished, but the thread may still miss its last notices, or a staged one its teardown.
      if (undeliveredNotices(session).length > 0) emit(rt, session);
      if (teardownPending(session)) runTeardown(rt, session.id);
      continue;
    }
    if (session.plan !== undefined) {
      await rt.deps.lock.acquire(session.plan.fileSystemId, {
        sessionId: session.id,
        requester: session.requester,
        channel: session.channel,
        since: session.createdAt,
      });
    }
    if (session.status === 'resolving') {
      // Resolving reads AWS only; nothing to undo. The user starts again with fresh data.
      const outcome = await apply(rt, session.id, {
        type: 'resolve_failed',
        code: 'interrupted',
        reason: 'The bot restarted while it was resolving this request; nothing was changed. Start it again.',
      });
      if (outcome.ok) resumed.push(outcome.session);
      continue;
    }
    const outcome = await apply(rt, session.id, { type: 'resumed' });
    if (outcome.ok) resumed.push(outcome.session);
    else
      rt.deps.log.warn(
        { session: session.id, code: outcome.code, reason: outcome.reason },
        'could not resume',
      );
  }
  return resumed;
}

export async function idle(rt: Runner): Promise<void> {
  // Stages hand over to the next one as they finish, so wait until nothing runs any more.
  for (;;) {
    const pending = [...rt.running.values()].map((r) => r.done).concat([...rt.teardowns.values()]);
    const queued = rt.queues.pending();
    if (pending.length === 0 && queued.length === 0) return;
    await Promise.allSettled([...pending, ...queued]);
  }
}

export async function close(rt: Runner): Promise<void> {
  rt.closed = true;
  clearAllExpiries(rt);
  for (const r of rt.running.values()) r.abort.abort();
  await Promise.allSettled([...rt.running.values()].map((r) => r.done));
  await Promise.allSettled([...rt.teardowns.values()]);
  await Promise.allSettled(rt.queues.pending());
}
