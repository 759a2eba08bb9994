import { AwsCallError } from '../../aws/errors.js';
import type { ChangeSet, Service, Stack, StackEvent } from '../../aws/ports.js';
import type { Production } from '../session.js';
import { diffTemplate } from '../template-diff.js';
import { servicesOfTaskDefinition, setVolumeRootDirectory } from '../template-edit.js';
import { asStage, isAbort, type PlanChange, PlanChanged, StageFailure } from './errors.js';
import { isTransient, sleep, throwIfAborted } from './poll.js';
import { describeProduction, observeProduction } from './production.js';
import { sha256 } from './resolve-target.js';
import type { ActivityDeps, ActivityHooks, RestoreTarget } from './types.js';

export interface CutoverState {
  changeSetId?: string;
  executed?: boolean;
  /** A Date, or its ISO string as a JSON session store gives it back. */
  executedAt?: Date | string;
  stoppedTaskArns: string[];
  /** Checkpointed before the change set was created: after execution the template is the new one. */
  templateDiff?: string;
  previousRoot?: string;
}

export interface CutoverInput {
  target: RestoreTarget;
  /** What the confirmation was bound to; any difference voids it. */
  expectedTemplateSha256: string;
  expectedTaskDefinitionArn: string;
  newRoot: string;
  changeSetName: string;
  /** Named in the change set's description and StopTask's reason, for whoever reads them in AWS. */
  sessionId: string;
  state: CutoverState;
  /** The template's path in the infra repo, for the diff's headers; default `chat.cf.yaml`. */
  templateFile?: string;
}

export type CutoverCheckpoint =
  | { templateDiff: string; previousRoot: string }
  | { changeSetId: string }
  | { executing: Date }
  | { executed: true; executedAt: Date }
  | { stopping: string }
  | { stoppedTaskArns: string[] };

export interface CutoverHooks extends ActivityHooks<CutoverCheckpoint> {
  progress?(p: { stackStatus: string; detail?: string }): void;
}

/**
 * How ECS replaced the old task: it started the new one first (maximumPercent room) or stopped
 * the old one first (minimumHealthyPercent below 100) by itself, or the deployment stalled
 * (no room either way, or the new task could not be placed beside the old one) and the bot
 * stopped the old task, as the playbook does by hand.
 */
export type DeploymentCase = 'start_first' | 'stop_first' | 'stalled' | 'unable_to_place';

export interface CutoverResult {
  newTaskDefinitionArn: string;
  deploymentCase: DeploymentCase;
  stoppedTaskArns: string[];
  templateDiff: string;
  previousRoot: string;
  changeSetId: string | undefined;
  executedAt: Date;
}

/** States a stack can be updated from. */
const STABLE = new Set([
  'CREATE_COMPLETE',
  'UPDATE_COMPLETE',
  'UPDATE_ROLLBACK_COMPLETE',
  'IMPORT_COMPLETE',
  'IMPORT_ROLLBACK_COMPLETE',
]);
const RAN = new Set(['EXECUTE_IN_PROGRESS', 'EXECUTE_COMPLETE', 'EXECUTE_FAILED']);

/**
 * Points the chat-db volume at `newRoot` through a change set that may change nothing but the
 * chat-db task definition and service, stops the old task only when the deployment stalls on it
 * (see stallOf), and waits for the stack and the service to settle. Re-runnable at any point: an executed change set is never executed again, and only
 * tasks still RUNNING on the old task definition that were not already stopped are stopped.
 */
