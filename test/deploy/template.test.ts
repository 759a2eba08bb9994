// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${...} here are CloudFormation placeholders, not JS templates.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { parseCfnYaml, TemplateParseError } from './cfn-yaml.js';
import { asList, type PolicyStatement, policyActions, readPolicy } from './iam-policy.js';
import { REPO_ROOT } from './sdk-actions.js';

type Json = Record<string, unknown>;

const TEMPLATE_TEXT = readFileSync(path.join(REPO_ROOT, 'deploy/chatdb-restore.cf.yaml'), 'utf8');
const template = parseCfnYaml(TEMPLATE_TEXT);
const parameters = template.Parameters as Record<string, Json>;
const resources = template.Resources as Record<
  string,
  { Type: string; Properties: Json; Condition?: string }
>;
const conditions = template.Conditions as Json;

const resource = (id: string) => {
  const r = resources[id];
  if (!r) throw new Error(`no resource ${id}`);
  return r;
};
const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);

/** A template value as CloudFormation would see it with these conditions: `Fn::If` chosen, `AWS::NoValue` dropped. */
function materialize(node: unknown, conds: Record<string, boolean>): unknown {
  const NO_VALUE = Symbol('NoValue');
  const walk = (n: unknown): unknown => {
    if (Array.isArray(n)) return n.map(walk).filter((v) => v !== NO_VALUE);
    if (n === null || typeof n !== 'object') return n;
    const obj = n as Json;
    if (obj.Ref === 'AWS::NoValue') return NO_VALUE;
    const cond = obj['Fn::If'];
    if (Array.isArray(cond)) {
      const name = cond[0] as string;
      if (!(name in conds)) throw new Error(`no value given for condition ${name}`);
      return walk(conds[name] ? cond[1] : cond[2]);
    }
    const out: Json = {};
    for (const [k, v] of Object.entries(obj)) {
      const w = walk(v);
      if (w !== NO_VALUE) out[k] = w;
    }
    return out;
  };
  return walk(node);
}

const WITHOUT_GITLAB = { HasEcrRepository: false, HasGitLab: false, HasExtraSecurityGroups: false };
const WITH_GITLAB = { ...WITHOUT_GITLAB, HasGitLab: true };

function containerFor(conds: Record<string, boolean>) {
  const td = materialize(resource('TaskDefinition').Properties, conds) as Json;
  const c = (td.ContainerDefinitions as Json[])[0] as Json;
  return {
    container: c,
    environment: c.Environment as { Name: string; Value: unknown }[],
    secrets: c.Secrets as { Name: string; ValueFrom: unknown }[],
  };
}

const taskDefinition = resource('TaskDefinition').Properties;
const containers = taskDefinition.ContainerDefinitions as Json[];
const { container, environment, secrets } = containerFor(WITHOUT_GITLAB);

// Sample parameter values, to run the container's environment through the bot's own loadConfig.
const SAMPLE: Record<string, string> = {
  'AWS::Region': 'eu-central-1',
  ChatStackName: 'rocket-chat',
  ChatDbVolumeName: 'chat-db',
  ChatDbDatabaseName: 'rocketchat',
  BackupVaultName: 'chat-backups',
  RestoreRoleArn: 'arn:aws:iam::123456789012:role/chatdb-restore-backup',
  InspectorInstanceId: 'i-0a1b2c3d4e5f60718',
  InspectorMount: '/mnt/efs/chat-db',
  Approvers: '',
  HealthUrl: '',
  GitLabUrl: '',
  GitLabProject: '',
  GitLabTemplatePath: '',
};
const SAMPLE_SECRETS: Record<string, string> = {
  SlackBotTokenArn: 'xoxb-1111-2222-abcdefghijkl',
  SlackAppTokenArn: 'xapp-1-A111-2222-abcdefghijkl',
  GitLabTokenArn: 'glpat-abcdefghijklmnop',
};
const SAMPLE_GITLAB: Record<string, string> = {
  ...SAMPLE,
  GitLabUrl: 'https://gitlab.example.com/',
  GitLabProject: 'infra/chat',
  GitLabTemplatePath: 'roles/rocket-chat/files/chat.cf.yaml',
};

function envOf(c: ReturnType<typeof containerFor>, params: Record<string, string>, withSecrets: boolean) {
  const env: Record<string, string> = {};
  for (const e of c.environment) env[e.Name] = resolveRef(e.Value, params);
  if (withSecrets) for (const s of c.secrets) env[s.Name] = resolveRef(s.ValueFrom, SAMPLE_SECRETS);
  return env;
}

function resolveRef(value: unknown, table: Record<string, string>): string {
  if (typeof value === 'string') return value;
  const ref = (value as { Ref?: string }).Ref;
  if (ref === undefined || !(ref in table)) throw new Error(`cannot resolve ${JSON.stringify(value)}`);
  return table[ref] as string;
}

