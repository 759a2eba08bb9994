import {
  CancelCommandCommand,
  GetCommandInvocationCommand,
  type GetCommandInvocationCommandOutput,
  SendCommandCommand,
  type SSMClient,
} from '@aws-sdk/client-ssm';
import { AwsCallError, call, isAwsError } from './errors.js';
import { nextPollDelayMs } from './poll-delay.js';
import type { CommandResult, SsmPort, WaitTiming } from './ports.js';

/**
 * SendCommand's TimeoutSeconds: how long the agent may take to pick the command up. A command not
 * delivered by then never runs (AWS's minimum is 30 s), so a rename or a delete cannot start
 * after the bot has stopped waiting for it.
 */
export const DELIVERY_TIMEOUT_SECONDS = 60;
/** Slack, on top of delivery and execution, for the last status to reach the API. */
const REPORT_SLACK_SECONDS = 30;
const FINAL = new Set(['Success', 'Failed', 'TimedOut', 'Cancelled', 'Cancelling']);
const TRANSIENT = new Set([
  'InvocationDoesNotExist',
  'ThrottlingException',
  'InternalServerError',
  'InternalFailure',
  'ServiceUnavailable',
]);

export function createSsmPort(client: SSMClient, timing: WaitTiming): SsmPort {
  return {
    async runShellScript(instanceId, script, opts = {}) {
      const timeoutSeconds = opts.timeoutSeconds ?? 600;
      const sent = await call('SendCommand', () =>
        client.send(
          new SendCommandCommand({
            DocumentName: 'AWS-RunShellScript',
            InstanceIds: [instanceId],
            Comment: 'chatdb-restore',
            TimeoutSeconds: DELIVERY_TIMEOUT_SECONDS,
            Parameters: { commands: [script], executionTimeout: [String(timeoutSeconds)] },
          }),
        ),
      );
      const commandId = sent.Command?.CommandId;
      if (!commandId)
        throw new AwsCallError('SendCommand', 'InvalidResponse', 'SendCommand returned no CommandId');
      const deadline = Date.now() + (DELIVERY_TIMEOUT_SECONDS + timeoutSeconds + REPORT_SLACK_SECONDS) * 1000;
      let inv: GetCommandInvocationCommandOutput;
      try {
        await opts.sent?.(commandId);
        inv = await waitForInvocation(client, timing, {
          commandId,
          instanceId,
          deadline,
          signal: opts.signal,
        });
      } catch (error) {
        // Whatever stops the wait, the command must not go on (or start) unseen.
        await cancel(client, commandId, instanceId);
        throw error;
      }
      return {
        commandId,
        status: inv.Status ?? 'Unknown',
        exitCode: inv.ResponseCode ?? -1,
        stdout: inv.StandardOutputContent ?? '',
        stderr: inv.StandardErrorContent ?? '',
      } satisfies CommandResult;
    },
  };
}

/**
 * Polls GetCommandInvocation until the command ends. The SDK's commandExecuted waiter would retry
 * every error until it times out, so an AccessDenied came back as a timeout; here only
 * InvocationDoesNotExist (the invocation is not visible yet), throttling and 5xx are retried.
 */
async function waitForInvocation(
  client: SSMClient,
  timing: WaitTiming,
  w: { commandId: string; instanceId: string; deadline: number; signal: AbortSignal | undefined },
): Promise<GetCommandInvocationCommandOutput> {
  const began = Date.now();
  for (;;) {
    if (w.signal?.aborted) throw abortError();
    try {
      const inv = await client.send(
        new GetCommandInvocationCommand({ CommandId: w.commandId, InstanceId: w.instanceId }),
      );
      if (FINAL.has(inv.Status ?? '')) return inv;
    } catch (error) {
      if (!isAwsError(error, ...TRANSIENT) && !isServerError(error)) {
        throw new AwsCallError('GetCommandInvocation', (error as Error).name, (error as Error).message, {
          cause: error,
        });
      }
    }
    const delayMs = nextPollDelayMs(
      Date.now() - began,
      timing.minDelaySeconds * 1000,
      timing.maxDelaySeconds * 1000,
    );
    if (Date.now() + delayMs > w.deadline) {
      throw new AwsCallError(
        'GetCommandInvocation',
        'WaiterTimeout',
        `command ${w.commandId} did not finish`,
      );
    }
    await sleep(delayMs, w.signal);
  }
}

async function cancel(client: SSMClient, commandId: string, instanceId: string): Promise<void> {
  try {
    await client.send(new CancelCommandCommand({ CommandId: commandId, InstanceIds: [instanceId] }));
  } catch {
    // Best effort: a command that already ended cannot be cancelled, and the delivery timeout
    // still keeps an undelivered one from ever starting.
  }
}

function isServerError(error: unknown): boolean {
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return status !== undefined && status >= 500;
}

function abortError(): Error {
  const error = new Error('The activity was stopped');
  error.name = 'AbortError';
  return error;
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(done, ms);
    function done() {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }
    function onAbort() {
      clearTimeout(timer);
      reject(abortError());
    }
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
