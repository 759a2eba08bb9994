import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RestoreSession } from '../../../src/restore/session.js';
import { FileSessionStore, type SessionStore } from '../../../src/restore/store.js';
import { type SimWithPorts, startSimWithPorts } from '../../helpers/sim-ports.js';
import { waitFor } from '../../helpers/wait.js';
import { CRASH_STEPS } from './crash-steps.js';
import { CHANNEL, CONFIRMER, harness, REQUESTER, settled } from './support.js';

/**
 * A store that "dies" right after persisting the step a predicate picks: every later save fails,
 * so the process can change nothing more that it could remember. A second service over the same
 * state directory then plays the restarted process.
 */
class DyingStore implements SessionStore {
  dead = false;
  constructor(
    private readonly inner: FileSessionStore,
    private readonly when: (s: RestoreSession) => boolean,
  ) {}
  async save(session: RestoreSession): Promise<void> {
    if (this.dead) throw new Error('the process was killed');
    await this.inner.save(session);
    if (this.when(session)) this.dead = true;
  }
  load(id: string) {
    return this.inner.load(id);
  }
  list(opts?: { open?: boolean }) {
    return this.inner.list(opts);
  }
}

describe('a restore killed at every persisted step resumes and finishes once', () => {
  let env: SimWithPorts;
  // A fresh world for each: every run restores the same point onto the default stack.
  beforeEach(async () => {
    env = await startSimWithPorts({ speed: 4000 });
  });
  afterEach(async () => {
    await env.close();
  });

  it.each(CRASH_STEPS)('killed %s', async (_name, when) => {
    const baseline = await env.state();
    const jobsBefore = baseline.restoreJobs.length;
    const executesBefore = baseline.calls['cloudformation:ExecuteChangeSet'] ?? 0;
    const stopsBefore = baseline.calls['ecs:StopTask'] ?? 0;
    const checksBefore = (baseline.stack as { oneOffTasks: unknown[] }).oneOffTasks.length;

    const first = harness(env);
    const store = new DyingStore(new FileSessionStore(`${first.stateDir}/sessions`), when);
    // The harness's runtime uses its own store; rebuild the service over the dying one.
    const { createRestoreService } = await import('../../../src/restore/orchestrator.js');
    const { FileLock, holderOpenIn } = await import('../../../src/restore/lock.js');
    const { createApproverCheck } = await import('../../../src/restore/approval.js');
    const dying = createRestoreService({
      activities: first.runtime.activities,
      store,
      lock: new FileLock({ dir: `${first.stateDir}/locks`, isHolderOpen: holderOpenIn(store) }),
      approvers: createApproverCheck({ kind: 'anyone' }, async () => []),
      confirmTtlMs: 60_000,
      log: { debug() {}, info() {}, warn() {}, error() {} },
    });
    const session = await dying.start({ channel: CHANNEL, user: REQUESTER }, { kind: 'latest' }, 'latest');
    await dying.confirm(session.id, CONFIRMER, session.planHash as string);
    await waitFor(() => store.dead, { timeoutMs: 60_000, what: 'the crash point' });
    // The killed process does nothing more: its in-flight work is abandoned, not finished.
    void dying.close();

    const second = harness(env, { stateDir: first.stateDir });
    const resumed = await second.runtime.service.resumeAll();
    expect(resumed.map((s) => s.id)).toContain(session.id);
    const done = await settled(second.runtime, session.id);
    expect(done.failure).toBeUndefined();
    expect(done.status).toBe('succeeded');

    const state = await env.state();
    expect(state.restoreJobs.length - jobsBefore).toBe(1);
    expect((state.calls['cloudformation:ExecuteChangeSet'] ?? 0) - executesBefore).toBe(1);
    expect((state.calls['ecs:StopTask'] ?? 0) - stopsBefore).toBe(1);
    // One check task, however often the check was resumed; its revision deregistered.
    const stack = state.stack as {
      oneOffTasks: unknown[];
      taskDefinitions: { family: string; status: string }[];
    };
    expect(stack.oneOffTasks.length - checksBefore).toBe(1);
    expect(
      stack.taskDefinitions.filter((td) => td.family === 'chat-db-check' && td.status === 'ACTIVE'),
    ).toEqual([]);
    expect(done.stages.find((st) => st.name === 'check')?.status).toBe('done');
    // Each stage's outcome is announced once; a resume adds a note that says so.
    const ids = done.notices.map((n) => n.id).filter((id) => !id.includes(':resumed'));
    expect(ids.filter((id) => id.includes('#'))).toEqual([]);
    expect(ids).toContain('session:summary');
    expect(done.notices.some((n) => n.kind === 'resumed')).toBe(true);
    await second.runtime.close();
  });
});
