import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RestoreService } from '../../../src/restore/service.js';
import type { RestoreSession } from '../../../src/restore/session.js';
import { FileSessionStore, type SessionStore } from '../../../src/restore/store.js';
import { type SimWithPorts, startSimWithPorts } from '../../helpers/sim-ports.js';
import { waitFor } from '../../helpers/wait.js';
import {
  CRASH_STEPS,
  DRILL_CRASH_STEPS,
  livePick,
  PICK_CRASH_STEPS,
  PICK_POINT,
  PICK_SCENARIO,
  STAGED_CRASH_STEPS,
} from './crash-steps.js';
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

/** A service over a store that dies once `when` holds of a saved session (see DyingStore). */
async function dyingService(first: ReturnType<typeof harness>, when: (s: RestoreSession) => boolean) {
  const store = new DyingStore(new FileSessionStore(`${first.stateDir}/sessions`), when);
  const { createRestoreService } = await import('../../../src/restore/orchestrator.js');
  const { FileLock, holderOpenIn } = await import('../../../src/restore/lock.js');
  const { createApproverCheck } = await import('../../../src/restore/approval.js');
  const service = createRestoreService({
    activities: first.runtime.activities,
    store,
    lock: new FileLock({ dir: `${first.stateDir}/locks`, isHolderOpen: holderOpenIn(store) }),
    approvers: createApproverCheck({ kind: 'anyone' }, async () => []),
    confirmTtlMs: 60_000,
    log: { debug() {}, info() {}, warn() {}, error() {} },
  });
  return { store, service };
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
    // The harness's runtime uses its own store; rebuild the service over the dying one.
    const { store, service: dying } = await dyingService(first, when);
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

describe('a drill killed at its persisted steps resumes, finishes once and leaves nothing behind', () => {
  let env: SimWithPorts;
  beforeEach(async () => {
    env = await startSimWithPorts({ speed: 4000 });
  });
  afterEach(async () => {
    await env.close();
  });

  it.each(DRILL_CRASH_STEPS)('killed %s', async (_name, when) => {
    const rootBefore = readdirSync(env.settings.inspectorMount).sort();
    const first = harness(env);
    const { store, service: dying } = await dyingService(first, when);
    const session = await dying.drill({ channel: CHANNEL, user: REQUESTER }, { kind: 'latest' }, 'latest');
    await waitFor(() => store.dead, { timeoutMs: 60_000, what: 'the crash point' });
    void dying.close();

    const second = harness(env, { stateDir: first.stateDir });
    const resumed = await second.runtime.service.resumeAll();
    expect(resumed.map((s) => s.id)).toContain(session.id);
    const done = await settled(second.runtime, session.id);
    expect(done.failure).toBeUndefined();
    expect(done.status).toBe('succeeded');

    const state = await env.state();
    expect(state.restoreJobs).toHaveLength(1);
    // The killed process's in-flight CreateChangeSet may race the resumed one's: the name is the
    // session's, so the second is refused (AlreadyExists) or finds the first; never two change sets.
    expect(state.calls['cloudformation:CreateChangeSet'] ?? 0).toBeGreaterThanOrEqual(1);
    expect(state.calls['cloudformation:ExecuteChangeSet'] ?? 0).toBe(0);
    expect((state.stack as { changeSets: unknown[] }).changeSets).toEqual([]);
    expect(readdirSync(env.settings.inspectorMount).sort()).toEqual(rootBefore);
    const ids = done.notices.map((n) => n.id).filter((id) => !id.includes(':resumed'));
    expect(ids.filter((id) => id.includes('#'))).toEqual([]);
    await second.runtime.close();
  });
});

/** What the engineers do next on a session waiting for a pick: the requester picks, a second engineer confirms. */
async function drivePick(service: RestoreService, id: string): Promise<void> {
  const s = service.get(id);
  if (s?.status !== 'awaiting_pick') return;
  const picked = s.pick?.picked;
  if (picked === undefined) await service.pickDataDir(id, REQUESTER, livePick(s) ?? '');
  else await service.confirmPick(id, CONFIRMER, picked.hash);
}

describe('a restore waiting for a pick, killed around the pick, resumes and finishes once with the picked data', () => {
  let env: SimWithPorts;
  beforeEach(async () => {
    env = await startSimWithPorts({ speed: 4000, scenario: PICK_SCENARIO });
  });
  afterEach(async () => {
    await env.close();
  });

  it.each(PICK_CRASH_STEPS)('killed %s', async (_name, when) => {
    const first = harness(env);
    const { store, service: dying } = await dyingService(first, when);
    const session = await dying.start(
      { channel: CHANNEL, user: REQUESTER },
      { kind: 'id', id: PICK_POINT },
      PICK_POINT,
    );
    await dying.confirm(session.id, CONFIRMER, session.planHash as string);
    await waitFor(
      async () => {
        if (store.dead) return true;
        // A save refused by the dying store rejects; the next poll sees it dead.
        await drivePick(dying, session.id).catch(() => undefined);
        return undefined;
      },
      { timeoutMs: 60_000, what: 'the crash point' },
    );
    void dying.close();

    const second = harness(env, { stateDir: first.stateDir });
    await second.runtime.service.resumeAll();
    const done = await waitFor(
      async () => {
        const s = second.runtime.service.get(session.id);
        if (s !== undefined && !['awaiting_pick', 'running'].includes(s.status)) return s;
        await drivePick(second.runtime.service, session.id);
        return undefined;
      },
      { timeoutMs: 60_000, what: 'the session to end' },
    );
    await second.runtime.service.idle();
    expect(done.failure).toBeUndefined();
    expect(done.status).toBe('succeeded');
    expect(done.pick?.picked?.path).toBe(livePick(done));
    const state = await env.state();
    expect(state.restoreJobs).toHaveLength(1);
    expect(state.calls['cloudformation:ExecuteChangeSet'] ?? 0).toBe(1);
    // The live root holds the point's data, not the twin's.
    const bson = readFileSync(join(env.settings.inspectorMount, done.roots.next ?? '', 'storage.bson'));
    expect(bson.toString('latin1')).toContain(PICK_POINT);
    const ids = done.notices.map((n) => n.id).filter((id) => !id.includes(':resumed'));
    expect(ids.filter((id) => id.includes('#'))).toEqual([]);
    expect(ids).toEqual(
      expect.arrayContaining(['locate:pick_requested', 'locate:picked', 'locate:pick_confirmed']),
    );
    await second.runtime.close();
  });
});

describe('a restore started before its confirmation, killed while staging, resumes and cuts over once confirmed', () => {
  let env: SimWithPorts;
  beforeEach(async () => {
    env = await startSimWithPorts({ speed: 4000 });
  });
  afterEach(async () => {
    await env.close();
  });

  it.each(STAGED_CRASH_STEPS)('killed %s', async (_name, when) => {
    const first = harness(env);
    const { store, service: dying } = await dyingService(first, when);
    const session = await dying.start({ channel: CHANNEL, user: REQUESTER }, { kind: 'latest' }, 'latest');
    const staged = await dying.startStaged(session.id, REQUESTER, session.planHash as string);
    expect(staged.ok).toBe(true);
    await waitFor(() => store.dead, { timeoutMs: 60_000, what: 'the crash point' });
    void dying.close();
    // Nothing reached the stack before the confirmation, however far the staging got.
    expect((await env.state()).calls['cloudformation:ExecuteChangeSet'] ?? 0).toBe(0);

    const second = harness(env, { stateDir: first.stateDir });
    await second.runtime.service.resumeAll();
    const resumed = second.runtime.service.get(session.id);
    expect(resumed?.confirmer).toBeUndefined();
    const confirmed = await second.runtime.service.confirm(session.id, CONFIRMER, session.planHash as string);
    expect(confirmed.ok).toBe(true);
    const done = await settled(second.runtime, session.id);
    expect(done.failure).toBeUndefined();
    expect(done.status).toBe('succeeded');
    const state = await env.state();
    expect(state.restoreJobs).toHaveLength(1);
    expect(state.calls['cloudformation:ExecuteChangeSet']).toBe(1);
    expect((state.stack as { oneOffTasks: unknown[] }).oneOffTasks).toHaveLength(1);
    const ids = done.notices.map((n) => n.id).filter((id) => !id.includes(':resumed'));
    expect(ids.filter((id) => id.includes('#'))).toEqual([]);
    await second.runtime.close();
  });

  it('killed between a rejection and the record of its teardown: the restart deletes nothing twice and records it', async () => {
    const first = harness(env);
    const { store, service: dying } = await dyingService(
      first,
      (s) => s.status === 'rejected' && s.staged?.teardown?.status === 'pending',
    );
    const session = await dying.start({ channel: CHANNEL, user: REQUESTER }, { kind: 'latest' }, 'latest');
    await dying.startStaged(session.id, REQUESTER, session.planHash as string);
    const ready = await waitFor(
      () => {
        const s = dying.get(session.id);
        return s?.status === 'awaiting_confirmation' && s.aws.flatDir !== undefined ? s : undefined;
      },
      { timeoutMs: 60_000, what: 'the staged restore to be ready' },
    );
    const names = [ready.aws.flatDir?.slice(1) ?? '', ready.aws.restoreDir ?? ''];
    await dying.reject(session.id, CONFIRMER);
    await waitFor(() => store.dead, { timeoutMs: 60_000, what: 'the crash point' });
    // The killed process may have deleted the directories before it could record it.
    await dying.close();

    const second = harness(env, { stateDir: first.stateDir });
    await second.runtime.service.resumeAll();
    await second.runtime.service.idle();
    const done = second.runtime.service.get(session.id);
    expect(done?.status).toBe('rejected');
    const teardown = done?.staged?.teardown;
    expect(teardown?.status).toBe('done');
    expect([...(teardown?.deleted ?? []), ...(teardown?.absent ?? [])].sort()).toEqual([...names].sort());
    for (const name of names) expect(existsSync(join(env.settings.inspectorMount, name))).toBe(false);
    expect(existsSync(join(env.settings.inspectorMount, ready.plan?.currentRoot.slice(1) ?? '?'))).toBe(true);
    expect((await env.state()).calls['cloudformation:ExecuteChangeSet'] ?? 0).toBe(0);
    await second.runtime.close();
  });
});
