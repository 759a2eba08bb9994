// What would make the cutover's stack update fail, checked when the plan is made, before any
// restore job starts, rather than at the cutover tens of minutes later:
// - the stack must be in a state an update can start from, and be a root stack (a nested one is
//   updated through its parent, which would undo a direct change);
// - its stack policy, if it has one, must let the update replace the chat-db task definition and
//   modify the services that run it;
// - the edited template must fit CreateChangeSet's TemplateBody (51,200 bytes);
// - without a service role, CloudFormation updates the stack with the bot's own credentials,
//   which the deploy's least-privilege policy does not cover: a warning, not a refusal.

import { StackPolicyError, stackPolicyAllows } from '../../cfn-stack-policy.js';
import {
  readVolumeRootDirectory,
  servicesOfTaskDefinition,
  setVolumeRootDirectory,
} from '../template-edit.js';
import { asStage, StageFailure } from './errors.js';
import type { ActivityDeps, RestoreTarget } from './types.js';

/** CreateChangeSet's TemplateBody limit (CloudFormation quotas). */
export const TEMPLATE_BODY_MAX_BYTES = 51_200;

/** Stack states an update can start from (UpdateStack / ExecuteChangeSet). */
export const UPDATABLE_STATUSES = new Set([
  'CREATE_COMPLETE',
  'UPDATE_COMPLETE',
  'UPDATE_ROLLBACK_COMPLETE',
  'IMPORT_COMPLETE',
  'IMPORT_ROLLBACK_COMPLETE',
]);

/**
 * What CloudFormation itself calls to replace the task definition and update the service, which
 * the caller's credentials must allow when the stack has no service role.
 */
export const UPDATE_ACTIONS_WITHOUT_SERVICE_ROLE = [
  'ecs:RegisterTaskDefinition',
  'ecs:DeregisterTaskDefinition',
  'ecs:UpdateService',
  'ecs:DescribeServices',
  'iam:PassRole (the task and execution roles, to ecs-tasks.amazonaws.com)',
];

export interface PreflightResult {
  /** The stack's service role; undefined: CloudFormation would act with the bot's own role. */
  serviceRoleArn: string | undefined;
}

export async function preflight(
  { ports }: ActivityDeps,
  target: RestoreTarget,
  newRoot: string,
): Promise<PreflightResult> {
  return asStage('resolve', 'unchanged', 'preflight', async () => {
    const [stack, template, policy] = await Promise.all([
      ports.stack.describeStack(target.stackName),
      ports.stack.getTemplate(target.stackName),
      ports.stack.getStackPolicy(target.stackName),
    ]);
    const refuse = (code: PreflightCode, reason: string) =>
      new StageFailure({ stage: 'resolve', code, reason, production: 'unchanged', activity: 'preflight' });
    if (!UPDATABLE_STATUSES.has(stack.status)) {
      throw refuse(
        'stack_not_updatable',
        `Stack ${stack.name} is ${stack.status}${stack.statusReason ? ` (${stack.statusReason})` : ''}; CloudFormation can update a stack only from ${[...UPDATABLE_STATUSES].join(', ')}.`,
      );
    }
    if (stack.parentId !== undefined) {
      throw refuse(
        'nested_stack',
        `Stack ${stack.name} is nested in ${stack.parentId}: the chat-db resources must be changed through the root stack, whose next update would otherwise undo the restore. Point CHATDB_STACK_NAME at a root stack.`,
      );
    }
    const edit = setVolumeRootDirectory(template, target.volumeName, newRoot);
    const bytes = Buffer.byteLength(edit.text, 'utf8');
    if (bytes > TEMPLATE_BODY_MAX_BYTES) {
      throw refuse(
        'template_too_large',
        `The edited template is ${bytes} bytes; CreateChangeSet takes at most ${TEMPLATE_BODY_MAX_BYTES} bytes in TemplateBody, and the bot does not upload templates to S3.`,
      );
    }
    if (policy !== undefined) checkStackPolicy(policy, template, target, refuse);
    return { serviceRoleArn: stack.roleArn };
  });
}

type PreflightCode = 'stack_not_updatable' | 'nested_stack' | 'template_too_large' | 'stack_policy_denies';

function checkStackPolicy(
  policy: string,
  template: string,
  target: RestoreTarget,
  refuse: (code: PreflightCode, reason: string) => StageFailure,
): void {
  const taskDefinition = readVolumeRootDirectory(template, target.volumeName).taskDefinition;
  const wanted: [Parameters<typeof stackPolicyAllows>[1], string, string][] = [
    ['Update:Replace', taskDefinition, 'AWS::ECS::TaskDefinition'],
    ...servicesOfTaskDefinition(template, taskDefinition).map(
      (id): [Parameters<typeof stackPolicyAllows>[1], string, string] => [
        'Update:Modify',
        id,
        'AWS::ECS::Service',
      ],
    ),
  ];
  let denied: string[];
  try {
    denied = wanted
      .filter(([action, id, type]) => !stackPolicyAllows(policy, action, id, type))
      .map(([action, id]) => `${action} on LogicalResourceId/${id}`);
  } catch (error) {
    if (error instanceof StackPolicyError) throw refuse('stack_policy_denies', error.message);
    throw error;
  }
  if (denied.length > 0) {
    throw refuse(
      'stack_policy_denies',
      `The stack policy of ${target.stackName} does not allow ${denied.join(' and ')}, which the cutover needs.`,
    );
  }
}
