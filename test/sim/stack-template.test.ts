// biome-ignore-all lint/suspicious/noTemplateCurlyInString: CloudFormation's Fn::Sub uses ${…} in plain strings
import { describe, expect, it } from 'vitest';
import { DEFAULT_TEMPLATE } from '../../src/sim/default-template.js';
import { planChanges } from '../../src/sim/template-diff.js';
import { serviceSpec, taskDefinitionSpec } from '../../src/sim/template-ecs.js';
import {
  createEvaluator,
  type EvalContext,
  resolveParameters,
  resourceOrder,
  TemplateEvalError,
} from '../../src/sim/template-eval.js';
import { parseTemplate, parseTemplateBody, TemplateFormatError } from '../../src/sim/template-parse.js';

const LIVE_ROOT = '/aws-backup-restore_2026-05-14T17-27-00-417720408Z';
const ACCOUNT = {
  region: 'eu-central-1',
  accountId: '123456789012',
  stackName: 'rocket-chat',
  stackId: 'stack-id',
};

function physical(parameters: Record<string, string>): EvalContext {
  return {
    ...ACCOUNT,
    parameters,
    ref: (id) =>
      id === 'DbStorage' ? 'fs-0db0c4a7e1' : id === 'DumpStorage' ? 'fs-0d0d0d0d01' : `phys-${id}`,
    getAtt: (id, attribute) => `arn:${id}:${attribute}`,
  };
}

function resource(body: string, logicalId: string) {
  const template = parseTemplate(body);
  const found = template.resources.find((r) => r.logicalId === logicalId);
  if (!found) throw new Error(`no ${logicalId}`);
  return { template, resource: found };
}

