import { createBackupPort } from './backup.js';
import { type AwsClientOptions, createAwsClients, destroyAwsClients } from './clients.js';
import { createEcsPort } from './ecs.js';
import { createCheckTaskPort } from './ecs-task.js';
import { createEfsPort } from './efs.js';
import { createLogsPort } from './logs.js';
import type { AwsPorts, WaitTiming } from './ports.js';
import { createSsmPort } from './ssm.js';
import { createStackPort } from './stack.js';

export type { AwsPorts } from './ports.js';

/** The SDK's own waiter defaults are 5 s or more between polls; production keeps them. */
export const PRODUCTION_WAIT_TIMING: WaitTiming = { minDelaySeconds: 5, maxDelaySeconds: 30 };

export function createAwsPorts(
  opts: AwsClientOptions & { waitTiming?: WaitTiming } = {},
): AwsPorts & { close(): void } {
  const clients = createAwsClients(opts);
  const timing = opts.waitTiming ?? PRODUCTION_WAIT_TIMING;
  return {
    backup: createBackupPort(clients.backup),
    efs: createEfsPort(clients.efs),
    ecs: createEcsPort(clients.ecs, timing),
    stack: createStackPort(clients.cloudformation, timing),
    ssm: createSsmPort(clients.ssm, timing),
    checkTask: createCheckTaskPort(clients.ecs, timing),
    logs: createLogsPort(clients.logs),
    close: () => destroyAwsClients(clients),
  };
}
