// restJson1 (Backup, EFS): the operation comes from method and path. Members travel as path
// labels (percent-encoded: ARNs arrive with %3A and %2F), query parameters or the JSON body.
import { SimError } from './kernel.js';
import { REST_OPERATIONS } from './rest-op-names.js';

type QueryType = 'string' | 'int' | 'bool' | 'timestamp';

interface RestRoute {
  service: 'backup' | 'efs';
  op: string;
  method: string;
  path: string;
  /** query parameter → [member, type] */
  query?: Record<string, [string, QueryType]>;
  body?: boolean;
}

const PAGE: Record<string, [string, QueryType]> = {
  nextToken: ['NextToken', 'string'],
  maxResults: ['MaxResults', 'int'],
};

/** The operations the simulator implements, with their bindings as the SDK's schemas declare them. */
const ROUTES: RestRoute[] = [
  {
    service: 'backup',
    op: 'ListRecoveryPointsByResource',
    method: 'GET',
    path: '/resources/{ResourceArn}/recovery-points',
    query: { ...PAGE, managedByAWSBackupOnly: ['ManagedByAWSBackupOnly', 'bool'] },
  },
  {
    service: 'backup',
    op: 'ListRecoveryPointsByBackupVault',
    method: 'GET',
    path: '/backup-vaults/{BackupVaultName}/recovery-points',
    query: {
      ...PAGE,
      backupVaultAccountId: ['BackupVaultAccountId', 'string'],
      resourceArn: ['ByResourceArn', 'string'],
      resourceType: ['ByResourceType', 'string'],
      backupPlanId: ['ByBackupPlanId', 'string'],
      createdBefore: ['ByCreatedBefore', 'timestamp'],
      createdAfter: ['ByCreatedAfter', 'timestamp'],
      parentRecoveryPointArn: ['ByParentRecoveryPointArn', 'string'],
    },
  },
  {
    service: 'backup',
    op: 'DescribeRecoveryPoint',
    method: 'GET',
    path: '/backup-vaults/{BackupVaultName}/recovery-points/{RecoveryPointArn}',
    query: { backupVaultAccountId: ['BackupVaultAccountId', 'string'] },
  },
  {
    service: 'backup',
    op: 'GetRecoveryPointRestoreMetadata',
    method: 'GET',
    path: '/backup-vaults/{BackupVaultName}/recovery-points/{RecoveryPointArn}/restore-metadata',
    query: { backupVaultAccountId: ['BackupVaultAccountId', 'string'] },
  },
  { service: 'backup', op: 'StartRestoreJob', method: 'PUT', path: '/restore-jobs', body: true },
  { service: 'backup', op: 'DescribeRestoreJob', method: 'GET', path: '/restore-jobs/{RestoreJobId}' },
  {
    service: 'backup',
    op: 'ListRestoreJobs',
    method: 'GET',
    path: '/restore-jobs',
    query: {
      ...PAGE,
      accountId: ['ByAccountId', 'string'],
      resourceType: ['ByResourceType', 'string'],
      createdBefore: ['ByCreatedBefore', 'timestamp'],
      createdAfter: ['ByCreatedAfter', 'timestamp'],
      status: ['ByStatus', 'string'],
      completeBefore: ['ByCompleteBefore', 'timestamp'],
      completeAfter: ['ByCompleteAfter', 'timestamp'],
      restoreTestingPlanArn: ['ByRestoreTestingPlanArn', 'string'],
      parentJobId: ['ByParentJobId', 'string'],
    },
  },
  {
    service: 'efs',
    op: 'DescribeFileSystems',
    method: 'GET',
    path: '/2015-02-01/file-systems',
    query: {
      MaxItems: ['MaxItems', 'int'],
      Marker: ['Marker', 'string'],
      CreationToken: ['CreationToken', 'string'],
      FileSystemId: ['FileSystemId', 'string'],
    },
  },
];