/** Every `Ref`, `Fn::GetAtt` and `${...}` in `Fn::Sub` names, for the dangling-reference check. */
function references(node: unknown, out: Set<string> = new Set()): Set<string> {
  if (Array.isArray(node)) for (const item of node) references(item, out);
  else if (node !== null && typeof node === 'object') {
    for (const [key, value] of Object.entries(node as Json)) {
      if (key === 'Ref' && typeof value === 'string') out.add(value);
      else if (key === 'Fn::GetAtt' && Array.isArray(value)) out.add(String(value[0]));
      else if (key === 'Fn::Sub') {
        const text = Array.isArray(value) ? value[0] : value;
        for (const m of String(text).matchAll(/\$\{([^!}][^}]*)\}/g))
          out.add((m[1] as string).split('.')[0] as string);
        if (Array.isArray(value)) references(value[1], out);
      } else references(value, out);
    }
  }
  return out;
}

/** `Fn::Sub` strings back to their text, so the inline policy compares with the JSON source. */
function unSub(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(unSub);
  if (node !== null && typeof node === 'object') {
    const entries = Object.entries(node as Json);
    if (entries.length === 1 && entries[0]?.[0] === 'Fn::Sub' && typeof entries[0][1] === 'string') {
      return entries[0][1];
    }
    return Object.fromEntries(entries.map(([k, v]) => [k, unSub(v)]));
  }
  return node;
}

function rolePolicies(roleId: string): PolicyStatement[] {
  const policies = resource(roleId).Properties.Policies as { PolicyDocument: { Statement: unknown[] } }[];
  return policies.flatMap((p) => p.PolicyDocument.Statement) as PolicyStatement[];
}

describe('the template parser', () => {
  it('turns short tags into their long form', () => {
    const t = parseCfnYaml('A: !Ref X\nB: !GetAtt R.Arn\nC: !Sub "a-${X}"\nD: !Select [0, !Ref L]\n');
    expect(t).toEqual({
      A: { Ref: 'X' },
      B: { 'Fn::GetAtt': ['R', 'Arn'] },
      C: { 'Fn::Sub': 'a-${X}' },
      D: { 'Fn::Select': [0, { Ref: 'L' }] },
    });
  });

  it('rejects malformed YAML, duplicate keys and unknown tags', () => {
    expect(() => parseCfnYaml('A: [1, 2\n')).toThrow(TemplateParseError);
    expect(() => parseCfnYaml('A: 1\nA: 2\n')).toThrow(TemplateParseError);
    expect(() => parseCfnYaml('A: !NoSuchFn x\n')).toThrow(TemplateParseError);
  });
});

