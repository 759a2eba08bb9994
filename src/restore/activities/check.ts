// The check stage: MongoDB itself opens the flattened copy before anything is cut over.
//
//   revision = the check revision of this root, found (a crash after registering) or registered
//   task     = RunTask of it in the service's cluster, with a client token from the session
//   wait until the task is STOPPED (StopTask once CHATDB_CHECK_MAX_WAIT has passed)
//   read its exit code and its CloudWatch Logs stream → a clean report, or MongoDB's words
//   deregister the revision (whatever the outcome)
//
// The revision lives in its own family, `<chat-db family>-check`, so the chat-db family's
// revisions keep saying only where production's database lived (root-history.ts reads them).
// Production is never touched here: every failure leaves it unchanged, and the flattened
// directory stays on the volume for cleanup.

import type { CheckTask, CheckTaskDefinition, DescribedCheckTaskDefinition } from '../../aws/ecs-task.js';
import { checkLogStream } from '../../aws/ecs-task.js';
import { AwsCallError } from '../../aws/errors.js';
import { nextPollDelayMs } from '../../aws/poll-delay.js';
import { checkCommand, DEFAULT_CHECK_DATABASE } from '../check/check-command.js';
import { type CheckOutcome, type CheckReport, parseCheckOutput } from '../check/report.js';
import { checkSessionId } from '../names.js';
import type { JsonObject } from '../session.js';
import { asStage, isAbort, StageFailure, type StageFailureCode } from './errors.js';
import { isTransient, sleep, throwIfAborted } from './poll.js';
import { whyNotRestorable } from './resolve-point.js';
import { familyOf } from './root-history.js';
import type { ActivityDeps, ActivityHooks, RestoreTarget } from './types.js';

export interface CheckInput {
  target: RestoreTarget;
  /** The flattened directory, `/chatdb-restore_…`: the check revision's volume root. */
  flatDir: string;
  sessionId: string;
  /** When the stage started: the maximum wait counts from here, across restarts. */
  startedAt: Date;
  /** The point being restored, for the next older one to suggest when the check fails. */
  point: { arn: string; createdAt: Date };
  /** What an earlier run of this stage recorded. */
  state: { taskDefinitionArn?: string; taskArn?: string };
}

export type CheckCheckpoint = { taskDefinitionArn: string } | { taskArn: string };

export interface CheckResult {
  taskDefinitionArn: string;
  taskArn: string;
  report: CheckReport;
  /** Whether the check revision is deregistered (a failure there is only a warning). */
  deregistered: boolean;
}

/** The family of the check revisions of a chat-db task definition. */
export function checkFamily(taskDefinitionArn: string): string {
  return `${familyOf(taskDefinitionArn) ?? 'chat-db'}-check`;
}

/** RunTask's client token: one check task per session, however often the stage is resumed. */
export function checkClientToken(sessionId: string): string {
  return `chatdb-check-${checkSessionId(sessionId)}`;
}

export const DEFAULT_CHECK_MAX_WAIT_MS = 60 * 60_000;
/** How long a task that was told to stop may take to get there before the stage gives up on it. */
const STOP_GRACE_MS = 2 * 60_000;

export async function checkRestoredData(
  deps: ActivityDeps,
  input: CheckInput,
  hooks: ActivityHooks<CheckCheckpoint>,
): Promise<CheckResult> {
  return asStage('check', 'unchanged', 'check', async () => {
    const td = await checkRevision(deps, input, hooks);
    // Whether a task of the revision may still be running: then the revision stays for the
    // resumed run (a stopping bot, a session that could not be saved) and only its end removes it.
    let mayRun = input.state.taskArn !== undefined;
    try {
      const taskArn =
        input.state.taskArn ??
        (await startTask(deps, input, td, hooks, () => {
          mayRun = true;
        }));
      const task = await waitStopped(deps, input, taskArn, hooks.signal);
      mayRun = false;
      const outcome = await readOutcome(deps, td, task);
      if (!outcome.ok) throw await checkFailure(deps, input, outcome, task);
      const deregistered = await deregister(deps, td.arn);
      return { taskDefinitionArn: td.arn, taskArn: task.arn, report: outcome.report, deregistered };
    } catch (error) {
      const ended = error instanceof StageFailure && error.code === 'check_timeout';
      if (!isAbort(error) && !hooks.signal?.aborted && (!mayRun || ended)) await deregister(deps, td.arn);
      throw error;
    }
  });
}

