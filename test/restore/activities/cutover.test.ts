import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { CutoverCheckpoint, CutoverInput, CutoverState } from '../../../src/restore/activities/index.js';
import { PlanChanged, StageFailure } from '../../../src/restore/activities/index.js';
import type { SimulatorOptions } from '../../../src/sim/server.js';
import { type SimWithPorts, startSimWithPorts } from '../../helpers/sim-ports.js';
import { activitiesFor, LIVE_DB_DIR, recordingHooks } from './support.js';

let env: SimWithPorts | undefined;
afterEach(async () => {
  await env?.close();
  env = undefined;
});

const NEW_ROOT = '/chatdb-restore_2026-11-23T08-00-00Z_rcut';

interface StackState {
  stack: { status: string; templateBody: string };
  changeSets: { name: string; status: string; executionStatus: string }[];
  executions: { accepted: number; refused: number };
  taskDefinitions: { arn: string; volumes: { name: string; rootDirectory?: string }[] }[];
  tasks: { arn: string; taskDefinition: string; lastStatus: string; stoppedReason?: string }[];
}

/** A fresh simulator whose volume holds a copy of the live data dir at NEW_ROOT. */
async function setup(opts: SimulatorOptions & { withNewRoot?: boolean } = {}) {
  const { withNewRoot = true, ...simOpts } = opts;
  env = await startSimWithPorts({ speed: 5000, ...simOpts });
  const e = env;
  if (withNewRoot) {
    cpSync(join(e.settings.inspectorMount, LIVE_DB_DIR), join(e.settings.inspectorMount, NEW_ROOT), {
      recursive: true,
    });
  }
  const { activities, logs } = activitiesFor(e);
  const target = await activities.resolveTarget();
  const input = (state: Partial<CutoverState> = {}, newRoot = NEW_ROOT): CutoverInput => ({
    target,
    expectedTemplateSha256: target.templateSha256,
    expectedTaskDefinitionArn: target.taskDefinitionArn,
    newRoot,
    changeSetName: 'chatdb-restore-rcut-1',
    sessionId: 'rcut',
    state: { stoppedTaskArns: [], ...state },
    templateFile: 'roles/rocket-chat/files/chat.cf.yaml',
  });
  const stackState = async () => (await e.state()).stack as unknown as StackState;
  return { env: e, activities, logs, target, input, stackState };
}

function rootOf(state: StackState, tdArn: string): string | undefined {
  return state.taskDefinitions.find((td) => td.arn === tdArn)?.volumes.find((v) => v.name === 'chat-db')
    ?.rootDirectory;
}

async function failure(promise: Promise<unknown>): Promise<StageFailure> {
  const error = await promise.catch((e: unknown) => e);
  expect(error).toBeInstanceOf(StageFailure);
  return error as StageFailure;
}