export async function cutover(
  deps: ActivityDeps,
  input: CutoverInput,
  hooks: CutoverHooks,
): Promise<CutoverResult> {
  const { ports, settings, log } = deps;
  const { target, changeSetName, newRoot } = input;
  const { signal } = hooks;
  const stackName = target.stackName;
  const stopped = [...input.state.stoppedTaskArns];
  let templateDiff = input.state.templateDiff;
  let previousRoot = input.state.previousRoot ?? target.currentRoot;
  let changeSetId = input.state.changeSetId;
  let executedAt = input.state.executedAt === undefined ? undefined : new Date(input.state.executedAt);

  if (!input.state.executed) {
    await asStage('cutover', 'unchanged', 'change_set', async () => {
      const existing = await ports.stack.describeChangeSet(stackName, changeSetName);
      const stackNow = await ports.stack.describeStack(stackName);
      // CloudFormation deletes a stack's change sets once one is executed, so the stack's own
      // ChangeSetId is the record that ours ran, when the change set itself is gone.
      const ranOurs =
        (existing !== undefined && RAN.has(existing.executionStatus)) ||
        (changeSetId !== undefined && stackNow.changeSetId === changeSetId);
      if (ranOurs) {
        // An earlier run executed it and stopped before it could say so.
        changeSetId = existing?.id ?? changeSetId;
        executedAt = stackNow.lastUpdatedAt ?? new Date();
        await hooks.checkpoint({ executed: true, executedAt });
        return;
      }
      await precheck(deps, input);
      const template = await ports.stack.getTemplate(stackName);
      const edit = setVolumeRootDirectory(template, target.volumeName, newRoot);
      const file = input.templateFile ?? 'chat.cf.yaml';
      templateDiff = diffTemplate(template, edit.text, file);
      previousRoot = edit.previousRoot;
      await hooks.checkpoint({ templateDiff, previousRoot });

      throwIfAborted(signal);
      const changeSet = await ports.stack.createChangeSet({
        stackName,
        changeSetName,
        templateBody: edit.text,
        description: `chatdb-restore ${input.sessionId}: ${target.volumeName} RootDirectory ${previousRoot} -> ${newRoot}`,
      });
      changeSetId = changeSet.id;
      await hooks.checkpoint({ changeSetId });
      if (changeSet.status === 'FAILED') {
        throw new StageFailure({
          stage: 'cutover',
          code: 'change_set_failed',
          reason: `Change set ${changeSetName} FAILED: ${changeSet.statusReason ?? 'no reason given'}`,
          production: 'unchanged',
          activity: 'change_set',
        });
      }
      checkScope(changeSet, edit.taskDefinition, servicesOfTaskDefinition(template, edit.taskDefinition));

      throwIfAborted(signal);
      if (!RAN.has(changeSet.executionStatus)) {
        // From here production is being cut over: persisted before the call, so no crash can hide
        // an update that started. A run that finds only this intent re-reads the stack (above).
        await hooks.checkpoint({ executing: new Date() });
        try {
          // The change set's name is unique to the session and attempt: a retried or resumed
          // call with the same token is the same execution, never a second update.
          await ports.stack.executeChangeSet(stackName, changeSetName, changeSetName);
        } catch (error) {
          // A lost answer to a call that worked: the change set, or once CloudFormation has
          // removed it, the stack's ChangeSetId, says whether it runs.
          const again = await ports.stack.describeChangeSet(stackName, changeSetName);
          const ran =
            again !== undefined
              ? RAN.has(again.executionStatus)
              : (await ports.stack.describeStack(stackName)).changeSetId === changeSetId;
          if (!ran) throw error;
        }
      }
      executedAt = new Date();
      await hooks.checkpoint({ executed: true, executedAt });
      log.info({ stackName, changeSetName, newRoot }, 'change set executed');
    });
  }
  const since = executedAt ?? new Date();
  const roots = { previousRoot, newRoot };

  // From here on production is being changed: every failure says where it stands.
  const stack = await waitForUpdate(deps, input, hooks, stopped, roots, since);
  if (stack.status !== 'UPDATE_COMPLETE') {
    throw await updateFailure(deps, input, stack, since, roots);
  }
  try {
    const left = Math.max(60, Math.ceil((since.getTime() + settings.stackTimeoutMs - Date.now()) / 1000));
    await ports.ecs.waitServiceStable(target.cluster, target.service, left);
  } catch (error) {
    const observed = await observeProduction(deps, target, roots);
    throw new StageFailure({
      stage: 'cutover',
      code: 'service_unstable',
      reason: `The stack is UPDATE_COMPLETE but service ${target.service} did not become stable: ${(error as Error).message}; ${describeProduction(observed)}.`,
      production: observed.state,
      activity: 'stack_update',
      cause: error,
    });
  }
  const observed = await observeProduction(deps, target, roots);
  if (observed.state !== 'cut_over' || observed.taskDefinitionArn === undefined) {
    throw new StageFailure({
      stage: 'cutover',
      code: 'unexpected_root',
      reason: `The stack update completed, but ${describeProduction(observed)} instead of ${newRoot}.`,
      production: observed.state === 'rolled_back' ? 'rolled_back' : 'unknown',
      activity: 'stack_update',
    });
  }
  return {
    newTaskDefinitionArn: observed.taskDefinitionArn,
    deploymentCase: await deploymentCase(deps, input, stopped, since),
    stoppedTaskArns: stopped,
    templateDiff: templateDiff ?? '',
    previousRoot,
    changeSetId,
    executedAt: since,
  };
}

