// IAM as the bot's task role meets it: the deploy's own policy (deploy/iam-policy.json, with the
// deploy template's parameters substituted) is evaluated on every call the simulator answers.
// Only identity-based Allow statements exist in that policy, so a request is allowed when some
// statement matches its action, every resource it is evaluated against, and its conditions;
// otherwise it is implicitly denied. Which resource ARN and which condition keys an action is
// evaluated with follows the Service Authorization Reference
// (https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html);
// an action without a resource type there is evaluated against "*", which only `"Resource": "*"` grants.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { OpInput, ServiceName } from './kernel.js';
import { SimError } from './kernel.js';

/** deploy/iam-policy.json, two levels above this file in src/sim and in dist/sim alike. */
export const DEPLOY_POLICY_PATH = fileURLToPath(new URL('../../deploy/iam-policy.json', import.meta.url));

export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface PolicyDocument {
  Version: string;
  Statement: PolicyStatement[];
}

/** One authorisation a call needs: the action, the resources it is checked against, the context. */
export interface IamRequest {
  action: string;
  resources: string[];
  context: Record<string, string>;
}

export class IamPolicyError extends Error {
  readonly code = 'InvalidIamPolicy';
  constructor(message: string) {
    super(message);
    this.name = 'IamPolicyError';
  }
}

const SUPPORTED_OPERATORS = new Set([
  'StringEquals',
  'StringNotEquals',
  'StringLike',
  'StringNotLike',
  'ArnEquals',
  'ArnLike',
  'ArnNotEquals',
  'ArnNotLike',
]);

/**
 * Reads a policy and replaces every `${Name}` with `parameters[Name]`, as the deploy template's
 * `!Sub` does. A placeholder without a value is an error, not an empty string: a policy the
 * template cannot deploy must not be evaluated as if it could.
 */
export function loadPolicy(text: string, parameters: Readonly<Record<string, string>>): PolicyDocument {
  const missing = new Set<string>();
  const substituted = text.replace(/\$\{([A-Za-z0-9:]+)\}/g, (_, name: string) => {
    const value = parameters[name];
    if (value === undefined) {
      missing.add(name);
      return '';
    }
    return JSON.stringify(value).slice(1, -1);
  });
  if (missing.size > 0) {
    throw new IamPolicyError(
      `the policy uses parameters the simulator has no value for: ${[...missing].join(', ')}`,
    );
  }
  const policy = JSON.parse(substituted) as PolicyDocument;
  if (!Array.isArray(policy.Statement)) throw new IamPolicyError('the policy has no Statement list');
  for (const s of policy.Statement) {
    for (const operator of Object.keys(s.Condition ?? {})) {
      if (!SUPPORTED_OPERATORS.has(operator)) {
        throw new IamPolicyError(
          `statement ${s.Sid ?? '?'}: condition operator ${operator} is not evaluated`,
        );
      }
    }
  }
  return policy;
}

const list = (value: string | string[]): string[] => (Array.isArray(value) ? value : [value]);

