// ECS as the chat stack uses it: clusters, task definition revisions, services with rolling
// deployments, and Fargate tasks whose EFS volumes are checked against the real directory trees.
//
// What matters for a restore is modelled as ECS documents its rolling deployments
// (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-type-ecs.html): ECS has
// no lock on EFS. With maximumPercent room it starts the new task first and stops the old one once
// the new one is healthy; with minimumHealthyPercent low enough it stops the old one first; with
// neither (one task at 100 %/100 %) the deployment waits until someone stops the old task. On the
// EC2 launch type a task with a fixed host port cannot be placed on the container instance whose
// old task holds that port: the service event says "unable to place a task", and the deployment
// waits the same way (one container instance per desired task here). A volume whose RootDirectory does not exist fails the
// task with ECS's ResourceInitializationError; the deployment circuit breaker then marks the
// deployment FAILED after a few such tasks. Outside a deployment, a stopped task is replaced.

import { randomBytes, randomUUID } from 'node:crypto';
import { statSync } from 'node:fs';
import { resolve, sep } from 'node:path';
import { runTaskOps } from './ecs-run-task.js';
import type { Faults, OpInput, ServiceModule } from './kernel.js';
import { SimError } from './kernel.js';
import { createOneOffTasks, type OneOffTaskOptions } from './one-off-task.js';
import type { Timers } from './stack-world.js';
import type { EcsVolume, TaskDefinitionSpec } from './template-ecs.js';

export interface EcsWorldOptions {
  timers: Timers;
  faults: Faults;
  region: string;
  accountId: string;
  /** File system id → the host directory holding its contents. */
  fileSystems: ReadonlyMap<string, string>;
  taskStartMs: number;
  /** From RUNNING to HEALTHY, for a task definition with a health check. */
  taskHealthyMs: number;
  taskStopMs: number;
  now(): number;
  /**
   * Revisions a family had before the stack registered its own (cutovers by hand or by other
   * tools): registered ahead of the stack's first revision of that family, which becomes the
   * next revision number.
   */
  history?: TaskDefinitionHistory;
  /** One-off tasks (RunTask): their logs, their data and their containers' working directories. */
  oneOff?: OneOffSettings;
}

export type OneOffSettings = Pick<OneOffTaskOptions, 'logs' | 'dataFor' | 'workDir' | 'runMs'>;

export interface TaskDefinitionHistory {
  family: string;
  /** The EFS volume whose RootDirectory each revision sets. */
  volume: string;
  revisions: { root: string; registeredAt: number; deregisteredAt?: number }[];
  /** When the stack's own revision was registered, when not at the stack's creation. */
  currentRegisteredAt?: number;
}

export type DeploymentOutcome = { state: 'COMPLETED' } | { state: 'FAILED'; reason: string };

export interface ServiceSettings {
  taskDefinitionArn: string;
  desiredCount: number;
  minimumHealthyPercent: number;
  maximumPercent: number;
  circuitBreaker: boolean;
  launchType?: string;
  networkConfiguration?: Record<string, unknown>;
}

export interface EcsWorld {
  module: ServiceModule;
  createCluster(name: string, at: number): string;
  registerTaskDefinition(spec: TaskDefinitionSpec & { family: string }, at: number): string;
  deregisterTaskDefinition(arn: string): void;
  /** A service as it is long after its creation: one completed deployment, its tasks running and healthy. */
  createService(cluster: string, name: string, settings: ServiceSettings, at: number): string;
  /**
   * Points a service at a task definition (and counts), starting a deployment, and resolves when
   * that deployment completes or fails. `crashable`: the deployment's tasks obey the taskCrashLoop
   * fault (a stack update's new revision; not a rollback or a replacement).
   */
  updateService(
    cluster: string,
    name: string,
    settings: ServiceSettings,
    opts: { crashable: boolean },
  ): Promise<DeploymentOutcome>;
  /** The task definition a service runs and whether its deployment is done. */
  serviceStatus(
    cluster: string,
    name: string,
  ): { taskDefinitionArn: string; rolloutState: RolloutState } | undefined;
  state(): {
    taskDefinitions: unknown[];
    services: unknown[];
    tasks: unknown[];
    oneOffTasks: unknown[];
  };
}

type RolloutState = 'IN_PROGRESS' | 'COMPLETED' | 'FAILED';

interface TaskDefinitionRecord extends TaskDefinitionSpec {
  arn: string;
  family: string;
  revision: number;
  status: 'ACTIVE' | 'INACTIVE';
  registeredAt: number;
  deregisteredAt?: number;
}

interface DeploymentRecord {
  id: string;
  status: 'PRIMARY' | 'ACTIVE';
  taskDefinitionArn: string;
  createdAt: number;
  updatedAt: number;
  rolloutState: RolloutState;
  rolloutStateReason: string;
  failedTasks: number;
  crashable: boolean;
  /** A launch waiting out the retry delay after a failed task. */
  launchPending: boolean;
  settle?: (outcome: DeploymentOutcome) => void;
}

interface ServiceRecord extends ServiceSettings {
  name: string;
  arn: string;
  cluster: ClusterRecord;
  createdAt: number;
  deployments: DeploymentRecord[];
  events: { id: string; createdAt: number; message: string }[];
}

interface ClusterRecord {
  name: string;
  arn: string;
  createdAt: number;
}

interface TaskRecord {
  id: string;
  arn: string;
  service: ServiceRecord;
  deploymentId: string;
  taskDefinition: TaskDefinitionRecord;
  lastStatus: string;
  desiredStatus: 'RUNNING' | 'STOPPED';
  healthStatus: 'UNKNOWN' | 'HEALTHY' | 'UNHEALTHY';
  createdAt: number;
  pullStartedAt?: number;
  pullStoppedAt?: number;
  startedAt?: number;
  stoppingAt?: number;
  stoppedAt?: number;
  stoppedReason?: string;
  stopCode?: string;
  exitCode?: number;
  version: number;
  containerIds: string[];
}

