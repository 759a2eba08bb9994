import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { type BackupWorld, createBackup } from './backup.js';
import type { SimClockControl } from './clock.js';
import { writeTree } from './data-dir.js';
import { createEfs } from './efs.js';
import type { FaultControl } from './faults.js';
import { treeListing, treeSize } from './fs-tree.js';
import type { ServiceModule, ServiceName } from './kernel.js';
import { createLogs, type LogsWorld } from './logs.js';
import { defaultSnapshotData, type SnapshotData, tearDataDir } from './mongod.js';
import type { Scenario } from './scenario.js';
import { createSsm, type SsmWorld } from './ssm.js';
import type { SimFileSystem, SimRecoveryPoint } from './world-types.js';

/** The CloudFormation + ECS half of the world, built by the stack module. */
export interface StackPart {
  cloudformation: ServiceModule;
  ecs: ServiceModule;
  state(): unknown;
  close(): void;
}

export type StackFactory = (ctx: {
  scenario: Scenario;
  clock: SimClockControl;
  faults: FaultControl;
  fileSystems: SimFileSystem[];
  /** CloudWatch Logs, where one-off tasks' awslogs streams go. */
  logs: LogsWorld;
  /** What a snapshot's database holds (by the data dir's marker: a point id, or `live`). */
  dataFor(snapshot: string): SnapshotData | undefined;
  /** Where one-off tasks' containers run. */
  taskWorkDir: string;
}) => StackPart;

export interface World {
  services: Partial<Record<ServiceName, ServiceModule>>;
  fileSystems: SimFileSystem[];
  points: SimRecoveryPoint[];
  /** Where the inspection host sees the chat-db file system: the host directory itself. */
  inspectorMount: string;
  state(): Record<string, unknown>;
  close(): void;
}

/**
 * Builds the world under `stateDir`: `efs/<fsId>/` for each file system's live contents,
 * `snapshots/<pointId>/` for each recovery point, `ssm/` for command working directories. Those
 * three are recreated on every start; nothing else in stateDir is touched.
 */