describe('cutover', () => {
  it('sets the root through a change set, stops the old task when the new one waits, and waits for stable', async () => {
    const { env, activities, target, input, stackState } = await setup();
    const rec = recordingHooks<CutoverCheckpoint>();
    const result = await activities.cutover(input(), rec.hooks);

    expect(rec.checkpoints.map((c) => Object.keys(c).join('+'))).toEqual([
      'templateDiff+previousRoot',
      'changeSetId',
      'executing',
      'executed+executedAt',
      'stopping',
      'stoppedTaskArns',
    ]);
    expect(result.previousRoot).toBe(LIVE_DB_DIR);
    expect(result.newTaskDefinitionArn).not.toBe(target.taskDefinitionArn);
    expect(result.stoppedTaskArns).toHaveLength(1);
    expect(result.templateDiff).toContain('--- a/roles/rocket-chat/files/chat.cf.yaml');
    expect(result.templateDiff).toContain(`-            RootDirectory: ${LIVE_DB_DIR}`);
    expect(result.templateDiff).toContain(`+            RootDirectory: ${NEW_ROOT}`);
    expect(result.templateDiff.split('\n').filter((l) => /^[-+][^-+]/.test(l))).toHaveLength(2);

    const state = await stackState();
    expect(state.stack.status).toBe('UPDATE_COMPLETE');
    expect(state.executions.accepted).toBe(1);
    expect(rootOf(state, result.newTaskDefinitionArn)).toBe(NEW_ROOT);
    const stopped = state.tasks.find((t) => t.arn === result.stoppedTaskArns[0]);
    expect(stopped?.taskDefinition).toBe(target.taskDefinitionArn);
    expect(stopped?.stoppedReason).toContain(`chatdb-restore rcut: cut over to ${NEW_ROOT}`);
    expect(
      state.tasks.some((t) => t.taskDefinition === result.newTaskDefinitionArn && t.lastStatus === 'RUNNING'),
    ).toBe(true);
    expect((await env.state()).calls['ecs:StopTask']).toBe(1);

    const verified = await activities.verify({
      target,
      newTaskDefinitionArn: result.newTaskDefinitionArn,
      expectRoot: NEW_ROOT,
    });
    expect(verified.healthStatus).toBe('HEALTHY');
    expect(state.tasks.find((t) => t.arn === verified.taskArn)?.taskDefinition).toBe(
      result.newTaskDefinitionArn,
    );
  });

  it('re-run after a crash right after execute: one ExecuteChangeSet, one StopTask', async () => {
    const { env, activities, input, stackState } = await setup();
    const first = recordingHooks<CutoverCheckpoint>((patch) => {
      if ('executed' in patch) first.controller.abort();
    });
    await expect(activities.cutover(input(), first.hooks)).rejects.toMatchObject({ name: 'AbortError' });
    // As a JSON session store gives it back: executedAt is an ISO string.
    const saved = JSON.parse(
      JSON.stringify(Object.assign({ stoppedTaskArns: [] }, ...first.checkpoints)),
    ) as CutoverState;
    expect(saved.executed).toBe(true);
    expect(typeof saved.executedAt).toBe('string');

    const result = await activities.cutover(input(saved), recordingHooks<CutoverCheckpoint>().hooks);
    expect(result.templateDiff).toBe(saved.templateDiff);
    expect(result.executedAt.toISOString()).toBe(saved.executedAt);
    const calls = (await env.state()).calls;
    expect(calls['cloudformation:ExecuteChangeSet']).toBe(1);
    expect(calls['cloudformation:CreateChangeSet']).toBe(1);
    expect(calls['ecs:StopTask']).toBe(1);
    expect((await stackState()).executions).toEqual({ accepted: 1, refused: 0 });
  });

  it('re-run when the crash lost the executed checkpoint: the change set says it ran', async () => {
    const { env, activities, input } = await setup();
    const first = recordingHooks<CutoverCheckpoint>((patch) => {
      if ('executed' in patch) first.controller.abort();
    });
    await expect(activities.cutover(input(), first.hooks)).rejects.toMatchObject({ name: 'AbortError' });
    const lost = Object.assign(
      { stoppedTaskArns: [] },
      ...first.checkpoints.filter((c) => !('executed' in c)),
    ) as CutoverState;
    expect(lost.executed).toBeUndefined();

    const second = recordingHooks<CutoverCheckpoint>();
    const result = await activities.cutover(input(lost), second.hooks);
    expect(second.checkpoints[0]).toMatchObject({ executed: true });
    expect(result.stoppedTaskArns).toHaveLength(1);
    const calls = (await env.state()).calls;
    expect(calls['cloudformation:ExecuteChangeSet']).toBe(1);
    expect(calls['ecs:StopTask']).toBe(1);
  });

  it('records the intent before ExecuteChangeSet is called: a crash after the intent and before the call executes once on the re-run', async () => {
    const { env, activities, input, stackState } = await setup();
    // The process dies right after persisting the intent.
    const first = recordingHooks<CutoverCheckpoint>((patch) => {
      if ('executing' in patch) throw new Error('the process was killed');
    });
    await expect(activities.cutover(input(), first.hooks)).rejects.toThrow('the process was killed');
    // Recorded before the call: CloudFormation was never asked.
    expect((await env.state()).calls['cloudformation:ExecuteChangeSet'] ?? 0).toBe(0);
    const saved = Object.assign({ stoppedTaskArns: [] }, ...first.checkpoints) as CutoverState & {
      executing?: Date;
    };
    expect(saved.executing).toBeInstanceOf(Date);
    expect(saved.changeSetId).toBeDefined();

    // The re-run finds the change set not executed (its status and the stack's ChangeSetId say
    // so) and executes it, once.
    const second = recordingHooks<CutoverCheckpoint>();
    const result = await activities.cutover(input(saved), second.hooks);
    expect(second.checkpoints.map((c) => Object.keys(c).join('+'))).toContain('executing');
    expect(result.stoppedTaskArns).toHaveLength(1);
    const calls = (await env.state()).calls;
    expect(calls['cloudformation:ExecuteChangeSet']).toBe(1);
    expect(calls['cloudformation:CreateChangeSet']).toBe(1);
    expect((await stackState()).executions).toEqual({ accepted: 1, refused: 0 });
  });

  it('re-run after a crash between StopTask and its checkpoint never stops a task twice', async () => {
    const { env, activities, input } = await setup();
    const first = recordingHooks<CutoverCheckpoint>((patch) => {
      if ('stoppedTaskArns' in patch) first.controller.abort();
    });
    await expect(activities.cutover(input(), first.hooks)).rejects.toMatchObject({ name: 'AbortError' });
    const saved = Object.assign({}, ...first.checkpoints.filter((c) => !('stoppedTaskArns' in c)), {
      stoppedTaskArns: [],
    }) as CutoverState;

    const result = await activities.cutover(input(saved), recordingHooks<CutoverCheckpoint>().hooks);
    expect(result.stoppedTaskArns).toEqual([]);
    const calls = (await env.state()).calls;
    expect(calls['ecs:StopTask']).toBe(1);
    expect(calls['cloudformation:ExecuteChangeSet']).toBe(1);
  });

  it('a stack that changed since the confirmation is PlanChanged, before anything is created', async () => {
    const { env, activities, input, target } = await setup();
    const error = await activities
      .cutover(
        {
          ...input(),
          expectedTemplateSha256: '0'.repeat(64),
          expectedTaskDefinitionArn: `${target.taskDefinitionArn}0`,
        },
        recordingHooks<CutoverCheckpoint>().hooks,
      )
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PlanChanged);
    expect((error as PlanChanged).changes.map((c) => c.what)).toEqual(['template', 'task_definition']);
    expect((await env.state()).calls['cloudformation:CreateChangeSet']).toBeUndefined();
  });

  it('a change set without changes fails with CloudFormation reason, production unchanged', async () => {
    const { activities, input } = await setup({ withNewRoot: false });
    const f = await failure(
      activities.cutover(input({}, LIVE_DB_DIR), recordingHooks<CutoverCheckpoint>().hooks),
    );
    expect(f).toMatchObject({ stage: 'cutover', code: 'change_set_failed', production: 'unchanged' });
    expect(f.reason).toContain(
      "The submitted information didn't contain changes. Submit different information to create a change set.",
    );
  });

  it('a change set that fails for another reason surfaces that reason', async () => {
    const { env, activities, input } = await setup();
    env.sim.setFaults({ changeSetFails: 'Template error: something the simulator was told to say' });
    const f = await failure(activities.cutover(input(), recordingHooks<CutoverCheckpoint>().hooks));
    expect(f).toMatchObject({ code: 'change_set_failed', production: 'unchanged' });
    expect(f.reason).toContain('Template error: something the simulator was told to say');
  });

  it('an update that fails and rolls back: the first failed resource reason, production checked rolled_back', async () => {
    const { env, activities, input, target, stackState } = await setup();
    env.sim.setFaults({ stackUpdateFails: 'Resource handler returned message: "simulated update failure"' });
    const f = await failure(activities.cutover(input(), recordingHooks<CutoverCheckpoint>().hooks));
    expect(f).toMatchObject({ stage: 'cutover', code: 'stack_update_failed', production: 'rolled_back' });
    expect(f.reason).toContain('UPDATE_ROLLBACK_COMPLETE');
    expect(f.reason).toContain('simulated update failure');
    const state = await stackState();
    expect(state.stack.status).toBe('UPDATE_ROLLBACK_COMPLETE');
    const svcTd = (await env.ports.ecs.describeService(target.cluster, target.service)).taskDefinitionArn;
    expect(rootOf(state, svcTd)).toBe(LIVE_DB_DIR);
  });

  it('a new root that does not exist: ECS ResourceInitializationError, rolled back', async () => {
    const { activities, input } = await setup({ withNewRoot: false });
    const f = await failure(activities.cutover(input(), recordingHooks<CutoverCheckpoint>().hooks));
    expect(f).toMatchObject({ code: 'stack_update_failed', production: 'rolled_back' });
    expect(f.reason).toMatch(/ResourceInitializationError: failed to invoke EFS utils commands/);
    expect(f.reason).toContain(NEW_ROOT);
  });

  it('a crash-looping new task fails the update with the task reason, rolled back', async () => {
    const { env, activities, input } = await setup();
    env.sim.setFaults({ taskCrashLoop: true });
    const f = await failure(activities.cutover(input(), recordingHooks<CutoverCheckpoint>().hooks));
    expect(f).toMatchObject({ code: 'stack_update_failed', production: 'rolled_back' });
    expect(f.reason).toContain('Essential container in task exited');
  });

  it('a stack that does not settle in time: stack_timeout, production unknown', async () => {
    const { env, input } = await setup({ speed: 20 });
    const slow = activitiesFor(env, { stackTimeoutMs: 300 }).activities;
    const f = await failure(slow.cutover(input(), recordingHooks<CutoverCheckpoint>().hooks));
    expect(f).toMatchObject({ code: 'stack_timeout', production: 'unknown' });
    expect(f.reason).toMatch(/still UPDATE_IN_PROGRESS/);
  });
});
