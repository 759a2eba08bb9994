import {
  type Capability,
  type Change,
  type CloudFormationClient,
  CreateChangeSetCommand,
  DeleteChangeSetCommand,
  DescribeChangeSetCommand,
  DescribeStacksCommand,
  ExecuteChangeSetCommand,
  GetStackPolicyCommand,
  GetTemplateCommand,
  paginateDescribeStackEvents,
  paginateListStackResources,
  waitUntilChangeSetCreateComplete,
} from '@aws-sdk/client-cloudformation';
import { AwsCallError, call, isAwsError, toAwsCallError } from './errors.js';
import type { ChangeSet, Stack, StackEvent, StackPort, StackResource, WaitTiming } from './ports.js';

export function createStackPort(client: CloudFormationClient, timing: WaitTiming): StackPort {
  // A change set is ready in seconds: asked for at the minimum interval, not backing off towards
  // the maximum, which could add most of a minute after it was ready.
  const changeSetWaiter = (maxWaitTime: number) => ({
    client,
    maxWaitTime,
    minDelay: timing.minDelaySeconds,
    maxDelay: timing.minDelaySeconds,
  });

  async function describeStack(name: string): Promise<Stack> {
    const r = await call('DescribeStacks', () => client.send(new DescribeStacksCommand({ StackName: name })));
    const s = r.Stacks?.[0];
    if (!s)
      throw new AwsCallError('DescribeStacks', 'ValidationError', `Stack with id ${name} does not exist`);
    return {
      id: s.StackId ?? name,
      name: s.StackName ?? name,
      ...(s.RoleARN === undefined ? {} : { roleArn: s.RoleARN }),
      ...(s.ParentId === undefined ? {} : { parentId: s.ParentId }),
      ...(s.ChangeSetId === undefined ? {} : { changeSetId: s.ChangeSetId }),
      status: s.StackStatus ?? 'UNKNOWN',
      statusReason: s.StackStatusReason,
      lastUpdatedAt: s.LastUpdatedTime,
      parameters: (s.Parameters ?? []).map((p) => ({
        key: p.ParameterKey ?? '',
        value: p.ParameterValue ?? '',
      })),
      capabilities: [...(s.Capabilities ?? [])],
    };
  }

  async function describeChangeSet(stackName: string, changeSetName: string): Promise<ChangeSet | undefined> {
    try {
      const r = await client.send(
        new DescribeChangeSetCommand({ StackName: stackName, ChangeSetName: changeSetName }),
      );
      return {
        id: r.ChangeSetId ?? '',
        name: r.ChangeSetName ?? changeSetName,
        status: r.Status ?? 'UNKNOWN',
        statusReason: r.StatusReason,
        executionStatus: r.ExecutionStatus ?? 'UNAVAILABLE',
        changes: (r.Changes ?? []).map(toChange),
      };
    } catch (error) {
      if (isAwsError(error, 'ChangeSetNotFound', 'ChangeSetNotFoundException')) return undefined;
      throw toAwsCallError('DescribeChangeSet', error);
    }
  }

  return {
    describeStack,
    describeChangeSet,

    async getTemplate(name) {
      const r = await call('GetTemplate', () =>
        client.send(new GetTemplateCommand({ StackName: name, TemplateStage: 'Original' })),
      );
      if (r.TemplateBody === undefined)
        throw new AwsCallError('GetTemplate', 'ValidationError', 'No template body');
      return r.TemplateBody;
    },

    async listResources(name) {
      // ListStackResources pages through all of them; DescribeStackResources stops at 100.
      const out: StackResource[] = [];
      try {
        for await (const page of paginateListStackResources({ client }, { StackName: name })) {
          for (const res of page.StackResourceSummaries ?? []) {
            out.push({
              logicalId: res.LogicalResourceId ?? '',
              physicalId: res.PhysicalResourceId ?? '',
              type: res.ResourceType ?? '',
              status: res.ResourceStatus ?? '',
            });
          }
        }
      } catch (error) {
        throw toAwsCallError('ListStackResources', error);
      }
      return out;
    },

    async getStackPolicy(name) {
      const r = await call('GetStackPolicy', () =>
        client.send(new GetStackPolicyCommand({ StackName: name })),
      );
      return r.StackPolicyBody === undefined || r.StackPolicyBody === '' ? undefined : r.StackPolicyBody;
    },

    async createChangeSet({ stackName, changeSetName, templateBody, description }) {
      // A resumed session may find its change set already there: the name is derived from the
      // session id, so "already exists" means our own earlier attempt, which we then wait for.
      const existing = await describeChangeSet(stackName, changeSetName);
      if (!existing) {
        const stack = await describeStack(stackName);
        await call('CreateChangeSet', () =>
          client.send(
            new CreateChangeSetCommand({
              StackName: stackName,
              ChangeSetName: changeSetName,
              ChangeSetType: 'UPDATE',
              TemplateBody: templateBody,
              Description: description,
              Parameters: stack.parameters.map((p) => ({ ParameterKey: p.key, UsePreviousValue: true })),
              Capabilities: stack.capabilities as Capability[],
            }),
          ),
        );
      }
      try {
        await waitUntilChangeSetCreateComplete(changeSetWaiter(600), {
          StackName: stackName,
          ChangeSetName: changeSetName,
        });
      } catch {
        // The waiter throws on FAILED as well as on timeouts; the change set itself says which.
      }
      const cs = await describeChangeSet(stackName, changeSetName);
      if (!cs) {
        throw new AwsCallError(
          'DescribeChangeSet',
          'ChangeSetNotFound',
          `ChangeSet [${changeSetName}] does not exist`,
        );
      }
      return cs;
    },

    async deleteChangeSet(stackName, changeSetName) {
      try {
        await client.send(new DeleteChangeSetCommand({ StackName: stackName, ChangeSetName: changeSetName }));
        return 'deleted';
      } catch (error) {
        if (isAwsError(error, 'ChangeSetNotFound', 'ChangeSetNotFoundException')) return 'absent';
        throw toAwsCallError('DeleteChangeSet', error);
      }
    },

    async executeChangeSet(stackName, changeSetName, clientRequestToken) {
      await call('ExecuteChangeSet', () =>
        client.send(
          new ExecuteChangeSetCommand({
            StackName: stackName,
            ChangeSetName: changeSetName,
            ClientRequestToken: clientRequestToken,
          }),
        ),
      );
    },

    async stackEvents(name, since) {
      const events: StackEvent[] = [];
      try {
        for await (const page of paginateDescribeStackEvents({ client }, { StackName: name })) {
          for (const e of page.StackEvents ?? []) {
            const at = e.Timestamp ?? new Date(0);
            if (since && at < since) return events;
            events.push({
              id: e.EventId ?? '',
              at,
              logicalId: e.LogicalResourceId ?? '',
              status: e.ResourceStatus ?? '',
              reason: e.ResourceStatusReason,
            });
          }
        }
      } catch (error) {
        throw toAwsCallError('DescribeStackEvents', error);
      }
      return events;
    },
  };
}

function toChange(c: Change): ChangeSet['changes'][number] {
  const rc = c.ResourceChange;
  return {
    logicalId: rc?.LogicalResourceId ?? '',
    action: rc?.Action ?? '',
    resourceType: rc?.ResourceType ?? '',
    replacement: rc?.Replacement,
  };
}
