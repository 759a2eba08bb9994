import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isRestoreError } from '../../../src/restore/errors.js';
import { FileSessionStore } from '../../../src/restore/store.js';
import { type SimWithPorts, startSimWithPorts } from '../../helpers/sim-ports.js';
import { waitFor } from '../../helpers/wait.js';
import { POINTS } from '../activities/support.js';
import { CHANNEL, CONFIRMER, harness, REQUESTER, restoreConfirmed, settled } from './support.js';

interface TaskDef {
  arn: string;
  revision: number;
  volumes: { name: string; rootDirectory?: string }[];
}

function chatDbRoot(state: Record<string, unknown>): string | undefined {
  const stack = state.stack as {
    services?: { name: string; taskDefinition: string }[];
    taskDefinitions?: TaskDef[];
  };
  const service = stack.services?.find((s) => s.name === 'chat-db');
  const td = stack.taskDefinitions?.find((t) => t.arn === service?.taskDefinition);
  return td?.volumes.find((v) => v.name === 'chat-db')?.rootDirectory;
}

describe('the restore service against the simulator', () => {
  let env: SimWithPorts;
  beforeEach(async () => {
    env = await startSimWithPorts({ speed: 4000 });
  });
  afterEach(async () => {
    await env.close();
  });

  it('restores a point, flattens it, cuts over, verifies, and keeps the whole story in the session', async () => {
    const { runtime } = harness(env);
    const service = runtime.service;
    const actor = { channel: CHANNEL, user: REQUESTER };
    const session = await service.start(actor, { kind: 'id', id: POINTS.newest }, POINTS.newest);
    expect(session.status).toBe('awaiting_confirmation');
    expect(session.plan?.kind).toBe('restore');
    const before = await env.state();
    // Nothing in AWS was mutated before the confirmation.
    expect(before.calls['backup:StartRestoreJob'] ?? 0).toBe(0);

    const self = await service.confirm(session.id, REQUESTER, session.planHash as string);
    expect(self.ok).toBe(false);
    if (!self.ok) expect(self.code).toBe('self_confirm');

    const stale = await service.confirm(session.id, CONFIRMER, 'f'.repeat(64));
    expect(stale.ok).toBe(false);
    if (!stale.ok) expect(stale.code).toBe('plan_changed');

    // Two engineers pressing at once: exactly one confirmation.
    const [a, b] = await Promise.all([
      service.confirm(session.id, CONFIRMER, session.planHash as string),
      service.confirm(session.id, 'U0THIRD', session.planHash as string),
    ]);
    expect([a.ok, b.ok].filter(Boolean)).toHaveLength(1);

    const done = await settled(runtime, session.id);
    expect(done.failure).toBeUndefined();
    expect(done.status).toBe('succeeded');
    expect(done.stages.map((s) => s.status)).toEqual(done.stages.map(() => 'done'));
    const plan = done.plan;
    if (plan?.kind !== 'restore') throw new Error('not a restore plan');
    expect(done.aws.flatDir).toBe(plan.targetRoot);
    expect(done.roots).toEqual({ previous: plan.currentRoot, next: plan.targetRoot });
    expect(done.aws.templateDiff).toContain(`+            RootDirectory: ${plan.targetRoot}`);

    const state = await env.state();
    expect(state.restoreJobs).toHaveLength(1);
    expect(state.calls['cloudformation:ExecuteChangeSet']).toBe(1);
    expect(state.calls['ecs:StopTask']).toBe(1);
    expect(chatDbRoot(state)).toBe(plan.targetRoot);
    // The flat directory holds the data of the point that was asked for.
    const mount = env.sim.env().CHATDB_INSPECTOR_MOUNT as string;
    const bson = join(mount, plan.targetRoot, 'storage.bson');
    expect(existsSync(bson)).toBe(true);
    expect(readFileSync(bson, 'utf8')).toContain(POINTS.newest);
    // Every stage is announced once (a repeat would carry a `#2` id), waiting for the Slack layer.
    const ids = done.notices.map((n) => n.id);
    expect(ids.filter((id) => id.includes('#'))).toEqual([]);
    for (const stage of ['restore', 'locate', 'flatten', 'cutover', 'verify']) {
      expect(ids).toContain(`${stage}:started`);
      expect(ids).toContain(`${stage}:done`);
    }
    expect(ids).toContain('session:summary');
    await runtime.close();
  });

  it('holds one session per file system and names the holder', async () => {
    const { runtime } = harness(env);
    const first = await runtime.service.start(
      { channel: CHANNEL, user: REQUESTER },
      { kind: 'latest' },
      'latest',
    );
    expect(first.status).toBe('awaiting_confirmation');
    const refused = await runtime.service
      .start({ channel: 'C0OTHER', user: CONFIRMER }, { kind: 'latest' }, 'latest')
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(isRestoreError(refused, 'locked')).toBe(true);
    if (isRestoreError(refused)) {
      expect(refused.details).toMatchObject({ sessionId: first.id, requester: REQUESTER, channel: CHANNEL });
    }
    // Once the first is cancelled, the file system is free again.
    const cancelled = await runtime.service.cancel(first.id, REQUESTER);
    expect(cancelled.ok).toBe(true);
    await runtime.service.idle();
    const second = await runtime.service.start(
      { channel: 'C0OTHER', user: CONFIRMER },
      { kind: 'latest' },
      'latest',
    );
    expect(second.status).toBe('awaiting_confirmation');
    await runtime.close();
  });

  it('creates a session with the card its caller posted, and records a refusal as told there', async () => {
    const { runtime, stateDir } = harness(env);
    const store = new FileSessionStore(join(stateDir, 'sessions'));
    const first = await runtime.service.start(
      { channel: CHANNEL, user: REQUESTER, cardTs: '1779271200.000100' },
      { kind: 'latest' },
      'latest',
    );
    expect(first.card).toEqual({ ts: '1779271200.000100' });
    // Persisted with the session from its first save: a crash before the plan keeps its card.
    expect(first.events[0]?.type).toBe('created');
    expect((await store.load(first.id))?.card).toEqual({ ts: '1779271200.000100' });

    // Refused for the lock: the caller tells it, so its notices are recorded as told on its card.
    await runtime.service
      .start(
        { channel: 'C0OTHER', user: CONFIRMER, cardTs: '1779271200.000200' },
        { kind: 'latest' },
        'latest',
      )
      .catch(() => undefined);
    const locked = runtime.service.recent('C0OTHER', 1)[0];
    expect(locked?.failure?.code).toBe('locked');
    expect(locked?.card).toEqual({ ts: '1779271200.000200' });
    expect(locked?.notices.length).toBeGreaterThan(0);
    expect(locked?.notices.every((n) => n.postedTs === '1779271200.000200')).toBe(true);

    // Refused before its plan (a point of another file system): likewise.
    await runtime.service.cancel(first.id, REQUESTER);
    await runtime.service.idle();
    const bad = await runtime.service.start(
      { channel: CHANNEL, user: REQUESTER, cardTs: '1779271200.000300' },
      { kind: 'id', id: POINTS.dump },
      POINTS.dump,
    );
    expect(bad.status).toBe('failed');
    expect(bad.notices.every((n) => n.postedTs === '1779271200.000300')).toBe(true);
    // Without a card from its caller, a refusal is left for the notifier to tell.
    const untold = await runtime.service.start(
      { channel: CHANNEL, user: REQUESTER },
      { kind: 'id', id: POINTS.dump },
      POINTS.dump,
    );
    expect(untold.card).toBeUndefined();
    expect(untold.notices.some((n) => n.postedTs === undefined)).toBe(true);
    await runtime.close();
  });

  it('refuses a point of the other file system without touching AWS', async () => {
    const { runtime } = harness(env);
    const session = await runtime.service.start(
      { channel: CHANNEL, user: REQUESTER },
      { kind: 'id', id: POINTS.dump },
      POINTS.dump,
    );
    expect(session.status).toBe('failed');
    expect(session.failure?.code).toBe('wrong_resource');
    expect(session.failure?.production).toBe('unchanged');
    const state = await env.state();
    expect(state.calls['backup:StartRestoreJob'] ?? 0).toBe(0);
    await runtime.close();
  });

  it('a failed restore job leaves production unchanged and says so in AWS words', async () => {
    const { runtime } = harness(env);
    const session = await runtime.service.start(
      { channel: CHANNEL, user: REQUESTER },
      { kind: 'latest' },
      'latest',
    );
    env.sim.setFaults({ restoreJob: 'FAILED' });
    await runtime.service.confirm(session.id, CONFIRMER, session.planHash as string);
    const done = await settled(runtime, session.id);
    expect(done.status).toBe('failed');
    expect(done.failure?.stage).toBe('restore');
    expect(done.failure?.production).toBe('unchanged');
    const state = await env.state();
    const job = state.restoreJobs[0] as { StatusMessage?: string; statusMessage?: string };
    expect(done.failure?.reason).toContain(String(job.StatusMessage ?? job.statusMessage));
    expect(state.calls['cloudformation:ExecuteChangeSet'] ?? 0).toBe(0);
    await runtime.close();
  });

  it('rolls back to the previous root after a restore, with its own confirmation', async () => {
    const { runtime } = harness(env);
    const s = runtime.service;
    const restored = await restoreConfirmed(runtime);

    const rollback = await s.rollback({ channel: CHANNEL, user: REQUESTER });
    expect(rollback.status).toBe('awaiting_confirmation');
    expect(rollback.plan?.kind === 'rollback' && rollback.plan.targetRoot).toBe(restored.roots.previous);
    await s.confirm(rollback.id, CONFIRMER, rollback.planHash as string);
    const back = await settled(runtime, rollback.id);
    expect(back.failure).toBeUndefined();
    expect(back.status).toBe('succeeded');
    expect(chatDbRoot(await env.state())).toBe(restored.roots.previous);
    await runtime.close();
  });

  it('after a restore, restores an older point from where the database lived then, item by item', async () => {
    const { runtime } = harness(env);
    const s = runtime.service;
    const actor = { channel: CHANNEL, user: REQUESTER };
    const restored = await restoreConfirmed(runtime, { kind: 'id', id: POINTS.newest }, POINTS.newest);

    // The newest point was taken before the bot's cutover: the database lived in the root that
    // cutover replaced, not in the root production runs on now.
    const again = await s.start(actor, { kind: 'id', id: POINTS.nested26h }, POINTS.nested26h);
    const plan = again.plan;
    if (plan?.kind !== 'restore') throw new Error(`not a restore plan: ${JSON.stringify(again.failure)}`);
    expect(plan.restoreMode).toEqual({ kind: 'item', path: restored.roots.previous });
    await s.confirm(again.id, CONFIRMER, again.planHash as string);
    const done = await settled(runtime, again.id);
    expect(done.failure).toBeUndefined();
    expect(done.status).toBe('succeeded');
    const state = await env.state();
    expect(chatDbRoot(state)).toBe(done.roots.next);
    const mount = env.sim.env().CHATDB_INSPECTOR_MOUNT as string;
    expect(readFileSync(join(mount, done.roots.next as string, 'storage.bson'), 'utf8')).toContain(
      POINTS.nested26h,
    );
    await runtime.close();
  });

  it('a cancel before the cutover stops the session and leaves production and the stack alone', async () => {
    const { runtime } = harness(env);
    const s = runtime.service;
    const session = await s.start({ channel: CHANNEL, user: REQUESTER }, { kind: 'latest' }, 'latest');
    await s.confirm(session.id, CONFIRMER, session.planHash as string);
    await waitFor(() => s.get(session.id)?.aws.restoreJobId, { what: 'the restore job' });
    const cancelled = await s.cancel(session.id, REQUESTER);
    expect(cancelled.ok).toBe(true);
    await s.idle();
    const after = s.get(session.id);
    expect(after?.status).toBe('cancelled');
    const state = await env.state();
    expect(state.calls['cloudformation:CreateChangeSet'] ?? 0).toBe(0);
    expect(state.calls['ecs:StopTask'] ?? 0).toBe(0);
    // The file system is free again.
    const next = await s.start({ channel: CHANNEL, user: CONFIRMER }, { kind: 'latest' }, 'latest');
    expect(next.status).toBe('awaiting_confirmation');
    await runtime.close();
  });

  it('cleans up restore directories after a restore, never the live root or the one just retired', async () => {
    const { runtime } = harness(env);
    const s = runtime.service;
    const restored = await restoreConfirmed(runtime);

    const cleanup = await s.cleanup({ channel: CHANNEL, user: REQUESTER });
    expect(cleanup.status).toBe('awaiting_confirmation');
    const candidates = cleanup.cleanup?.candidates ?? [];
    const live = candidates.find((c) => c.path === restored.roots.next);
    const retired = candidates.find((c) => c.path === restored.roots.previous);
    expect(live === undefined || live.deletable === false).toBe(true);
    expect(retired?.deletable).toBe(false);
    const deletable = candidates.filter((c) => c.deletable).map((c) => c.path);
    expect(deletable).toContain(`/${restored.aws.restoreDir}`);
    expect(candidates.every((c) => c.sizeBytes >= 0)).toBe(true);

    // Choosing the live root is refused; choosing the empty restore shell is accepted.
    const bad = await s.chooseCleanup(cleanup.id, REQUESTER, [restored.roots.previous as string]);
    expect(bad.ok).toBe(false);
    const chosen = await s.chooseCleanup(cleanup.id, REQUESTER, [`/${restored.aws.restoreDir}`]);
    expect(chosen.ok).toBe(true);
    if (!chosen.ok) return;
    const self = await s.confirm(cleanup.id, REQUESTER, chosen.session.planHash as string);
    expect(self.ok).toBe(false);
    await s.confirm(cleanup.id, CONFIRMER, chosen.session.planHash as string);
    const done = await settled(runtime, cleanup.id);
    expect(done.status).toBe('succeeded');
    const mount = env.sim.env().CHATDB_INSPECTOR_MOUNT as string;
    expect(existsSync(join(mount, restored.aws.restoreDir as string))).toBe(false);
    expect(existsSync(join(mount, restored.roots.next as string, 'storage.bson'))).toBe(true);
    expect(existsSync(join(mount, restored.roots.previous as string))).toBe(true);
    await runtime.close();
  });

  it('asks again when the stack changed after the plan was shown, and cuts over on the new template', async () => {
    const { runtime } = harness(env);
    const s = runtime.service;
    const session = await s.start({ channel: CHANNEL, user: REQUESTER }, { kind: 'latest' }, 'latest');
    // Someone deploys an unrelated change to the stack while the plan waits for its confirmation.
    const template = await env.operator.stack.getTemplate('rocket-chat');
    const edited = template.replace(/(ServiceName: chat\n(?:.*\n)*?\s+DesiredCount: )1/, '$12');
    expect(edited).not.toBe(template);
    const cs = await env.operator.stack.createChangeSet({
      stackName: 'rocket-chat',
      changeSetName: 'someone-else',
      templateBody: edited,
      description: 'scale chat',
    });
    expect(cs.status).toBe('CREATE_COMPLETE');
    await env.operator.stack.executeChangeSet('rocket-chat', 'someone-else', 'someone-else-1');
    const updated = await waitFor(
      async () => {
        const stack = await env.operator.stack.describeStack('rocket-chat');
        return stack.status.endsWith('_IN_PROGRESS') ? undefined : stack;
      },
      { what: 'the unrelated stack update to finish' },
    );
    expect(updated.status).toBe('UPDATE_COMPLETE');

    await s.confirm(session.id, CONFIRMER, session.planHash as string);
    const asked = await waitFor(
      () => {
        const now = s.get(session.id);
        return now?.status === 'awaiting_confirmation' && now.planHash !== session.planHash ? now : undefined;
      },
      { timeoutMs: 60_000, what: 'a new confirmation request' },
    );
    expect(asked.notices.some((n) => n.kind === 'plan_changed')).toBe(true);
    // Nothing was executed against the stack on the old plan.
    expect((await env.state()).calls['cloudformation:ExecuteChangeSet']).toBe(1);
    const stale = await s.confirm(session.id, CONFIRMER, session.planHash as string);
    expect(stale.ok).toBe(false);
    await s.confirm(session.id, CONFIRMER, asked.planHash as string);
    const done = await settled(runtime, session.id);
    expect(done.failure).toBeUndefined();
    expect(done.status).toBe('succeeded');
    const finalTemplate = await env.ports.stack.getTemplate('rocket-chat');
    expect(finalTemplate).toContain(`RootDirectory: ${done.roots.next}`);
    // The other engineer's change survived the cutover's edit.
    expect(finalTemplate.replace(`RootDirectory: ${done.roots.next}`, '')).toBe(
      edited.replace(`RootDirectory: ${done.roots.previous}`, ''),
    );
    await runtime.close();
  });

  it('concurrent lists share one read of the stack and the vault', async () => {
    const { runtime } = harness(env);
    const before = await env.state();
    const lists = await Promise.all(Array.from({ length: 10 }, () => runtime.service.listPoints(10)));
    const after = await env.state();
    const calls = (op: string) => (after.calls[op] ?? 0) - (before.calls[op] ?? 0);
    expect(calls('cloudformation:GetTemplate')).toBe(1);
    expect(calls('backup:ListRecoveryPointsByResource')).toBeGreaterThanOrEqual(1);
    expect(lists.every((l) => l.points.length === lists[0]?.points.length)).toBe(true);
    // A later list reads afresh.
    await runtime.service.listPoints(10);
    expect(
      ((await env.state()).calls['cloudformation:GetTemplate'] ?? 0) -
        (before.calls['cloudformation:GetTemplate'] ?? 0),
    ).toBe(2);
    await runtime.close();
  });
});
