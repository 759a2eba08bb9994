import type { TaskDefinition } from '../../aws/ports.js';
import { asStage } from './errors.js';
import { DEPLOYMENT_MARGIN_MS } from './plan-restore.js';
import type { ActivityDeps, RestoreTarget, RootRevision } from './types.js';

/**
 * AWS's own record of where the database lived: every revision of the chat-db task definition
 * family, ACTIVE and INACTIVE, with its registration and deregistration times and the chat-db
 * volume's RootDirectory. A revision ECS will not describe (the API reference says INACTIVE ones
 * may only be described while a task or service uses them) is kept with an unknown root, so the
 * times it covers count as unknown rather than being guessed.
 */
export async function readRootHistory(deps: ActivityDeps, target: RestoreTarget): Promise<RootRevision[]> {
  return asStage('resolve', 'unchanged', 'root_history', async () => {
    const family = familyOf(target.taskDefinitionArn);
    if (family === undefined) return [];
    // familyPrefix is "the full family name" in the API reference; if it matched as a prefix, the
    // check stage's own `<family>-check` revisions would be counted as places the DB lived.
    const arns = (await deps.ports.ecs.listTaskDefinitionRevisions(family)).filter(
      (arn) => familyOf(arn) === family,
    );
    const revisions: RootRevision[] = [];
    for (const arn of arns) {
      let td: TaskDefinition | undefined;
      try {
        td = await deps.ports.ecs.describeTaskDefinition(arn);
      } catch (error) {
        deps.log.warn({ err: error, taskDefinition: arn }, 'could not describe a task definition revision');
      }
      revisions.push(toRevision(arn, td, target.volumeName));
    }
    return revisions;
  });
}

/**
 * When each root the revisions name stopped being live, as cleanup's grace period needs it, for
 * cutovers by hand too: the next revision with another root was registered, and its deployment
 * may have taken DEPLOYMENT_MARGIN_MS more. A replaced root with no later registration to go by
 * (a deregistered last revision) counts as retired at its deregistration, or `now`.
 */
export function retiredByRevisions(
  revisions: readonly RootRevision[],
  currentRoot: string,
  now: Date,
): { root: string; retiredAt: Date }[] {
  const known = revisions
    .filter((r) => r.registeredAt !== undefined && r.root !== undefined)
    .sort((a, b) => (a.registeredAt as Date).getTime() - (b.registeredAt as Date).getTime());
  return known.flatMap((r, i) => {
    if (r.root === currentRoot) return [];
    const next = known.slice(i + 1).find((n) => n.root !== r.root);
    const retiredAt =
      next === undefined
        ? (r.deregisteredAt ?? now)
        : new Date((next.registeredAt as Date).getTime() + DEPLOYMENT_MARGIN_MS);
    return [{ root: r.root as string, retiredAt }];
  });
}

function toRevision(arn: string, td: TaskDefinition | undefined, volumeName: string): RootRevision {
  const volume = td?.volumes.find((v) => v.name === volumeName);
  return {
    arn,
    ...(volume === undefined ? {} : { root: volume.rootDirectory ?? '/' }),
    ...(td?.registeredAt === undefined ? {} : { registeredAt: td.registeredAt }),
    ...(td?.deregisteredAt === undefined ? {} : { deregisteredAt: td.deregisteredAt }),
  };
}

/** `arn:…:task-definition/<family>:<revision>` → family. */
export function familyOf(taskDefinitionArn: string): string | undefined {
  return /:task-definition\/([A-Za-z0-9_-]{1,255}):\d+$/.exec(taskDefinitionArn)?.[1];
}
