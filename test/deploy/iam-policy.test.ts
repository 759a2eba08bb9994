// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${...} here are IAM policy placeholders, not JS templates.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { actionDifference, asList, policyActions, readPolicy } from './iam-policy.js';
import {
  actionsFromImports,
  deriveBotActions,
  opaqueSdkReferences,
  REPO_ROOT,
  SERVICE_PREFIX,
  sdkImports,
  sourceFiles,
} from './sdk-actions.js';

// Passing a role is not an SDK call of its own: IAM checks it inside StartRestoreJob (the restore
// role), RegisterTaskDefinition and RunTask (the chat-db task's roles, kept by the check revision).
const IMPLIED_ACTIONS = ['iam:PassRole'];

// Actions whose IAM definition has no resource type, so only "*" can grant them (AWS Service
// Authorization Reference), and ecs:ListTasks, whose only resource type is a container instance,
// which Fargate tasks do not have: it is held to the cluster by the ecs:cluster condition instead.
const STAR_RESOURCE_ACTIONS = [
  'backup:ListRecoveryPointsByResource',
  'backup:DescribeRestoreJob',
  'ecs:DescribeTaskDefinition',
  'ecs:ListTaskDefinitions',
  'ecs:ListTasks',
  'ecs:RegisterTaskDefinition',
  'ecs:DeregisterTaskDefinition',
  'ssm:GetCommandInvocation',
  'ssm:CancelCommand',
];