export function createWorld(opts: {
  scenario: Scenario;
  stateDir: string;
  clock: SimClockControl;
  faults: FaultControl;
  stack?: StackFactory;
}): World {
  const { scenario, stateDir, clock, faults } = opts;
  for (const sub of ['efs', 'snapshots', 'ssm', 'tasks']) {
    const dir = join(stateDir, sub);
    if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
  }

  // The file systems were created well before the oldest backup of them.
  const oldest = Math.min(clock.now(), ...scenario.recoveryPoints.map((p) => p.createdAt));
  const fileSystems: SimFileSystem[] = Object.entries(scenario.fileSystems).map(([logicalId, spec]) => {
    const rootDir = join(stateDir, 'efs', spec.id);
    writeTree(rootDir, spec.tree, 'live', clock.now());
    return {
      logicalId,
      id: spec.id,
      arn: `arn:aws:elasticfilesystem:${scenario.region}:${scenario.accountId}:file-system/${spec.id}`,
      name: spec.name,
      rootDir,
      createdAt: oldest - 200 * 86_400_000,
    };
  });
  const fsByLogicalId = new Map(fileSystems.map((fs) => [fs.logicalId, fs]));

  const points: SimRecoveryPoint[] = scenario.recoveryPoints.map((spec) => {
    const fs = fsByLogicalId.get(spec.fileSystem) as SimFileSystem;
    const snapshotDir = join(stateDir, 'snapshots', spec.id);
    writeTree(snapshotDir, spec.tree, spec.id, spec.createdAt);
    if (spec.torn !== undefined && spec.tree.db !== undefined) {
      tearDataDir(join(snapshotDir, spec.tree.db), spec.torn);
    }
    return {
      id: spec.id,
      arn: `arn:aws:backup:${scenario.region}:${scenario.accountId}:recovery-point:${spec.id}`,
      fs,
      vault: spec.vault ?? scenario.backupVault,
      createdAt: spec.createdAt,
      ...(spec.status === 'COMPLETED' || spec.status === 'AVAILABLE'
        ? { completedAt: spec.createdAt + 7 * 60_000 }
        : {}),
      status: spec.status,
      ...(spec.statusMessage !== undefined ? { statusMessage: spec.statusMessage } : {}),
      snapshotDir,
      sizeBytes: treeSize(snapshotDir),
    };
  });

  const account = { region: scenario.region, accountId: scenario.accountId };
  const backup: BackupWorld = createBackup({
    ...account,
    clock,
    faults,
    vault: scenario.backupVault,
    roleArn: scenario.restoreRoleArn,
    points,
    restoreJobMs: scenario.durations.restoreJobMs,
    restoreKeepsMtimes: scenario.restoreKeepsMtimes,
    restoreDirDigits: scenario.restoreDirDigits,
    pageSizes: scenario.pageSizes,
  });
  const inspectorFs = fsByLogicalId.get(scenario.inspector.fileSystem) as SimFileSystem;
  const ssm: SsmWorld = createSsm({
    ...account,
    clock,
    faults,
    instanceId: scenario.inspector.instanceId,
    workDir: join(stateDir, 'ssm'),
    commandMs: scenario.durations.ssmCommandMs,
    invocationDelayMs: scenario.durations.ssmInvocationDelayMs,
    pageSize: scenario.pageSizes.commandInvocations,
    mounts: [inspectorFs.rootDir],
  });
  const efs = createEfs({
    ...account,
    stackName: scenario.stackName,
    fileSystems,
    pageSize: scenario.pageSizes.fileSystems,
  });
  const logs = createLogs({ ...account, now: () => clock.now() });
  const startedAt = clock.now();
  const dataFor = (snapshot: string): SnapshotData | undefined => {
    if (snapshot === 'live') return defaultSnapshotData(snapshot, startedAt);
    const spec = scenario.recoveryPoints.find((p) => p.id === snapshot);
    return spec === undefined ? undefined : (spec.check ?? defaultSnapshotData(spec.id, spec.createdAt));
  };
  const stack = opts.stack?.({
    scenario,
    clock,
    faults,
    fileSystems,
    logs,
    dataFor,
    taskWorkDir: join(stateDir, 'tasks'),
  });

  return {
    services: {
      backup: backup.module,
      efs,
      ssm: ssm.module,
      logs: logs.module,
      ...(stack ? { cloudformation: stack.cloudformation, ecs: stack.ecs } : {}),
    },
    fileSystems,
    points,
    inspectorMount: inspectorFs.rootDir,
    state() {
      return {
        restoreJobs: backup.jobs().map((job) => ({
          id: job.id,
          status: job.status,
          statusMessage: job.statusMessage,
          percentDone: job.percentDone(),
          recoveryPointId: job.request.point.id,
          fileSystemId: job.request.point.fs.id,
          itemsToRestore: job.request.items,
          fault: job.request.fault,
          createdAt: new Date(job.createdAt).toISOString(),
          completedAt: job.completedAt === undefined ? undefined : new Date(job.completedAt).toISOString(),
          restoreDir: job.restoreDir,
          restoredBytes: job.restoredBytes,
        })),
        stack: stack?.state() ?? null,
        fileSystems: fileSystems.map((fs) => ({
          logicalId: fs.logicalId,
          id: fs.id,
          hostDir: fs.rootDir,
          tree: treeListing(fs.rootDir, 3),
        })),
        recoveryPoints: points.map((p) => ({
          id: p.id,
          fileSystemId: p.fs.id,
          status: p.status,
          createdAt: new Date(p.createdAt).toISOString(),
          sizeBytes: p.sizeBytes,
        })),
        inspector: {
          instanceId: scenario.inspector.instanceId,
          mountPath: inspectorFs.rootDir,
          fileSystemId: inspectorFs.id,
        },
        ssmCommands: ssm.state(),
        logStreams: logs.state(),
      };
    },
    close() {
      backup.close();
      ssm.close();
      stack?.close();
    },
  };
}