export interface RestCall {
  service: 'backup' | 'efs';
  op: string;
  /** Absent for an operation the simulator does not implement. */
  route?: RestRoute;
  labels: Record<string, string>;
}

/**
 * Finds the operation for a request, among the implemented routes first, then among every route
 * the SDK knows (to name what is not implemented). `hint` is the signing service from the
 * Authorization header, used when the path alone does not say.
 */
export function matchRest(method: string, rawPath: string, hint?: string): RestCall | undefined {
  const segments = splitPath(rawPath);
  const implemented = best(
    ROUTES.filter((r) => r.method === method).map((r) => ({ r, labels: matchPath(r.path, segments) })),
  );
  if (implemented) {
    return {
      service: implemented.r.service,
      op: implemented.r.op,
      route: implemented.r,
      labels: implemented.labels,
    };
  }
  for (const service of ['backup', 'efs'] as const) {
    const known = best(
      REST_OPERATIONS[service]
        .filter(([m]) => m === method)
        .map(([, path, op]) => ({ r: { path, op }, labels: matchPath(path, segments) })),
    );
    if (known) return { service, op: known.r.op, labels: known.labels };
  }
  if (hint === 'backup' || hint === 'elasticfilesystem') {
    return {
      service: hint === 'backup' ? 'backup' : 'efs',
      op: `${method} ${rawPath.split('?')[0]}`,
      labels: {},
    };
  }
  return undefined;
}

/** The operation's input: labels, typed query parameters and the JSON body. */
export function restInput(call: RestCall, query: URLSearchParams, body: string): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  const route = call.route;
  if (route?.body && body.trim() !== '') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      throw new SimError('SerializationException', 'The request body is not valid JSON.');
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new SimError('SerializationException', 'The request body must be a JSON object.');
    }
    Object.assign(input, parsed);
  }
  for (const [name, [member, type]] of Object.entries(route?.query ?? {})) {
    const value = query.get(name);
    if (value === null) continue;
    input[member] = convert(value, type, name);
  }
  Object.assign(input, call.labels);
  return input;
}

function convert(value: string, type: QueryType, name: string): unknown {
  switch (type) {
    case 'int': {
      const n = Number(value);
      if (!Number.isInteger(n))
        throw new SimError('InvalidParameterValueException', `${name} must be an integer.`);
      return n;
    }
    case 'bool':
      return value === 'true';
    case 'timestamp': {
      const t = Date.parse(value);
      if (Number.isNaN(t))
        throw new SimError('InvalidParameterValueException', `${name} must be a timestamp.`);
      return new Date(t);
    }
    default:
      return value;
  }
}

function splitPath(rawPath: string): string[] {
  const path = rawPath.split('?')[0] ?? '';
  return path.split('/').filter((s, i, all) => !(s === '' && (i === 0 || i === all.length - 1)));
}

function matchPath(template: string, segments: string[]): Record<string, string> | undefined {
  const parts = splitPath(template);
  if (parts.length !== segments.length) return undefined;
  const labels: Record<string, string> = {};
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] as string;
    const seg = segments[i] as string;
    const label = /^\{(\w+)\}$/.exec(part);
    if (label) {
      if (seg === '') return undefined;
      try {
        labels[label[1] as string] = decodeURIComponent(seg);
      } catch {
        return undefined;
      }
    } else if (part !== seg) {
      return undefined;
    }
  }
  return labels;
}

/** Of the routes that match, the one with the most literal segments (`/x/list` beats `/x/{id}`). */
function best<T extends { r: { path: string }; labels: Record<string, string> | undefined }>(
  matches: T[],
): (T & { labels: Record<string, string> }) | undefined {
  let winner: (T & { labels: Record<string, string> }) | undefined;
  let score = -1;
  for (const m of matches) {
    if (!m.labels) continue;
    const literal = splitPath(m.r.path).filter((p) => !p.startsWith('{')).length;
    if (literal > score) {
      score = literal;
      winner = m as T & { labels: Record<string, string> };
    }
  }
  return winner;
}