describe('template parsing', () => {
  it('turns CloudFormation short tags into their long forms', () => {
    const parsed = parseTemplateBody(
      [
        'A: !Ref DbStorage',
        'B: !GetAtt Role.Arn',
        'C: !Sub "/ecs/${AWS::StackName}"',
        'D: !Join [":", [a, !Ref X]]',
        'E: !If [IsProd, !Select [0, !Split [",", "x,y"]], !Ref AWS::NoValue]',
        'F: !GetAtt [Role, Arn]',
        'G: !Condition IsProd',
        'H: !Sub',
        '  - "${A}-${B}"',
        '  - { A: a, B: !Ref Y }',
      ].join('\n'),
    );
    expect(parsed).toEqual({
      A: { Ref: 'DbStorage' },
      B: { 'Fn::GetAtt': ['Role', 'Arn'] },
      C: { 'Fn::Sub': '/ecs/${AWS::StackName}' },
      D: { 'Fn::Join': [':', ['a', { Ref: 'X' }]] },
      E: {
        'Fn::If': ['IsProd', { 'Fn::Select': [0, { 'Fn::Split': [',', 'x,y'] }] }, { Ref: 'AWS::NoValue' }],
      },
      F: { 'Fn::GetAtt': ['Role', 'Arn'] },
      G: { Condition: 'IsProd' },
      H: { 'Fn::Sub': ['${A}-${B}', { A: 'a', B: { Ref: 'Y' } }] },
    });
  });

  it('reads the default template: parameters with defaults, resources in dependency order', () => {
    const template = parseTemplate(DEFAULT_TEMPLATE);
    expect(template.parameters.map((p) => [p.key, p.default])).toEqual([
      ['MongoImage', 'mongo:6.0.16'],
      ['RocketChatImage', 'registry.rocket.chat/rocketchat/rocket.chat:6.9.3'],
      ['Subnets', 'subnet-0a1b2c3d4e5f60718,subnet-0f1e2d3c4b5a69788'],
      ['SecurityGroup', 'sg-0c1d2e3f4a5b6c7d8'],
    ]);
    const order = resourceOrder(template);
    expect(order.indexOf('DbStorage')).toBeLessThan(order.indexOf('DbTaskDefinition'));
    expect(order.indexOf('TaskExecutionRole')).toBeLessThan(order.indexOf('DbTaskDefinition'));
    expect(order.indexOf('DbTaskDefinition')).toBeLessThan(order.indexOf('DbService'));
    expect(order.indexOf('DbStorageMountTarget')).toBeLessThan(order.indexOf('DbService'));
    expect(order.indexOf('DbService')).toBeLessThan(order.indexOf('ChatService'));
  });

  it('keeps the template exactly as text: comments and the odd spacing are part of it', () => {
    expect(DEFAULT_TEMPLATE).toContain('FilesystemId: !Ref DbStorage   # the database volume');
    expect(DEFAULT_TEMPLATE).toContain('FilesystemId:   !Ref DumpStorage');
    expect(DEFAULT_TEMPLATE).toContain(`RootDirectory: ${LIVE_ROOT}`);
  });

  it('reports YAML errors, missing resources and unresolved references in CloudFormation words', () => {
    expect(() => parseTemplate('Resources:\n  A: [\n')).toThrow(
      /^YAML not well-formed\. \(line \d+, column \d+\)$/,
    );
    expect(() => parseTemplate('Description: x\n')).toThrow('At least one Resources member must be defined.');
    expect(() => parseTemplate('Resources:\n  A:\n    Properties: {}\n')).toThrow(TemplateFormatError);
    expect(() =>
      resourceOrder(
        parseTemplate('Resources:\n  A:\n    Type: AWS::SNS::Topic\n    Properties: { X: !Ref Nope }\n'),
      ),
    ).toThrow('Unresolved resource dependencies [Nope] in the Resources block of the template');
    expect(() =>
      resourceOrder(
        parseTemplate(
          'Resources:\n  A:\n    Type: T\n    Properties: { X: !Ref B }\n  B:\n    Type: T\n    Properties: { Y: !GetAtt A.Arn }\n',
        ),
      ),
    ).toThrow(/^Circular dependency between resources: \[/);
  });
});

describe('template evaluation', () => {
  it('resolves the chat-db task definition to its family, volumes and file system ids', () => {
    const { template, resource: td } = resource(DEFAULT_TEMPLATE, 'DbTaskDefinition');
    const evaluator = createEvaluator(template, physical(resolveParameters(template, [])));
    const spec = taskDefinitionSpec(evaluator.properties(td));
    expect(spec.family).toBe('chat-db');
    expect(spec.executionRoleArn).toBe('arn:TaskExecutionRole:Arn');
    expect(spec.volumes).toEqual([
      {
        name: 'chat-db',
        efsVolumeConfiguration: {
          fileSystemId: 'fs-0db0c4a7e1',
          rootDirectory: LIVE_ROOT,
          transitEncryption: 'ENABLED',
        },
      },
      {
        name: 'chat-dump',
        efsVolumeConfiguration: { fileSystemId: 'fs-0d0d0d0d01', transitEncryption: 'ENABLED' },
      },
    ]);
    const mongo = spec.containerDefinitions[0] as Record<string, unknown>;
    expect(mongo).toMatchObject({
      name: 'mongo',
      image: 'mongo:6.0.16',
      essential: true,
      healthCheck: { interval: 30, timeout: 10, retries: 5, startPeriod: 60 },
      portMappings: [{ containerPort: 27017, hostPort: 27017, protocol: 'tcp' }],
      logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-region': 'eu-central-1' } },
    });
  });

  it('resolves the chat-db service: task definition, desired count and deployment configuration', () => {
    const { template, resource: svc } = resource(DEFAULT_TEMPLATE, 'DbService');
    const spec = serviceSpec(
      createEvaluator(template, physical(resolveParameters(template, []))).properties(svc),
    );
    expect(spec).toMatchObject({
      serviceName: 'chat-db',
      cluster: 'phys-Cluster',
      taskDefinition: 'phys-DbTaskDefinition',
      desiredCount: 1,
      minimumHealthyPercent: 100,
      maximumPercent: 100,
      circuitBreaker: true,
      launchType: 'FARGATE',
    });
    expect(spec.networkConfiguration).toEqual({
      awsvpcConfiguration: {
        assignPublicIp: 'DISABLED',
        securityGroups: ['sg-0c1d2e3f4a5b6c7d8'],
        subnets: ['subnet-0a1b2c3d4e5f60718', 'subnet-0f1e2d3c4b5a69788'],
      },
    });
  });

  it('treats an absent RootDirectory as absent (ECS then mounts the file system root)', () => {
    const body = DEFAULT_TEMPLATE.replace(`            RootDirectory: ${LIVE_ROOT}\n`, '');
    const { template, resource: td } = resource(body, 'DbTaskDefinition');
    const spec = taskDefinitionSpec(
      createEvaluator(template, physical(resolveParameters(template, []))).properties(td),
    );
    expect(spec.volumes[0]?.efsVolumeConfiguration).toEqual({
      fileSystemId: 'fs-0db0c4a7e1',
      transitEncryption: 'ENABLED',
    });
  });

  it('evaluates Sub, Join, Select, Split, If, FindInMap, conditions and AWS::NoValue', () => {
    const template = parseTemplate(
      [
        'Parameters:',
        '  Env: { Type: String, Default: prod, AllowedValues: [prod, dev] }',
        '  Zones: { Type: CommaDelimitedList, Default: "a,b" }',
        'Mappings:',
        '  Sizes: { prod: { Cpu: "1024" }, dev: { Cpu: "256" } }',
        'Conditions:',
        '  IsProd: !Equals [!Ref Env, prod]',
        '  IsDev: !Not [!Condition IsProd]',
        '  OneIsOne: !Equals [1, "1"]',
        'Resources:',
        '  R:',
        '    Type: Custom::Thing',
        '    Properties:',
        '      Name: !Sub "${AWS::StackName}-${Env}-${!Literal}"',
        '      Arn: !Sub ["${Role.Arn}/${X}", { X: !Ref AWS::Region }]',
        '      Joined: !Join ["/", [!Ref AWS::AccountId, !Select [1, !Ref Zones]]]',
        '      Parts: !Split [",", "x,y,z"]',
        '      Cpu: !FindInMap [Sizes, !Ref Env, Cpu]',
        '      Dev: !If [IsDev, yes, !Ref AWS::NoValue]',
        '      List: [one, !If [IsProd, !Ref AWS::NoValue, two]]',
        '      Encoded: !Base64 hi',
        '  Role:',
        '    Type: AWS::IAM::Role',
        '    Condition: IsDev',
      ].join('\n'),
    );
    const evaluator = createEvaluator(template, physical(resolveParameters(template, [])));
    const [r, role] = template.resources;
    expect(evaluator.properties(r as NonNullable<typeof r>)).toEqual({
      Name: 'rocket-chat-prod-${Literal}',
      Arn: 'arn:Role:Arn/eu-central-1',
      Joined: '123456789012/b',
      Parts: ['x', 'y', 'z'],
      Cpu: '1024',
      List: ['one'],
      Encoded: 'aGk=',
    });
    expect(evaluator.included(role as NonNullable<typeof role>)).toBe(false);
    expect(evaluator.condition('OneIsOne')).toBe(true);
  });

  it('resolves parameters: given values, previous values, defaults; refuses unknown or missing ones', () => {
    const template = parseTemplate(
      'Parameters:\n  A: { Type: String, Default: a0 }\n  B: { Type: String }\n  N: { Type: Number, Default: "1" }\nResources:\n  R: { Type: T }\n',
    );
    expect(resolveParameters(template, [{ key: 'B', value: 'b1' }])).toEqual({ A: 'a0', B: 'b1', N: '1' });
    expect(
      resolveParameters(
        template,
        [
          { key: 'A', usePreviousValue: true },
          { key: 'B', usePreviousValue: true },
        ],
        {
          A: 'a-prev',
          B: 'b-prev',
          N: '2',
        },
      ),
    ).toEqual({ A: 'a-prev', B: 'b-prev', N: '1' });
    expect(() => resolveParameters(template, [])).toThrow('Parameters: [B] must have values');
    expect(() =>
      resolveParameters(template, [
        { key: 'Nope', value: 'x' },
        { key: 'B', value: 'b' },
      ]),
    ).toThrow('Parameters: [Nope] do not exist in the template');
    expect(() => resolveParameters(template, [{ key: 'B', usePreviousValue: true }], {})).toThrow(
      TemplateEvalError,
    );
    expect(() =>
      resolveParameters(template, [
        { key: 'B', value: 'b' },
        { key: 'N', value: 'x' },
      ]),
    ).toThrow("Parameter 'N' must be a number.");
  });
});

describe('change planning', () => {
  const side = (body: string, parameters?: Record<string, string>) => {
    const template = parseTemplate(body);
    return { template, parameters: parameters ?? resolveParameters(template, []) };
  };

  it('a new RootDirectory replaces the task definition and modifies the service through its reference', () => {
    const changes = planChanges(
      side(DEFAULT_TEMPLATE),
      side(DEFAULT_TEMPLATE.replace(LIVE_ROOT, '/chatdb-restore_2026-06-01')),
      ACCOUNT,
    );
    expect(changes).toEqual([
      {
        action: 'Modify',
        logicalId: 'DbTaskDefinition',
        resourceType: 'AWS::ECS::TaskDefinition',
        replacement: 'True',
        details: [
          {
            property: 'Volumes',
            requiresRecreation: 'Always',
            evaluation: 'Static',
            changeSource: 'DirectModification',
          },
        ],
      },
      {
        action: 'Modify',
        logicalId: 'DbService',
        resourceType: 'AWS::ECS::Service',
        replacement: 'False',
        details: [
          {
            property: 'TaskDefinition',
            requiresRecreation: 'Never',
            evaluation: 'Dynamic',
            changeSource: 'ResourceReference',
            causingEntity: 'DbTaskDefinition',
          },
        ],
      },
    ]);
  });

  it('finds no changes in the same template, nor in one that differs only in comments and spacing', () => {
    expect(planChanges(side(DEFAULT_TEMPLATE), side(DEFAULT_TEMPLATE), ACCOUNT)).toEqual([]);
    const cosmetic = DEFAULT_TEMPLATE.replace('# the database volume', '# where MongoDB lives').replace(
      'FilesystemId:   !Ref DumpStorage',
      'FilesystemId: !Ref DumpStorage',
    );
    expect(planChanges(side(DEFAULT_TEMPLATE), side(cosmetic), ACCOUNT)).toEqual([]);
  });

  it('attributes a change made through a parameter to that parameter', () => {
    const before = side(DEFAULT_TEMPLATE);
    const after = side(DEFAULT_TEMPLATE, { ...before.parameters, MongoImage: 'mongo:7.0.12' });
    const [td, svc] = planChanges(before, after, ACCOUNT);
    expect(td).toMatchObject({
      logicalId: 'DbTaskDefinition',
      replacement: 'True',
      details: [
        { property: 'ContainerDefinitions', changeSource: 'ParameterReference', causingEntity: 'MongoImage' },
      ],
    });
    expect(svc).toMatchObject({ logicalId: 'DbService', replacement: 'False' });
  });

  it('lists added and removed resources', () => {
    const added = DEFAULT_TEMPLATE.replace(
      'Resources:\n',
      'Resources:\n  Alerts:\n    Type: AWS::SNS::Topic\n    Properties:\n      TopicName: chat-alerts\n\n',
    );
    expect(planChanges(side(DEFAULT_TEMPLATE), side(added), ACCOUNT)).toEqual([
      { action: 'Add', logicalId: 'Alerts', resourceType: 'AWS::SNS::Topic', details: [] },
    ]);
    expect(planChanges(side(added), side(DEFAULT_TEMPLATE), ACCOUNT)).toEqual([
      { action: 'Remove', logicalId: 'Alerts', resourceType: 'AWS::SNS::Topic', details: [] },
    ]);
  });
});
