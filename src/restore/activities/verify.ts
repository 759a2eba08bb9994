import type { Task, TaskDefinition } from '../../aws/ports.js';
import { sameRoot } from '../names.js';
import { StageFailure } from './errors.js';
import { isTransient, sleep, throwIfAborted } from './poll.js';
import type { ActivityDeps, RestoreTarget } from './types.js';

export interface VerifyInput {
  target: RestoreTarget;
  newTaskDefinitionArn: string;
  expectRoot: string;
  healthUrl?: string;
}

export interface VerifyResult {
  taskArn: string;
  /** HEALTHY, or UNKNOWN for a task definition without a health check (ECS cannot say). */
  healthStatus: string;
  healthUrlStatus?: number;
}

export const DEFAULT_HEALTH_WAIT_MS = 5 * 60_000;
const DEFAULT_STABLE_MS = 60_000;
const HEALTH_URL_TIMEOUT_MS = 10_000;

/**
 * The restored database is serving: a RUNNING task on the new revision, HEALTHY where the task
 * definition has a health check (else up for a while), the revision mounting the new root, and the
 * health URL answering 2xx when set.
 * Health checks take a while to pass, so each condition is waited for within a bound.
 */
export async function verify(
  deps: ActivityDeps,
  input: VerifyInput,
  hooks: { signal?: AbortSignal } = {},
): Promise<VerifyResult> {
  const { ports, settings, log } = deps;
  const { target } = input;
  const fail = (
    code: 'no_running_task' | 'unhealthy' | 'health_url_failed' | 'unexpected_root' | 'aws_error',
    reason: string,
  ) => new StageFailure({ stage: 'verify', code, reason, production: 'cut_over', activity: 'verify' });

  let td: TaskDefinition;
  try {
    td = await ports.ecs.describeTaskDefinition(input.newTaskDefinitionArn);
  } catch (error) {
    throw fail('aws_error', (error as Error).message);
  }
  const root = td.volumes.find((v) => v.name === target.volumeName)?.rootDirectory;
  if (root === undefined || !sameRoot(root, input.expectRoot)) {
    throw fail(
      'unexpected_root',
      `Task definition ${td.arn} mounts ${root ?? 'no'} ${target.volumeName} volume root, not ${input.expectRoot}.`,
    );
  }

  const waitMs = settings.healthWaitMs ?? DEFAULT_HEALTH_WAIT_MS;
  const stableMs = settings.healthStableMs ?? Math.min(DEFAULT_STABLE_MS, waitMs / 2);
  const deadline = Date.now() + waitMs;
  // When each task on the new revision was first seen RUNNING. Where ECS reports health, only
  // HEALTHY counts. Where it cannot (no health check), a task counts once it has stayed up for
  // stableMs, so that a crash loop is not taken for success.
  const firstSeen = new Map<string, number>();
  const upFor = (t: Task) => Date.now() - (firstSeen.get(t.arn) ?? Date.now());
  let onNew: Task[] = [];
  let task: Task | undefined;
  for (;;) {
    throwIfAborted(hooks.signal);
    try {
      const running = await ports.ecs.listServiceTasks(target.cluster, target.service, 'RUNNING');
      onNew = running.filter((t) => t.taskDefinitionArn === td.arn && t.lastStatus === 'RUNNING');
      for (const t of onNew) if (!firstSeen.has(t.arn)) firstSeen.set(t.arn, Date.now());
      task = td.hasHealthCheck
        ? onNew.find((t) => t.healthStatus === 'HEALTHY')
        : onNew.find((t) => upFor(t) >= stableMs);
      if (task) break;
    } catch (error) {
      if (!isTransient(error)) throw fail('aws_error', (error as Error).message);
      log.warn({ err: error }, 'listing the chat-db tasks failed; asking again at the next poll');
    }
    if (Date.now() > deadline) break;
    await sleep(settings.pollMinMs, hooks.signal);
  }
  if (task === undefined) {
    const within = `within ${Math.round(waitMs / 1000)} s`;
    const unhealthy = onNew.find((t) => t.healthStatus === 'UNHEALTHY');
    if (unhealthy !== undefined) {
      throw fail('unhealthy', `Task ${unhealthy.arn} is RUNNING but UNHEALTHY.`);
    }
    // Up long enough not to be crash-looping, yet its health check never passed.
    const unproven = onNew.find((t) => upFor(t) >= stableMs);
    if (td.hasHealthCheck && unproven !== undefined) {
      throw fail(
        'unhealthy',
        `Task ${unproven.arn} is RUNNING, but its health check did not pass ${within} (health: ${unproven.healthStatus ?? 'UNKNOWN'}).`,
      );
    }
    const why = await whyNoTask(deps, target, td.arn);
    const young = onNew[0] ? `task ${onNew[0].arn} has only just started; ` : '';
    throw fail('no_running_task', `No chat-db task stayed RUNNING on ${td.arn} ${within}: ${young}${why}.`);
  }

  const url = input.healthUrl ?? settings.healthUrl;
  if (url === undefined) return { taskArn: task.arn, healthStatus: task.healthStatus ?? 'UNKNOWN' };
  const healthUrlStatus = await checkUrl(deps, url, deadline, hooks.signal, fail);
  return { taskArn: task.arn, healthStatus: task.healthStatus ?? 'UNKNOWN', healthUrlStatus };
}

/** The newest stopped task's reason on the new revision: AWS's words for why nothing runs. */
async function whyNoTask({ ports }: ActivityDeps, target: RestoreTarget, tdArn: string): Promise<string> {
  let stopped: Task[];
  try {
    stopped = await ports.ecs.listServiceTasks(target.cluster, target.service, 'STOPPED');
  } catch (error) {
    return `the stopped tasks could not be read (${(error as Error).message})`;
  }
  const last = stopped
    .filter((t) => t.taskDefinitionArn === tdArn)
    .sort((a, b) => (b.stoppedAt?.getTime() ?? 0) - (a.stoppedAt?.getTime() ?? 0))[0];
  return last
    ? `the last task stopped: ${last.stoppedReason ?? 'no reason given'}`
    : 'no task has started yet';
}

async function checkUrl(
  deps: ActivityDeps,
  url: string,
  deadline: number,
  signal: AbortSignal | undefined,
  fail: (code: 'health_url_failed', reason: string) => StageFailure,
): Promise<number> {
  const doFetch = deps.fetch ?? fetch;
  let problem = '';
  for (;;) {
    throwIfAborted(signal);
    try {
      const timeout = AbortSignal.timeout(HEALTH_URL_TIMEOUT_MS);
      const res = await doFetch(url, {
        method: 'GET',
        redirect: 'manual',
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
      await res.body?.cancel();
      if (res.status >= 200 && res.status < 300) return res.status;
      problem = `answered HTTP ${res.status}`;
    } catch (error) {
      throwIfAborted(signal);
      problem = `did not answer: ${(error as Error).message}`;
    }
    deps.log.info({ url, problem }, 'health URL not healthy yet');
    if (Date.now() > deadline) throw fail('health_url_failed', `The health URL ${url} ${problem}.`);
    await sleep(deps.settings.pollMinMs, signal);
  }
}