function deployingSection(): string {
  const readme = readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('### Deploying');
  if (start < 0) return '';
  const rest = readme.slice(start + 1);
  const end = rest.search(/\n#{1,3} /);
  return end < 0 ? rest : rest.slice(0, end);
}

describe('deriving the actions the code calls', () => {
  it('maps commands, paginators and waiters to IAM actions and ignores types and clients', () => {
    const text = `
      import {
        type Task,
        DescribeTasksCommand,
        ECSClient,
        paginateListTasks,
        StopTaskCommand as Stop,
        waitUntilServicesStable,
      } from '@aws-sdk/client-ecs';
      import type { FileSystemDescription } from '@aws-sdk/client-efs';
      import { waitUntilCommandExecuted, SSMServiceException } from '@aws-sdk/client-ssm';
    `;
    const { actions, unknown } = actionsFromImports(sdkImports(text, 'sample.ts'));
    expect([...actions].sort()).toEqual([
      'ecs:DescribeServices',
      'ecs:DescribeTasks',
      'ecs:ListTasks',
      'ecs:StopTask',
      'ssm:GetCommandInvocation',
    ]);
    expect(unknown).toEqual([]);
  });

  it('reports what it cannot map instead of dropping it', () => {
    const text = `
      import { waitUntilNoSuchState, paginateNoSuchList, somethingElse } from '@aws-sdk/client-ecs';
      import { GetObjectCommand } from '@aws-sdk/client-s3';
    `;
    const { actions, unknown } = actionsFromImports(sdkImports(text, 'sample.ts'));
    expect([...actions]).toEqual([]);
    expect(unknown.map((u) => u.name).sort()).toEqual([
      'GetObjectCommand',
      'paginateNoSuchList',
      'somethingElse',
      'waitUntilNoSuchState',
    ]);
  });

  it('counts SDK references it cannot read', () => {
    expect(opaqueSdkReferences(`import * as ecs from '@aws-sdk/client-ecs';`)).toBe(1);
    expect(opaqueSdkReferences(`const m = await import('@aws-sdk/client-ecs');`)).toBe(1);
    expect(opaqueSdkReferences(`import { ECSClient } from '@aws-sdk/client-ecs';`)).toBe(0);
  });

  it('reads the waiters the brief names as polling the operations it names', () => {
    const { actions } = actionsFromImports(
      sdkImports(
        `import { waitUntilServicesStable } from '@aws-sdk/client-ecs';
         import { waitUntilChangeSetCreateComplete, waitUntilStackUpdateComplete } from '@aws-sdk/client-cloudformation';
         import { waitUntilCommandExecuted } from '@aws-sdk/client-ssm';`,
        'sample.ts',
      ),
    );
    expect([...actions].sort()).toEqual([
      'cloudformation:DescribeChangeSet',
      'cloudformation:DescribeStacks',
      'ecs:DescribeServices',
      'ssm:GetCommandInvocation',
    ]);
  });
});

describe('deploy/iam-policy.json', () => {
  const derived = deriveBotActions();
  const policy = readPolicy();

  it('src/aws imports only what the derivation understands, from the six known clients', () => {
    expect(derived.unknown).toEqual([]);
    expect(new Set(derived.imports.map((i) => i.pkg))).toEqual(new Set(Object.keys(SERVICE_PREFIX)));
    // Enough calls that an empty derivation cannot pass by accident.
    expect(derived.actions.size).toBeGreaterThanOrEqual(15);
  });

  it('no code outside src/aws reaches the SDK, and src/aws only through named imports', () => {
    const offenders = sourceFiles(path.join(REPO_ROOT, 'src'))
      .filter((file) => {
        const text = readFileSync(file, 'utf8');
        return file.includes(`${path.sep}src${path.sep}aws${path.sep}`)
          ? opaqueSdkReferences(text) > 0
          : sdkImports(text, file).length + opaqueSdkReferences(text) > 0;
      })
      .map((file) => path.relative(REPO_ROOT, file));
    expect(offenders).toEqual([]);
  });

  it('every imported command exists in its SDK package', async () => {
    const missing: string[] = [];
    for (const imp of derived.imports.filter((i) => !i.typeOnly)) {
      const mod = (await import(imp.pkg)) as Record<string, unknown>;
      if (typeof mod[imp.name] !== 'function') missing.push(`${imp.pkg}.${imp.name}`);
    }
    expect(missing).toEqual([]);
  });

  it('allows exactly the actions the code calls, plus iam:PassRole', () => {
    const code = new Set([...derived.actions, ...IMPLIED_ACTIONS]);
    expect(actionDifference(code, policyActions(policy))).toEqual({
      calledButNotAllowed: [],
      allowedButNeverCalled: [],
    });
  });

  it('names every action exactly once (iam:PassRole once per service a role goes to), without wildcards, and only allows', () => {
    const all = policy.Statement.flatMap((s) => asList(s.Action));
    expect(all.filter((a) => !/^[a-z0-9-]+:[A-Z][A-Za-z]+$/.test(a))).toEqual([]);
    const once = all.filter((a) => a !== 'iam:PassRole');
    expect(once.length).toBe(new Set(once).size);
    const passedTo = policy.Statement.filter((s) => asList(s.Action).includes('iam:PassRole')).map(
      (s) =>
        (s.Condition as { StringEquals?: Record<string, string> } | undefined)?.StringEquals?.[
          'iam:PassedToService'
        ],
    );
    expect(passedTo.sort()).toEqual(['backup.amazonaws.com', 'ecs-tasks.amazonaws.com']);
    expect(policy.Version).toBe('2012-10-17');
    expect(policy.Statement.every((s) => s.Effect === 'Allow')).toBe(true);
  });

  it('uses "*" only for the documented exceptions, each named in the README', () => {
    const starActions = policy.Statement.filter((s) => asList(s.Resource).includes('*')).flatMap((s) =>
      asList(s.Action),
    );
    expect(starActions.sort()).toEqual([...STAR_RESOURCE_ACTIONS].sort());
    const section = deployingSection();
    expect(section).not.toBe('');
    expect(STAR_RESOURCE_ACTIONS.filter((a) => !section.includes(a))).toEqual([]);
    expect(section).toContain('deploy/iam-policy.json');
    expect(section).toContain('deploy/chatdb-restore.cf.yaml');
  });

  it('lets the bot execute only a cutover’s change sets, and delete only a drill’s', () => {
    const namesFor = (action: string) =>
      policy.Statement.filter((s) => asList(s.Action).includes(action)).flatMap((s) =>
        asList(
          (s.Condition as { StringLike?: Record<string, string | string[]> } | undefined)?.StringLike?.[
            'cloudformation:ChangeSetName'
          ] ?? [],
        ),
      );
    expect(namesFor('cloudformation:ExecuteChangeSet')).toEqual(['chatdb-restore-*']);
    expect(namesFor('cloudformation:DeleteChangeSet')).toEqual(['chatdb-drill-*']);
    expect(namesFor('cloudformation:CreateChangeSet').sort()).toEqual(['chatdb-drill-*', 'chatdb-restore-*']);
  });

  it('holds each scoped action to its own resource', () => {
    const resourcesOf = (action: string) =>
      policy.Statement.filter((s) => asList(s.Action).includes(action)).flatMap((s) => asList(s.Resource));
    const region = 'arn:${AWS::Partition}:%s:${AWS::Region}:${AWS::AccountId}:';
    const arn = (service: string, rest: string) => region.replace('%s', service) + rest;
    const stack = arn('cloudformation', 'stack/${ChatStackName}/*');
    for (const a of [
      'DescribeStacks',
      'ListStackResources',
      'DescribeStackEvents',
      'GetTemplate',
      'GetStackPolicy',
    ]) {
      expect(resourcesOf(`cloudformation:${a}`)).toEqual([stack]);
    }
    // Change set actions are authorised on the stack; the name is held by a condition key.
    for (const a of ['CreateChangeSet', 'DescribeChangeSet', 'ExecuteChangeSet', 'DeleteChangeSet']) {
      expect(resourcesOf(`cloudformation:${a}`)).toEqual([stack]);
    }
    expect(resourcesOf('elasticfilesystem:DescribeFileSystems')).toEqual([
      arn('elasticfilesystem', 'file-system/${ChatDbFileSystemId}'),
    ]);
    for (const a of ['DescribeRecoveryPoint', 'GetRecoveryPointRestoreMetadata', 'StartRestoreJob']) {
      expect(resourcesOf(`backup:${a}`)).toEqual([arn('backup', 'recovery-point:*')]);
    }
    expect(resourcesOf('ecs:DescribeServices')).toEqual([
      arn('ecs', 'service/${ChatDbClusterName}/${ChatDbServiceName}'),
    ]);
    expect(resourcesOf('ecs:StopTask')).toEqual([arn('ecs', 'task/${ChatDbClusterName}/*')]);
    expect(resourcesOf('ssm:SendCommand').sort()).toEqual(
      [
        arn('ec2', 'instance/${InspectorInstanceId}'),
        'arn:${AWS::Partition}:ssm:${AWS::Region}::document/AWS-RunShellScript',
      ].sort(),
    );
    expect(resourcesOf('iam:PassRole')).toEqual([
      '${RestoreRoleArn}',
      '${ChatDbTaskRoleArn}',
      '${ChatDbExecutionRoleArn}',
    ]);
    expect(resourcesOf('ecs:RunTask')).toEqual([arn('ecs', 'task-definition/${ChatDbTaskFamily}-check:*')]);
    expect(resourcesOf('logs:GetLogEvents')).toEqual([arn('logs', 'log-group:${ChatDbLogGroupName}:*')]);
  });

  it('passes the restore role to AWS Backup only and the chat-db roles to ECS tasks only, and lists and runs tasks in the chat-db cluster only', () => {
    const statementOf = (action: string, resource?: string) =>
      policy.Statement.find(
        (s) =>
          asList(s.Action).includes(action) &&
          (resource === undefined || asList(s.Resource).includes(resource)),
      );
    expect(statementOf('cloudformation:ExecuteChangeSet')?.Condition).toEqual({
      StringLike: { 'cloudformation:ChangeSetName': 'chatdb-restore-*' },
    });
    expect(statementOf('iam:PassRole', '${RestoreRoleArn}')?.Condition).toEqual({
      StringEquals: { 'iam:PassedToService': 'backup.amazonaws.com' },
    });
    expect(statementOf('iam:PassRole', '${ChatDbTaskRoleArn}')?.Condition).toEqual({
      StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' },
    });
    for (const resource of ['${RestoreRoleArn}', '${ChatDbTaskRoleArn}']) {
      expect(statementOf('iam:PassRole', resource)?.Action).toEqual(['iam:PassRole']);
    }
    const inCluster = {
      ArnEquals: {
        'ecs:cluster':
          'arn:${AWS::Partition}:ecs:${AWS::Region}:${AWS::AccountId}:cluster/${ChatDbClusterName}',
      },
    };
    expect(statementOf('ecs:ListTasks')?.Condition).toEqual(inCluster);
    expect(statementOf('ecs:RunTask')?.Condition).toEqual(inCluster);
  });
});