/** The circuit breaker's threshold for a service of desired count 1 (AWS's minimum is 3). */
const CIRCUIT_BREAKER_FAILED_TASKS = 3;
const LIST_TASKS_PAGE_SIZE = 2;
const SERVICE_EVENTS_KEPT = 100;

export function createEcs(opts: EcsWorldOptions): EcsWorld {
  const { timers, region, accountId } = opts;
  const clusters = new Map<string, ClusterRecord>();
  const taskDefinitions: TaskDefinitionRecord[] = [];
  const services: ServiceRecord[] = [];
  const tasks: TaskRecord[] = [];
  const T = opts.taskStartMs;
  const S = opts.taskStopMs;
  const now = opts.now;
  const seconds = (ms: number | undefined) => (ms === undefined ? undefined : ms / 1000);

  // ---- lookups -------------------------------------------------------------------------------

  const findCluster = (ref: unknown): ClusterRecord => {
    const key = ref === undefined || ref === null || ref === '' ? 'default' : String(ref);
    const cluster = clusters.get(key) ?? [...clusters.values()].find((c) => c.arn === key);
    if (!cluster) throw new SimError('ClusterNotFoundException', 'Cluster not found.');
    return cluster;
  };

  const findService = (cluster: ClusterRecord, ref: string): ServiceRecord | undefined =>
    services.find((s) => s.cluster === cluster && (s.name === ref || s.arn === ref));

  const findTaskDefinition = (ref: string): TaskDefinitionRecord | undefined => {
    if (ref.startsWith('arn:')) return taskDefinitions.find((td) => td.arn === ref);
    const [family, revision] = ref.split(':');
    if (revision !== undefined) {
      return taskDefinitions.find((td) => td.family === family && String(td.revision) === revision);
    }
    return taskDefinitions
      .filter((td) => td.family === family && td.status === 'ACTIVE')
      .sort((a, b) => b.revision - a.revision)[0];
  };

  const tasksOf = (d: DeploymentRecord) => tasks.filter((t) => t.deploymentId === d.id);
  const live = (d: DeploymentRecord) => tasksOf(d).filter((t) => t.desiredStatus === 'RUNNING');
  const hasHealthCheck = (td: TaskDefinitionRecord) => td.containerDefinitions.some((c) => c.healthCheck);
  const healthy = (t: TaskRecord) =>
    t.lastStatus === 'RUNNING' &&
    t.desiredStatus === 'RUNNING' &&
    (t.healthStatus === 'HEALTHY' || !hasHealthCheck(t.taskDefinition));
  const deploymentOf = (t: TaskRecord) => t.service.deployments.find((d) => d.id === t.deploymentId);

  /** Host ports a task definition binds on its container instance (never with awsvpc). */
  const fixedHostPorts = (td: TaskDefinitionRecord): number[] =>
    td.networkMode === 'awsvpc'
      ? []
      : td.containerDefinitions.flatMap((c) =>
          (Array.isArray(c.portMappings) ? (c.portMappings as { hostPort?: unknown }[]) : []).flatMap((p) =>
            typeof p.hostPort === 'number' && p.hostPort > 0 ? [p.hostPort] : [],
          ),
        );

  /**
   * Whether ECS can place one more task of the service now. Fargate always can; on EC2, a fixed
   * host port is free only on a container instance none of the service's live tasks hold it on.
   */
  const placeable = (svc: ServiceRecord, td: TaskDefinitionRecord): boolean => {
    if ((svc.launchType ?? 'FARGATE') !== 'EC2') return true;
    const ports = fixedHostPorts(td);
    if (ports.length === 0) return true;
    const holding = tasks.filter(
      (t) =>
        t.service.cluster === svc.cluster &&
        t.lastStatus !== 'STOPPED' &&
        fixedHostPorts(t.taskDefinition).some((p) => ports.includes(p)),
    ).length;
    return holding < svc.desiredCount;
  };

  const event = (svc: ServiceRecord, message: string) => {
    svc.events.unshift({ id: randomUUID(), createdAt: now(), message });
    svc.events.length = Math.min(svc.events.length, SERVICE_EVENTS_KEPT);
  };

  // ---- task lifecycle ------------------------------------------------------------------------

  const launch = (svc: ServiceRecord, d: DeploymentRecord): TaskRecord => {
    const td = findTaskDefinition(d.taskDefinitionArn) as TaskDefinitionRecord;
    const id = randomBytes(16).toString('hex');
    const task: TaskRecord = {
      id,
      arn: `arn:aws:ecs:${region}:${accountId}:task/${svc.cluster.name}/${id}`,
      service: svc,
      deploymentId: d.id,
      taskDefinition: td,
      lastStatus: 'PROVISIONING',
      desiredStatus: 'RUNNING',
      healthStatus: 'UNKNOWN',
      createdAt: now(),
      version: 1,
      containerIds: td.containerDefinitions.map(() => randomUUID()),
    };
    tasks.push(task);
    event(svc, `(service ${svc.name}) has started 1 tasks: (task ${id}).`);
    timers.after(T * 0.25, () => provision(task));
    return task;
  };

  const bump = (task: TaskRecord) => {
    task.version += 1;
  };

  const provision = (task: TaskRecord) => {
    if (task.lastStatus === 'STOPPED' || task.desiredStatus === 'STOPPED') return;
    task.lastStatus = 'PENDING';
    task.pullStartedAt = now();
    bump(task);
    timers.after(T * 0.75, () => start(task));
  };

  const start = (task: TaskRecord) => {
    if (task.lastStatus === 'STOPPED') return;
    if (task.desiredStatus === 'STOPPED') return finishStop(task);
    task.pullStoppedAt = now();
    const failure = mountFailure(task.taskDefinition);
    if (failure) {
      fail(task, failure, 'TaskFailedToStart');
      return;
    }
    task.lastStatus = 'RUNNING';
    task.startedAt = now();
    bump(task);
    const d = deploymentOf(task);
    if (d?.crashable && opts.faults.get().taskCrashLoop === true) {
      timers.after(T * 0.1, () => {
        if (task.lastStatus !== 'RUNNING' || task.desiredStatus !== 'RUNNING') return;
        task.exitCode = 14;
        fail(task, 'Essential container in task exited', 'EssentialContainerExited');
      });
    } else if (hasHealthCheck(task.taskDefinition)) {
      timers.after(opts.taskHealthyMs, () => {
        if (task.lastStatus !== 'RUNNING' || task.desiredStatus !== 'RUNNING') return;
        task.healthStatus = 'HEALTHY';
        bump(task);
        reconcile(task.service);
      });
    }
    reconcile(task.service);
  };

  /** Why ECS could not set up the task's EFS volumes, in ECS's words; undefined when they mount. */
  const mountFailure = (td: Pick<TaskDefinitionSpec, 'volumes'>): string | undefined => {
    for (const volume of td.volumes) {
      const efs = volume.efsVolumeConfiguration;
      if (!efs) continue;
      const host = `${efs.fileSystemId}.efs.${region}.amazonaws.com`;
      const rootDir = opts.fileSystems.get(efs.fileSystemId);
      if (rootDir === undefined) {
        return `ResourceInitializationError: failed to invoke EFS utils commands to set up EFS volumes: stderr: Failed to resolve "${host}" - check that your file system ID is correct. : unsuccessful EFS utils command execution; code: 1`;
      }
      const root = efs.rootDirectory ?? '/';
      if (!isDirectoryWithin(rootDir, root)) {
        return `ResourceInitializationError: failed to invoke EFS utils commands to set up EFS volumes: stderr: mount.nfs4: mounting ${host}:${root} failed, reason given by server: No such file or directory : unsuccessful EFS utils command execution; code: 32`;
      }
    }
    return undefined;
  };

  /** The task stops by itself: it failed to start or its essential container exited. */
  const fail = (task: TaskRecord, reason: string, stopCode: string) => {
    const wasRunning = task.lastStatus === 'RUNNING';
    task.desiredStatus = 'STOPPED';
    task.stoppedReason = reason;
    task.stopCode = stopCode;
    task.stoppingAt = now();
    task.healthStatus = wasRunning ? 'UNHEALTHY' : 'UNKNOWN';
    const d = deploymentOf(task);
    if (d) d.failedTasks += 1;
    if (wasRunning)
      event(task.service, `(service ${task.service.name}) has stopped 1 running tasks: (task ${task.id}).`);
    finishStop(task);
  };

  /** Scheduler- or user-initiated stop: SIGTERM, then STOPPED after the stop timeout. */
  const requestStop = (task: TaskRecord, reason: string, stopCode: string) => {
    if (task.desiredStatus === 'STOPPED' || task.lastStatus === 'STOPPED') return;
    task.desiredStatus = 'STOPPED';
    task.stoppedReason = reason;
    task.stopCode = stopCode;
    task.stoppingAt = now();
    bump(task);
    if (task.lastStatus === 'RUNNING') {
      event(task.service, `(service ${task.service.name}) has stopped 1 running tasks: (task ${task.id}).`);
      timers.after(S * 0.1, () => {
        if (task.lastStatus === 'RUNNING') {
          task.lastStatus = 'DEACTIVATING';
          bump(task);
        }
      });
      timers.after(S, () => {
        task.exitCode = 0;
        finishStop(task);
      });
    } else {
      timers.after(S * 0.1, () => finishStop(task));
    }
  };

  const finishStop = (task: TaskRecord) => {
    if (task.lastStatus === 'STOPPED') return;
    task.lastStatus = 'STOPPED';
    task.desiredStatus = 'STOPPED';
    task.stoppedAt = now();
    bump(task);
    reconcile(task.service);
  };

  const oneOff =
    opts.oneOff === undefined
      ? undefined
      : createOneOffTasks({
          ...opts.oneOff,
          timers,
          region,
          accountId,
          now,
          fileSystems: opts.fileSystems,
          mountFailure,
          taskStartMs: T,
        });

  // ---- the service scheduler -----------------------------------------------------------------

  const settle = (d: DeploymentRecord, outcome: DeploymentOutcome) => {
    const fn = d.settle;
    d.settle = undefined;
    fn?.(outcome);
  };

  const reconcile = (svc: ServiceRecord) => {
    if (timers.closed) return;
    const primary = svc.deployments[0];
    if (!primary) return;
    const older = svc.deployments.slice(1);

    if (
      primary.rolloutState === 'IN_PROGRESS' &&
      svc.circuitBreaker &&
      primary.failedTasks >= CIRCUIT_BREAKER_FAILED_TASKS
    ) {
      primary.rolloutState = 'FAILED';
      primary.rolloutStateReason = 'ECS deployment circuit breaker: tasks failed to start.';
      primary.updatedAt = now();
      event(
        svc,
        `(service ${svc.name}) (deployment ${primary.id}) deployment failed: tasks failed to start.`,
      );
      settle(primary, {
        state: 'FAILED',
        reason: "Error occurred during operation 'ECS Deployment Circuit Breaker was triggered'.",
      });
    }
    if (primary.rolloutState === 'FAILED') return;

    const wanted = svc.desiredCount - live(primary).length - (primary.launchPending ? 1 : 0);
    if (wanted > 0) {
      const cap = Math.floor((svc.desiredCount * svc.maximumPercent) / 100);
      const inFlight = () =>
        svc.deployments.reduce((n, d) => n + live(d).length + (d.launchPending ? 1 : 0), 0);
      if (inFlight() >= cap) {
        // No room above desired: stop an old task, if that keeps the minimum healthy.
        const floor = Math.ceil((svc.desiredCount * svc.minimumHealthyPercent) / 100);
        const healthyNow = svc.deployments.flatMap((d) => live(d).filter(healthy)).length;
        const victim = older.flatMap(live)[0];
        if (victim && healthyNow - (healthy(victim) ? 1 : 0) >= floor) {
          requestStop(
            victim,
            `Scaling activity initiated by (deployment ${primary.id})`,
            'ServiceSchedulerInitiated',
          );
        }
      }
      const room = Math.max(0, cap - inFlight());
      const td = findTaskDefinition(primary.taskDefinitionArn) as TaskDefinitionRecord;
      if (room > 0 && !placeable(svc, td)) {
        unableToPlace(svc);
        return;
      }
      if (room > 0 && primary.failedTasks > 0) {
        // ECS backs off before retrying after a task failed; one launch at a time.
        primary.launchPending = true;
        timers.after(T * 0.25, () => {
          primary.launchPending = false;
          if (svc.deployments[0] === primary && primary.rolloutState !== 'FAILED') {
            if (live(primary).length < svc.desiredCount) launch(svc, primary);
          }
          reconcile(svc);
        });
      } else {
        for (let i = 0; i < Math.min(wanted, room); i++) launch(svc, primary);
      }
    }

    if (primary.rolloutState === 'IN_PROGRESS' && live(primary).filter(healthy).length >= svc.desiredCount) {
      for (const task of older.flatMap(live)) {
        requestStop(
          task,
          `Scaling activity initiated by (deployment ${primary.id})`,
          'ServiceSchedulerInitiated',
        );
      }
      if (older.every((d) => tasksOf(d).every((t) => t.lastStatus === 'STOPPED'))) {
        for (const d of older)
          settle(d, { state: 'FAILED', reason: `superseded by deployment ${primary.id}` });
        svc.deployments = [primary];
        primary.rolloutState = 'COMPLETED';
        primary.rolloutStateReason = `ECS deployment ${primary.id} completed.`;
        primary.updatedAt = now();
        event(svc, `(service ${svc.name}) (deployment ${primary.id}) deployment completed.`);
        event(svc, `(service ${svc.name}) has reached a steady state.`);
        settle(primary, { state: 'COMPLETED' });
      }
    }
  };

  /** ECS's service event when no container instance can take the task; once per minute at most. */
  const unableToPlace = (svc: ServiceRecord) => {
    const last = svc.events.find((e) => e.message.includes('was unable to place a task'));
    if (last !== undefined && now() - last.createdAt < 60_000) return;
    event(
      svc,
      `(service ${svc.name}) was unable to place a task because no container instance met all of its requirements. The closest matching container-instance is already using a port required by your task. For more information, see the Troubleshooting section of the Amazon ECS Developer Guide.`,
    );
  };

  const newDeployment = (taskDefinitionArn: string, at: number, crashable: boolean): DeploymentRecord => ({
    id: `ecs-svc/${randomDigits(19)}`,
    status: 'PRIMARY',
    taskDefinitionArn,
    createdAt: at,
    updatedAt: at,
    rolloutState: 'IN_PROGRESS',
    rolloutStateReason: 'ECS deployment in progress.',
    failedTasks: 0,
    crashable,
    launchPending: false,
  });

  const addRevision = (spec: TaskDefinitionSpec & { family: string }, at: number): TaskDefinitionRecord => {
    const revision = taskDefinitions.filter((td) => td.family === spec.family).length + 1;
    const record: TaskDefinitionRecord = {
      ...structuredClone(spec),
      arn: `arn:aws:ecs:${region}:${accountId}:task-definition/${spec.family}:${revision}`,
      revision,
      status: 'ACTIVE',
      registeredAt: at,
    };
    taskDefinitions.push(record);
    return record;
  };

  // ---- the world's own API (used by CloudFormation) -----------------------------------------

  const world: EcsWorld = {
    module: { name: 'ecs', ops: {} },

    createCluster(name, at) {
      const cluster = { name, arn: `arn:aws:ecs:${region}:${accountId}:cluster/${name}`, createdAt: at };
      clusters.set(name, cluster);
      return cluster.arn;
    },

    registerTaskDefinition(spec, at) {
      const history = opts.history;
      const first = !taskDefinitions.some((td) => td.family === spec.family);
      if (history !== undefined && first && history.family === spec.family) {
        for (const past of history.revisions) {
          const record = addRevision(withRoot(spec, history.volume, past.root), past.registeredAt);
          if (past.deregisteredAt !== undefined) {
            record.status = 'INACTIVE';
            record.deregisteredAt = past.deregisteredAt;
          }
        }
        return addRevision(spec, history.currentRegisteredAt ?? at).arn;
      }
      return addRevision(spec, at).arn;
    },

    deregisterTaskDefinition(arn) {
      const td = findTaskDefinition(arn);
      if (td && td.status === 'ACTIVE') {
        td.status = 'INACTIVE';
        td.deregisteredAt = now();
      }
    },

    createService(clusterRef, name, settings, at) {
      const cluster = clusters.get(clusterRef) ?? findCluster(clusterRef);
      const td = findTaskDefinition(settings.taskDefinitionArn);
      if (!td) throw new Error(`service ${name}: no task definition ${settings.taskDefinitionArn}`);
      const svc: ServiceRecord = {
        ...settings,
        taskDefinitionArn: td.arn,
        name,
        arn: `arn:aws:ecs:${region}:${accountId}:service/${cluster.name}/${name}`,
        cluster,
        createdAt: at,
        deployments: [],
        events: [],
      };
      const d = newDeployment(td.arn, at, false);
      d.rolloutState = 'COMPLETED';
      d.rolloutStateReason = `ECS deployment ${d.id} completed.`;
      svc.deployments.push(d);
      services.push(svc);
      for (let i = 0; i < settings.desiredCount; i++) {
        const id = randomBytes(16).toString('hex');
        tasks.push({
          id,
          arn: `arn:aws:ecs:${region}:${accountId}:task/${cluster.name}/${id}`,
          service: svc,
          deploymentId: d.id,
          taskDefinition: td,
          lastStatus: 'RUNNING',
          desiredStatus: 'RUNNING',
          healthStatus: hasHealthCheck(td) ? 'HEALTHY' : 'UNKNOWN',
          createdAt: at,
          pullStartedAt: at + 20_000,
          pullStoppedAt: at + 45_000,
          startedAt: at + 60_000,
          version: 4,
          containerIds: td.containerDefinitions.map(() => randomUUID()),
        });
      }
      const started = tasks.filter((t) => t.service === svc).map((t) => `(task ${t.id})`);
      svc.events = [
        {
          id: randomUUID(),
          createdAt: at + 120_000,
          message: `(service ${name}) has reached a steady state.`,
        },
        {
          id: randomUUID(),
          createdAt: at + 60_000,
          message: `(service ${name}) has started ${started.length} tasks: ${started.join(' ')}.`,
        },
      ];
      return svc.arn;
    },

    updateService(clusterRef, name, settings, { crashable }) {
      const cluster = findCluster(clusterRef);
      const svc = findService(cluster, name);
      if (!svc) return Promise.resolve({ state: 'FAILED', reason: 'Service not found.' });
      const td = findTaskDefinition(settings.taskDefinitionArn);
      if (!td) return Promise.resolve({ state: 'FAILED', reason: 'Unable to describe task definition.' });
      Object.assign(svc, settings, { taskDefinitionArn: td.arn });
      const primary = svc.deployments[0];
      if (primary && primary.taskDefinitionArn === td.arn && primary.rolloutState === 'COMPLETED') {
        reconcile(svc);
        return Promise.resolve({ state: 'COMPLETED' });
      }
      return new Promise<DeploymentOutcome>((resolveOutcome) => {
        // Back to a revision whose tasks still run (a rollback before the old task was stopped):
        // ECS keeps those tasks rather than starting new ones beside them.
        const existing = svc.deployments.find(
          (d) => d !== primary && d.taskDefinitionArn === td.arn && live(d).length > 0,
        );
        const next = existing ?? newDeployment(td.arn, now(), crashable);
        next.status = 'PRIMARY';
        next.rolloutState = 'IN_PROGRESS';
        next.rolloutStateReason = 'ECS deployment in progress.';
        next.updatedAt = now();
        next.crashable = crashable;
        next.failedTasks = 0;
        for (const d of svc.deployments) {
          if (d === next) continue;
          d.status = 'ACTIVE';
          settle(d, { state: 'FAILED', reason: `superseded by deployment ${next.id}` });
        }
        svc.deployments = [next, ...svc.deployments.filter((d) => d !== next)];
        next.settle = resolveOutcome;
        reconcile(svc);
      });
    },

    serviceStatus(clusterRef, name) {
      const cluster = clusters.get(clusterRef) ?? [...clusters.values()].find((c) => c.arn === clusterRef);
      const svc = cluster ? findService(cluster, name) : undefined;
      const primary = svc?.deployments[0];
      if (!svc || !primary) return undefined;
      return { taskDefinitionArn: svc.taskDefinitionArn, rolloutState: primary.rolloutState };
    },

    state() {
      return {
        taskDefinitions: taskDefinitions.map((td) => ({
          arn: td.arn,
          family: td.family,
          revision: td.revision,
          status: td.status,
          ...(td.executionRoleArn === undefined ? {} : { executionRoleArn: td.executionRoleArn }),
          ...(td.taskRoleArn === undefined ? {} : { taskRoleArn: td.taskRoleArn }),
          ...logGroupOf(td),
          volumes: td.volumes.map((v) => ({
            name: v.name,
            fileSystemId: v.efsVolumeConfiguration?.fileSystemId,
            rootDirectory: v.efsVolumeConfiguration
              ? (v.efsVolumeConfiguration.rootDirectory ?? '/')
              : undefined,
          })),
        })),
        services: services.map((svc) => ({
          name: svc.name,
          arn: svc.arn,
          cluster: svc.cluster.name,
          taskDefinition: svc.taskDefinitionArn,
          desiredCount: svc.desiredCount,
          runningCount: countIn(svc, 'running'),
          pendingCount: countIn(svc, 'pending'),
          deployments: svc.deployments.map((d) => ({
            id: d.id,
            status: d.status,
            taskDefinition: d.taskDefinitionArn,
            rolloutState: d.rolloutState,
            rolloutStateReason: d.rolloutStateReason,
            failedTasks: d.failedTasks,
          })),
        })),
        oneOffTasks: (oneOff?.all() ?? []).map((t) => ({
          arn: t.arn,
          taskDefinition: t.input.taskDefinition.arn,
          lastStatus: t.lastStatus,
          ...(t.stopCode === undefined ? {} : { stopCode: t.stopCode }),
          ...(t.exitCode === undefined ? {} : { exitCode: t.exitCode }),
          ...(t.input.startedBy === undefined ? {} : { startedBy: t.input.startedBy }),
        })),
        tasks: tasks.map((t) => ({
          arn: t.arn,
          service: t.service.name,
          taskDefinition: t.taskDefinition.arn,
          lastStatus: t.lastStatus,
          desiredStatus: t.desiredStatus,
          healthStatus: t.healthStatus,
          ...(t.stoppedReason !== undefined ? { stoppedReason: t.stoppedReason } : {}),
        })),
      };
    },
  };

  const countIn = (svc: ServiceRecord, what: 'running' | 'pending', d?: DeploymentRecord) =>
    tasks.filter(
      (t) =>
        t.service === svc &&
        (d === undefined || t.deploymentId === d.id) &&
        (what === 'running'
          ? t.lastStatus === 'RUNNING'
          : t.desiredStatus === 'RUNNING' && (t.lastStatus === 'PROVISIONING' || t.lastStatus === 'PENDING')),
    ).length;

  // ---- wire shapes ---------------------------------------------------------------------------

  const serviceWire = (svc: ServiceRecord) => ({
    serviceArn: svc.arn,
    serviceName: svc.name,
    clusterArn: svc.cluster.arn,
    loadBalancers: [],
    serviceRegistries: [],
    status: 'ACTIVE',
    desiredCount: svc.desiredCount,
    runningCount: countIn(svc, 'running'),
    pendingCount: countIn(svc, 'pending'),
    launchType: svc.launchType ?? 'FARGATE',
    platformVersion: 'LATEST',
    platformFamily: 'Linux',
    taskDefinition: svc.taskDefinitionArn,
    deploymentConfiguration: {
      deploymentCircuitBreaker: { enable: svc.circuitBreaker, rollback: false },
      maximumPercent: svc.maximumPercent,
      minimumHealthyPercent: svc.minimumHealthyPercent,
    },
    deployments: svc.deployments.map((d) => ({
      id: d.id,
      status: d.status,
      taskDefinition: d.taskDefinitionArn,
      desiredCount: d.status === 'PRIMARY' ? svc.desiredCount : live(d).length,
      pendingCount: countIn(svc, 'pending', d),
      runningCount: countIn(svc, 'running', d),
      failedTasks: d.failedTasks,
      createdAt: seconds(d.createdAt),
      updatedAt: seconds(d.updatedAt),
      launchType: svc.launchType ?? 'FARGATE',
      platformVersion: '1.4.0',
      platformFamily: 'Linux',
      ...(svc.networkConfiguration ? { networkConfiguration: svc.networkConfiguration } : {}),
      rolloutState: d.rolloutState,
      rolloutStateReason: d.rolloutStateReason,
    })),
    roleArn: `arn:aws:iam::${accountId}:role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS`,
    events: svc.events.map((e) => ({ id: e.id, createdAt: seconds(e.createdAt), message: e.message })),
    createdAt: seconds(svc.createdAt),
    placementConstraints: [],
    placementStrategy: [],
    ...(svc.networkConfiguration ? { networkConfiguration: svc.networkConfiguration } : {}),
    schedulingStrategy: 'REPLICA',
    deploymentController: { type: 'ECS' },
    createdBy: `arn:aws:iam::${accountId}:role/cloudformation-deploy`,
    enableECSManagedTags: false,
    propagateTags: 'NONE',
    enableExecuteCommand: false,
  });

  const taskWire = (t: TaskRecord) => {
    const td = t.taskDefinition;
    const running = t.lastStatus === 'RUNNING' || t.lastStatus === 'DEACTIVATING';
    return {
      attachments: [],
      availabilityZone: `${region}a`,
      clusterArn: t.service.cluster.arn,
      connectivity: t.startedAt !== undefined && t.lastStatus !== 'STOPPED' ? 'CONNECTED' : 'DISCONNECTED',
      ...(t.startedAt !== undefined ? { connectivityAt: seconds(t.startedAt) } : {}),
      containers: td.containerDefinitions.map((c, i) => ({
        containerArn: `arn:aws:ecs:${region}:${accountId}:container/${t.service.cluster.name}/${t.id}/${t.containerIds[i]}`,
        taskArn: t.arn,
        name: c.name,
        image: c.image,
        lastStatus: running ? 'RUNNING' : t.lastStatus === 'STOPPED' ? 'STOPPED' : 'PENDING',
        ...(t.lastStatus === 'STOPPED' && t.exitCode !== undefined ? { exitCode: t.exitCode } : {}),
        networkBindings: [],
        networkInterfaces: [],
        healthStatus: c.healthCheck ? t.healthStatus : 'UNKNOWN',
        cpu: String(c.cpu ?? 0),
      })),
      cpu: td.cpu,
      createdAt: seconds(t.createdAt),
      desiredStatus: t.desiredStatus,
      enableExecuteCommand: false,
      ...(t.lastStatus === 'STOPPED' ? { executionStoppedAt: seconds(t.stoppedAt) } : {}),
      group: `service:${t.service.name}`,
      healthStatus: hasHealthCheck(td) ? t.healthStatus : 'UNKNOWN',
      lastStatus: t.lastStatus,
      launchType: t.service.launchType ?? 'FARGATE',
      memory: td.memory,
      platformVersion: '1.4.0',
      platformFamily: 'Linux',
      ...(t.pullStartedAt !== undefined ? { pullStartedAt: seconds(t.pullStartedAt) } : {}),
      ...(t.pullStoppedAt !== undefined ? { pullStoppedAt: seconds(t.pullStoppedAt) } : {}),
      ...(t.startedAt !== undefined ? { startedAt: seconds(t.startedAt) } : {}),
      startedBy: t.deploymentId,
      ...(t.stopCode !== undefined ? { stopCode: t.stopCode } : {}),
      ...(t.stoppedAt !== undefined ? { stoppedAt: seconds(t.stoppedAt) } : {}),
      ...(t.stoppedReason !== undefined ? { stoppedReason: t.stoppedReason } : {}),
      ...(t.stoppingAt !== undefined ? { stoppingAt: seconds(t.stoppingAt) } : {}),
      tags: [],
      taskArn: t.arn,
      taskDefinitionArn: td.arn,
      version: t.version,
    };
  };

  const taskDefinitionWire = (td: TaskDefinitionRecord) => ({
    taskDefinitionArn: td.arn,
    containerDefinitions: td.containerDefinitions,
    family: td.family,
    ...(td.executionRoleArn !== undefined ? { executionRoleArn: td.executionRoleArn } : {}),
    ...(td.taskRoleArn !== undefined ? { taskRoleArn: td.taskRoleArn } : {}),
    networkMode: td.networkMode ?? 'bridge',
    revision: td.revision,
    volumes: td.volumes as EcsVolume[],
    status: td.status,
    requiresAttributes: [
      { name: 'com.amazonaws.ecs.capability.docker-remote-api.1.18' },
      { name: 'ecs.capability.efsAuth' },
      { name: 'ecs.capability.efs' },
      { name: 'ecs.capability.task-eni' },
    ],
    placementConstraints: [],
    compatibilities: ['EC2', 'FARGATE'],
    ...(td.requiresCompatibilities ? { requiresCompatibilities: td.requiresCompatibilities } : {}),
    ...(td.cpu !== undefined ? { cpu: td.cpu } : {}),
    ...(td.memory !== undefined ? { memory: td.memory } : {}),
    registeredAt: seconds(td.registeredAt),
    ...(td.deregisteredAt !== undefined ? { deregisteredAt: seconds(td.deregisteredAt) } : {}),
    registeredBy: `arn:aws:sts::${accountId}:assumed-role/cloudformation-deploy/AWSCloudFormation`,
  });

  // ---- operations ----------------------------------------------------------------------------

  const stringList = (value: unknown, what: string): string[] => {
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
      throw new SimError('InvalidParameterException', `${what} must be a list of strings.`);
    }
    return value as string[];
  };

  const ops: Record<string, (input: OpInput) => unknown> = {
    DescribeServices(input) {
      const names = stringList(input.services, 'services');
      if (names.length === 0) throw new SimError('InvalidParameterException', 'Services cannot be empty.');
      if (names.length > 10) {
        throw new SimError('InvalidParameterException', 'services can have at most 10 items.');
      }
      const cluster = findCluster(input.cluster);
      const found: ReturnType<typeof serviceWire>[] = [];
      const failures: { arn: string; reason: string }[] = [];
      for (const ref of names) {
        const svc = findService(cluster, ref);
        if (svc) found.push(serviceWire(svc));
        else {
          failures.push({
            arn: ref.startsWith('arn:')
              ? ref
              : `arn:aws:ecs:${region}:${accountId}:service/${cluster.name}/${ref}`,
            reason: 'MISSING',
          });
        }
      }
      return { services: found, failures };
    },

    ListTasks(input) {
      const cluster = findCluster(input.cluster);
      const desired = input.desiredStatus === undefined ? 'RUNNING' : String(input.desiredStatus);
      if (!['RUNNING', 'PENDING', 'STOPPED'].includes(desired)) {
        throw new SimError('InvalidParameterException', `Invalid desiredStatus: ${desired}`);
      }
      let svc: ServiceRecord | undefined;
      if (input.serviceName !== undefined) {
        svc = findService(cluster, String(input.serviceName));
        if (!svc) throw new SimError('ServiceNotFoundException', 'Service not found.');
      }
      const family = input.family === undefined ? undefined : String(input.family);
      const startedBy = input.startedBy === undefined ? undefined : String(input.startedBy);
      const matching = tasks.filter(
        (t) =>
          t.service.cluster === cluster &&
          (svc === undefined || t.service === svc) &&
          (family === undefined || t.taskDefinition.family === family) &&
          (startedBy === undefined || t.deploymentId === startedBy) &&
          (desired === 'STOPPED'
            ? t.desiredStatus === 'STOPPED'
            : desired === 'PENDING'
              ? t.desiredStatus === 'RUNNING' && t.lastStatus !== 'RUNNING'
              : t.desiredStatus === 'RUNNING'),
      );
      const scope = `ListTasks:${cluster.arn}:${svc?.name ?? ''}:${desired}:${family ?? ''}`;
      let offset = 0;
      if (input.nextToken !== undefined && input.nextToken !== null && input.nextToken !== '') {
        offset = decodeToken(String(input.nextToken), scope);
      }
      let size = LIST_TASKS_PAGE_SIZE;
      if (input.maxResults !== undefined) {
        const max = Number(input.maxResults);
        if (!Number.isInteger(max) || max < 1 || max > 100) {
          throw new SimError('InvalidParameterException', 'maxResults must be between 1 and 100.');
        }
        size = Math.min(size, max);
      }
      const page = matching.slice(offset, offset + size);
      const end = offset + page.length;
      return {
        taskArns: page.map((t) => t.arn),
        ...(end < matching.length ? { nextToken: encodeToken(scope, end) } : {}),
      };
    },

    DescribeTasks(input) {
      const refs = stringList(input.tasks, 'tasks');
      if (refs.length === 0) throw new SimError('InvalidParameterException', 'Tasks cannot be empty.');
      if (refs.length > 100) {
        throw new SimError('InvalidParameterException', 'Tasks cannot have more than 100 items.');
      }
      const cluster = findCluster(input.cluster);
      const found: unknown[] = [];
      const failures: { arn: string; reason: string }[] = [];
      for (const ref of refs) {
        const task = tasks.find((t) => t.service.cluster === cluster && (t.arn === ref || t.id === ref));
        const oneOffTask = task ? undefined : oneOff?.find(cluster, ref);
        if (task) found.push(taskWire(task));
        else if (oneOffTask && oneOff) found.push(oneOff.wire(oneOffTask));
        else {
          failures.push({
            arn: ref.startsWith('arn:')
              ? ref
              : `arn:aws:ecs:${region}:${accountId}:task/${cluster.name}/${ref}`,
            reason: 'MISSING',
          });
        }
      }
      return { tasks: found, failures };
    },

    StopTask(input) {
      if (typeof input.task !== 'string' || input.task === '') {
        throw new SimError('InvalidParameterException', 'Task cannot be empty.');
      }
      const cluster = findCluster(input.cluster);
      const ref = input.task;
      const task = tasks.find((t) => t.service.cluster === cluster && (t.arn === ref || t.id === ref));
      const oneOffTask = task ? undefined : oneOff?.find(cluster, ref);
      if (!task && !oneOffTask) {
        throw new SimError('InvalidParameterException', 'The referenced task was not found.');
      }
      const reason =
        input.reason === undefined || input.reason === null ? 'Task stopped by user' : String(input.reason);
      if (reason.length > 255) {
        throw new SimError('InvalidParameterException', 'Reason cannot be longer than 255 characters.');
      }
      if (!task && oneOffTask && oneOff) {
        oneOff.stop(oneOffTask, reason);
        return { task: oneOff.wire(oneOffTask) };
      }
      if (!task) throw new SimError('InvalidParameterException', 'The referenced task was not found.');
      if (task.desiredStatus === 'RUNNING') {
        requestStop(task, reason, 'UserInitiated');
        reconcile(task.service);
      }
      return { task: taskWire(task) };
    },

    // https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ListTaskDefinitions.html:
    // ACTIVE by default; familyPrefix filters on the full family name; sorted by family, then
    // revision (ASC by default); up to 100 a page.
    ListTaskDefinitions(input) {
      const status = input.status === undefined ? 'ACTIVE' : String(input.status);
      if (!['ACTIVE', 'INACTIVE', 'DELETE_IN_PROGRESS'].includes(status)) {
        throw new SimError('InvalidParameterException', `Invalid status: ${status}`);
      }
      const sort = input.sort === undefined ? 'ASC' : String(input.sort);
      if (sort !== 'ASC' && sort !== 'DESC')
        throw new SimError('InvalidParameterException', `Invalid sort: ${sort}`);
      const family = input.familyPrefix === undefined ? undefined : String(input.familyPrefix);
      const matching = taskDefinitions
        .filter((td) => td.status === status && (family === undefined || td.family === family))
        .sort((a, b) => a.family.localeCompare(b.family) || a.revision - b.revision);
      if (sort === 'DESC') matching.reverse();
      const scope = `ListTaskDefinitions:${status}:${family ?? ''}:${sort}`;
      let offset = 0;
      if (input.nextToken !== undefined && input.nextToken !== null && input.nextToken !== '') {
        offset = decodeToken(String(input.nextToken), scope);
      }
      let size = 100;
      if (input.maxResults !== undefined) {
        const max = Number(input.maxResults);
        if (!Number.isInteger(max) || max < 1 || max > 100) {
          throw new SimError('InvalidParameterException', 'maxResults must be between 1 and 100.');
        }
        size = max;
      }
      const page = matching.slice(offset, offset + size);
      const end = offset + page.length;
      return {
        taskDefinitionArns: page.map((td) => td.arn),
        ...(end < matching.length ? { nextToken: encodeToken(scope, end) } : {}),
      };
    },

    DescribeTaskDefinition(input) {
      if (typeof input.taskDefinition !== 'string' || input.taskDefinition === '') {
        throw new SimError('ClientException', 'Unable to describe task definition.');
      }
      const td = findTaskDefinition(input.taskDefinition);
      if (!td) throw new SimError('ClientException', 'Unable to describe task definition.');
      return { taskDefinition: taskDefinitionWire(td), tags: [] };
    },
  };

  if (oneOff) {
    Object.assign(
      ops,
      runTaskOps({
        faults: opts.faults,
        oneOff,
        findCluster,
        findTaskDefinition,
        register: (spec) => world.registerTaskDefinition(spec, now()),
        deregister: (arn) => world.deregisterTaskDefinition(arn),
        wire: (td) => taskDefinitionWire(td as TaskDefinitionRecord),
      }),
    );
  }
  world.module = { name: 'ecs', ops };
  return world;
}