/**
 * The change set may replace the chat-db task definition and update the services that run it,
 * nothing else: anything more means the stack's template is not what the plan read, and a
 * cutover must not carry it into production.
 */
function checkScope(changeSet: ChangeSet, taskDefinition: string, services: readonly string[]): void {
  const allowed = new Set([taskDefinition, ...services]);
  const other = changeSet.changes.filter((c) => c.action !== 'Modify' || !allowed.has(c.logicalId));
  if (other.length === 0) return;
  throw new StageFailure({
    stage: 'cutover',
    code: 'change_set_scope',
    reason: `Change set ${changeSet.name} would also change ${other
      .map((c) => `${c.action} ${c.logicalId} (${c.resourceType})`)
      .join(', ')}; only ${[...allowed].join(' and ')} may change. It was not executed.`,
    production: 'unchanged',
    activity: 'change_set',
  });
}

async function precheck({ ports }: ActivityDeps, input: CutoverInput): Promise<void> {
  const { target } = input;
  const [stack, template, service] = await Promise.all([
    ports.stack.describeStack(target.stackName),
    ports.stack.getTemplate(target.stackName),
    ports.ecs.describeService(target.cluster, target.service),
  ]);
  const changes: PlanChange[] = [];
  if (!STABLE.has(stack.status)) {
    changes.push({ what: 'stack_status', expected: 'a stable *_COMPLETE status', actual: stack.status });
  }
  const sha = sha256(template);
  if (sha !== input.expectedTemplateSha256) {
    changes.push({
      what: 'template',
      expected: `sha256 ${input.expectedTemplateSha256}`,
      actual: `sha256 ${sha}`,
    });
  }
  if (service.taskDefinitionArn !== input.expectedTaskDefinitionArn) {
    changes.push({
      what: 'task_definition',
      expected: input.expectedTaskDefinitionArn,
      actual: service.taskDefinitionArn,
    });
  }
  if (changes.length > 0) throw new PlanChanged(changes);
}

/**
 * Polls the stack until it settles, stopping the old task when the new deployment waits for it.
 * Transient errors are retried at the next poll; the stack timeout ends the wait.
 */
