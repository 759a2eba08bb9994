// The bot's view of AWS: one port per service, in the bot's own terms. Implementations over the
// SDK clients live beside this file and are the only code that imports @aws-sdk/*; tests pass
// the same implementations pointed at the simulator, or plain fakes for pure units.

import type { CheckTaskPort } from './ecs-task.js';
import type { LogsPort } from './logs.js';

export interface RecoveryPoint {
  arn: string;
  /** The last path segment of the ARN; what users type. */
  id: string;
  vault: string;
  resourceArn: string;
  resourceType: string;
  status: 'COMPLETED' | 'PARTIAL' | 'DELETING' | 'EXPIRED' | 'AVAILABLE' | 'STOPPED' | 'CREATING' | string;
  statusMessage?: string;
  createdAt: Date;
  completedAt?: Date;
  sizeBytes?: number;
}

export interface RestoreJob {
  id: string;
  status: 'PENDING' | 'RUNNING' | 'COMPLETED' | 'ABORTED' | 'FAILED' | string;
  statusMessage?: string;
  /** 0..100, parsed from AWS's "NN.N%" string. */
  percentDone?: number;
  expectedCompletionMinutes?: number;
  createdAt?: Date;
  completedAt?: Date;
  recoveryPointArn?: string;
}

export interface StartRestoreInput {
  recoveryPointArn: string;
  fileSystemId: string;
  roleArn: string;
  idempotencyToken: string;
  /** Item-level restore: absolute paths inside the file system (e.g. `/aws-backup-restore_X`). */
  itemsToRestore?: string[];
  /** GetRecoveryPointRestoreMetadata's answer, which the job's metadata starts from. */
  restoreMetadata?: Record<string, string>;
}

export interface BackupPort {
  /** Recovery points of one resource, newest first, stopping after `limit` when given. */
  listRecoveryPoints(resourceArn: string, opts?: { limit?: number }): Promise<RecoveryPoint[]>;
  describeRecoveryPoint(vault: string, recoveryPointArn: string): Promise<RecoveryPoint>;
  getRestoreMetadata(vault: string, recoveryPointArn: string): Promise<Record<string, string>>;
  startRestoreJob(input: StartRestoreInput): Promise<string>;
  describeRestoreJob(id: string): Promise<RestoreJob>;
}

export interface FileSystem {
  id: string;
  arn: string;
  name?: string;
  sizeBytes?: number;
  lifeCycleState: string;
}

export interface EfsPort {
  describeFileSystem(id: string): Promise<FileSystem>;
}

export interface EcsVolume {
  name: string;
  fileSystemId?: string;
  rootDirectory?: string;
}

export interface TaskDefinition {
  arn: string;
  family: string;
  revision: number;
  volumes: EcsVolume[];
  /** When this revision was registered: its volumes have been in use at most since then. */
  registeredAt?: Date;
  /** When it was deregistered (INACTIVE): after a successful update, once the next one took over. */
  deregisteredAt?: Date;
  status?: 'ACTIVE' | 'INACTIVE' | string;
  /** Whether any container defines a health check, so that ECS reports HEALTHY or UNHEALTHY. */
  hasHealthCheck: boolean;
}

export interface Deployment {
  id: string;
  status: 'PRIMARY' | 'ACTIVE' | 'INACTIVE' | string;
  rolloutState?: 'IN_PROGRESS' | 'COMPLETED' | 'FAILED' | string;
  taskDefinitionArn: string;
  desiredCount: number;
  runningCount: number;
  pendingCount: number;
}

export interface Service {
  arn: string;
  name: string;
  clusterArn: string;
  status: string;
  taskDefinitionArn: string;
  desiredCount: number;
  runningCount: number;
  /** FARGATE, EC2 or EXTERNAL; absent with a capacity provider strategy. */
  launchType?: string;
  /** The rolling deployment's bounds, in percent of desiredCount (ECS's defaults: 200 and 100). */
  maximumPercent: number;
  minimumHealthyPercent: number;
  deployments: Deployment[];
  events: { at: Date; message: string }[];
}

export interface Task {
  arn: string;
  taskDefinitionArn: string;
  lastStatus: string;
  desiredStatus: string;
  healthStatus?: 'HEALTHY' | 'UNHEALTHY' | 'UNKNOWN' | string;
  stoppedReason?: string;
  startedAt?: Date;
  stoppedAt?: Date;
}