/** IAM's wildcards: `*` any run of characters, `?` one character; case-sensitive unless told. */
function globMatch(pattern: string, value: string, ignoreCase = false): boolean {
  const re = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${re}$`, ignoreCase ? 'is' : 's').test(value);
}

/** ARN patterns match segment by segment (partition, service, region, account, resource). */
function arnMatch(pattern: string, arn: string): boolean {
  if (pattern === '*') return true;
  const p = pattern.split(':');
  const a = arn.split(':');
  if (p.length < 6 || a.length < 6) return pattern === arn;
  const head = (parts: string[]) => parts.slice(0, 5);
  const tail = (parts: string[]) => parts.slice(5).join(':');
  return head(p).every((segment, i) => globMatch(segment, a[i] as string)) && globMatch(tail(p), tail(a));
}

function conditionHolds(operator: string, key: string, wanted: string[], context: Record<string, string>) {
  const actual = context[key];
  const negated = operator.includes('Not');
  if (actual === undefined) return negated;
  const matches = wanted.some((w) =>
    operator.startsWith('Arn')
      ? arnMatch(w, actual)
      : operator.includes('Like')
        ? globMatch(w, actual)
        : w === actual,
  );
  return negated ? !matches : matches;
}

function statementAllows(s: PolicyStatement, request: IamRequest, resource: string): boolean {
  if (s.Effect !== 'Allow') return false;
  if (!list(s.Action).some((a) => globMatch(a, request.action, true))) return false;
  if (!list(s.Resource).some((r) => (resource === '*' ? r === '*' : arnMatch(r, resource)))) return false;
  return Object.entries(s.Condition ?? {}).every(([operator, keys]) =>
    Object.entries(keys).every(([key, wanted]) =>
      conditionHolds(operator, key, list(wanted), request.context),
    ),
  );
}

/** The first resource no statement allows the request on; undefined when all are allowed. */
export function deniedResource(policy: PolicyDocument, request: IamRequest): string | undefined {
  return request.resources.find(
    (resource) => !policy.Statement.some((s) => statementAllows(s, request, resource)),
  );
}

// ---- the resources and context each operation is authorised with -----------------------------

export interface IamWorldView {
  region: string;
  accountId: string;
  /** The stack's ARN (with its id) when `ref` names the simulated stack. */
  stackArn(ref: string): string | undefined;
}

const str = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined;

/** `arn:…:cluster/name` or `name` → the cluster's name; ECS's default cluster when absent. */
function clusterName(ref: unknown): string {
  const value = str(ref) ?? 'default';
  return value.startsWith('arn:') ? (value.split('/').pop() as string) : value;
}

/** The authorisations one call needs, or undefined for an operation the evaluator does not know. */
export function requestsFor(
  service: ServiceName,
  op: string,
  input: OpInput,
  world: IamWorldView,
): IamRequest[] | undefined {
  const { region, accountId } = world;
  const arn = (svc: string, rest: string, account = accountId) =>
    `arn:aws:${svc}:${region}:${account}:${rest}`;
  const one = (action: string, resources: string[], context: Record<string, string> = {}) => [
    { action, resources, context },
  ];
  switch (service) {
    case 'cloudformation': {
      const ref = str(input.StackName);
      const stack =
        ref === undefined
          ? '*'
          : (world.stackArn(ref) ?? (ref.startsWith('arn:') ? ref : arn('cloudformation', `stack/${ref}/*`)));
      const changeSet = str(input.ChangeSetName);
      const context: Record<string, string> = changeSet
        ? {
            'cloudformation:ChangeSetName': changeSet.startsWith('arn:')
              ? (changeSet.split('/')[1] ?? '')
              : changeSet,
          }
        : {};
      return one(`cloudformation:${op}`, [stack], context);
    }
    case 'ecs': {
      const cluster = clusterName(input.cluster);
      const context = { 'ecs:cluster': arn('ecs', `cluster/${cluster}`) };
      const named = (kind: string, refs: unknown) =>
        (Array.isArray(refs) ? refs : [refs]).map((r) =>
          String(r).startsWith('arn:') ? String(r) : arn('ecs', `${kind}/${cluster}/${String(r)}`),
        );
      switch (op) {
        case 'DescribeServices':
          return one('ecs:DescribeServices', named('service', input.services), context);
        case 'DescribeTasks':
          return one('ecs:DescribeTasks', named('task', input.tasks), context);
        case 'StopTask':
          return one('ecs:StopTask', named('task', input.task), context);
        case 'RegisterTaskDefinition':
          // No resource type; each role the revision names must be passable to ECS tasks.
          return [
            { action: 'ecs:RegisterTaskDefinition', resources: ['*'], context: {} },
            ...[input.executionRoleArn, input.taskRoleArn].flatMap((role) =>
              str(role) === undefined
                ? []
                : [
                    {
                      action: 'iam:PassRole',
                      resources: [String(role)],
                      context: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' },
                    },
                  ],
            ),
          ];
        case 'RunTask': {
          const td = str(input.taskDefinition) ?? '';
          return one(
            'ecs:RunTask',
            [td.startsWith('arn:') ? td : arn('ecs', `task-definition/${td}`)],
            context,
          );
        }
        case 'ListTasks':
          // Its one resource type is a container instance; Fargate tasks have none.
          return one('ecs:ListTasks', [arn('ecs', `container-instance/${cluster}/*`)], context);
        default:
          return one(`ecs:${op}`, ['*']);
      }
    }
    case 'backup': {
      const point = str(input.RecoveryPointArn);
      if (op === 'StartRestoreJob') {
        return [
          { action: 'backup:StartRestoreJob', resources: [point ?? '*'], context: {} },
          {
            action: 'iam:PassRole',
            resources: [str(input.IamRoleArn) ?? '*'],
            context: { 'iam:PassedToService': 'backup.amazonaws.com' },
          },
        ];
      }
      return one(`backup:${op}`, [point ?? '*']);
    }
    case 'efs': {
      const id = str(input.FileSystemId);
      return one(`elasticfilesystem:${op}`, [id ? arn('elasticfilesystem', `file-system/${id}`) : '*']);
    }
    case 'logs': {
      const group = str(input.logGroupName) ?? str(input.logGroupIdentifier)?.split(':log-group:').pop();
      const stream = str(input.logStreamName);
      if (group === undefined) return one(`logs:${op}`, ['*']);
      return one(`logs:${op}`, [
        arn('logs', `log-group:${group}${stream === undefined ? '' : `:log-stream:${stream}`}`),
      ]);
    }
    case 'ssm': {
      if (op !== 'SendCommand') return one(`ssm:${op}`, ['*']);
      const document = str(input.DocumentName) ?? '';
      const instances = Array.isArray(input.InstanceIds) ? input.InstanceIds.map(String) : [];
      // AWS-owned documents have no account in their ARN.
      const documentArn = document.startsWith('AWS-')
        ? `arn:aws:ssm:${region}::document/${document}`
        : arn('ssm', `document/${document}`);
      return one('ssm:SendCommand', [documentArn, ...instances.map((id) => arn('ec2', `instance/${id}`))]);
    }
    default:
      return undefined;
  }
}

export interface IamEnforcer {
  /** Throws the protocol-neutral AccessDenied SimError when the role may not make this call. */
  authorize(service: ServiceName, op: string, input: OpInput): void;
  /** Denials so far, newest last: what was refused, on which resource. */
  denials(): { action: string; resource: string }[];
}