async function waitForUpdate(
  deps: ActivityDeps,
  input: CutoverInput,
  hooks: CutoverHooks,
  stopped: string[],
  roots: { previousRoot: string; newRoot: string },
  since: Date,
): Promise<Stack> {
  const { ports, settings, log } = deps;
  const { target } = input;
  const deadline = Date.now() + settings.stackTimeoutMs;
  let last: Stack | undefined;
  for (;;) {
    throwIfAborted(hooks.signal);
    try {
      const stack = await ports.stack.describeStack(target.stackName);
      last = stack;
      hooks.progress?.({ stackStatus: stack.status });
      if (stack.status === 'UPDATE_IN_PROGRESS') {
        await stopOldTasks(deps, input, hooks, stopped, since);
      } else if (!stack.status.endsWith('_IN_PROGRESS') && (await executionSettled(deps, input))) {
        return stack;
      }
    } catch (error) {
      // A failed checkpoint or an abort is the orchestrator's to handle, not a failed update.
      if (isAbort(error) || !(error instanceof AwsCallError)) throw error;
      if (!isTransient(error)) {
        const observed = await observeProduction(deps, target, roots);
        throw new StageFailure({
          stage: 'cutover',
          code: 'aws_error',
          reason: `${(error as Error).message}; ${describeProduction(observed)}.`,
          production: observed.state,
          activity: 'stack_update',
          cause: error,
        });
      }
      log.warn({ err: error }, 'polling the stack update failed; asking again at the next poll');
    }
    if (Date.now() > deadline) {
      throw new StageFailure({
        stage: 'cutover',
        code: 'stack_timeout',
        reason: `Stack ${target.stackName} is still ${last?.status ?? 'in an unknown state'} after ${Math.round(settings.stackTimeoutMs / 1000)} s.`,
        production: 'unknown',
        activity: 'stack_update',
      });
    }
    await sleep(settings.pollMinMs, hooks.signal);
  }
}

/** Guards against reading the status of an earlier update before ours has visibly begun. */
async function executionSettled({ ports }: ActivityDeps, input: CutoverInput): Promise<boolean> {
  const cs: ChangeSet | undefined = await ports.stack.describeChangeSet(
    input.target.stackName,
    input.changeSetName,
  );
  return (
    cs === undefined || (cs.executionStatus !== 'AVAILABLE' && cs.executionStatus !== 'EXECUTE_IN_PROGRESS')
  );
}

async function stopOldTasks(
  deps: ActivityDeps,
  input: CutoverInput,
  hooks: CutoverHooks,
  stopped: string[],
  since: Date,
): Promise<void> {
  const { ports, log } = deps;
  const { target } = input;
  const service: Service = await ports.ecs.describeService(target.cluster, target.service);
  const primary = service.deployments.find((d) => d.status === 'PRIMARY');
  if (!primary || primary.taskDefinitionArn === input.expectedTaskDefinitionArn || primary.runningCount > 0)
    return;
  // ECS replaces the task by itself unless the deployment has no room either way, or cannot
  // place the new task beside the old one: only then is the old task stopped, by us.
  // A minute of slack for the difference between our clock and AWS's.
  if (stallOf(service, new Date(since.getTime() - 60_000)) === undefined) return;
  const tasks = await ports.ecs.listServiceTasks(target.cluster, target.service, 'RUNNING');
  const old = tasks.filter(
    (t) =>
      t.taskDefinitionArn === input.expectedTaskDefinitionArn &&
      t.taskDefinitionArn !== primary.taskDefinitionArn &&
      t.lastStatus === 'RUNNING' &&
      t.desiredStatus !== 'STOPPED' &&
      !stopped.includes(t.arn),
  );
  for (const task of old) {
    throwIfAborted(hooks.signal);
    await hooks.checkpoint({ stopping: task.arn });
    await ports.ecs.stopTask(
      target.cluster,
      task.arn,
      `chatdb-restore ${input.sessionId}: cut over to ${input.newRoot}`,
    );
    stopped.push(task.arn);
    log.info(
      { taskArn: task.arn, newTaskDefinition: primary.taskDefinitionArn },
      'stopped the old chat-db task',
    );
    hooks.progress?.({ stackStatus: 'UPDATE_IN_PROGRESS', detail: `stopped old task ${task.arn}` });
    await hooks.checkpoint({ stoppedTaskArns: [...stopped] });
  }
}

const UNABLE_TO_PLACE = 'was unable to place a task';

/**
 * Why a deployment cannot replace the old task by itself, or undefined when it can. ECS may run
 * at most floor(desired × maximumPercent / 100) tasks and must keep
 * ceil(desired × minimumHealthyPercent / 100) healthy: with neither a spare slot nor a task to
 * spare it waits for good. A placement failure (a fixed host port the old task holds) shows only
 * in the service's events.
 */
