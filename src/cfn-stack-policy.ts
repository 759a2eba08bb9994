// A CloudFormation stack policy, evaluated as CloudFormation documents it
// (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/protect-stack-resources.html):
// with a policy set, every update action is denied unless a statement allows it; an explicit
// Deny wins over any Allow. Actions are Update:Modify, Update:Replace, Update:Delete (Update:*
// covers them); resources are `LogicalResourceId/<id>`; the only condition is ResourceType.
// Used by the bot to check a plan before any restore job and by the simulator on every update.

export type StackUpdateAction = 'Update:Modify' | 'Update:Replace' | 'Update:Delete';

interface StackPolicyStatement {
  Effect?: unknown;
  Action?: unknown;
  NotAction?: unknown;
  Resource?: unknown;
  NotResource?: unknown;
  Condition?: unknown;
}

export class StackPolicyError extends Error {
  readonly code = 'invalid_stack_policy';
  constructor(message: string) {
    super(message);
    this.name = 'StackPolicyError';
  }
}

const strings = (value: unknown): string[] | undefined =>
  value === undefined ? undefined : (Array.isArray(value) ? value : [value]).map(String);

const wildcard = (pattern: string, value: string) =>
  new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
  ).test(value);

function matches(patterns: string[] | undefined, negated: string[] | undefined, value: string): boolean {
  if (patterns !== undefined) return patterns.some((p) => wildcard(p, value));
  if (negated !== undefined) return !negated.some((p) => wildcard(p, value));
  return false;
}

function conditionHolds(condition: unknown, resourceType: string): boolean {
  if (condition === undefined) return true;
  if (typeof condition !== 'object' || condition === null) return false;
  return Object.entries(condition as Record<string, Record<string, unknown>>).every(([operator, keys]) =>
    Object.entries(keys ?? {}).every(([key, wanted]) => {
      if (key !== 'ResourceType') return false;
      const values = strings(wanted) ?? [];
      const hit = values.some((w) =>
        operator.includes('Like') ? wildcard(w, resourceType) : w === resourceType,
      );
      return operator.includes('Not') ? !hit : hit;
    }),
  );
}

/**
 * Whether `policyBody` lets an update do `action` to the resource. A policy that is not JSON with
 * a Statement list is an error: CloudFormation would not have accepted it.
 */
export function stackPolicyAllows(
  policyBody: string,
  action: StackUpdateAction,
  logicalId: string,
  resourceType: string,
): boolean {
  let parsed: { Statement?: unknown };
  try {
    parsed = JSON.parse(policyBody) as { Statement?: unknown };
  } catch (error) {
    throw new StackPolicyError(`the stack policy is not JSON: ${(error as Error).message}`);
  }
  if (!Array.isArray(parsed.Statement)) throw new StackPolicyError('the stack policy has no Statement list');
  const resource = `LogicalResourceId/${logicalId}`;
  const applies = (s: StackPolicyStatement) =>
    matches(strings(s.Action), strings(s.NotAction), action) &&
    matches(strings(s.Resource), strings(s.NotResource), resource) &&
    conditionHolds(s.Condition, resourceType);
  const statements = parsed.Statement as StackPolicyStatement[];
  if (statements.some((s) => s.Effect === 'Deny' && applies(s))) return false;
  return statements.some((s) => s.Effect === 'Allow' && applies(s));
}
