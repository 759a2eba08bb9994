import { createHash } from 'node:crypto';
import type { StackResource, TaskDefinition } from '../../aws/ports.js';
import { normaliseRoot, sameRoot } from '../names.js';
import { readVolumeRootDirectory, servicesOfTaskDefinition, TemplateEditError } from '../template-edit.js';
import { asStage, StageFailure } from './errors.js';
import type { ActivityDeps, RestoreTarget } from './types.js';

interface Candidate {
  service: { arn: string; name: string; cluster: string; taskDefinitionArn: string };
  taskDefinition: TaskDefinition;
  fileSystem: StackResource;
  root: string;
}

/**
 * Reads the restore target from the stack: the file system behind the chat-db volume, the ECS
 * service whose task definition mounts it, and the volume's root as the running task definition
 * has it, which must agree with the template (or someone changed one without the other).
 */
export async function resolveTarget({ ports, settings }: ActivityDeps): Promise<RestoreTarget> {
  return asStage('resolve', 'unchanged', 'resolve_target', async () => {
    const { stackName, volumeName } = settings;
    const [stack, resources, template] = await Promise.all([
      ports.stack.describeStack(stackName),
      ports.stack.listResources(stackName),
      ports.stack.getTemplate(stackName),
    ]);
    const inTemplate = volumeInTemplate(template, stackName, volumeName);
    // Only the services the template runs the volume's task definition in: the role may describe
    // the chat-db service alone (deploy/iam-policy.json), not every service of the stack.
    const serviceIds = new Set(servicesOfTaskDefinition(template, inTemplate.taskDefinition));
    const fileSystems = resources.filter((r) => r.type === 'AWS::EFS::FileSystem' && r.physicalId !== '');
    const clusters = resources.filter((r) => r.type === 'AWS::ECS::Cluster' && r.physicalId !== '');
    const services = resources.filter(
      (r) => r.type === 'AWS::ECS::Service' && r.physicalId !== '' && serviceIds.has(r.logicalId),
    );
    const candidates = await candidatesAmong(ports, services, clusters, fileSystems, volumeName);
    const chosen = onlyCandidate(candidates, stackName, volumeName, fileSystems, inTemplate.taskDefinition);
    const fileSystem = await ports.efs.describeFileSystem(chosen.fileSystem.physicalId);
    if (!sameRoot(inTemplate.root, chosen.root)) {
      throw new StageFailure({
        stage: 'resolve',
        code: 'drift',
        reason: `The template of stack ${stackName} gives volume ${volumeName} the RootDirectory ${inTemplate.root}, but the running task definition ${chosen.taskDefinition.arn} mounts ${chosen.root}.`,
        production: 'unchanged',
        activity: 'resolve_target',
      });
    }
    const { region, accountId } = arnParts(fileSystem.arn);
    return {
      stackName: stack.name,
      stackStatus: stack.status,
      templateSha256: sha256(template),
      fileSystemId: fileSystem.id,
      fileSystemArn: fileSystem.arn,
      fileSystemLogicalId: chosen.fileSystem.logicalId,
      cluster: chosen.service.cluster,
      service: chosen.service.name,
      serviceArn: chosen.service.arn,
      taskDefinitionArn: chosen.service.taskDefinitionArn,
      volumeName,
      currentRoot: normaliseRoot(chosen.root),
      ...(chosen.taskDefinition.registeredAt === undefined
        ? {}
        : { currentRootSince: chosen.taskDefinition.registeredAt }),
      region,
      accountId,
    };
  });
}

function volumeInTemplate(template: string, stackName: string, volumeName: string) {
  try {
    return readVolumeRootDirectory(template, volumeName);
  } catch (error) {
    if (!(error instanceof TemplateEditError) || error.code !== 'volume_not_found') throw error;
    throw new StageFailure({
      stage: 'resolve',
      code: 'target_not_found',
      reason: `${error.message} (stack ${stackName}; a volume in a nested stack is not this stack's)`,
      production: 'unchanged',
      activity: 'resolve_target',
      cause: error,
    });
  }
}

async function candidatesAmong(
  ports: ActivityDeps['ports'],
  services: StackResource[],
  clusters: StackResource[],
  fileSystems: StackResource[],
  volumeName: string,
): Promise<Candidate[]> {
  const candidates: Candidate[] = [];
  for (const resource of services) {
    const cluster = clusterOf(resource.physicalId, clusters);
    if (cluster === undefined) continue;
    const service = await ports.ecs.describeService(cluster, resource.physicalId);
    const taskDefinition = await ports.ecs.describeTaskDefinition(service.taskDefinitionArn);
    const volume = taskDefinition.volumes.find((v) => v.name === volumeName);
    const fileSystem = fileSystems.find((fs) => fs.physicalId === volume?.fileSystemId);
    if (volume === undefined || fileSystem === undefined) continue;
    candidates.push({
      service: {
        arn: service.arn,
        name: service.name,
        cluster,
        taskDefinitionArn: service.taskDefinitionArn,
      },
      taskDefinition,
      fileSystem,
      root: volume.rootDirectory ?? '/',
    });
  }
  return candidates;
}

function onlyCandidate(
  candidates: Candidate[],
  stackName: string,
  volumeName: string,
  fileSystems: StackResource[],
  taskDefinition: string,
): Candidate {
  if (candidates.length === 0) {
    throw new StageFailure({
      stage: 'resolve',
      code: 'target_not_found',
      reason: `No ECS service in stack ${stackName} runs the task definition ${taskDefinition} (TaskDefinition: !Ref ${taskDefinition}) with an EFS volume named ${volumeName} on one of the stack's file systems (${fileSystems.map((f) => `${f.logicalId} ${f.physicalId}`).join(', ') || 'none'}).`,
      production: 'unchanged',
      activity: 'resolve_target',
    });
  }
  if (candidates.length > 1) {
    throw new StageFailure({
      stage: 'resolve',
      code: 'ambiguous_target',
      reason: `Several services of stack ${stackName} mount volume ${volumeName}: ${candidates.map((c) => c.service.name).join(', ')}. Refusing to guess which one is the database.`,
      production: 'unchanged',
      activity: 'resolve_target',
    });
  }
  return candidates[0] as Candidate;
}

export function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** `arn:partition:service:region:account:…` */
export function arnParts(arn: string): { region: string; accountId: string } {
  const [, , , region = '', accountId = ''] = arn.split(':');
  return { region, accountId };
}

/**
 * A service ARN in the long format names its cluster (`service/<cluster>/<name>`); otherwise the
 * stack's only cluster is the one.
 */
function clusterOf(serviceArn: string, clusters: StackResource[]): string | undefined {
  const resource = serviceArn.split(':').slice(5).join(':');
  const parts = resource.split('/');
  if (parts[0] === 'service' && parts.length === 3) return parts[1];
  return clusters.length === 1 ? clusters[0]?.physicalId : undefined;
}