/** The check revision: recorded, or an ACTIVE one of this root (registered before a crash), or a new one. */
async function checkRevision(
  deps: ActivityDeps,
  input: CheckInput,
  hooks: ActivityHooks<CheckCheckpoint>,
): Promise<CheckTaskDefinition> {
  const { checkTask } = deps.ports;
  const volume = input.target.volumeName;
  if (input.state.taskDefinitionArn !== undefined) {
    return checkTask.describeCheckTaskDefinition(input.state.taskDefinitionArn, volume);
  }
  const family = checkFamily(input.target.taskDefinitionArn);
  let found: DescribedCheckTaskDefinition | undefined;
  for (const arn of await checkTask.listActiveRevisions(family)) {
    const td = await checkTask.describeCheckTaskDefinition(arn, volume);
    if (td.rootDirectory === input.flatDir) found = td;
  }
  const td =
    found ??
    (await checkTask.registerCheckTaskDefinition({
      from: input.target.taskDefinitionArn,
      family,
      volumeName: volume,
      rootDirectory: input.flatDir,
      container: ({ containerPath }) =>
        checkCommand({
          database: deps.settings.checkDatabase ?? DEFAULT_CHECK_DATABASE,
          dbPath: containerPath,
        }),
    }));
  await hooks.checkpoint({ taskDefinitionArn: td.arn });
  return td;
}

async function startTask(
  deps: ActivityDeps,
  input: CheckInput,
  td: CheckTaskDefinition,
  hooks: ActivityHooks<CheckCheckpoint>,
  started: () => void,
): Promise<string> {
  throwIfAborted(hooks.signal);
  let task: CheckTask;
  try {
    task = await deps.ports.checkTask.runCheckTask({
      cluster: input.target.cluster,
      service: input.target.service,
      taskDefinitionArn: td.arn,
      clientToken: checkClientToken(input.sessionId),
      startedBy: `chatdb-restore/${input.sessionId}`,
    });
  } catch (error) {
    // Placement failures come back in RunTask's `failures`; the port raises them with ECS's reason.
    if (!(error instanceof AwsCallError) || error.operation !== 'RunTask' || isTransient(error)) throw error;
    throw failure('check_task_failed', `RunTask: ${error.awsMessage}`, {
      check: { code: 'run_task_failed' },
    });
  }
  started();
  await hooks.checkpoint({ taskArn: task.arn });
  return task.arn;
}

/** Polls DescribeTasks until the task is STOPPED; past the deadline, stops it first. */
async function waitStopped(
  deps: ActivityDeps,
  input: CheckInput,
  taskArn: string,
  signal: AbortSignal | undefined,
): Promise<CheckTask> {
  const { ports, settings } = deps;
  const maxWait = settings.checkMaxWaitMs ?? DEFAULT_CHECK_MAX_WAIT_MS;
  const deadline = input.startedAt.getTime() + maxWait;
  let stopRequested = false;
  const began = Date.now();
  for (;;) {
    throwIfAborted(signal);
    let task: CheckTask | undefined;
    try {
      task = await ports.checkTask.describeCheckTask(input.target.cluster, taskArn);
    } catch (error) {
      if (!isTransient(error)) throw error;
    }
    if (task === undefined && !stopRequested) {
      throw failure('check_task_failed', `ECS no longer knows the check task ${taskArn}.`);
    }
    if (task?.lastStatus === 'STOPPED') {
      if (stopRequested) throw timedOut(maxWait, task);
      return task;
    }
    if (!stopRequested && Date.now() >= deadline) {
      await ports.ecs.stopTask(
        input.target.cluster,
        taskArn,
        'chatdb-restore: the check did not finish within CHATDB_CHECK_MAX_WAIT',
      );
      stopRequested = true;
    } else if (stopRequested && Date.now() >= deadline + STOP_GRACE_MS) {
      throw timedOut(maxWait, task);
    }
    await sleep(nextPollDelayMs(Date.now() - began, settings.pollMinMs, settings.pollMaxMs), signal);
  }
}

