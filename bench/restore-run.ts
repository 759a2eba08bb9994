import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { CloudFormationClient, DescribeStackEventsCommand } from '@aws-sdk/client-cloudformation';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/log.js';
import { createRestoreRuntime } from '../src/restore/runtime.js';
import type { RestoreSession } from '../src/restore/session.js';
import type { FaultSpec } from '../src/sim/kernel.js';
import { botEnv } from '../test/helpers/bot-env.js';
import { type SimWithPorts, startSimWithPorts } from '../test/helpers/sim-ports.js';
import { waitFor } from '../test/helpers/wait.js';

/** Scripted AWS durations (simulated) and the fixed speed of the restore runs. */
export const RESTORE_SIZES = {
  speed: 100,
  durations: {
    restoreJobMs: '20m',
    changeSetMs: '20s',
    stackStepMs: '30s',
    taskStartMs: '60s',
    taskStopMs: '30s',
    ssmCommandMs: '2s',
    ssmInvocationDelayMs: '1s',
    checkTaskMs: '2m',
  },
  /** The bot's production poll intervals (10 s, at most 60 s), divided by the speed. */
  pollMs: { min: 10_000, max: 60_000 },
  throttleFraction: 0.3,
};

export interface RestoreRun {
  status: string;
  /** Confirmation to done, real ms. */
  wallMs: number;
  /** The start request to done (verified), real ms: the resolve, any wait for the confirmation, the rest. */
  requestToDoneMs: number;
  /** The start request until its plan was shown (the resolve), real ms. */
  resolveMs: number;
  /** The AWS waits on the critical path, in real ms, measured from the simulator's own records. */
  simulatedMs: number;
  simulatedParts: Record<string, number>;
  /** Simulated minutes the whole restore took (wall × speed). */
  simulatedMinutes: number;
  calls: Record<string, number>;
  totalCalls: number;
  faultsInjected: Record<string, { throttle: number; '5xx': number }>;
  /** Whether a throttling error shows anywhere in the session (failure, stage, notices). */
  throttlingReachedSession: boolean;
  /** The check stage, started to done, real ms (its task runs the real wrapper and script under sh). */
  checkStageMs: number;
  /** Item-level restore job of this run, bytes copied. */
  itemLevelBytes?: number;
  env: SimWithPorts;
  session: RestoreSession;
}

/**
 * One whole restore (start, confirmation by a second user, every stage to done) in-process
 * against the simulator with the production AWS ports (the SDK's standard retries).
 */
/**
 * Bytes a whole-volume restore of the same point copies, beside the item-level job the run made:
 * started directly on the simulator (sped up), after the run's figures were taken.
 */
export async function wholeVolumeBytes(run: RestoreRun): Promise<number | undefined> {
  const plan = run.session.plan;
  if (plan?.kind !== 'restore') return undefined;
  run.env.sim.setSpeed(100_000);
  await run.env.ports.backup.startRestoreJob({
    recoveryPointArn: plan.recoveryPoint.arn,
    fileSystemId: plan.fileSystemId,
    roleArn: run.env.sim.scenario.restoreRoleArn,
    idempotencyToken: 'bench-whole-volume',
  });
  const job = await waitFor(
    async () => {
      const jobs = (await run.env.state()).restoreJobs as { status: string; restoredBytes?: number }[];
      const whole = jobs[1];
      return whole?.status === 'COMPLETED' ? whole : undefined;
    },
    { timeoutMs: 30_000, what: 'the whole-volume restore job' },
  );
  return job.restoredBytes;
}