describe('deploy/chatdb-restore.cf.yaml', () => {
  it('refers only to parameters, resources, conditions and pseudo parameters it has', () => {
    const known = new Set([...Object.keys(parameters), ...Object.keys(resources)]);
    const dangling = [...references(resources), ...references(template.Outputs)].filter(
      (name) => !known.has(name) && !name.startsWith('AWS::'),
    );
    expect(dangling).toEqual([]);
    const usedConditions = [...JSON.stringify(resources).matchAll(/"Fn::If":\["(\w+)"/g)].map((m) => m[1]);
    expect(usedConditions.length).toBeGreaterThan(0);
    expect(usedConditions.filter((c) => !((c as string) in conditions))).toEqual([]);
  });

  it('runs one task on Fargate, the old one stopped before the new one starts', () => {
    const [[, service] = []] = ofType('AWS::ECS::Service');
    expect(ofType('AWS::ECS::Service')).toHaveLength(1);
    const p = (service as { Properties: Json }).Properties;
    expect(p.LaunchType).toBe('FARGATE');
    expect(p.DesiredCount).toBe(1);
    expect(p.DeploymentConfiguration).toMatchObject({ MaximumPercent: 100, MinimumHealthyPercent: 0 });
    expect(p.TaskDefinition).toEqual({ Ref: 'TaskDefinition' });
    expect(taskDefinition.RequiresCompatibilities).toEqual(['FARGATE']);
    expect(taskDefinition.NetworkMode).toBe('awsvpc');
    expect(containers).toHaveLength(1);
    expect(container.Image).toEqual({ Ref: 'Image' });
  });

  it('gives the container a configuration the bot accepts, in Socket Mode, tokens only from Secrets', () => {
    const plain = containerFor(WITHOUT_GITLAB);
    // Without the Secrets entries the bot has no token: nothing secret is in the plain environment.
    expect(() => loadConfig(envOf(plain, SAMPLE, false))).toThrow(ConfigError);
    const config = loadConfig(envOf(plain, SAMPLE, true));
    expect(config.slack.mode).toBe('socket');
    expect(config.gitlab).toBeUndefined();
    expect(config.chatdb.stackName).toBe('rocket-chat');
    expect(config.chatdb.backupVault).toBe('chat-backups');
    expect(config.chatdb.inspectorInstanceId).toBe('i-0a1b2c3d4e5f60718');
    expect(config.chatdb.approvers).toEqual({ kind: 'anyone' });
    expect(config.chatdb.checkDatabase).toBe('rocketchat');
    expect(config.production).toBe(true);
    expect(secrets.map((s) => s.Name).sort()).toEqual(['SLACK_APP_TOKEN', 'SLACK_BOT_TOKEN']);
    for (const s of secrets) expect(parameters[(s.ValueFrom as { Ref: string }).Ref]?.Type).toBe('String');
  });

  it('adds GitLab, its token as a secret too, when GitLabTokenArn is set', () => {
    const withGitLab = containerFor(WITH_GITLAB);
    expect(withGitLab.secrets.map((s) => s.Name).sort()).toEqual([
      'CHATDB_GITLAB_TOKEN',
      'SLACK_APP_TOKEN',
      'SLACK_BOT_TOKEN',
    ]);
    expect(() => loadConfig(envOf(withGitLab, SAMPLE_GITLAB, false))).toThrow(ConfigError);
    const config = loadConfig(envOf(withGitLab, SAMPLE_GITLAB, true));
    expect(config.gitlab?.project).toBe('infra/chat');
    expect(config.gitlab?.templatePath).toBe('roles/rocket-chat/files/chat.cf.yaml');
  });

  it('puts no secret in the plain environment', () => {
    const names = environment.map((e) => e.Name);
    const secretNames = ['SLACK_BOT_TOKEN', 'SLACK_APP_TOKEN', 'SLACK_SIGNING_SECRET', 'CHATDB_GITLAB_TOKEN'];
    expect(names.filter((n) => secretNames.includes(n) || /TOKEN|SECRET|PASSWORD/.test(n))).toEqual([]);
    // A token's shape, not the prefix the descriptions mention.
    const tokenLike = /xox[abp]-[A-Za-z0-9]{4}|xapp-\d-/;
    expect(JSON.stringify(environment)).not.toMatch(tokenLike);
    expect(TEMPLATE_TEXT).not.toMatch(tokenLike);
  });

  it('mounts the state dir from its own encrypted EFS access point as the node user', () => {
    const stateDir = environment.find((e) => e.Name === 'CHATDB_STATE_DIR')?.Value;
    expect(stateDir).toBe('/app/data');
    const mounts = container.MountPoints as {
      SourceVolume: string;
      ContainerPath: string;
      ReadOnly?: boolean;
    }[];
    const mount = mounts.find((m) => m.ContainerPath === stateDir);
    expect(mount?.ReadOnly).not.toBe(true);
    const volume = (taskDefinition.Volumes as Json[]).find((v) => v.Name === mount?.SourceVolume);
    const efs = volume?.EFSVolumeConfiguration as Json | undefined;
    expect(efs).toMatchObject({
      FilesystemId: { Ref: 'StateFileSystem' },
      TransitEncryption: 'ENABLED',
      AuthorizationConfig: { AccessPointId: { Ref: 'StateAccessPoint' } },
    });
    expect(resource('StateFileSystem').Type).toBe('AWS::EFS::FileSystem');
    expect(resource('StateFileSystem').Properties.Encrypted).toBe(true);
    const ap = resource('StateAccessPoint');
    expect(ap.Type).toBe('AWS::EFS::AccessPoint');
    expect(ap.Properties.FileSystemId).toEqual({ Ref: 'StateFileSystem' });
    expect(ap.Properties.PosixUser).toEqual({ Uid: '1000', Gid: '1000' });
    expect(ap.Properties.RootDirectory).toMatchObject({
      CreationInfo: { OwnerUid: '1000', OwnerGid: '1000' },
    });
    // The Dockerfile's state dir and user are what the access point and mount assume.
    const dockerfile = readFileSync(path.join(REPO_ROOT, 'Dockerfile'), 'utf8');
    expect(dockerfile).toContain(`ENV CHATDB_STATE_DIR=${stateDir}`);
    expect(dockerfile).toMatch(/^USER node$/m);
    // A mount target in each of the task's subnets, open only to the task's security group.
    const targets = ofType('AWS::EFS::MountTarget').map(([, r]) => r.Properties);
    expect(targets.map((t) => t.SubnetId)).toEqual([
      { 'Fn::Select': [0, { Ref: 'SubnetIds' }] },
      { 'Fn::Select': [1, { Ref: 'SubnetIds' }] },
    ]);
    const ingress = resource('StateFileSystemSecurityGroup').Properties.SecurityGroupIngress as Json[];
    expect(ingress).toEqual([
      expect.objectContaining({
        FromPort: 2049,
        ToPort: 2049,
        SourceSecurityGroupId: { Ref: 'TaskSecurityGroup' },
      }),
    ]);
  });

  it('logs to CloudWatch through awslogs', () => {
    expect(container.LogConfiguration).toEqual({
      LogDriver: 'awslogs',
      Options: {
        'awslogs-group': { Ref: 'LogGroup' },
        'awslogs-region': { Ref: 'AWS::Region' },
        'awslogs-stream-prefix': 'chatdb-restore',
      },
    });
    expect(resource('LogGroup').Type).toBe('AWS::Logs::LogGroup');
    expect(resource('LogGroup').Properties.RetentionInDays).toBeDefined();
  });

  it('health-checks /healthz with the same node one-liner as the Dockerfile', () => {
    const dockerfile = readFileSync(path.join(REPO_ROOT, 'Dockerfile'), 'utf8');
    const m = /HEALTHCHECK[^\n]*\\\n\s*CMD (\[.*\])/.exec(dockerfile);
    expect(m).not.toBeNull();
    const dockerCmd = JSON.parse((m as RegExpExecArray)[1] as string) as string[];
    const check = container.HealthCheck as { Command: string[] };
    expect(check.Command).toEqual(['CMD', ...dockerCmd]);
    expect(check.Command.join(' ')).toContain('/healthz');
    // The check reaches the bot on loopback: the port it probes is the port the bot listens on.
    const env = Object.fromEntries(environment.map((e) => [e.Name, e.Value]));
    expect(env.HOST).toBe('127.0.0.1');
    expect(env.PORT).toBe('3000');
  });

  it('gives the task role exactly deploy/iam-policy.json, statement for statement', () => {
    expect(taskDefinition.TaskRoleArn).toEqual({ 'Fn::GetAtt': ['TaskRole', 'Arn'] });
    const inline = rolePolicies('TaskRole');
    const source = readPolicy();
    expect(policyActions({ Version: '2012-10-17', Statement: inline })).toEqual(policyActions(source));
    expect(unSub(inline)).toEqual(source.Statement);
    // Every placeholder in the policy is a parameter or a pseudo parameter of this template.
    const placeholders = [...JSON.stringify(source).matchAll(/\$\{([^}]+)\}/g)].map((p) => p[1] as string);
    expect(placeholders.filter((p) => !p.startsWith('AWS::') && !(p in parameters))).toEqual([]);
  });

  it('gives the execution role only the token reads, the log writes and the optional image pull', () => {
    expect(taskDefinition.ExecutionRoleArn).toEqual({ 'Fn::GetAtt': ['ExecutionRole', 'Arn'] });
    const statements = (conds: Record<string, boolean>) =>
      (
        materialize(resource('ExecutionRole').Properties.Policies, conds) as {
          PolicyDocument: { Statement: PolicyStatement[] };
        }[]
      ).flatMap((p) => p.PolicyDocument.Statement);
    const actionsOf = (list: PolicyStatement[]) => list.flatMap((s) => asList(s.Action)).sort();
    const withEcr = statements({ ...WITH_GITLAB, HasEcrRepository: true });
    expect(actionsOf(withEcr)).toEqual(
      [
        'ecr:BatchGetImage',
        'ecr:GetAuthorizationToken',
        'ecr:GetDownloadUrlForLayer',
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        'secretsmanager:GetSecretValue',
        'ssm:GetParameters',
      ].sort(),
    );
    expect(actionsOf(statements(WITHOUT_GITLAB)).filter((a) => a.startsWith('ecr:'))).toEqual([]);
    const byAction = (a: string) => withEcr.find((s) => asList(s.Action).includes(a));
    expect(byAction('logs:PutLogEvents')?.Resource).toEqual({ 'Fn::Sub': '${LogGroup.Arn}' });
    expect(byAction('ecr:BatchGetImage')?.Resource).toEqual({ Ref: 'EcrRepositoryArn' });
    // The token reads cover exactly the secrets the container gets, with GitLab and without.
    for (const conds of [WITHOUT_GITLAB, WITH_GITLAB]) {
      const read = statements(conds).find((s) => asList(s.Action).includes('secretsmanager:GetSecretValue'));
      expect(read?.Resource).toEqual(containerFor(conds).secrets.map((s) => s.ValueFrom));
    }
    // The task role and the execution role are two roles, trusted by ECS tasks only.
    for (const id of ['TaskRole', 'ExecutionRole']) {
      const trust = resource(id).Properties.AssumeRolePolicyDocument as { Statement: Json[] };
      expect(trust.Statement).toEqual([
        expect.objectContaining({
          Principal: { Service: 'ecs-tasks.amazonaws.com' },
          Action: 'sts:AssumeRole',
        }),
      ]);
    }
  });
});
