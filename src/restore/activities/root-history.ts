import type { TaskDefinition } from '../../aws/ports.js';
import { asStage } from './errors.js';
import type { ActivityDeps, RestoreTarget, RootRevision } from './types.js';

const NEXT = 'Nothing was changed. Check that the bot may call ecs:ListTaskDefinitions and try again.';

/**
 * AWS's own record of where the database lived: every revision of the chat-db task definition
 * family, ACTIVE and INACTIVE, with its registration and deregistration times and the chat-db
 * volume's RootDirectory. A revision ECS will not describe (the API reference says INACTIVE ones
 * may only be described while a task or service uses them) is kept with an unknown root, so the
 * times it covers count as unknown rather than being guessed.
 */
export async function readRootHistory(deps: ActivityDeps, target: RestoreTarget): Promise<RootRevision[]> {
  return asStage('resolve', 'unchanged', NEXT, async () => {
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
