// "Retry cut-over" and "Retry" against the simulator: a new session bound to what the failed one
// left, with the usual confirmation; the restore job is not repeated when the data is already
// restored and flattened.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { failureText } from '../../../src/slack/views/failure.js';
import { type SimWithPorts, startSimWithPorts } from '../../helpers/sim-ports.js';
import { CHANNEL, CONFIRMER, harness, REQUESTER, restoreConfirmed, settled } from './support.js';

const actor = { channel: CHANNEL, user: REQUESTER };

describe('retrying a failed restore', () => {
  let env: SimWithPorts;
  beforeEach(async () => {
    env = await startSimWithPorts({ speed: 4000 });
  });
  afterEach(async () => {
    await env.close();
  });

  it('cuts over again to the directory a failed cutover left, without a second restore job', async () => {
    const { runtime } = harness(env);
    const service = runtime.service;
    env.sim.setFaults({ stackUpdateFails: true });
    const first = await service.start(actor, { kind: 'latest' }, 'latest');
    await service.confirm(first.id, CONFIRMER, first.planHash as string);
    const failed = await settled(runtime, first.id);
    expect(failed.failure?.stage).toBe('cutover');
    expect(failed.failure?.production).toBe('rolled_back');
    // The card reads chat-db's service after the failure: running on its old task definition.
    expect(failed.failure?.service).toMatchObject({ desired: 1, running: 1 });
    expect(failed.failure?.service?.taskDefinitionArn).toBe(
      failed.plan?.kind === 'restore' ? failed.plan.taskDefinitionArn : 'none',
    );
    expect(failureText(failed)).toMatch(
      /chat-db runs 1 of 1 task, \d healthy \(task definition `chat-db:\d+`\)\. The bot stopped (no task|the old task)/,
    );
    const flatDir = failed.aws.flatDir as string;
    expect(flatDir).toMatch(/^\/chatdb-restore_/);

    const retry = await service.retryCutover({ channel: CHANNEL, user: CONFIRMER }, first.id);
    expect(retry.status).toBe('awaiting_confirmation');
    const plan = retry.plan;
    if (plan?.kind !== 'restore') throw new Error('not a restore plan');
    expect(plan.targetRoot).toBe(flatDir);
    expect(plan.reuses).toEqual({ sessionId: first.id });
    expect(retry.stages.filter((s) => s.status === 'skipped').map((s) => s.name)).toEqual([
      'restore',
      'locate',
      'flatten',
    ]);
    // The usual confirmation: not the one who asked for the retry.
    const self = await service.confirm(retry.id, CONFIRMER, retry.planHash as string);
    expect(self.ok ? 'accepted' : self.code).toBe('self_confirm');
    await service.confirm(retry.id, REQUESTER, retry.planHash as string);
    const done = await settled(runtime, retry.id);
    expect(done.failure).toBeUndefined();
    expect(done.status).toBe('succeeded');
    expect(done.roots.next).toBe(flatDir);
    const state = await env.state();
    expect(state.restoreJobs).toHaveLength(1);
  });

  it('refuses a cut-over retry of a session that did not fail at its cutover, and a second one after it succeeded', async () => {
    const { runtime } = harness(env);
    const service = runtime.service;
    env.sim.setFaults({ stackUpdateFails: true });
    const first = await service.start(actor, { kind: 'latest' }, 'latest');
    await service.confirm(first.id, CONFIRMER, first.planHash as string);
    await settled(runtime, first.id);
    const retry = await service.retryCutover(actor, first.id);
    await service.confirm(retry.id, CONFIRMER, retry.planHash as string);
    await settled(runtime, retry.id);

    const again = await service.retryCutover(actor, first.id);
    expect(again.status).toBe('failed');
    expect(again.failure?.code).toBe('retry_refused');
    expect(again.failure?.reason).toMatch(/already runs on|cut over since/);
    const ofSuccess = await service.retryCutover(actor, retry.id);
    expect(ofSuccess.failure?.code).toBe('retry_refused');
    expect(ofSuccess.plan).toBeUndefined();
  });

  it('restores the same point again after a failed restore job', async () => {
    const { runtime } = harness(env);
    const service = runtime.service;
    env.sim.setFaults({ restoreJob: 'FAILED' });
    const first = await service.start(actor, { kind: 'latest' }, 'latest');
    await service.confirm(first.id, CONFIRMER, first.planHash as string);
    const failed = await settled(runtime, first.id);
    expect(failed.failure?.stage).toBe('restore');

    const retry = await service.retryRestore(actor, first.id);
    expect(retry.status).toBe('awaiting_confirmation');
    if (retry.plan?.kind !== 'restore' || failed.plan?.kind !== 'restore') throw new Error('not a restore');
    expect(retry.plan.recoveryPoint.arn).toBe(failed.plan.recoveryPoint.arn);
    expect(retry.pointInput).toBe('latest');
    await service.cancel(retry.id, REQUESTER);
    const notRestore = await service.retryRestore(actor, retry.id);
    expect(notRestore.failure?.code).toBe('retry_refused');
  });

  it('binds a rollback to the session it undoes: an older cutover’s rollback is refused', async () => {
    const { runtime } = harness(env);
    const service = runtime.service;
    const first = await restoreConfirmed(runtime);
    const second = await restoreConfirmed(runtime);
    const stale = await service.rollback(actor, first.id);
    expect(stale.failure?.code).toBe('superseded');
    expect(stale.failure?.reason).toContain(second.id);
    expect(stale.plan).toBeUndefined();
    const current = await service.rollback(actor, second.id);
    expect(current.status).toBe('awaiting_confirmation');
    expect(current.plan?.kind === 'rollback' ? current.plan.rollbackOf : undefined).toBe(second.id);
  });
});
