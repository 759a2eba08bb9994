// CloudFormation for one stack: its template and parameters, the resources it created, change
// sets, and updates that really drive ECS (a new task definition revision, a service deployment
// that has to stabilise) with rollback when they fail. Answers use the awsQuery element names.

import { createHash, randomUUID } from 'node:crypto';
import { StackPolicyError, stackPolicyAllows } from '../cfn-stack-policy.js';
import type { DeploymentOutcome, EcsWorld, ServiceSettings } from './ecs.js';
import type { Faults, OpInput, ServiceModule } from './kernel.js';
import { SimError } from './kernel.js';
import type { Timers } from './stack-world.js';
import { type PlannedChange, planChanges } from './template-diff.js';
import { type ServiceSpec, serviceSpec, taskDefinitionSpec } from './template-ecs.js';
import {
  createEvaluator,
  type Evaluator,
  type ParameterInput,
  resolveParameters,
  resourceOrder,
  TemplateEvalError,
} from './template-eval.js';
import { isRecord, parseTemplate, type Template, TemplateFormatError } from './template-parse.js';

export interface CloudFormationOptions {
  timers: Timers;
  faults: Faults;
  region: string;
  accountId: string;
  stackName: string;
  templateBody: string;
  /** The stack's service role, reported as RoleARN. */
  roleArn?: string;
  /**
   * The stack this one is nested in: its id is the ParentId and RootId DescribeStacks reports
   * (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_Stack.html).
   */
  parentStackName?: string;
  /** Logical id of each EFS file system resource → its file system id. */
  fileSystemIds: Record<string, string>;
  changeSetMs: number;
  stackStepMs: number;
  ecs: EcsWorld;
  now(): number;
}

export interface CloudFormationWorld {
  module: ServiceModule;
  state(): {
    stack: unknown;
    changeSets: unknown[];
    executions: { accepted: number; refused: number };
  };
}

/** How long CloudFormation waits for an ECS service to stabilise before it gives up. */
const SERVICE_STABILIZE_TIMEOUT_MS = 3 * 3_600_000;
const EVENTS_PAGE_SIZE = 6;
/** DescribeStackResources returns at most this many; ListStackResources pages through all. */
const DESCRIBE_RESOURCES_CAP = 100;
const LIST_RESOURCES_PAGE_SIZE = 4;
const TEMPLATE_BODY_MAX_BYTES = 51_200;
const STACK_AGE_MS = 30 * 86_400_000;
const NO_CHANGES =
  "The submitted information didn't contain changes. Submit different information to create a change set.";
const UPDATABLE = new Set([
  'CREATE_COMPLETE',
  'UPDATE_COMPLETE',
  'UPDATE_ROLLBACK_COMPLETE',
  'IMPORT_COMPLETE',
  'IMPORT_ROLLBACK_COMPLETE',
]);
const IAM_TYPES = new Set([
  'AWS::IAM::AccessKey',
  'AWS::IAM::Group',
  'AWS::IAM::InstanceProfile',
  'AWS::IAM::ManagedPolicy',
  'AWS::IAM::Policy',
  'AWS::IAM::Role',
  'AWS::IAM::User',
  'AWS::IAM::UserToGroupAddition',
]);
const IAM_NAMES = ['RoleName', 'UserName', 'GroupName', 'ManagedPolicyName', 'InstanceProfileName'];

interface ResourceRecord {
  logicalId: string;
  type: string;
  physicalId: string;
  status: string;
  statusReason?: string;
  updatedAt: number;
  attrs: Record<string, string>;
  /** Bumped on every replacement, so generated names differ. */
  generation: number;
}

interface EventRecord {
  id: string;
  at: number;
  logicalId: string;
  physicalId: string;
  type: string;
  status: string;
  reason?: string;
  properties?: string;
  token?: string;
}

interface ChangeSetRecord {
  name: string;
  id: string;
  createdAt: number;
  description?: string;
  templateBody: string;
  template: Template;
  parameters: Record<string, string>;
  capabilities: string[];
  status: string;
  statusReason?: string;
  executionStatus: string;
  changes: PlannedChange[];
  /** Physical ids when the change set was made, for the Changes it lists. */
  physicalIds: Record<string, string>;
  /** CreateChangeSet's ClientToken: a retry with it gets this change set back. */
  clientToken?: string;
  /** ExecuteChangeSet's ClientRequestToken: a retry with it is accepted without a second update. */
  executionToken?: string;
}

interface Applied {
  change: PlannedChange;
  /** For a replacement: the physical resource before, and the one created. */
  oldPhysical?: { physicalId: string; attrs: Record<string, string> };
  newPhysical?: string;
}

/** A resource's create/update failed; the stack rolls back. */
class ResourceFailed extends Error {
  readonly code = 'ResourceFailed';
  constructor(
    readonly logicalId: string,
    readonly reason: string,
  ) {
    super(reason);
    this.name = 'ResourceFailed';
  }
}

const handlerMessage = (message: string, code: string) =>
  `Resource handler returned message: "${message}" (RequestToken: ${randomUUID()}, HandlerErrorCode: ${code})`;

