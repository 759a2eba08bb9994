import { BackupClient } from '@aws-sdk/client-backup';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { ECSClient } from '@aws-sdk/client-ecs';
import { EFSClient } from '@aws-sdk/client-efs';
import { SSMClient } from '@aws-sdk/client-ssm';
import { createBackupPort } from '../../src/aws/backup.js';
import { createEcsPort } from '../../src/aws/ecs.js';
import { createCheckTaskPort } from '../../src/aws/ecs-task.js';
import { createEfsPort } from '../../src/aws/efs.js';
import { createAwsPorts } from '../../src/aws/index.js';
import { createLogsPort } from '../../src/aws/logs.js';
import type { AwsPorts, WaitTiming } from '../../src/aws/ports.js';
import { createSsmPort } from '../../src/aws/ssm.js';
import { createStackPort } from '../../src/aws/stack.js';
import type { ActivitySettings } from '../../src/restore/activities/types.js';
import {
  OPERATOR_ACCESS_KEY_ID,
  type Simulator,
  type SimulatorOptions,
  startSimulator,
} from '../../src/sim/server.js';

export interface SimWithPorts {
  sim: Simulator;
  ports: AwsPorts;
  /**
   * The same ports signed as an operator (an administrator beside the bot), whom the simulator's
   * IAM lets do anything: for a test that changes the world the way someone else would.
   */
  operator: AwsPorts;
  /** Activity settings pointing at the simulator, with fast polling. */
  settings: ActivitySettings;
  /** The simulator's world as `GET /_sim/state` returns it. */
  state(): Promise<SimStateJson>;
  close(): Promise<void>;
}

export interface SimStateJson {
  restoreJobs: { id?: string; RestoreJobId?: string; [key: string]: unknown }[];
  calls: Record<string, number>;
  stack: Record<string, unknown>;
  [key: string]: unknown;
}

/**
 * Starts the simulator and builds the real SDK ports against it. The SDK clients find their
 * endpoint, region and credentials only through the environment (the default chain), read lazily
 * on the first call, so the variables stay set until close(). Vitest gives every test file its
 * own worker; within a file, run one simulator at a time.
 */
export async function startSimWithPorts(
  opts: SimulatorOptions & {
    maxAttempts?: number;
    /**
     * Retry throttled and failed calls after a few milliseconds instead of the SDK's backoff (a
     * second on average for throttling), for tests that throttle a third of all calls.
     */
    fastRetries?: boolean;
  } = {},
): Promise<SimWithPorts> {
  const { maxAttempts, fastRetries, ...simOpts } = opts;
  const sim = await startSimulator({ speed: 5000, ...simOpts });
  const saved = new Map<string, string | undefined>();
  const env: Record<string, string> = {
    AWS_ENDPOINT_URL: sim.endpoint,
    AWS_REGION: sim.scenario.region,
    AWS_ACCESS_KEY_ID: 'simulator',
    AWS_SECRET_ACCESS_KEY: 'simulator',
    AWS_EC2_METADATA_DISABLED: 'true',
  };
  for (const key of [...Object.keys(env), 'AWS_PROFILE', 'AWS_SESSION_TOKEN', 'AWS_DEFAULT_REGION']) {
    saved.set(key, process.env[key]);
    delete process.env[key];
  }
  Object.assign(process.env, env);
  const waitTiming: WaitTiming = { minDelaySeconds: 0.05, maxDelaySeconds: 0.2 };
  const ports = fastRetries
    ? portsWithFastRetries(maxAttempts ?? 8, waitTiming)
    : createAwsPorts({ waitTiming, ...(maxAttempts !== undefined ? { maxAttempts } : {}) });
  const operator = portsWithFastRetries(maxAttempts ?? 8, waitTiming, {
    accessKeyId: OPERATOR_ACCESS_KEY_ID,
    secretAccessKey: OPERATOR_ACCESS_KEY_ID,
  });
  const simEnv = sim.env();
  const settings: ActivitySettings = {
    stackName: sim.scenario.stackName,
    volumeName: 'chat-db',
    backupVault: sim.scenario.backupVault,
    restoreRoleArn: sim.scenario.restoreRoleArn,
    inspectorInstanceId: sim.scenario.inspector.instanceId,
    inspectorMount: simEnv.CHATDB_INSPECTOR_MOUNT as string,
    pollMinMs: 20,
    pollMaxMs: 200,
    stackTimeoutMs: 60_000,
    healthWaitMs: 20_000,
  };
  return {
    sim,
    ports,
    operator,
    settings,
    async state() {
      const res = await fetch(`${sim.endpoint}/_sim/state`);
      return (await res.json()) as SimStateJson;
    },
    async close() {
      ports.close();
      operator.close();
      await sim.close();
      for (const [key, value] of saved) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    },
  };
}

interface RetryToken {
  getRetryCount(): number;
  getRetryDelay(): number;
}

/**
 * The SDK's retry strategy interface (RetryStrategyV2) with the same attempts as production but
 * a 5 ms pause: the activities see exactly what they would see, only sooner.
 */
function fastRetryStrategy(maxAttempts: number) {
  const token = (count: number): RetryToken => ({ getRetryCount: () => count, getRetryDelay: () => 5 });
  return {
    async acquireInitialRetryToken(): Promise<RetryToken> {
      return token(0);
    },
    async refreshRetryTokenForRetry(previous: RetryToken, info: { errorType: string }): Promise<RetryToken> {
      const count = previous.getRetryCount() + 1;
      if (info.errorType === 'CLIENT_ERROR' || count >= maxAttempts) throw new Error('no more retries');
      return token(count);
    },
    recordSuccess() {},
  };
}

function portsWithFastRetries(
  maxAttempts: number,
  timing: WaitTiming,
  credentials?: { accessKeyId: string; secretAccessKey: string },
): AwsPorts & { close(): void } {
  const config = {
    maxAttempts,
    retryStrategy: fastRetryStrategy(maxAttempts),
    ...(credentials === undefined ? {} : { credentials }),
  };
  const clients = {
    backup: new BackupClient(config),
    efs: new EFSClient(config),
    ecs: new ECSClient(config),
    cloudformation: new CloudFormationClient(config),
    ssm: new SSMClient(config),
    logs: new CloudWatchLogsClient(config),
  };
  return {
    backup: createBackupPort(clients.backup),
    efs: createEfsPort(clients.efs),
    ecs: createEcsPort(clients.ecs, timing),
    stack: createStackPort(clients.cloudformation, timing),
    ssm: createSsmPort(clients.ssm, timing),
    checkTask: createCheckTaskPort(clients.ecs, timing),
    logs: createLogsPort(clients.logs),
    close: () => {
      for (const client of Object.values(clients)) client.destroy();
    },
  };
}