export interface EcsPort {
  describeService(cluster: string, service: string): Promise<Service>;
  /** Tasks of the service, RUNNING by default, or STOPPED. */
  listServiceTasks(cluster: string, service: string, desiredStatus?: 'RUNNING' | 'STOPPED'): Promise<Task[]>;
  describeTaskDefinition(arn: string): Promise<TaskDefinition>;
  /** Every revision ARN of a task definition family, ACTIVE and INACTIVE, oldest first. */
  listTaskDefinitionRevisions(family: string): Promise<string[]>;
  stopTask(cluster: string, taskArn: string, reason: string): Promise<void>;
  /** The SDK's servicesStable waiter. Throws WaiterTimeout or the waiter's failure. */
  waitServiceStable(cluster: string, service: string, maxWaitSeconds: number): Promise<void>;
}

export interface StackResource {
  logicalId: string;
  physicalId: string;
  type: string;
  status: string;
}

export interface Stack {
  id: string;
  name: string;
  /** The service role CloudFormation uses for updates; absent: it uses the caller's credentials. */
  roleArn?: string;
  /** Set when this is a nested stack: the id of its direct parent. */
  parentId?: string;
  /** The change set of the stack's last executed update. */
  changeSetId?: string;
  status: string;
  statusReason?: string;
  lastUpdatedAt?: Date;
  parameters: { key: string; value: string }[];
  capabilities: string[];
}

export interface ChangeSet {
  id: string;
  name: string;
  status: 'CREATE_PENDING' | 'CREATE_IN_PROGRESS' | 'CREATE_COMPLETE' | 'DELETE_COMPLETE' | 'FAILED' | string;
  statusReason?: string;
  executionStatus: string;
  changes: { logicalId: string; action: string; resourceType: string; replacement?: string }[];
}

export interface StackEvent {
  id: string;
  at: Date;
  logicalId: string;
  status: string;
  reason?: string;
}

export interface StackPort {
  describeStack(name: string): Promise<Stack>;
  /** The template as the stack holds it now (TemplateStage Original). */
  getTemplate(name: string): Promise<string>;
  /** Every resource of the stack (ListStackResources, all pages). */
  listResources(name: string): Promise<StackResource[]>;
  /** The stack policy's JSON, or undefined when the stack has none. */
  getStackPolicy(name: string): Promise<string | undefined>;
  /** Creates the change set and waits for it; a "no changes" or other failure comes back as status FAILED. */
  createChangeSet(input: {
    stackName: string;
    changeSetName: string;
    templateBody: string;
    description: string;
  }): Promise<ChangeSet>;
  describeChangeSet(stackName: string, changeSetName: string): Promise<ChangeSet | undefined>;
  /** Deletes a change set that was never executed; 'absent' when there is none by that name. */
  deleteChangeSet(stackName: string, changeSetName: string): Promise<'deleted' | 'absent'>;
  /** `clientRequestToken` makes a retried call, or a resumed session's, one execution. */
  executeChangeSet(stackName: string, changeSetName: string, clientRequestToken: string): Promise<void>;
  /** Newest first, stopping at events older than `since`. */
  stackEvents(name: string, since?: Date): Promise<StackEvent[]>;
}

export interface CommandResult {
  commandId: string;
  status: 'Success' | 'Failed' | 'TimedOut' | 'Cancelled' | string;
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface SsmPort {
  /**
   * Runs a shell script with AWS-RunShellScript on one instance and waits for it (the SDK's
   * commandExecuted waiter). The script must be built only from validated values.
   */
  runShellScript(
    instanceId: string,
    script: string,
    opts?: {
      timeoutSeconds?: number;
      signal?: AbortSignal;
      /**
       * Given the command id as soon as SendCommand answered, before the wait, so the caller can
       * record it; if it throws, the command is cancelled and the error passed on.
       */
      sent?: (commandId: string) => Promise<void>;
    },
  ): Promise<CommandResult>;
}

/** How the SDK waiters poll (seconds). Production keeps the SDK's defaults; tests go faster. */
export interface WaitTiming {
  minDelaySeconds: number;
  maxDelaySeconds: number;
}

export interface AwsPorts {
  backup: BackupPort;
  efs: EfsPort;
  ecs: EcsPort;
  stack: StackPort;
  ssm: SsmPort;
  /** The check stage's one-off task of the chat-db image (ecs-task.ts). */
  checkTask: CheckTaskPort;
  logs: LogsPort;
}
