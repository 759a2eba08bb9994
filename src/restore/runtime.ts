// Builds the restore service from the configuration: the AWS ports over the SDK clients, the
// activities over them, the session store and the file system lock in the state directory, and
// the approvers check. main.ts and the sandbox use this; tests use it too, against the simulator.

import { join } from 'node:path';
import { createAwsPorts } from '../aws/index.js';
import type { AwsPorts } from '../aws/ports.js';
import type { Config } from '../config.js';
import { type Activities, createActivities } from './activities/index.js';
import { createApproverCheck, type GroupMembersPort } from './approval.js';
import { FileLock, holderOpenIn } from './lock.js';
import { createRestoreService, type OrchestratorLog } from './orchestrator.js';
import type { RestoreService } from './service.js';
import { FileSessionStore } from './store.js';

export interface RestoreRuntime {
  service: RestoreService & { idle(): Promise<void> };
  activities: Activities;
  close(): Promise<void>;
}

export interface RestoreRuntimeDeps {
  config: Config;
  log: OrchestratorLog;
  /** Reads a Slack user group's members, for CHATDB_APPROVERS given as a group. */
  groupMembers: GroupMembersPort;
  /** Defaults to ports over the SDK clients (region, credentials, endpoints from the SDK's chain). */
  ports?: AwsPorts & { close?(): void };
}

export function createRestoreRuntime(deps: RestoreRuntimeDeps): RestoreRuntime {
  const { config, log } = deps;
  const { chatdb, restore } = config;
  const waitTiming = {
    minDelaySeconds: restore.pollIntervalMs / 1000,
    maxDelaySeconds: Math.max(restore.pollIntervalMs, restore.pollMaxIntervalMs) / 1000,
  };
  const ports = deps.ports ?? createAwsPorts({ waitTiming });
  const activities = createActivities({
    ports,
    log,
    settings: {
      stackName: chatdb.stackName,
      volumeName: chatdb.volumeName,
      backupVault: chatdb.backupVault,
      restoreRoleArn: chatdb.restoreRoleArn,
      inspectorInstanceId: chatdb.inspectorInstanceId,
      inspectorMount: chatdb.inspectorMount,
      pollMinMs: restore.pollIntervalMs,
      pollMaxMs: restore.pollMaxIntervalMs,
      stackTimeoutMs: restore.stackTimeoutMs,
      checkDatabase: chatdb.checkDatabase,
      checkMaxWaitMs: restore.checkMaxWaitMs,
      ...(chatdb.healthUrl === undefined ? {} : { healthUrl: chatdb.healthUrl }),
    },
  });
  const store = new FileSessionStore(join(chatdb.stateDir, 'sessions'));
  const lock = new FileLock({ dir: join(chatdb.stateDir, 'locks'), isHolderOpen: holderOpenIn(store) });
  const approvers = createApproverCheck(chatdb.approvers, deps.groupMembers);
  const service = createRestoreService({
    activities,
    store,
    lock,
    approvers,
    confirmTtlMs: chatdb.confirmTtlMs,
    ...(config.gitlab === undefined ? {} : { templateFile: config.gitlab.templatePath }),
    log,
  });
  return {
    service,
    activities,
    async close() {
      await service.close();
      ports.close?.();
    },
  };
}
