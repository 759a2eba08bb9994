import { normaliseRoot, sameRoot } from '../names.js';
import type { Production } from '../session.js';
import type { ActivityDeps, RestoreTarget } from './types.js';

export interface ObservedProduction {
  state: Production;
  /** The root the service's task definition mounts now, when it could be read. */
  root?: string;
  taskDefinitionArn?: string;
}

/**
 * Where production stands after a failed update, read from ECS rather than assumed: the service's
 * current task definition and the root its volume mounts.
 */
export async function observeProduction(
  { ports, log }: ActivityDeps,
  target: RestoreTarget,
  roots: { previousRoot: string; newRoot: string },
): Promise<ObservedProduction> {
  try {
    const service = await ports.ecs.describeService(target.cluster, target.service);
    const td = await ports.ecs.describeTaskDefinition(service.taskDefinitionArn);
    const root = normaliseRoot(td.volumes.find((v) => v.name === target.volumeName)?.rootDirectory);
    const state: Production = sameRoot(root, roots.previousRoot)
      ? 'rolled_back'
      : sameRoot(root, roots.newRoot)
        ? 'cut_over'
        : 'unknown';
    return { state, root, taskDefinitionArn: td.arn };
  } catch (error) {
    log.warn({ err: error }, 'could not read the service to check where production stands');
    return { state: 'unknown' };
  }
}

export function describeProduction(observed: ObservedProduction): string {
  if (observed.root === undefined)
    return 'the service could not be read, so where production stands is unknown';
  return `the service runs ${observed.taskDefinitionArn}, mounting ${observed.root}`;
}
