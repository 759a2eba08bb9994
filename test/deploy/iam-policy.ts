import { readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './sdk-actions.js';

export interface PolicyStatement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface PolicyDocument {
  Version: string;
  Statement: PolicyStatement[];
}

export function readPolicy(): PolicyDocument {
  return JSON.parse(readFileSync(path.join(REPO_ROOT, 'deploy/iam-policy.json'), 'utf8')) as PolicyDocument;
}

export const asList = (value: string | string[]): string[] => (Array.isArray(value) ? value : [value]);

export function policyActions(policy: PolicyDocument): Set<string> {
  return new Set(policy.Statement.flatMap((s) => asList(s.Action)));
}

/** Actions in a difference, each side named, for a failure message that says what to fix. */
export function actionDifference(code: ReadonlySet<string>, policy: ReadonlySet<string>) {
  return {
    calledButNotAllowed: [...code].filter((a) => !policy.has(a)).sort(),
    allowedButNeverCalled: [...policy].filter((a) => !code.has(a)).sort(),
  };
}