export function createCloudFormation(opts: CloudFormationOptions): CloudFormationWorld {
  const { timers, faults, region, accountId, ecs, now } = opts;
  const stackName = opts.stackName;
  const stackId = `arn:aws:cloudformation:${region}:${accountId}:stack/${stackName}/${randomUUID()}`;
  const parentId =
    opts.parentStackName === undefined
      ? undefined
      : `arn:aws:cloudformation:${region}:${accountId}:stack/${opts.parentStackName}/${randomUUID()}`;

  const initialTemplate = parseTemplate(opts.templateBody);
  const stack = {
    status: 'CREATE_IN_PROGRESS',
    statusReason: undefined as string | undefined,
    creationTime: now() - STACK_AGE_MS,
    lastUpdatedTime: undefined as number | undefined,
    templateBody: opts.templateBody,
    template: initialTemplate,
    parameters: resolveParameters(initialTemplate, []),
    capabilities: requiredCapability(initialTemplate) ? [requiredCapability(initialTemplate) as string] : [],
    outputs: [] as { key: string; value: string; description?: string; exportName?: string }[],
    changeSetId: undefined as string | undefined,
    /** SetStackPolicy's body; none by default. */
    policyBody: undefined as string | undefined,
  };
  const resources = new Map<string, ResourceRecord>();
  const events: EventRecord[] = [];
  const changeSets: ChangeSetRecord[] = [];
  const executions = { accepted: 0, refused: 0 };

  // ---- physical resources --------------------------------------------------------------------

  const suffix = (logicalId: string, generation: number) =>
    hash(`${stackId}/${logicalId}/${generation}`)
      .replace(/[^A-Z0-9]/gi, '')
      .toUpperCase()
      .slice(0, 12);
  const hexId = (logicalId: string, generation: number, length: number) =>
    createHash('sha256').update(`${stackId}/${logicalId}/${generation}/hex`).digest('hex').slice(0, length);

  const physicalEvaluator = (template: Template, parameters: Record<string, string>): Evaluator =>
    createEvaluator(template, {
      region,
      accountId,
      stackName,
      stackId,
      parameters,
      ref: (id) => {
        const r = resources.get(id);
        if (!r)
          throw new TemplateEvalError(`Template error: instance of Ref references undefined resource ${id}`);
        return r.physicalId;
      },
      getAtt: (id, attribute) => {
        const r = resources.get(id);
        if (!r) {
          throw new TemplateEvalError(
            `Template error: instance of Fn::GetAtt references undefined resource ${id}`,
          );
        }
        const value = r.attrs[attribute];
        if (value === undefined) {
          throw new TemplateEvalError(
            `Template error: resource ${id} does not support attribute type ${attribute} in Fn::GetAtt`,
          );
        }
        return value;
      },
    });

  const serviceSettings = (spec: ServiceSpec): ServiceSettings => ({
    taskDefinitionArn: spec.taskDefinition,
    desiredCount: spec.desiredCount,
    minimumHealthyPercent: spec.minimumHealthyPercent,
    maximumPercent: spec.maximumPercent,
    circuitBreaker: spec.circuitBreaker,
    ...(spec.launchType !== undefined ? { launchType: spec.launchType } : {}),
    ...(spec.networkConfiguration !== undefined ? { networkConfiguration: spec.networkConfiguration } : {}),
  });

  /** Creates the physical resource behind a logical one (at `at`), as CloudFormation's handlers would. */
  const createPhysical = (
    logicalId: string,
    type: string,
    props: Record<string, unknown>,
    at: number,
    generation: number,
  ): { physicalId: string; attrs: Record<string, string> } => {
    const generated = `${stackName}-${logicalId}-${suffix(logicalId, generation)}`;
    const named = (key: string) => (typeof props[key] === 'string' ? (props[key] as string) : generated);
    switch (type) {
      case 'AWS::ECS::Cluster': {
        const name = named('ClusterName');
        return { physicalId: name, attrs: { Arn: ecs.createCluster(name, at) } };
      }
      case 'AWS::EFS::FileSystem': {
        const id = opts.fileSystemIds[logicalId] ?? `fs-${hexId(logicalId, generation, 17)}`;
        return {
          physicalId: id,
          attrs: {
            Arn: `arn:aws:elasticfilesystem:${region}:${accountId}:file-system/${id}`,
            FileSystemId: id,
          },
        };
      }
      case 'AWS::EFS::MountTarget': {
        const id = `fsmt-${hexId(logicalId, generation, 17)}`;
        return { physicalId: id, attrs: { IpAddress: '10.0.1.23' } };
      }
      case 'AWS::ECS::TaskDefinition': {
        const spec = taskDefinitionSpec(props);
        const arn = ecs.registerTaskDefinition({ ...spec, family: spec.family ?? generated }, at);
        return { physicalId: arn, attrs: { TaskDefinitionArn: arn } };
      }
      case 'AWS::ECS::Service': {
        const spec = serviceSpec(props);
        const name = spec.serviceName ?? generated;
        const arn = ecs.createService(spec.cluster ?? 'default', name, serviceSettings(spec), at);
        return { physicalId: arn, attrs: { Name: name, ServiceArn: arn } };
      }
      case 'AWS::IAM::Role': {
        const name = named('RoleName');
        return {
          physicalId: name,
          attrs: {
            Arn: `arn:aws:iam::${accountId}:role/${name}`,
            RoleId: `AROA${hexId(logicalId, generation, 17).toUpperCase()}`,
          },
        };
      }
      case 'AWS::Logs::LogGroup': {
        const name = named('LogGroupName');
        return {
          physicalId: name,
          attrs: { Arn: `arn:aws:logs:${region}:${accountId}:log-group:${name}:*` },
        };
      }
      case 'AWS::EC2::SecurityGroup': {
        const id = `sg-${hexId(logicalId, generation, 17)}`;
        return { physicalId: id, attrs: { GroupId: id } };
      }
      default:
        return { physicalId: generated, attrs: {} };
    }
  };

  const deletePhysical = (type: string, physicalId: string) => {
    if (type === 'AWS::ECS::TaskDefinition') ecs.deregisterTaskDefinition(physicalId);
  };

  // ---- events --------------------------------------------------------------------------------

  /** The ClientRequestToken of the update under way; CloudFormation stamps it on the update's events. */
  let eventToken: string | undefined;
  const addEvent = (e: Omit<EventRecord, 'id' | 'at'> & { at?: number }) => {
    const isStack = e.type === 'AWS::CloudFormation::Stack';
    events.push({
      ...e,
      id: isStack ? randomUUID() : `${e.logicalId}-${randomUUID()}`,
      at: e.at ?? now(),
      ...(eventToken !== undefined ? { token: eventToken } : {}),
    });
  };

  const resourceEvent = (
    logicalId: string,
    status: string,
    extra: { reason?: string; physicalId?: string; track?: boolean; properties?: unknown; at?: number } = {},
  ) => {
    const r = resources.get(logicalId);
    const type = r?.type ?? 'AWS::CloudFormation::CustomResource';
    const at = extra.at ?? now();
    addEvent({
      logicalId,
      physicalId: extra.physicalId ?? r?.physicalId ?? '',
      type,
      status,
      at,
      ...(extra.reason !== undefined ? { reason: extra.reason } : {}),
      ...(extra.properties !== undefined ? { properties: JSON.stringify(extra.properties) } : {}),
    });
    if (r && extra.track !== false) {
      r.status = status;
      r.updatedAt = at;
      if (extra.reason !== undefined) r.statusReason = extra.reason;
      else delete r.statusReason;
    }
  };

  const stackEvent = (status: string, reason?: string, at?: number) => {
    stack.status = status;
    stack.statusReason = reason;
    addEvent({
      logicalId: stackName,
      physicalId: stackId,
      type: 'AWS::CloudFormation::Stack',
      status,
      ...(at !== undefined ? { at } : {}),
      ...(reason !== undefined ? { reason } : {}),
    });
  };

  const computeOutputs = () => {
    const evaluator = physicalEvaluator(stack.template, stack.parameters);
    stack.outputs = stack.template.outputs
      .filter((o) => o.condition === undefined || evaluator.condition(o.condition))
      .map((o) => {
        const value = evaluator.value(o.value);
        const exportName = o.exportName === undefined ? undefined : evaluator.value(o.exportName);
        return {
          key: o.key,
          value: Array.isArray(value) ? value.join(',') : String(value),
          ...(o.description !== undefined ? { description: o.description } : {}),
          ...(exportName !== undefined ? { exportName: String(exportName) } : {}),
        };
      });
  };

  // ---- the stack as it was created, a month ago ---------------------------------------------

  {
    let at = stack.creationTime;
    const tick = () => {
      at += 1_000 + Math.floor(Math.random() * 4_000);
      return at;
    };
    stackEvent('CREATE_IN_PROGRESS', 'User Initiated', at);
    const evaluator = physicalEvaluator(stack.template, stack.parameters);
    const byId = new Map(stack.template.resources.map((r) => [r.logicalId, r]));
    for (const logicalId of resourceOrder(stack.template)) {
      const resource = byId.get(logicalId);
      if (!resource || !evaluator.included(resource)) continue;
      const props = evaluator.properties(resource);
      addEvent({ logicalId, physicalId: '', type: resource.type, status: 'CREATE_IN_PROGRESS', at: tick() });
      const physical = createPhysical(logicalId, resource.type, props, at, 0);
      resources.set(logicalId, {
        logicalId,
        type: resource.type,
        physicalId: physical.physicalId,
        status: 'CREATE_IN_PROGRESS',
        updatedAt: at,
        attrs: physical.attrs,
        generation: 0,
      });
      resourceEvent(logicalId, 'CREATE_IN_PROGRESS', { reason: 'Resource creation Initiated', at: tick() });
      resourceEvent(logicalId, 'CREATE_COMPLETE', { at: tick() });
    }
    computeOutputs();
    stackEvent('CREATE_COMPLETE', undefined, tick());
  }

  // ---- lookups and inputs --------------------------------------------------------------------

  const matchesStack = (ref: unknown) => ref === stackName || ref === stackId;

  const requireStack = (ref: unknown, message: (name: string) => string) => {
    if (typeof ref !== 'string' || ref === '') {
      throw new SimError(
        'ValidationError',
        "1 validation error detected: Value null at 'stackName' failed to satisfy constraint: Member must not be null",
      );
    }
    if (!matchesStack(ref)) throw new SimError('ValidationError', message(ref));
  };

  const findChangeSet = (input: OpInput): ChangeSetRecord => {
    const name = input.ChangeSetName;
    if (typeof name !== 'string' || name === '') {
      throw new SimError(
        'ValidationError',
        "1 validation error detected: Value null at 'changeSetName' failed to satisfy constraint: Member must not be null",
      );
    }
    let found: ChangeSetRecord | undefined;
    if (name.startsWith('arn:')) {
      found = changeSets.find((cs) => cs.id === name);
    } else {
      if (input.StackName === undefined || input.StackName === '') {
        throw new SimError(
          'ValidationError',
          'StackName must be specified if ChangeSetName is not specified as an ARN.',
        );
      }
      if (matchesStack(input.StackName)) found = changeSets.find((cs) => cs.name === name);
    }
    if (!found) throw new SimError('ChangeSetNotFound', `ChangeSet [${name}] does not exist`, 404);
    return found;
  };

  const truthy = (v: unknown) => v === true || v === 'true';

  const parameterInputs = (raw: unknown): ParameterInput[] => {
    if (raw === undefined || raw === null || raw === '') return [];
    if (!Array.isArray(raw)) throw new SimError('ValidationError', 'Parameters must be a list.');
    return raw.map((p) => {
      if (!isRecord(p) || typeof p.ParameterKey !== 'string') {
        throw new SimError('ValidationError', 'Every parameter must have a ParameterKey.');
      }
      return {
        key: p.ParameterKey,
        ...(p.ParameterValue !== undefined && p.ParameterValue !== null
          ? { value: String(p.ParameterValue) }
          : {}),
        ...(truthy(p.UsePreviousValue) ? { usePreviousValue: true } : {}),
      };
    });
  };

  // ---- wire shapes ---------------------------------------------------------------------------

  const iso = (ms: number) => new Date(ms).toISOString();

  const parametersWire = (template: Template, values: Record<string, string>) =>
    template.parameters.map((p) => ({
      ParameterKey: p.key,
      ParameterValue: p.noEcho ? '****' : (values[p.key] ?? ''),
    }));

  const stackWire = () => ({
    StackId: stackId,
    StackName: stackName,
    ...(stack.changeSetId !== undefined ? { ChangeSetId: stack.changeSetId } : {}),
    ...(stack.template.description !== undefined ? { Description: stack.template.description } : {}),
    ...(stack.template.parameters.length > 0
      ? { Parameters: parametersWire(stack.template, stack.parameters) }
      : {}),
    CreationTime: iso(stack.creationTime),
    ...(stack.lastUpdatedTime !== undefined ? { LastUpdatedTime: iso(stack.lastUpdatedTime) } : {}),
    StackStatus: stack.status,
    ...(stack.statusReason !== undefined ? { StackStatusReason: stack.statusReason } : {}),
    DisableRollback: false,
    ...(stack.capabilities.length > 0 ? { Capabilities: stack.capabilities } : {}),
    ...(stack.outputs.length > 0
      ? {
          Outputs: stack.outputs.map((o) => ({
            OutputKey: o.key,
            OutputValue: o.value,
            ...(o.description !== undefined ? { Description: o.description } : {}),
            ...(o.exportName !== undefined ? { ExportName: o.exportName } : {}),
          })),
        }
      : {}),
    EnableTerminationProtection: false,
    ...(opts.roleArn !== undefined ? { RoleARN: opts.roleArn } : {}),
    // One level of nesting: the parent is also the root.
    ...(parentId !== undefined ? { ParentId: parentId, RootId: parentId } : {}),
    DriftInformation: { StackDriftStatus: 'NOT_CHECKED' },
  });

  const resourceWire = (r: ResourceRecord) => ({
    StackName: stackName,
    StackId: stackId,
    LogicalResourceId: r.logicalId,
    PhysicalResourceId: r.physicalId,
    ResourceType: r.type,
    ResourceStatus: r.status,
    ...(r.statusReason !== undefined ? { ResourceStatusReason: r.statusReason } : {}),
    DriftInformation: { StackResourceDriftStatus: 'NOT_CHECKED' },
  });

  const changeWire = (cs: ChangeSetRecord, c: PlannedChange) => ({
    Type: 'Resource',
    ResourceChange: {
      Action: c.action,
      LogicalResourceId: c.logicalId,
      ...(c.action !== 'Add' && cs.physicalIds[c.logicalId] !== undefined
        ? { PhysicalResourceId: cs.physicalIds[c.logicalId] }
        : {}),
      ResourceType: c.resourceType,
      ...(c.action === 'Modify'
        ? {
            Replacement: c.replacement,
            Scope: ['Properties'],
            Details: c.details.map((d) => ({
              Target: { Attribute: 'Properties', Name: d.property, RequiresRecreation: d.requiresRecreation },
              Evaluation: d.evaluation,
              ChangeSource: d.changeSource,
              ...(d.causingEntity !== undefined ? { CausingEntity: d.causingEntity } : {}),
            })),
          }
        : {}),
    },
  });

  const summaryWire = (cs: ChangeSetRecord) => ({
    StackId: stackId,
    StackName: stackName,
    ChangeSetId: cs.id,
    ChangeSetName: cs.name,
    ExecutionStatus: cs.executionStatus,
    Status: cs.status,
    ...(cs.statusReason !== undefined ? { StatusReason: cs.statusReason } : {}),
    CreationTime: iso(cs.createdAt),
    ...(cs.description !== undefined ? { Description: cs.description } : {}),
    IncludeNestedStacks: false,
  });

  // ---- the update itself ---------------------------------------------------------------------

  const withTimeout = (outcome: Promise<DeploymentOutcome>) =>
    new Promise<DeploymentOutcome | { state: 'TIMEOUT' }>((resolve) => {
      const cancel = timers.after(SERVICE_STABILIZE_TIMEOUT_MS, () => resolve({ state: 'TIMEOUT' }));
      void outcome.then((o) => {
        cancel();
        resolve(o);
      });
    });

  /** Points a service at what `props` say and waits for its deployment; the failure reason, if any. */
  const deployService = async (
    logicalId: string,
    props: Record<string, unknown>,
    crashable: boolean,
  ): Promise<string | undefined> => {
    const r = resources.get(logicalId) as ResourceRecord;
    const spec = serviceSpec(props);
    const outcome = await withTimeout(
      ecs.updateService(spec.cluster ?? 'default', r.attrs.Name ?? r.physicalId, serviceSettings(spec), {
        crashable,
      }),
    );
    if (outcome.state === 'COMPLETED') return undefined;
    if (outcome.state === 'TIMEOUT') return handlerMessage('Exceeded attempts to wait', 'NotStabilized');
    return handlerMessage(outcome.reason, 'GeneralServiceException');
  };

  const applyChange = async (
    change: PlannedChange,
    evaluator: Evaluator,
    template: Template,
    failure: string | undefined,
    applied: Applied[],
  ) => {
    const id = change.logicalId;
    const resource = template.resources.find((r) => r.logicalId === id);
    const entry: Applied = { change };
    applied.push(entry);
    const props = () => {
      try {
        return evaluator.properties(resource as NonNullable<typeof resource>);
      } catch (error) {
        if (error instanceof TemplateEvalError) throw new ResourceFailed(id, error.message);
        throw error;
      }
    };

    if (change.action === 'Add') {
      const p = props();
      addEvent({ logicalId: id, physicalId: '', type: change.resourceType, status: 'CREATE_IN_PROGRESS' });
      await timers.sleep(opts.stackStepMs);
      if (failure !== undefined) {
        addEvent({
          logicalId: id,
          physicalId: '',
          type: change.resourceType,
          status: 'CREATE_FAILED',
          reason: failure,
        });
        throw new ResourceFailed(id, failure);
      }
      const physical = createPhysical(id, change.resourceType, p, now(), 0);
      resources.set(id, {
        logicalId: id,
        type: change.resourceType,
        physicalId: physical.physicalId,
        status: 'CREATE_IN_PROGRESS',
        updatedAt: now(),
        attrs: physical.attrs,
        generation: 0,
      });
      entry.newPhysical = physical.physicalId;
      resourceEvent(id, 'CREATE_IN_PROGRESS', { reason: 'Resource creation Initiated' });
      resourceEvent(id, 'CREATE_COMPLETE');
      return;
    }

    const r = resources.get(id) as ResourceRecord;
    if (change.action === 'Remove') return; // removed in the cleanup phase

    if (change.resourceType === 'AWS::ECS::Service') {
      const p = props();
      resourceEvent(id, 'UPDATE_IN_PROGRESS', { properties: p });
      if (failure !== undefined) {
        await timers.sleep(opts.stackStepMs);
        resourceEvent(id, 'UPDATE_FAILED', { reason: failure });
        throw new ResourceFailed(id, failure);
      }
      const reason = await deployService(id, p, true);
      if (reason !== undefined) {
        resourceEvent(id, 'UPDATE_FAILED', { reason });
        throw new ResourceFailed(id, reason);
      }
      resourceEvent(id, 'UPDATE_COMPLETE');
      return;
    }

    const p = props();
    const replacing = change.replacement === 'True';
    resourceEvent(id, 'UPDATE_IN_PROGRESS', {
      properties: p,
      ...(replacing
        ? { reason: 'Requested update requires the creation of a new physical resource; hence creating one.' }
        : {}),
    });
    await timers.sleep(opts.stackStepMs);
    if (failure !== undefined) {
      resourceEvent(id, 'UPDATE_FAILED', { reason: failure });
      throw new ResourceFailed(id, failure);
    }
    if (replacing) {
      entry.oldPhysical = { physicalId: r.physicalId, attrs: r.attrs };
      r.generation += 1;
      const physical = createPhysical(id, r.type, p, now(), r.generation);
      r.physicalId = physical.physicalId;
      r.attrs = physical.attrs;
      entry.newPhysical = physical.physicalId;
      resourceEvent(id, 'UPDATE_IN_PROGRESS', { reason: 'Resource creation Initiated' });
    }
    resourceEvent(id, 'UPDATE_COMPLETE');
  };

  const runUpdate = async (cs: ChangeSetRecord, disableRollback: boolean) => {
    const previous = {
      templateBody: stack.templateBody,
      template: stack.template,
      parameters: stack.parameters,
      capabilities: stack.capabilities,
    };
    stack.templateBody = cs.templateBody;
    stack.template = cs.template;
    stack.parameters = cs.parameters;
    stack.capabilities = cs.capabilities;
    stack.lastUpdatedTime = now();
    stack.changeSetId = cs.id;
    eventToken = cs.executionToken;
    stackEvent('UPDATE_IN_PROGRESS', 'User Initiated');

    const fault = faults.take('stackUpdateFails');
    const forward = cs.changes.filter((c) => c.action !== 'Remove');
    const failAt =
      fault === undefined
        ? undefined
        : (forward.find((c) => c.resourceType === 'AWS::ECS::Service') ?? forward.at(-1))?.logicalId;
    const failureReason =
      typeof fault === 'string'
        ? fault
        : handlerMessage("Error occurred during operation 'UpdateService'.", 'GeneralServiceException');

    const applied: Applied[] = [];
    await timers.sleep(opts.stackStepMs);
    const evaluator = physicalEvaluator(cs.template, cs.parameters);
    try {
      for (const change of forward) {
        const denied = policyDenial(change);
        if (denied !== undefined) {
          resourceEvent(change.logicalId, 'UPDATE_FAILED', { reason: denied });
          throw new ResourceFailed(change.logicalId, denied);
        }
        await applyChange(
          change,
          evaluator,
          cs.template,
          change.logicalId === failAt ? failureReason : undefined,
          applied,
        );
      }
    } catch (error) {
      if (!(error instanceof ResourceFailed)) throw error;
      if (disableRollback) {
        stackEvent('UPDATE_FAILED', `The following resource(s) failed to update: [${error.logicalId}]. `);
        cs.executionStatus = 'EXECUTE_FAILED';
        return;
      }
      stack.templateBody = previous.templateBody;
      stack.template = previous.template;
      stack.parameters = previous.parameters;
      stack.capabilities = previous.capabilities;
      await rollback(cs, applied, error.logicalId);
      return;
    }

    stackEvent('UPDATE_COMPLETE_CLEANUP_IN_PROGRESS');
    await timers.sleep(opts.stackStepMs);
    for (const entry of applied) {
      if (entry.oldPhysical) {
        const { physicalId } = entry.oldPhysical;
        resourceEvent(entry.change.logicalId, 'DELETE_IN_PROGRESS', { physicalId, track: false });
        deletePhysical(entry.change.resourceType, physicalId);
        resourceEvent(entry.change.logicalId, 'DELETE_COMPLETE', { physicalId, track: false });
      }
    }
    for (const change of cs.changes.filter((c) => c.action === 'Remove')) {
      const r = resources.get(change.logicalId);
      if (!r) continue;
      resourceEvent(change.logicalId, 'DELETE_IN_PROGRESS');
      deletePhysical(r.type, r.physicalId);
      resourceEvent(change.logicalId, 'DELETE_COMPLETE');
      resources.delete(change.logicalId);
    }
    computeOutputs();
    stackEvent('UPDATE_COMPLETE');
    cs.executionStatus = 'EXECUTE_COMPLETE';
  };

  /** CloudFormation's refusal when the stack policy does not allow a change; undefined if it does. */
  const policyDenial = (change: PlannedChange): string | undefined => {
    if (stack.policyBody === undefined || change.action === 'Add') return undefined;
    const action =
      change.action === 'Remove'
        ? 'Update:Delete'
        : change.replacement === 'True'
          ? 'Update:Replace'
          : 'Update:Modify';
    return stackPolicyAllows(stack.policyBody, action, change.logicalId, change.resourceType)
      ? undefined
      : `Action denied by stack policy: Statement [#1] does not allow [${action}] for resource [LogicalResourceId/${change.logicalId}]`;
  };

  const rollback = async (cs: ChangeSetRecord, applied: Applied[], failedId: string) => {
    stackEvent('UPDATE_ROLLBACK_IN_PROGRESS', `The following resource(s) failed to update: [${failedId}]. `);
    await timers.sleep(opts.stackStepMs);
    // Replaced resources point back at their old physical resources first, so that whatever
    // refers to them (a service's task definition) evaluates to what it was.
    for (const entry of applied) {
      const r = resources.get(entry.change.logicalId);
      if (entry.oldPhysical && r) {
        r.physicalId = entry.oldPhysical.physicalId;
        r.attrs = entry.oldPhysical.attrs;
      }
    }
    const evaluator = physicalEvaluator(stack.template, stack.parameters);
    for (const entry of applied) {
      const { logicalId, resourceType, action } = entry.change;
      if (action !== 'Modify') continue;
      const resource = stack.template.resources.find((r) => r.logicalId === logicalId);
      if (!resource) continue;
      resourceEvent(logicalId, 'UPDATE_IN_PROGRESS');
      if (resourceType === 'AWS::ECS::Service') {
        const props = evaluator.properties(resource);
        const r = resources.get(logicalId) as ResourceRecord;
        const spec = serviceSpec(props);
        const current = ecs.serviceStatus(spec.cluster ?? 'default', r.attrs.Name ?? r.physicalId);
        const untouched =
          current?.taskDefinitionArn === spec.taskDefinition && current.rolloutState === 'COMPLETED';
        const reason = untouched ? undefined : await deployService(logicalId, props, false);
        if (untouched) await timers.sleep(opts.stackStepMs);
        if (reason !== undefined) {
          resourceEvent(logicalId, 'UPDATE_FAILED', { reason });
          stackEvent(
            'UPDATE_ROLLBACK_FAILED',
            `The following resource(s) failed to update: [${logicalId}]. `,
          );
          cs.executionStatus = 'EXECUTE_FAILED';
          return;
        }
      } else {
        await timers.sleep(opts.stackStepMs);
      }
      resourceEvent(logicalId, 'UPDATE_COMPLETE');
    }
    stackEvent('UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS');
    await timers.sleep(opts.stackStepMs);
    for (const entry of applied) {
      if (entry.newPhysical === undefined) continue;
      const { logicalId, resourceType, action } = entry.change;
      const physicalId = entry.newPhysical;
      resourceEvent(logicalId, 'DELETE_IN_PROGRESS', { physicalId, track: action === 'Add' });
      deletePhysical(resourceType, physicalId);
      resourceEvent(logicalId, 'DELETE_COMPLETE', { physicalId, track: action === 'Add' });
      if (action === 'Add') resources.delete(logicalId);
    }
    computeOutputs();
    stackEvent('UPDATE_ROLLBACK_COMPLETE');
    cs.executionStatus = 'EXECUTE_FAILED';
  };

  // ---- operations ----------------------------------------------------------------------------

  const ops: Record<string, (input: OpInput) => unknown> = {
    DescribeStacks(input) {
      if (input.StackName !== undefined && !matchesStack(input.StackName)) {
        throw new SimError('ValidationError', `Stack with id ${String(input.StackName)} does not exist`);
      }
      return { Stacks: [stackWire()] };
    },

    GetTemplate(input) {
      if (input.ChangeSetName !== undefined) {
        const cs = findChangeSet(input);
        return { TemplateBody: cs.templateBody, StagesAvailable: ['Original', 'Processed'] };
      }
      requireStack(input.StackName, (n) => `Stack with id ${n} does not exist`);
      return { TemplateBody: stack.templateBody, StagesAvailable: ['Original', 'Processed'] };
    },

    DescribeStackResource(input) {
      requireStack(input.StackName, (n) => `Stack '${n}' does not exist`);
      const id = input.LogicalResourceId;
      if (typeof id !== 'string' || id === '') {
        throw new SimError(
          'ValidationError',
          "1 validation error detected: Value null at 'logicalResourceId' failed to satisfy constraint: Member must not be null",
        );
      }
      const r = resources.get(id);
      if (!r) throw new SimError('ValidationError', `Resource ${id} does not exist for stack ${stackName}`);
      const { ResourceStatus, ResourceStatusReason, ...rest } = resourceWire(r);
      return {
        StackResourceDetail: {
          ...rest,
          LastUpdatedTimestamp: iso(r.updatedAt),
          ResourceStatus,
          ...(ResourceStatusReason !== undefined ? { ResourceStatusReason } : {}),
          Metadata: '{}',
        },
      };
    },

    DescribeStackResources(input) {
      if (input.StackName !== undefined) {
        requireStack(input.StackName, (n) => `Stack with id ${n} does not exist`);
      } else if (input.PhysicalResourceId !== undefined) {
        const physical = String(input.PhysicalResourceId);
        if (physical !== stackId && ![...resources.values()].some((r) => r.physicalId === physical)) {
          throw new SimError('ValidationError', `Stack for ${physical} does not exist`);
        }
      } else {
        throw new SimError('ValidationError', 'Either StackName or PhysicalResourceId must be specified.');
      }
      const logical = input.LogicalResourceId === undefined ? undefined : String(input.LogicalResourceId);
      const list = [...resources.values()]
        .filter((r) => logical === undefined || r.logicalId === logical)
        .slice(0, DESCRIBE_RESOURCES_CAP);
      return { StackResources: list.map((r) => ({ ...resourceWire(r), Timestamp: iso(r.updatedAt) })) };
    },

    ListStackResources(input) {
      requireStack(input.StackName, (n) => `Stack with id ${n} does not exist`);
      const all = [...resources.values()];
      let start = 0;
      if (input.NextToken !== undefined && input.NextToken !== '') {
        start = decodeEventsToken(String(input.NextToken), `${stackId}/resources`, all.length);
      }
      const page = all.slice(start, start + LIST_RESOURCES_PAGE_SIZE);
      const end = start + page.length;
      return {
        StackResourceSummaries: page.map((r) => ({
          LogicalResourceId: r.logicalId,
          PhysicalResourceId: r.physicalId,
          ResourceType: r.type,
          LastUpdatedTimestamp: iso(r.updatedAt),
          ResourceStatus: r.status,
          ...(r.statusReason !== undefined ? { ResourceStatusReason: r.statusReason } : {}),
          DriftInformation: { StackResourceDriftStatus: 'NOT_CHECKED' },
        })),
        ...(end < all.length ? { NextToken: encodeEventsToken(`${stackId}/resources`, end) } : {}),
      };
    },

    GetStackPolicy(input) {
      requireStack(input.StackName, (n) => `Stack with id ${n} does not exist`);
      return stack.policyBody === undefined ? {} : { StackPolicyBody: stack.policyBody };
    },

    SetStackPolicy(input) {
      requireStack(input.StackName, (n) => `Stack with id ${n} does not exist`);
      const body = typeof input.StackPolicyBody === 'string' ? input.StackPolicyBody : '';
      try {
        stackPolicyAllows(body, 'Update:Modify', 'Probe', 'AWS::CloudFormation::WaitConditionHandle');
      } catch (error) {
        if (error instanceof StackPolicyError) throw new SimError('ValidationError', error.message);
        throw error;
      }
      stack.policyBody = body;
      return {};
    },

    DescribeStackEvents(input) {
      requireStack(input.StackName, (n) => `Stack [${n}] does not exist`);
      let end = events.length;
      if (input.NextToken !== undefined && input.NextToken !== '') {
        end = decodeEventsToken(String(input.NextToken), stackId, events.length);
      }
      const start = Math.max(0, end - EVENTS_PAGE_SIZE);
      const page = events.slice(start, end).reverse();
      return {
        StackEvents: page.map((e) => ({
          StackId: stackId,
          EventId: e.id,
          StackName: stackName,
          LogicalResourceId: e.logicalId,
          PhysicalResourceId: e.physicalId,
          ResourceType: e.type,
          Timestamp: iso(e.at),
          ResourceStatus: e.status,
          ...(e.reason !== undefined ? { ResourceStatusReason: e.reason } : {}),
          ...(e.properties !== undefined ? { ResourceProperties: e.properties } : {}),
          ...(e.token !== undefined ? { ClientRequestToken: e.token } : {}),
        })),
        ...(start > 0 ? { NextToken: encodeEventsToken(stackId, start) } : {}),
      };
    },

    CreateChangeSet(input) {
      const name = input.ChangeSetName;
      if (typeof name !== 'string' || !/^[a-zA-Z][-a-zA-Z0-9]{0,127}$/.test(name)) {
        throw new SimError(
          'ValidationError',
          `1 validation error detected: Value '${String(name)}' at 'changeSetName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z][-a-zA-Z0-9]*`,
        );
      }
      const type = input.ChangeSetType === undefined ? 'UPDATE' : String(input.ChangeSetType);
      if (type === 'CREATE' && matchesStack(input.StackName)) {
        throw new SimError(
          'ValidationError',
          `Stack [${stackName}] already exists and cannot be created again with the changeSet [${name}].`,
        );
      }
      if (type !== 'UPDATE') {
        throw new SimError('ValidationError', `The simulator models ChangeSetType UPDATE only, not ${type}.`);
      }
      requireStack(input.StackName, (n) => `Stack [${n}] does not exist`);
      if (!UPDATABLE.has(stack.status)) {
        throw new SimError(
          'ValidationError',
          `Stack:${stackId} is in ${stack.status} state and can not be updated.`,
        );
      }

      const usePrevious = truthy(input.UsePreviousTemplate);
      const given = [input.TemplateBody, input.TemplateURL].filter((v) => v !== undefined && v !== '').length;
      if (given + (usePrevious ? 1 : 0) !== 1) {
        throw new SimError(
          'ValidationError',
          given + (usePrevious ? 1 : 0) === 0
            ? 'Either Template URL or Template Body must be specified.'
            : 'Specify exactly one of TemplateBody, TemplateURL or UsePreviousTemplate.',
        );
      }
      if (input.TemplateURL !== undefined && input.TemplateURL !== '') {
        throw new SimError(
          'ValidationError',
          'The simulator does not fetch TemplateURL; send TemplateBody instead.',
        );
      }
      const templateBody = usePrevious ? stack.templateBody : String(input.TemplateBody);
      if (!usePrevious && Buffer.byteLength(templateBody, 'utf8') > TEMPLATE_BODY_MAX_BYTES) {
        // API_CreateChangeSet: TemplateBody has "a maximum length of 51,200 bytes"; larger
        // templates go through TemplateURL.
        throw new SimError(
          'ValidationError',
          `1 validation error detected: Value at 'templateBody' failed to satisfy constraint: Member must have length less than or equal to ${TEMPLATE_BODY_MAX_BYTES}`,
        );
      }
      let template: Template;
      try {
        template = parseTemplate(templateBody);
        resourceOrder(template);
      } catch (error) {
        if (error instanceof TemplateFormatError) {
          throw new SimError('ValidationError', `Template format error: ${error.message}`);
        }
        throw error;
      }
      let parameters: Record<string, string>;
      try {
        parameters = resolveParameters(template, parameterInputs(input.Parameters), stack.parameters);
      } catch (error) {
        if (error instanceof TemplateEvalError) throw new SimError('ValidationError', error.message);
        throw error;
      }
      const capabilities = Array.isArray(input.Capabilities) ? input.Capabilities.map(String) : [];
      const required = requiredCapability(template);
      if (
        required !== undefined &&
        !capabilities.includes(required) &&
        !(required === 'CAPABILITY_IAM' && capabilities.includes('CAPABILITY_NAMED_IAM'))
      ) {
        throw new SimError('InsufficientCapabilitiesException', `Requires capabilities : [${required}]`);
      }
      const clientToken =
        typeof input.ClientToken === 'string' && input.ClientToken !== '' ? input.ClientToken : undefined;
      const existing = changeSets.find((cs) => cs.name === name);
      if (existing) {
        const mismatch =
          existing.templateBody !== templateBody
            ? 'Template'
            : existing.clientToken !== clientToken
              ? 'ClientToken'
              : undefined;
        if (mismatch === undefined && clientToken !== undefined) return { Id: existing.id, StackId: stackId };
        throw new SimError(
          'AlreadyExistsException',
          mismatch === undefined
            ? `ChangeSet ${name} already exists`
            : `ChangeSet ${name} cannot be created due to a mismatch with existing attribute ${mismatch}`,
        );
      }

      // Evaluation problems surface the way CloudFormation reports them: the change set FAILS.
      let changes: PlannedChange[] = [];
      let planError: string | undefined;
      try {
        changes = planChanges(
          { template: stack.template, parameters: stack.parameters },
          { template, parameters },
          { region, accountId, stackName, stackId },
        );
        const unsupported = changes.find(
          (c) => c.action !== 'Modify' && c.resourceType === 'AWS::ECS::Service',
        );
        if (unsupported) {
          planError = `The simulator does not model adding or removing ECS services (${unsupported.logicalId}).`;
        }
      } catch (error) {
        if (!(error instanceof TemplateEvalError || error instanceof TemplateFormatError)) throw error;
        planError = error.message;
      }
      const fault = faults.take('changeSetFails');
      const cs: ChangeSetRecord = {
        name,
        id: `arn:aws:cloudformation:${region}:${accountId}:changeSet/${name}/${randomUUID()}`,
        createdAt: now(),
        ...(typeof input.Description === 'string' ? { description: input.Description } : {}),
        templateBody,
        template,
        parameters,
        capabilities,
        status: 'CREATE_PENDING',
        executionStatus: 'UNAVAILABLE',
        changes,
        physicalIds: Object.fromEntries([...resources.values()].map((r) => [r.logicalId, r.physicalId])),
        ...(clientToken !== undefined ? { clientToken } : {}),
      };
      changeSets.push(cs);
      timers.after(opts.changeSetMs * 0.1, () => {
        if (cs.status === 'CREATE_PENDING') cs.status = 'CREATE_IN_PROGRESS';
      });
      timers.after(opts.changeSetMs, () => {
        if (cs.status !== 'CREATE_PENDING' && cs.status !== 'CREATE_IN_PROGRESS') return;
        const reason =
          fault !== undefined
            ? typeof fault === 'string'
              ? fault
              : 'Template format error: Unresolved resource dependencies [DbStorage] in the Resources block of the template'
            : (planError ?? (changes.length === 0 ? NO_CHANGES : undefined));
        if (reason !== undefined) {
          cs.status = 'FAILED';
          cs.statusReason = reason;
          return;
        }
        cs.status = 'CREATE_COMPLETE';
        if (cs.executionStatus === 'UNAVAILABLE') cs.executionStatus = 'AVAILABLE';
      });
      return { Id: cs.id, StackId: stackId };
    },

    DescribeChangeSet(input) {
      const cs = findChangeSet(input);
      return {
        ChangeSetName: cs.name,
        ChangeSetId: cs.id,
        StackId: stackId,
        StackName: stackName,
        ...(cs.description !== undefined ? { Description: cs.description } : {}),
        ...(cs.template.parameters.length > 0
          ? { Parameters: parametersWire(cs.template, cs.parameters) }
          : {}),
        CreationTime: iso(cs.createdAt),
        ExecutionStatus: cs.executionStatus,
        Status: cs.status,
        ...(cs.statusReason !== undefined ? { StatusReason: cs.statusReason } : {}),
        ...(cs.capabilities.length > 0 ? { Capabilities: cs.capabilities } : {}),
        ...(cs.status === 'CREATE_COMPLETE' && cs.changes.length > 0
          ? { Changes: cs.changes.map((c) => changeWire(cs, c)) }
          : {}),
        IncludeNestedStacks: false,
      };
    },

    ExecuteChangeSet(input) {
      if (input.StackName !== undefined && input.StackName !== '' && !matchesStack(input.StackName)) {
        throw new SimError('ValidationError', `Stack [${String(input.StackName)}] does not exist`);
      }
      const cs = findChangeSet(input);
      const token =
        typeof input.ClientRequestToken === 'string' && input.ClientRequestToken !== ''
          ? input.ClientRequestToken
          : undefined;
      // A retry of the request that started the execution: accepted, and nothing runs twice.
      if (token !== undefined && cs.executionToken === token) return {};
      if (cs.status !== 'CREATE_COMPLETE') {
        executions.refused += 1;
        throw new SimError(
          'InvalidChangeSetStatus',
          `ChangeSet [${cs.id}] cannot be executed in its current status of [${cs.status}]`,
        );
      }
      if (cs.executionStatus !== 'AVAILABLE') {
        executions.refused += 1;
        throw new SimError(
          'InvalidChangeSetStatus',
          `ChangeSet [${cs.id}] cannot be executed in its current execution status of [${cs.executionStatus}]`,
        );
      }
      if (!UPDATABLE.has(stack.status)) {
        executions.refused += 1;
        throw new SimError(
          'ValidationError',
          `Stack:${stackId} is in ${stack.status} state and can not be updated.`,
        );
      }
      executions.accepted += 1;
      cs.executionStatus = 'EXECUTE_IN_PROGRESS';
      if (token !== undefined) cs.executionToken = token;
      // "After you execute a change set, CloudFormation removes all change sets associated with
      // the stack" (ExecuteChangeSet). Whether the executed one itself stays readable the docs do
      // not say; here it does, with its EXECUTE_* status, and the stack's ChangeSetId names it.
      // The bot reads either (src/restore/activities/cutover.ts).
      for (const other of changeSets.filter((c) => c !== cs)) {
        changeSets.splice(changeSets.indexOf(other), 1);
        other.status = 'DELETE_COMPLETE';
      }
      runUpdate(cs, truthy(input.DisableRollback))
        .catch((error: unknown) => {
          // A defect in the simulator, not a modelled failure: say so where it shows.
          stackEvent('UPDATE_FAILED', `Simulator failure: ${(error as Error).message}`);
          cs.executionStatus = 'EXECUTE_FAILED';
          process.stderr.write(
            `simulator: stack update failed: ${(error as Error).stack ?? String(error)}\n`,
          );
        })
        .finally(() => {
          eventToken = undefined;
        });
      return {};
    },

    ListChangeSets(input) {
      requireStack(input.StackName, (n) => `Stack [${n}] does not exist`);
      return { Summaries: changeSets.map(summaryWire) };
    },

    DeleteChangeSet(input) {
      const cs = findChangeSet(input);
      if (cs.executionStatus === 'EXECUTE_IN_PROGRESS') {
        throw new SimError(
          'InvalidChangeSetStatus',
          `ChangeSet [${cs.id}] cannot be deleted in its current execution status of [EXECUTE_IN_PROGRESS]`,
        );
      }
      changeSets.splice(changeSets.indexOf(cs), 1);
      cs.status = 'DELETE_COMPLETE';
      return {};
    },
  };

  return {
    module: { name: 'cloudformation', ops },
    state: () => ({
      stack: {
        name: stackName,
        id: stackId,
        status: stack.status,
        statusReason: stack.statusReason ?? null,
        lastUpdatedTime: stack.lastUpdatedTime === undefined ? null : iso(stack.lastUpdatedTime),
        parameters: stack.parameters,
        templateBody: stack.templateBody,
        resources: [...resources.values()].map((r) => ({
          logicalId: r.logicalId,
          type: r.type,
          physicalId: r.physicalId,
          status: r.status,
        })),
        events: events.length,
      },
      changeSets: changeSets.map((cs) => ({
        name: cs.name,
        id: cs.id,
        status: cs.status,
        statusReason: cs.statusReason ?? null,
        executionStatus: cs.executionStatus,
        changes: cs.changes.map((c) => ({
          action: c.action,
          logicalId: c.logicalId,
          replacement: c.replacement ?? null,
        })),
      })),
      executions: { ...executions },
    }),
  };
}

/** The capability a template's IAM resources require, if any. */
function requiredCapability(template: Template): string | undefined {
  const iam = template.resources.filter((r) => IAM_TYPES.has(r.type));
  if (iam.length === 0) return undefined;
  return iam.some((r) => IAM_NAMES.some((key) => r.properties[key] !== undefined))
    ? 'CAPABILITY_NAMED_IAM'
    : 'CAPABILITY_IAM';
}

function hash(text: string): string {
  return createHash('sha256').update(text).digest('base64');
}

/** Stack events are append-only, so a page boundary is an index that stays valid as events arrive. */
function encodeEventsToken(stackId: string, end: number): string {
  return Buffer.from(JSON.stringify({ s: stackId, e: end })).toString('base64url');
}

function decodeEventsToken(token: string, stackId: string, total: number): number {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as {
      s?: unknown;
      e?: unknown;
    };
    if (parsed.s === stackId && typeof parsed.e === 'number' && Number.isInteger(parsed.e)) {
      if (parsed.e >= 0 && parsed.e <= total) return parsed.e;
    }
  } catch {
    // Falls through to the error for a token CloudFormation did not issue.
  }
  throw new SimError('ValidationError', 'Invalid NextToken');
}
