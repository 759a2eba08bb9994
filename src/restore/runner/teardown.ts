// The staged teardown effect (`teardown_staged`, staged.ts): a staged session ended before its
// cutover; once its aborted stage has stopped, delete what it restored (the names its ending
// persisted) and record what was deleted and left with `teardown_done`.

import type { LeftDir } from '../staged.js';
import type { SessionEvent } from '../transitions.js';
import type { Runner } from './context.js';
import { apply } from './session-loop.js';

export function runTeardown(rt: Runner, id: string): void {
  if (rt.closed || rt.teardowns.has(id)) return;
  const work = tearDown(rt, id)
    .catch((error: unknown) => rt.deps.log.error({ err: error, session: id }, 'teardown failed'))
    .finally(() => rt.teardowns.delete(id));
  rt.teardowns.set(id, work);
}

async function tearDown(rt: Runner, id: string): Promise<void> {
  await rt.running.get(id)?.done;
  const teardown = rt.sessions.get(id)?.staged?.teardown;
  if (teardown === undefined || teardown.status !== 'pending') return;
  let outcome: Extract<SessionEvent, { type: 'teardown_done' }>;
  try {
    outcome = { type: 'teardown_done', ...(await rt.deps.activities.stagedTeardown(teardown)) };
  } catch (error) {
    // Nothing could be asked or deleted: all of it is left for cleanup, by name where known.
    const left: LeftDir[] = teardown.names.map((name) => ({ name, why: 'delete_failed' }));
    if (teardown.jobUnfinished === true && teardown.restoreJobId !== undefined)
      left.push({ why: 'job_running', restoreJobId: teardown.restoreJobId });
    const reason = error instanceof Error ? error.message : String(error);
    outcome = { type: 'teardown_done', deleted: [], absent: [], left, error: reason };
  }
  if (rt.closed) return;
  const recorded = await apply(rt, id, outcome);
  if (!recorded.ok) rt.deps.log.warn({ session: id, code: recorded.code }, 'teardown not recorded');
}
