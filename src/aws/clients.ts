import { BackupClient } from '@aws-sdk/client-backup';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { ECSClient } from '@aws-sdk/client-ecs';
import { EFSClient } from '@aws-sdk/client-efs';
import { SSMClient } from '@aws-sdk/client-ssm';

export interface AwsClients {
  backup: BackupClient;
  efs: EFSClient;
  ecs: ECSClient;
  cloudformation: CloudFormationClient;
  ssm: SSMClient;
  logs: CloudWatchLogsClient;
}

export interface AwsClientOptions {
  /**
   * Attempts per call, including the first. During an outage AWS may throttle us; eight attempts
   * with the SDK's own backoff make a throttling error reaching a user vanishingly rare even when
   * a third of all calls are throttled (0.3^8 ≈ 7e-5).
   */
  maxAttempts?: number;
}

/**
 * Region, credentials and endpoints come from the SDK's default chain (AWS_REGION, the
 * container's task role, AWS_ENDPOINT_URL*), so the simulator is reached without any path of ours.
 */
export function createAwsClients(opts: AwsClientOptions = {}): AwsClients {
  const config = { maxAttempts: opts.maxAttempts ?? 8 };
  return {
    backup: new BackupClient(config),
    efs: new EFSClient(config),
    ecs: new ECSClient(config),
    cloudformation: new CloudFormationClient(config),
    ssm: new SSMClient(config),
    logs: new CloudWatchLogsClient(config),
  };
}

export function destroyAwsClients(clients: AwsClients): void {
  for (const client of Object.values(clients)) client.destroy();
}
