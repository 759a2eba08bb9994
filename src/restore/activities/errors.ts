import { AwsCallError } from '../../aws/errors.js';
import type { CandidateEvidence, UnprovenCode } from '../data-evidence.js';
import { ScriptError, ScriptValueError } from '../scripts.js';
import type { JsonObject, Production, StageName } from '../session.js';
import { TemplateEditError } from '../template-edit.js';

export type StageFailureCode =
  // resolve
  | 'target_not_found'
  | 'ambiguous_target'
  | 'drift'
  | 'point_not_found'
  | 'wrong_resource'
  | 'not_restorable'
  // resolve: preflight of the cutover's stack update
  | 'stack_not_updatable'
  | 'nested_stack'
  | 'template_too_large'
  | 'stack_policy_denies'
  // restore
  | 'restore_job_failed'
  // locate, flatten, cleanup: SSM and the scripts
  | 'ssm_timeout'
  | 'ssm_failed'
  | 'script_error'
  | 'invalid_value'
  | 'data_dir_unproven'
  // check
  /** MongoDB opened the restored copy and found it bad, or could not open it. */
  | 'check_failed'
  /** The check task did not run: RunTask started nothing, or the task stopped before its container ran. */
  | 'check_task_failed'
  /** The check task did not stop within CHATDB_CHECK_MAX_WAIT; it was stopped. */
  | 'check_timeout'
  // cutover
  | 'template_edit_failed'
  | 'change_set_failed'
  | 'change_set_scope'
  | 'stack_update_failed'
  | 'stack_timeout'
  | 'service_unstable'
  | 'unexpected_root'
  // verify
  | 'no_running_task'
  | 'unhealthy'
  | 'health_url_failed'
  // any stage
  | 'aws_error';

/**
 * The activity (or, for the cutover, its part) a StageFailure comes from: with the stage, the code
 * and the production state, it is what the Slack layer words the next step from
 * (src/slack/views/next-step.ts). The restore machinery records what failed, never what to say.
 */
export type ActivityName =
  | 'resolve_target'
  | 'recovery_points'
  | 'root_history'
  | 'preflight'
  | 'cleanup_candidates'
  | 'restore_job'
  | 'locate'
  | 'flatten'
  | 'check'
  /** The cutover up to and including ExecuteChangeSet: production is unchanged until it runs. */
  | 'change_set'
  /** The cutover from the stack update on: production may be anywhere. */
  | 'stack_update'
  | 'verify'
  | 'delete'
  /** A drill's rehearsal of the cutover: a change set created and deleted, never executed. */
  | 'rehearse'
  /** A drill's teardown: its change sets and directories, and what earlier drills left. */
  | 'teardown';

/**
 * A stage failed. `reason` is AWS's (or the script's) own words wherever they exist, because the
 * on-call engineer searches for them; `production` says what the live service runs on now.
 */
export class StageFailure extends Error {
  readonly stage: StageName;
  readonly code: StageFailureCode;
  readonly reason: string;
  readonly production: Production;
  /** Which activity failed (what the next step is worded from). */
  readonly activity: ActivityName;
  /** For script failures: the script's own code (e.g. `no_new_restore_dir`). */
  readonly detailCode: string | undefined;
  /** For `data_dir_unproven`: every data dir found, with its evidence, for the card. */
  readonly candidates: readonly CandidateEvidence[] | undefined;
  /** What the stage saw, for the card (the check's report and the next older point). */
  readonly detail: JsonObject | undefined;

  constructor(fields: {
    stage: StageName;
    code: StageFailureCode;
    reason: string;
    production: Production;
    activity: ActivityName;
    detailCode?: string;
    candidates?: readonly CandidateEvidence[];
    detail?: JsonObject;
    cause?: unknown;
  }) {
    super(`${fields.stage} failed (${fields.code}): ${fields.reason}`, { cause: fields.cause });
    this.name = 'StageFailure';
    this.stage = fields.stage;
    this.code = fields.code;
    this.reason = fields.reason;
    this.production = fields.production;
    this.activity = fields.activity;
    this.detailCode = fields.detailCode;
    this.candidates = fields.candidates;
    this.detail = fields.detail;
  }

  toJSON(): {
    stage: StageName;
    code: StageFailureCode;
    reason: string;
    production: Production;
    activity: ActivityName;
  } {
    return {
      stage: this.stage,
      code: this.code,
      reason: this.reason,
      production: this.production,
      activity: this.activity,
    };
  }
}

export interface PlanChange {
  what: 'stack_status' | 'template' | 'task_definition';
  expected: string;
  actual: string;
}

/**
 * The stack no longer matches the plan the second engineer confirmed. Not a failure: nothing was
 * changed, and the orchestrator asks for confirmation of the new plan.
 */
export class PlanChanged extends Error {
  readonly code = 'plan_changed';
  constructor(readonly changes: PlanChange[]) {
    super(
      `The stack changed since the plan was confirmed: ${changes
        .map((c) => `${c.what} was ${c.expected}, is now ${c.actual}`)
        .join('; ')}.`,
    );
    this.name = 'PlanChanged';
  }
}

/**
 * The evidence does not prove which data dir in the restore holds the point's database. Not a
 * failure: nothing was moved, and the orchestrator asks the engineers to pick one (pick.ts).
 */
export class PickNeeded extends Error {
  readonly code = 'pick_needed';
  constructor(
    readonly restoreDir: string,
    readonly unproven: UnprovenCode,
    readonly why: string,
    readonly candidates: readonly CandidateEvidence[],
  ) {
    super(`Which data dir in ${restoreDir} holds the point's database is not proven: ${why}`);
    this.name = 'PickNeeded';
  }
}

/**
 * Turns whatever a stage threw into a StageFailure, keeping AWS's and the scripts' own messages.
 * StageFailure, PlanChanged and aborts pass through untouched.
 */
export function toStageFailure(
  error: unknown,
  stage: StageName,
  production: Production,
  activity: ActivityName,
): unknown {
  if (
    error instanceof StageFailure ||
    error instanceof PlanChanged ||
    error instanceof PickNeeded ||
    isAbort(error)
  ) {
    return error;
  }
  if (error instanceof AwsCallError) {
    return new StageFailure({
      stage,
      code: 'aws_error',
      reason: `${error.operation}: ${error.awsCode}: ${error.awsMessage}`,
      production,
      activity,
      cause: error,
    });
  }
  if (error instanceof ScriptError) {
    return new StageFailure({
      stage,
      code: 'script_error',
      reason: error.message,
      production,
      activity,
      detailCode: error.code,
      cause: error,
    });
  }
  if (error instanceof ScriptValueError) {
    return new StageFailure({
      stage,
      code: 'invalid_value',
      reason: error.message,
      production,
      activity,
      cause: error,
    });
  }
  if (error instanceof TemplateEditError) {
    return new StageFailure({
      stage,
      code: 'template_edit_failed',
      reason: error.message,
      production,
      activity,
      detailCode: error.code,
      cause: error,
    });
  }
  return error;
}

/** Runs `fn`, rethrowing its failure as a StageFailure of `stage`. */
export async function asStage<T>(
  stage: StageName,
  production: Production,
  activity: ActivityName,
  fn: () => Promise<T>,
): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw toStageFailure(error, stage, production, activity);
  }
}

export function isAbort(error: unknown): boolean {
  return (error as { name?: string } | undefined)?.name === 'AbortError';
}
