// The fault matrix: each fault the simulator (or the fake Slack) can inject, at each stage where
// it can hit, with the outcome the code says it must have. Where the outcome comes from:
// - restore job FAILED/ABORTED: run-restore-job.ts throws restore_job_failed, production unchanged.
// - SSM timeout/fail: run-script.ts maps TimedOut to ssm_timeout and Failed (no output) to
//   ssm_failed, production unchanged; in the restore stage the listing runs before
//   StartRestoreJob, so no job is started.
// - runTaskFails, oneOffTaskStart: check.ts reports check_task_failed (RunTask started nothing, or
//   the task stopped before its container ran) or, for a task left PROVISIONING, stops it after
//   CHATDB_CHECK_MAX_WAIT and reports check_timeout; production unchanged, no change set.
// - changeSetFails: cutover.ts checks the created change set and throws change_set_failed before
//   ExecuteChangeSet, production unchanged.
// - stackUpdateFails, and taskCrashLoop armed in the cutover (the simulator's circuit breaker
//   fails the deployment, CloudFormation rolls back): updateFailure() observes the service back on
//   its old root and reports stack_update_failed with production rolled_back.
// - taskCrashLoop armed in verify: the new task started during the cutover, and only tasks that
//   start while the fault is on crash, so verify passes and the restore succeeds.
// - throttle / burst5xx: the SDK retries throttling and 5xx (8 attempts) and the stages' polls
//   retry transient errors, so each run succeeds.
// - Slack: the Web API client waits out Retry-After and retries HTTP 500; the notifier retries a
//   failed post with backoff and records each notice once; an expired response_url falls back to
//   chat.postEphemeral (reply.ts). None of it touches AWS, so each run succeeds.

import type { ServiceName } from '../../../src/sim/kernel.js';
import { DEFAULT_USER } from '../../../src/slack-stand-in/request-bodies.js';
import type { StandInReply } from '../../../src/slack-stand-in/stand-in.js';
import { waitFor } from '../../helpers/wait.js';
import { allText } from '../../slack/support/block-limits.js';
import type { CaseHooks, FaultWorld, StageNow } from './fault-world.js';

export type Outcome =
  | { status: 'succeeded'; production: 'cut_over' }
  | {
      status: 'failed';
      production: 'unchanged' | 'rolled_back';
      stage: StageNow;
      code: string;
      /** Words the failure must quote. */
      reasonIncludes?: string;
    };

export interface FaultCase {
  /** The fault as the table shows it. */
  fault: string;
  /** Where it is armed: the first AWS call the session makes in this stage. */
  stage: StageNow;
  expect: Outcome;
  /** Restore jobs and accepted change set executions the case must end with. */
  restoreJobs: 0 | 1;
  executions: 0 | 1;
  /** Builds the hooks for one run; `problems()` then says whether the fault hit as meant. */
  arm(world: FaultWorld): Armed;
}

export interface Armed {
  hooks: CaseHooks;
  /** Problems with the injection itself (armed but never hit); empty when it hit as meant. */
  problems(): string[];
  /** Removes what the fake Slack was scripted with, however the case ended. */
  dispose?(): void;
}

const SUCCESS: Outcome = { status: 'succeeded', production: 'cut_over' };
/**
 * The SDK backs off from a throttle for up to 1 s, 2 s, 4 s… (random, 8 attempts): at 0.5 a
 * throttled stage took up to 47 s, and once a resolve ran out of attempts (ListRecoveryPoints-
 * ByResource, 27 s; the session failed cleanly, production unchanged). 0.2 keeps a case at a few
 * seconds and still throttles one call in five, after a first one throttled for certain.
 */
const THROTTLE = 0.2;
const BURST = 3;

/**
 * Which services each stage calls (src/restore/activities and src/aws; a run recording the calls
 * through the proxy agrees). A case whose fault never hits a call fails.
 */