/** The task's exit code and its log stream, read into a report or a failure. */
async function readOutcome(
  deps: ActivityDeps,
  td: CheckTaskDefinition,
  task: CheckTask,
): Promise<CheckOutcome | { ok: false; didNotRun: true }> {
  if (task.exitCode === undefined) return { ok: false, didNotRun: true };
  const stream = checkLogStream(td.log, td.containerName, task);
  if (stream === undefined) return parseCheckOutput({ lines: [], exitCode: task.exitCode });
  let lines: string[] = [];
  try {
    lines = (await deps.ports.logs.readStream(td.log.group, stream)).map((e) => e.message);
  } catch (error) {
    // A stream that was never written (the container died at once) reads as no report at all.
    if ((error as { awsCode?: string }).awsCode !== 'ResourceNotFoundException') throw error;
    deps.log.warn({ group: td.log.group, stream }, 'the check task left no log stream');
  }
  return parseCheckOutput({ lines, exitCode: task.exitCode });
}

async function checkFailure(
  deps: ActivityDeps,
  input: CheckInput,
  outcome: Exclude<CheckOutcome, { ok: true }> | { ok: false; didNotRun: true },
  task: CheckTask,
): Promise<StageFailure> {
  if ('didNotRun' in outcome) {
    const why = [task.stopCode, task.stoppedReason ?? task.containerReason].filter(Boolean).join(': ');
    return failure('check_task_failed', why || 'The check task stopped before its container ran.', {
      check: { code: 'task_failed_to_start', stopCode: task.stopCode ?? null, taskArn: task.arn },
    });
  }
  const older = await olderPoint(deps, input);
  const said = [...outcome.failures, ...outcome.mongodSays];
  const detail: JsonObject = {
    check: {
      code: outcome.code,
      failures: outcome.failures,
      mongodSays: outcome.mongodSays,
      exitCode: outcome.exitCode ?? null,
      taskArn: task.arn,
      ...(outcome.wrapper === undefined ? {} : { wrapper: outcome.wrapper.code }),
    },
    ...(older === undefined ? {} : { olderPoint: older }),
  };
  const reason = said.length > 0 ? said.slice(0, 3).join('\n') : reasonOf(outcome);
  return failure('check_failed', reason, detail);
}

function reasonOf(outcome: Exclude<CheckOutcome, { ok: true }>): string {
  switch (outcome.code) {
    case 'no_report':
      return `The check task exited with code ${outcome.exitCode ?? '?'} and printed no report.`;
    case 'malformed_report':
      return 'The check task printed a report that could not be read.';
    case 'exit_code_mismatch':
      return `The check printed a clean report but exited with code ${outcome.exitCode ?? '?'}.`;
    default:
      return `The check ended with ${outcome.code}${outcome.wrapper ? ` (${outcome.wrapper.code} ${outcome.wrapper.value})` : ''}.`;
  }
}

/**
 * The newest restorable point (the configured vault's, COMPLETED or AVAILABLE) taken before this
 * one, to suggest when this one's data is bad.
 */
async function olderPoint(deps: ActivityDeps, input: CheckInput): Promise<JsonObject | undefined> {
  try {
    const points = await deps.ports.backup.listRecoveryPoints(input.target.fileSystemArn);
    const older = points
      .filter(
        (p) =>
          whyNotRestorable(deps, p) === undefined &&
          p.arn !== input.point.arn &&
          p.createdAt.getTime() < input.point.createdAt.getTime(),
      )
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime())[0];
    return older === undefined ? undefined : { id: older.id, createdAt: older.createdAt.toISOString() };
  } catch (error) {
    deps.log.warn({ err: error }, 'could not list the recovery points for the next older one');
    return undefined;
  }
}

async function deregister(deps: ActivityDeps, arn: string): Promise<boolean> {
  try {
    await deps.ports.checkTask.deregisterCheckTaskDefinition(arn);
    return true;
  } catch (error) {
    deps.log.warn({ err: error, taskDefinition: arn }, 'could not deregister the check revision');
    return false;
  }
}

function timedOut(maxWaitMs: number, task: CheckTask | undefined): StageFailure {
  const minutes = Math.max(1, Math.round(maxWaitMs / 60_000));
  const status = task === undefined ? '' : ` (last status ${task.lastStatus})`;
  return failure(
    'check_timeout',
    `The check task did not finish within ${minutes} min${status}; it was stopped. Raise CHATDB_CHECK_MAX_WAIT for a large database.`,
    { check: { code: 'timeout', taskArn: task?.arn ?? null } },
  );
}

/** A failed check; the next older point, when there is one, is in the detail (`olderPoint`). */
function failure(code: StageFailureCode, reason: string, detail?: JsonObject): StageFailure {
  return new StageFailure({
    stage: 'check',
    code,
    reason,
    production: 'unchanged',
    activity: 'check',
    ...(detail === undefined ? {} : { detail }),
  });
}