/** The spec with the EFS volume `volume` mounted at `root` instead. */
function withRoot(
  spec: TaskDefinitionSpec & { family: string },
  volume: string,
  root: string,
): TaskDefinitionSpec & { family: string } {
  const copy = structuredClone(spec);
  for (const v of copy.volumes) {
    if (v.name === volume && v.efsVolumeConfiguration) v.efsVolumeConfiguration.rootDirectory = root;
  }
  return copy;
}

/** Whether `root` (an absolute path on the file system) is a directory inside `hostDir`. */
function isDirectoryWithin(hostDir: string, root: string): boolean {
  const base = resolve(hostDir);
  const target = resolve(base, `.${root.startsWith('/') ? root : `/${root}`}`);
  if (target !== base && !target.startsWith(base + sep)) return false;
  try {
    return statSync(target).isDirectory();
  } catch {
    return false;
  }
}

function randomDigits(n: number): string {
  let out = String(1 + ((randomBytes(1)[0] ?? 0) % 9));
  while (out.length < n) out += String((randomBytes(1)[0] ?? 0) % 10);
  return out;
}

function encodeToken(scope: string, offset: number): string {
  return Buffer.from(JSON.stringify({ s: scope, o: offset })).toString('base64url');
}

function decodeToken(token: string, scope: string): number {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as {
      s?: unknown;
      o?: unknown;
    };
    if (parsed.s === scope && typeof parsed.o === 'number' && Number.isInteger(parsed.o) && parsed.o >= 0) {
      return parsed.o;
    }
  } catch {
    // Falls through to the error AWS gives for a token it did not issue.
  }
  throw new SimError('InvalidParameterException', 'Invalid token');
}

/** The awslogs group of a task definition's first container that logs to CloudWatch, if any. */
function logGroupOf(td: TaskDefinitionSpec): { logGroup?: string } {
  for (const c of td.containerDefinitions) {
    const config = c.logConfiguration as
      | { logDriver?: unknown; options?: Record<string, unknown> }
      | undefined;
    const group = config?.logDriver === 'awslogs' ? config.options?.['awslogs-group'] : undefined;
    if (typeof group === 'string') return { logGroup: group };
  }
  return {};
}