export const STAGE_SERVICES: [StageNow, ServiceName[]][] = [
  ['resolve', ['cloudformation', 'ecs', 'efs', 'backup']],
  ['restore', ['ssm', 'backup']],
  ['locate', ['ssm']],
  ['flatten', ['ssm']],
  ['check', ['ecs', 'logs']],
  ['cutover', ['cloudformation', 'ecs']],
  ['verify', ['ecs']],
];

/** A one-shot (or persistent) simulator fault set at the first AWS call in `stage`. */
function simFault(stage: StageNow, patch: Record<string, unknown>, oneShot: boolean) {
  return (world: FaultWorld): Armed => {
    let armed = false;
    let leftover: unknown;
    const key = Object.keys(patch)[0] as string;
    return {
      hooks: {
        async onCall(now) {
          if (!armed && now === stage) {
            armed = true;
            await world.setFaults(patch);
          } else if (armed && now === 'ended' && leftover === undefined) {
            leftover = (await world.simState()).faults[key] ?? null;
            await world.setFaults({ [key]: null });
          }
        },
      },
      problems: () => [
        ...(armed ? [] : [`never armed: no AWS call in ${stage}`]),
        ...(oneShot && leftover !== null
          ? [`${key} was armed but never hit: ${JSON.stringify(leftover)}`]
          : []),
      ],
    };
  };
}

/**
 * throttle / burst5xx on one service while the session is in `stage`, cleared at the first call
 * after it leaves. A fraction could miss a stage that calls the service once (resolve reads EFS
 * once), so the stage's first call to the service is throttled for certain (fraction 1) and the
 * fraction applies from the next call on, once the simulator has counted that first one.
 */
function protocolFault(stage: StageNow, kind: 'throttle' | 'burst5xx', service: ServiceName) {
  return (world: FaultWorld): Armed => {
    let state: 'idle' | 'forced' | 'armed' | 'cleared' = 'idle';
    let injectedBefore = 0;
    let injected = 0;
    const count = () =>
      Object.entries(world.sim.state().faultsInjected)
        .filter(([op]) => op.startsWith(`${service}:`))
        .reduce((n, [, f]) => n + (kind === 'throttle' ? f.throttle : f['5xx']), 0);
    const set = (value: number | null) => world.setFaults({ [kind]: { [service]: value } });
    return {
      hooks: {
        async onCall(now, call) {
          if (state === 'forced') {
            // Hooks run one at a time: the forced call was forwarded when the previous hook returned.
            await waitFor(() => count() > injectedBefore, {
              timeoutMs: 10_000,
              what: `a ${kind} on ${service}`,
            });
            if (now === stage) await set(THROTTLE);
            state = 'armed';
          }
          if (state === 'idle' && now === stage && (kind === 'burst5xx' || call.service === service)) {
            injectedBefore = count();
            await set(kind === 'throttle' ? 1 : BURST);
            state = kind === 'throttle' ? 'forced' : 'armed';
          } else if (state === 'armed' && now !== stage) {
            await set(null);
            injected = count() - injectedBefore;
            state = 'cleared';
          }
        },
      },
      problems: () => [
        ...(state === 'cleared' ? [] : [`${kind} on ${service} in ${stage}: ${state}`]),
        ...(state === 'cleared' && injected === 0
          ? [`${kind} on ${service} in ${stage} never hit a call`]
          : []),
        ...(kind === 'burst5xx' && state === 'cleared' && injected !== BURST
          ? [`burst of ${BURST} on ${service} hit ${injected} calls`]
          : []),
      ],
    };
  };
}

/** A Slack Web API route answering `reply` to its next `times` calls, from the first AWS call in the restore stage. */
function slackFault(route: string, reply: StandInReply, times: number) {
  return (world: FaultWorld): Armed => {
    let hits = 0;
    let remove: (() => void) | undefined;
    return {
      hooks: {
        async onCall(now) {
          if (remove === undefined && now === 'restore') {
            remove = world.fake.script(route, () => {
              if (hits >= times) return undefined;
              hits += 1;
              return reply;
            });
          }
        },
      },
      problems: () => (hits === times ? [] : [`${route}: ${hits} of ${times} faulty answers given`]),
      dispose: () => remove?.(),
    };
  };
}