export function stallOf(service: Service, since: Date): 'stalled' | 'unable_to_place' | undefined {
  if (service.events.some((e) => e.at >= since && e.message.includes(UNABLE_TO_PLACE))) {
    return 'unable_to_place';
  }
  const desired = Math.max(1, service.desiredCount);
  const room = Math.floor((desired * service.maximumPercent) / 100) > desired;
  const spare = Math.ceil((desired * service.minimumHealthyPercent) / 100) < desired;
  return room || spare ? undefined : 'stalled';
}

async function deploymentCase(
  { ports }: ActivityDeps,
  input: CutoverInput,
  stopped: readonly string[],
  since: Date,
): Promise<DeploymentCase> {
  const service = await ports.ecs.describeService(input.target.cluster, input.target.service);
  if (stopped.length > 0) return stallOf(service, since) ?? 'stalled';
  const desired = Math.max(1, service.desiredCount);
  return Math.floor((desired * service.maximumPercent) / 100) > desired ? 'start_first' : 'stop_first';
}

async function updateFailure(
  deps: ActivityDeps,
  input: CutoverInput,
  stack: Stack,
  since: Date,
  roots: { previousRoot: string; newRoot: string },
): Promise<StageFailure> {
  const { ports, log } = deps;
  let events: StackEvent[] = [];
  try {
    // A minute of slack for the difference between our clock and AWS's.
    events = await ports.stack.stackEvents(input.target.stackName, new Date(since.getTime() - 60_000));
  } catch (error) {
    log.warn({ err: error }, 'could not read the stack events');
  }
  const reason = firstFailureReason(events, input.target.stackName) ?? stack.statusReason;
  const taskReason = await newTaskStoppedReason(deps, input, since);
  const observed = await observeProduction(deps, input.target, roots);
  const production: Production = observed.state === 'rolled_back' ? 'rolled_back' : 'unknown';
  return new StageFailure({
    stage: 'cutover',
    code: 'stack_update_failed',
    reason: `Stack ${input.target.stackName} is ${stack.status}: ${reason ?? 'CloudFormation gave no reason'}${
      taskReason === undefined ? '' : `; ECS stopped the new chat-db task: ${taskReason}`
    }${production === 'rolled_back' ? '' : `; ${describeProduction(observed)}`}`,
    production,
    activity: 'stack_update',
  });
}

/**
 * CloudFormation only says the deployment failed (the circuit breaker); why the new task could not
 * run (ResourceInitializationError, "Essential container in task exited") is ECS's to tell, on
 * the newest task stopped since the update began that was not on the old task definition.
 */
async function newTaskStoppedReason(
  { ports, log }: ActivityDeps,
  input: CutoverInput,
  since: Date,
): Promise<string | undefined> {
  try {
    const stopped = await ports.ecs.listServiceTasks(input.target.cluster, input.target.service, 'STOPPED');
    const newest = stopped
      .filter(
        (t) =>
          t.taskDefinitionArn !== input.expectedTaskDefinitionArn &&
          t.stoppedReason !== undefined &&
          (t.stoppedAt ?? since) >= since,
      )
      .sort((a, b) => (b.stoppedAt?.getTime() ?? 0) - (a.stoppedAt?.getTime() ?? 0))[0];
    return newest?.stoppedReason;
  } catch (error) {
    log.warn({ err: error }, 'could not read the stopped chat-db tasks');
    return undefined;
  }
}

/**
 * The reason of the first resource that failed in the latest update (events come newest first):
 * AWS's own words, e.g. the ECS task's ResourceInitializationError, rather than the stack's
 * summary "The following resource(s) failed to update".
 */
export function firstFailureReason(events: readonly StackEvent[], stackName: string): string | undefined {
  const isStack = (e: StackEvent) => e.logicalId === stackName;
  const start = events.findIndex((e) => isStack(e) && e.status === 'UPDATE_IN_PROGRESS');
  const ours = start === -1 ? events : events.slice(0, start);
  const failed = ours.filter((e) => !isStack(e) && e.status.endsWith('_FAILED') && e.reason);
  return failed[failed.length - 1]?.reason;
}