export async function runRestore(
  opts: {
    faults?: FaultSpec;
    keepOpen?: boolean;
    /** Real ms between the plan shown and the second engineer's confirmation. */
    confirmAfterMs?: number;
    /** The requester presses Start restoring now as soon as the plan is shown. */
    staged?: boolean;
  } = {},
): Promise<RestoreRun> {
  const { speed, durations, pollMs } = RESTORE_SIZES;
  const env = await startSimWithPorts({ speed, scenario: { durations } });
  const stateDir = mkdtempSync(join(tmpdir(), 'chatdb-bench-'));
  const config = loadConfig({
    ...botEnv(),
    ...env.sim.env(),
    CHATDB_STATE_DIR: stateDir,
    CHATDB_POLL_INTERVAL: `${pollMs.min / speed}ms`,
    CHATDB_POLL_MAX_INTERVAL: `${pollMs.max / speed}ms`,
  });
  const log = createLogger({
    level: 'info',
    pretty: false,
    destination: new Writable({ write: (_chunk, _enc, done) => done() }),
  });
  const runtime = createRestoreRuntime({ config, log, groupMembers: async () => [], ports: env.ports });
  try {
    const actor = { channel: 'C0INCIDENT', user: 'U0REQUESTER' };
    const requested = performance.now();
    const started = await runtime.service.start(actor, { kind: 'latest' }, 'latest');
    const resolveMs = performance.now() - requested;
    // Faults start with the restore itself: the plan was read before, as an engineer would see it.
    if (opts.faults) env.sim.setFaults(opts.faults);
    if (opts.staged) {
      const staged = await runtime.service.startStaged(started.id, actor.user, started.planHash as string);
      if (!staged.ok) throw new Error(`Start restoring now refused: ${staged.code}`);
    }
    if (opts.confirmAfterMs !== undefined) await new Promise((r) => setTimeout(r, opts.confirmAfterMs));
    const t0 = performance.now();
    const confirmed = await runtime.service.confirm(started.id, 'U0CONFIRMER', started.planHash as string);
    if (!confirmed.ok) throw new Error(`confirmation refused: ${confirmed.code}`);
    await waitFor(
      () => {
        const s = runtime.service.get(started.id);
        return s !== undefined && !['resolving', 'running'].includes(s.status);
      },
      { timeoutMs: 150_000, intervalMs: 5, what: 'the restore to end' },
    );
    const wallMs = performance.now() - t0;
    const requestToDoneMs = performance.now() - requested;
    await runtime.service.idle();
    const session = runtime.service.get(started.id) as RestoreSession;
    env.sim.setFaults({ throttle: null });
    // Snapshot before this bench makes any call of its own.
    const state = await env.state();
    const faultsInjected = (state as unknown as { faultsInjected: RestoreRun['faultsInjected'] })
      .faultsInjected;
    const job = state.restoreJobs[0] as { createdAt: string; completedAt: string; restoredBytes?: number };
    const restoreJobMs = Date.parse(job.completedAt) - Date.parse(job.createdAt);
    const stackUpdateMs = await stackUpdateWindow(env, session);
    const ssmCommands = state.calls['ssm:SendCommand'] ?? 0;
    const scenario = env.sim.scenario.durations;
    const simulatedParts = {
      restoreJob: restoreJobMs,
      changeSet: scenario.changeSetMs / speed,
      stackUpdate: stackUpdateMs,
      ssmCommands: (ssmCommands * (scenario.ssmCommandMs + scenario.ssmInvocationDelayMs)) / speed,
      // The check task: provisioning and pending (a task start), the container's least run time,
      // and the stop after it exits (one-off-task.ts).
      checkTask: (1.1 * scenario.taskStartMs + scenario.checkTaskMs) / speed,
    };
    const check = session.stages.find((st) => st.name === 'check');
    const checkStageMs =
      check?.startedAt === undefined || check.endedAt === undefined
        ? 0
        : Date.parse(check.endedAt) - Date.parse(check.startedAt);
    const simulatedMs = Object.values(simulatedParts).reduce((a, b) => a + b, 0);
    const text = JSON.stringify({
      failure: session.failure,
      stages: session.stages,
      notices: session.notices,
    });
    const totalCalls = Object.values(state.calls).reduce((a, b) => a + b, 0);
    const run: RestoreRun = {
      status: session.status,
      checkStageMs,
      wallMs,
      requestToDoneMs,
      resolveMs,
      simulatedMs,
      simulatedParts,
      simulatedMinutes: (wallMs * speed) / 60_000,
      calls: state.calls,
      totalCalls,
      faultsInjected,
      throttlingReachedSession: /thrott|rate exceeded/i.test(text),
      env,
      session,
    };
    if (job.restoredBytes !== undefined) run.itemLevelBytes = job.restoredBytes;
    return run;
  } finally {
    await runtime.close();
    rmSync(stateDir, { recursive: true, force: true });
    if (!opts.keepOpen) await env.close();
  }
}

/**
 * From the stack's events: the execution of the change set to the stack's UPDATE_COMPLETE, which
 * takes in the service's rollout (old task stopped, new one started).
 */
async function stackUpdateWindow(env: SimWithPorts, session: RestoreSession): Promise<number> {
  const executedAt = session.aws.executedAt;
  if (executedAt === undefined) return 0;
  const from = Date.parse(String(executedAt));
  const client = new CloudFormationClient({});
  try {
    const out = await client.send(new DescribeStackEventsCommand({ StackName: env.sim.scenario.stackName }));
    const complete = (out.StackEvents ?? [])
      .filter(
        (e) => e.ResourceType === 'AWS::CloudFormation::Stack' && e.ResourceStatus === 'UPDATE_COMPLETE',
      )
      .map((e) => e.Timestamp?.getTime() ?? 0)
      .filter((t) => t >= from - 1000);
    const last = Math.max(...complete);
    return Number.isFinite(last) ? Math.max(0, last - from) : 0;
  } finally {
    client.destroy();
  }
}