/**
 * Every response_url answers as Slack does once it has expired (HTTP 404, `expired_url`). The
 * requester runs `list` and clicks their own Confirm before the second engineer confirms: both
 * answers must still reach them, through chat.postEphemeral.
 */
function expiredResponseUrl(world: FaultWorld): Armed {
  let expired = 0;
  const seen: string[] = [];
  const remove = world.fake.script('response_url', () => {
    expired += 1;
    return { status: 404, body: 'expired_url' };
  });
  return {
    hooks: {
      async beforeConfirm(ctx) {
        const { fake } = world;
        const from = fake.ephemerals.length;
        const ephemeral = (what: string, match: (text: string) => boolean) =>
          waitForEphemeral(world, from, ctx.channel, match, what);
        await world.command(ctx.channel, 'list');
        seen.push(await ephemeral('the list, privately', (t) => t.includes('Recovery points of chat-db')));
        await world.click(ctx, DEFAULT_USER);
        seen.push(await ephemeral('the refused self-confirm, privately', (t) => t.includes('your Confirm')));
      },
    },
    problems: () => [
      ...(seen.length === 2 ? [] : [`only ${seen.length} of 2 private answers arrived`]),
      // start, list, the self-confirm and the Confirm each carried one; only list and the refusal post to it.
      ...(expired >= 2 ? [] : [`the expired response_url was tried ${expired} times, not at least 2`]),
    ],
    dispose: remove,
  };
}

async function waitForEphemeral(
  world: FaultWorld,
  from: number,
  channel: string,
  match: (text: string) => boolean,
  what: string,
): Promise<string> {
  return waitFor(
    () =>
      world.fake.ephemerals
        .slice(from)
        .filter((e) => e.channel === channel && e.user === DEFAULT_USER)
        .map((e) => allText(e))
        .find(match),
    { timeoutMs: 30_000, what },
  );
}

const failed = (
  stage: StageNow,
  code: string,
  production: 'unchanged' | 'rolled_back' = 'unchanged',
  reasonIncludes?: string,
): Outcome => ({
  status: 'failed',
  production,
  stage,
  code,
  ...(reasonIncludes === undefined ? {} : { reasonIncludes }),
});