export function createIamEnforcer(opts: {
  policy: PolicyDocument;
  world: IamWorldView;
  /** The assumed-role ARN AWS names in its message. */
  principal: string;
}): IamEnforcer {
  const denied: { action: string; resource: string }[] = [];
  return {
    authorize(service, op, input) {
      const requests = requestsFor(service, op, input, opts.world) ?? [
        { action: `${service}:${op}`, resources: ['*'], context: {} },
      ];
      for (const request of requests) {
        const resource = deniedResource(opts.policy, request);
        if (resource === undefined) continue;
        denied.push({ action: request.action, resource });
        throw accessDenied(service, opts.principal, request.action, resource);
      }
    },
    denials: () => [...denied],
  };
}

/** AWS's implicit-deny message, under each protocol's own error code and status. */
function accessDenied(service: ServiceName, principal: string, action: string, resource: string): SimError {
  const message = `User: ${principal} is not authorized to perform: ${action} on resource: ${resource} because no identity-based policy allows the ${action} action`;
  if (service === 'cloudformation') return new SimError('AccessDenied', message, 403);
  return new SimError(
    'AccessDeniedException',
    message,
    service === 'backup' || service === 'efs' ? 403 : 400,
  );
}

/** Reads deploy/iam-policy.json (or another file) with the parameters substituted. */
export function readPolicyFile(path: string, parameters: Readonly<Record<string, string>>): PolicyDocument {
  return loadPolicy(readFileSync(path, 'utf8'), parameters);
}

interface StackStateView {
  stack?: { name?: string; id?: string };
  services?: { name: string; cluster: string; taskDefinition: string }[];
  taskDefinitions?: {
    arn: string;
    family?: string;
    executionRoleArn?: string;
    taskRoleArn?: string;
    logGroup?: string;
    volumes: { fileSystemId?: string }[];
  }[];
}

/**
 * The deploy template's parameters as a deployer of this world would give them: the stack, the
 * chat-db file system (the one the inspection host mounts), the ECS service that mounts it and its
 * cluster, the vault, the restore role and the inspection host. `overrides` win.
 */
export function deployParameters(
  scenario: {
    region: string;
    accountId: string;
    stackName: string;
    backupVault: string;
    restoreRoleArn: string;
    inspector: { instanceId: string; fileSystem: string };
    fileSystems: Record<string, { id: string }>;
  },
  stackState: unknown,
  overrides: Readonly<Record<string, string>> = {},
): Record<string, string> {
  const state = (stackState ?? {}) as StackStateView;
  const fileSystemId = scenario.fileSystems[scenario.inspector.fileSystem]?.id ?? '';
  const mounting = new Set(
    (state.taskDefinitions ?? [])
      .filter((td) => td.volumes.some((v) => v.fileSystemId === fileSystemId))
      .map((td) => td.arn),
  );
  const service = (state.services ?? []).find((s) => mounting.has(s.taskDefinition));
  const chatDb = (state.taskDefinitions ?? []).find((td) => td.arn === service?.taskDefinition);
  // A task without a task role of its own: the deployer gives the execution role for both.
  const executionRole = chatDb?.executionRoleArn ?? '';
  return {
    'AWS::Partition': 'aws',
    'AWS::Region': scenario.region,
    'AWS::AccountId': scenario.accountId,
    ChatStackName: scenario.stackName,
    ChatDbFileSystemId: fileSystemId,
    ChatDbClusterName: service?.cluster ?? '',
    ChatDbServiceName: service?.name ?? '',
    BackupVaultName: scenario.backupVault,
    RestoreRoleArn: scenario.restoreRoleArn,
    InspectorInstanceId: scenario.inspector.instanceId,
    ChatDbTaskFamily: chatDb?.family ?? '',
    ChatDbExecutionRoleArn: executionRole,
    ChatDbTaskRoleArn: chatDb?.taskRoleArn ?? executionRole,
    ChatDbLogGroupName: chatDb?.logGroup ?? '',
    ...overrides,
  };
}
