import type { ActivityDeps, RestoreTarget } from './types.js';

/** chat-db's service as ECS reports it now: what the card says after a failed cutover. */
export interface ServiceHealth {
  desired: number;
  running: number;
  /** Running tasks whose health check reports HEALTHY (0 too when the task has no health check). */
  healthy: number;
  taskDefinitionArn: string;
}

/** Reads the service and its running tasks; undefined (logged) when ECS cannot be read. */
export async function serviceHealth(
  { ports, log }: ActivityDeps,
  target: RestoreTarget,
): Promise<ServiceHealth | undefined> {
  try {
    const service = await ports.ecs.describeService(target.cluster, target.service);
    const tasks = await ports.ecs.listServiceTasks(target.cluster, target.service, 'RUNNING');
    const running = tasks.filter((t) => t.lastStatus === 'RUNNING');
    return {
      desired: service.desiredCount,
      running: running.length,
      healthy: running.filter((t) => t.healthStatus === 'HEALTHY').length,
      taskDefinitionArn: service.taskDefinitionArn,
    };
  } catch (error) {
    log.warn({ err: error }, 'could not read the chat-db service after the failed cutover');
    return undefined;
  }
}