export const FAULT_CASES: FaultCase[] = [
  {
    fault: 'restoreJob FAILED',
    stage: 'restore',
    expect: failed('restore', 'restore_job_failed', 'unchanged', 'FAILED'),
    restoreJobs: 1,
    executions: 0,
    arm: simFault('restore', { restoreJob: 'FAILED' }, true),
  },
  {
    fault: 'restoreJob ABORTED',
    stage: 'restore',
    expect: failed('restore', 'restore_job_failed', 'unchanged', 'ABORTED'),
    restoreJobs: 1,
    executions: 0,
    arm: simFault('restore', { restoreJob: 'ABORTED' }, true),
  },
  ...(['restore', 'locate', 'flatten'] as const).flatMap((stage): FaultCase[] => [
    {
      fault: 'ssm timeout',
      stage,
      expect: failed(stage, 'ssm_timeout', 'unchanged', 'TimedOut'),
      restoreJobs: stage === 'restore' ? 0 : 1,
      executions: 0,
      arm: simFault(stage, { ssm: 'timeout' }, true),
    },
    {
      fault: 'ssm fail',
      stage,
      expect: failed(stage, 'ssm_failed', 'unchanged', 'simulated failure'),
      restoreJobs: stage === 'restore' ? 0 : 1,
      executions: 0,
      arm: simFault(stage, { ssm: 'fail' }, true),
    },
  ]),
  {
    fault: 'runTaskFails (no capacity)',
    stage: 'check',
    expect: failed('check', 'check_task_failed', 'unchanged', 'Capacity is unavailable at this time'),
    restoreJobs: 1,
    executions: 0,
    arm: simFault('check', { runTaskFails: true }, true),
  },
  {
    fault: 'oneOffTaskStart pull_error',
    stage: 'check',
    expect: failed('check', 'check_task_failed', 'unchanged', 'CannotPullContainerError'),
    restoreJobs: 1,
    executions: 0,
    arm: simFault('check', { oneOffTaskStart: 'pull_error' }, true),
  },
  {
    fault: 'oneOffTaskStart stuck (never starts)',
    stage: 'check',
    expect: failed('check', 'check_timeout', 'unchanged', 'did not finish within'),
    restoreJobs: 1,
    executions: 0,
    arm: simFault('check', { oneOffTaskStart: 'stuck' }, true),
  },
  {
    fault: 'changeSetFails',
    stage: 'cutover',
    expect: failed('cutover', 'change_set_failed', 'unchanged', 'FAILED'),
    restoreJobs: 1,
    executions: 0,
    arm: simFault('cutover', { changeSetFails: 'Template error: simulated by the fault matrix' }, true),
  },
  {
    fault: 'stackUpdateFails',
    stage: 'cutover',
    expect: failed('cutover', 'stack_update_failed', 'rolled_back', 'UPDATE_ROLLBACK_COMPLETE'),
    restoreJobs: 1,
    executions: 1,
    arm: simFault('cutover', { stackUpdateFails: true }, true),
  },
  {
    fault: 'taskCrashLoop',
    stage: 'cutover',
    expect: failed('cutover', 'stack_update_failed', 'rolled_back', 'Essential container in task exited'),
    restoreJobs: 1,
    executions: 1,
    arm: simFault('cutover', { taskCrashLoop: true }, false),
  },
  {
    fault: 'taskCrashLoop',
    stage: 'verify',
    expect: SUCCESS,
    restoreJobs: 1,
    executions: 1,
    arm: simFault('verify', { taskCrashLoop: true }, false),
  },
  ...STAGE_SERVICES.flatMap(([stage, services]) =>
    services.flatMap((service): FaultCase[] => [
      {
        fault: `throttle ${THROTTLE} ${service}`,
        stage,
        expect: SUCCESS,
        restoreJobs: 1,
        executions: 1,
        arm: protocolFault(stage, 'throttle', service),
      },
      {
        fault: `burst5xx ${BURST} ${service}`,
        stage,
        expect: SUCCESS,
        restoreJobs: 1,
        executions: 1,
        arm: protocolFault(stage, 'burst5xx', service),
      },
    ]),
  ),
  {
    fault: 'Slack chat.update 429 Retry-After 1 s',
    stage: 'restore',
    expect: SUCCESS,
    restoreJobs: 1,
    executions: 1,
    arm: slackFault(
      'chat.update',
      { status: 429, headers: { 'retry-after': '1' }, body: { ok: false, error: 'ratelimited' } },
      1,
    ),
  },
  {
    fault: 'Slack chat.postMessage internal_error ×3',
    stage: 'restore',
    expect: SUCCESS,
    restoreJobs: 1,
    executions: 1,
    arm: slackFault('chat.postMessage', { body: { ok: false, error: 'internal_error' } }, 3),
  },
  {
    fault: 'Slack chat.postMessage HTTP 500',
    stage: 'restore',
    expect: SUCCESS,
    restoreJobs: 1,
    executions: 1,
    arm: slackFault('chat.postMessage', { status: 500, body: { ok: false, error: 'internal_error' } }, 1),
  },
  {
    fault: 'Slack response_url expired (command and click)',
    stage: 'confirm',
    expect: SUCCESS,
    restoreJobs: 1,
    executions: 1,
    arm: expiredResponseUrl,
  },
];
