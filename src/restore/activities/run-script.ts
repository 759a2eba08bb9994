import type { BuiltScript } from '../scripts.js';
import { ScriptError } from '../scripts.js';
import type { StageName } from '../session.js';
import { type ActivityName, StageFailure } from './errors.js';
import type { ActivityDeps } from './types.js';

/** SSM's own executionTimeout for our scripts; they finish in seconds unless the disk hangs. */
export const DEFAULT_SSM_TIMEOUT_SECONDS = 600;

/** An SSM command one of our scripts was sent as: where to read its output. */
export interface SsmCommandRef {
  commandId: string;
  instanceId: string;
}

export interface ScriptHooks {
  /** Aborting it (the bot shutting down) stops the wait and cancels the command. */
  signal?: AbortSignal;
  /** Records the command before the wait; a refusal (the session moved on) cancels it. */
  commandSent?(command: SsmCommandRef): Promise<void>;
}

/**
 * Runs one of our scripts on the inspection host and parses its output. A script that reports
 * an error is believed first (its message names the problem); an SSM timeout or a failure that
 * left no readable output is reported with SSM's status and the script's stderr.
 */
export async function runScript<T>(
  { ports, settings }: ActivityDeps,
  stage: StageName,
  activity: ActivityName,
  built: BuiltScript,
  parse: (stdout: string) => T,
  hooks: ScriptHooks = {},
): Promise<T> {
  const timeoutSeconds = settings.ssmTimeoutSeconds ?? DEFAULT_SSM_TIMEOUT_SECONDS;
  const instanceId = settings.inspectorInstanceId;
  const { signal, commandSent } = hooks;
  const result = await ports.ssm.runShellScript(instanceId, built.script, {
    timeoutSeconds,
    ...(signal === undefined ? {} : { signal }),
    ...(commandSent === undefined ? {} : { sent: (commandId) => commandSent({ commandId, instanceId }) }),
  });
  try {
    const parsed = parse(result.stdout);
    if (result.status === 'Success') return parsed;
  } catch (error) {
    if (!(error instanceof ScriptError)) throw error;
    const unreadable = error.code === 'incomplete_output' || error.code === 'malformed_output';
    if (!unreadable || result.status === 'Success') {
      throw new StageFailure({
        stage,
        code: 'script_error',
        reason: error.message,
        production: 'unchanged',
        activity,
        detailCode: error.code,
        cause: error,
      });
    }
  }
  const where = `SSM command ${result.commandId} on ${settings.inspectorInstanceId}`;
  if (result.status === 'TimedOut') {
    throw new StageFailure({
      stage,
      code: 'ssm_timeout',
      reason: `${where} timed out (TimedOut) after its ${timeoutSeconds} s execution timeout.`,
      production: 'unchanged',
      activity,
    });
  }
  const stderr = result.stderr.trim().split('\n').slice(-5).join('\n');
  throw new StageFailure({
    stage,
    code: 'ssm_failed',
    reason: `${where} ended ${result.status} (exit ${result.exitCode})${stderr ? `: ${stderr}` : ''}`,
    production: 'unchanged',
    activity,
  });
}
