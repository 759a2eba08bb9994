// Turns the evaluated properties of AWS::ECS::TaskDefinition and AWS::ECS::Service resources
// (CloudFormation's PascalCase) into what ECS itself registers and reports (its camelCase wire
// shapes), with the defaults ECS fills in.

import { isRecord } from './template-parse.js';

export interface EcsEfsVolumeConfiguration {
  fileSystemId: string;
  /** Absent means the file system root, '/'. */
  rootDirectory?: string;
  transitEncryption?: string;
  transitEncryptionPort?: number;
  authorizationConfig?: { accessPointId?: string; iam?: string };
}

export interface EcsVolume {
  name: string;
  efsVolumeConfiguration?: EcsEfsVolumeConfiguration;
  host?: { sourcePath?: string };
}

export interface TaskDefinitionSpec {
  family?: string;
  /** ECS wire shape: name, image, essential, healthCheck, mountPoints, … */
  containerDefinitions: Record<string, unknown>[];
  volumes: EcsVolume[];
  cpu?: string;
  memory?: string;
  networkMode?: string;
  requiresCompatibilities?: string[];
  executionRoleArn?: string;
  taskRoleArn?: string;
}

export interface ServiceSpec {
  serviceName?: string;
  cluster?: string;
  taskDefinition: string;
  desiredCount: number;
  minimumHealthyPercent: number;
  maximumPercent: number;
  /** DeploymentCircuitBreaker.Enable: a deployment whose tasks keep failing to start is marked FAILED. */
  circuitBreaker: boolean;
  launchType?: string;
  networkConfiguration?: Record<string, unknown>;
}

/** Keys whose CloudFormation spelling is not just the ECS one with a capital first letter. */
const RENAMED: Record<string, string> = {
  EFSVolumeConfiguration: 'efsVolumeConfiguration',
  FilesystemId: 'fileSystemId',
  IAM: 'iam',
  FSxWindowsFileServerVolumeConfiguration: 'fsxWindowsFileServerVolumeConfiguration',
};

const NUMBERS = new Set([
  'containerPort',
  'cpu',
  'hardLimit',
  'hostPort',
  'interval',
  'memory',
  'memoryReservation',
  'retries',
  'softLimit',
  'startPeriod',
  'startTimeout',
  'stopTimeout',
  'timeout',
  'transitEncryptionPort',
]);

const BOOLEANS = new Set([
  'disableNetworking',
  'essential',
  'interactive',
  'initProcessEnabled',
  'privileged',
  'pseudoTerminal',
  'readOnly',
  'readonlyRootFilesystem',
]);

/** Maps whose keys are data, not member names. */
const OPAQUE_MAPS = new Set(['options', 'dockerLabels', 'driverOpts', 'labels', 'systemControls']);

function toWire(value: unknown, key?: string): unknown {
  if (Array.isArray(value)) return value.map((item) => toWire(item));
  if (isRecord(value)) {
    if (key !== undefined && OPAQUE_MAPS.has(key)) return { ...value };
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const name = RENAMED[k] ?? k.charAt(0).toLowerCase() + k.slice(1);
      out[name] = toWire(v, name);
    }
    return out;
  }
  if (key !== undefined && NUMBERS.has(key) && typeof value === 'string' && value.trim() !== '') {
    return Number(value);
  }
  if (key !== undefined && BOOLEANS.has(key) && typeof value === 'string') return value === 'true';
  return value;
}

export function taskDefinitionSpec(props: Record<string, unknown>): TaskDefinitionSpec {
  const wire = toWire(props) as Record<string, unknown>;
  const networkMode = typeof wire.networkMode === 'string' ? wire.networkMode : undefined;
  const containers = (Array.isArray(wire.containerDefinitions) ? wire.containerDefinitions : [])
    .filter(isRecord)
    .map((c) => {
      const portMappings = (Array.isArray(c.portMappings) ? c.portMappings : [])
        .filter(isRecord)
        .map((p) => ({
          ...p,
          // awsvpc tasks listen on the container port itself.
          ...(networkMode === 'awsvpc' && p.hostPort === undefined ? { hostPort: p.containerPort } : {}),
          protocol: p.protocol ?? 'tcp',
        }));
      return {
        cpu: 0,
        essential: true,
        environment: [],
        mountPoints: [],
        volumesFrom: [],
        ...c,
        portMappings,
      };
    });
  const volumes: EcsVolume[] = (Array.isArray(wire.volumes) ? wire.volumes : []).filter(isRecord).map((v) => {
    const efs = isRecord(v.efsVolumeConfiguration) ? v.efsVolumeConfiguration : undefined;
    return {
      ...(v as Omit<EcsVolume, 'name'>),
      name: String(v.name ?? ''),
      ...(efs
        ? {
            efsVolumeConfiguration: {
              ...(efs as Omit<EcsEfsVolumeConfiguration, 'fileSystemId'>),
              fileSystemId: String(efs.fileSystemId ?? ''),
            },
          }
        : {}),
    };
  });
  const str = (v: unknown) => (v === undefined || v === null ? undefined : String(v));
  const family = str(wire.family);
  const cpu = str(wire.cpu);
  const memory = str(wire.memory);
  const executionRoleArn = str(wire.executionRoleArn);
  const taskRoleArn = str(wire.taskRoleArn);
  return {
    ...(family !== undefined ? { family } : {}),
    containerDefinitions: containers,
    volumes,
    ...(cpu !== undefined ? { cpu } : {}),
    ...(memory !== undefined ? { memory } : {}),
    ...(networkMode !== undefined ? { networkMode } : {}),
    ...(Array.isArray(wire.requiresCompatibilities)
      ? { requiresCompatibilities: wire.requiresCompatibilities.map(String) }
      : {}),
    ...(executionRoleArn !== undefined ? { executionRoleArn } : {}),
    ...(taskRoleArn !== undefined ? { taskRoleArn } : {}),
  };
}

export function serviceSpec(props: Record<string, unknown>): ServiceSpec {
  const deployment = isRecord(props.DeploymentConfiguration) ? props.DeploymentConfiguration : {};
  const num = (v: unknown, fallback: number) => {
    const n = Number(v);
    return v === undefined || v === null || !Number.isFinite(n) ? fallback : n;
  };
  const str = (v: unknown) => (v === undefined || v === null ? undefined : String(v));
  const serviceName = str(props.ServiceName);
  const cluster = str(props.Cluster);
  const launchType = str(props.LaunchType);
  return {
    ...(serviceName !== undefined ? { serviceName } : {}),
    ...(cluster !== undefined ? { cluster } : {}),
    taskDefinition: String(props.TaskDefinition ?? ''),
    desiredCount: num(props.DesiredCount, 1),
    minimumHealthyPercent: num(deployment.MinimumHealthyPercent, 100),
    maximumPercent: num(deployment.MaximumPercent, 200),
    circuitBreaker:
      isRecord(deployment.DeploymentCircuitBreaker) &&
      String(deployment.DeploymentCircuitBreaker.Enable) === 'true',
    ...(launchType !== undefined ? { launchType } : {}),
    ...(isRecord(props.NetworkConfiguration)
      ? { networkConfiguration: toWire(props.NetworkConfiguration) as Record<string, unknown> }
      : {}),
  };
}
