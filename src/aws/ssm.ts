import {
  GetCommandInvocationCommand,
  SendCommandCommand,
  type SSMClient,
  waitUntilCommandExecuted,
} from '@aws-sdk/client-ssm';
import { AwsCallError, call, isAwsError } from './errors.js';
import type { CommandResult, SsmPort, WaitTiming } from './ports.js';

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
            Parameters: { commands: [script], executionTimeout: [String(timeoutSeconds)] },
          }),
        ),
      );
      const commandId = sent.Command?.CommandId;
      if (!commandId)
        throw new AwsCallError('SendCommand', 'InvalidResponse', 'SendCommand returned no CommandId');
      try {
        await waitUntilCommandExecuted(
          {
            client,
            maxWaitTime: timeoutSeconds + 60,
            minDelay: timing.minDelaySeconds,
            maxDelay: timing.maxDelaySeconds,
          },
          { CommandId: commandId, InstanceId: instanceId },
        );
      } catch (error) {
        // Failed, TimedOut and Cancelled end the waiter with an error; the invocation says which.
        if ((error as Error).name === 'TimeoutError') {
          throw new AwsCallError(
            'GetCommandInvocation',
            'WaiterTimeout',
            `command ${commandId} did not finish`,
          );
        }
        if (isAwsError(error, 'InvocationDoesNotExist')) throw error;
      }
      const inv = await call('GetCommandInvocation', () =>
        client.send(new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: instanceId })),
      );
      const result: CommandResult = {
        commandId,
        status: inv.Status ?? 'Unknown',
        exitCode: inv.ResponseCode ?? -1,
        stdout: inv.StandardOutputContent ?? '',
        stderr: inv.StandardErrorContent ?? '',
      };
      return result;
    },
  };
}
