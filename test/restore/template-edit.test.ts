import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  readVolumeRootDirectory,
  setVolumeRootDirectory,
  TemplateEditError,
} from '../../src/restore/template-edit.js';

const CURRENT = '/aws-backup-restore_2026-05-14T17-27-00-417720408Z';
const NEXT = '/chatdb-restore_2026-05-20T08-00-00Z_r20260520-7k2p9x';

// Close to roles/rocket-chat/files/chat.cf.yaml: short tags everywhere, comments, quoting styles.
const TEMPLATE = `AWSTemplateFormatVersion: '2010-09-09'
Description: >-
  Rocket.Chat on ECS with its MongoDB (chat-db) on EFS.

Parameters:
  Environment:
    Type: String
    AllowedValues: [staging, production]
  VpcId: { Type: 'AWS::EC2::VPC::Id' }

Mappings:
  Sizes:
    production: { Cpu: 1024, Memory: "2048" }
    staging: { Cpu: 512, Memory: "1024" }

Conditions:
  IsProduction: !Equals [!Ref Environment, production]
  NotProduction: !Not [!Condition IsProduction]
  Either: !Or [!Condition IsProduction, !And [!Condition NotProduction, !Equals ['a', 'a']]]

Resources:
  DbStorage:
    Type: AWS::EFS::FileSystem
    DeletionPolicy: Retain
    Properties:
      Encrypted: true
      FileSystemTags:
        - { Key: Name, Value: !Sub '\${AWS::StackName}-chat-db' }

  DumpStorage:
    Type: AWS::EFS::FileSystem
    Properties:
      Encrypted: true

  Subnets:
    Type: Custom::Nothing
    Properties:
      Zones: !GetAZs ''
      First: !Select [0, !GetAZs '']
      Parts: !Split [',', !ImportValue shared-subnets]
      Blocks: !Cidr [!ImportValue shared-vpc-cidr, 6, 8]

  DbTaskDefinition:
    Type: AWS::ECS::TaskDefinition
    Properties:
      Family: chat-db
      Cpu: !FindInMap [Sizes, !Ref Environment, Cpu]
      Memory: !FindInMap [Sizes, !Ref Environment, Memory]
      ContainerDefinitions:
        - Name: mongo
          Image: !Join [':', [mongo, '6.0']]
          Command: [mongod, --dbpath, /data/db]
          MountPoints:
            - SourceVolume: chat-db
              ContainerPath: /data/db
            - SourceVolume: chat-dump
              ContainerPath: /dump
          LogConfiguration:
            LogDriver: awslogs
            Options:
              awslogs-group: !Ref DbLogs
              awslogs-region: !Ref AWS::Region
              awslogs-stream-prefix: !If [IsProduction, prod, !Ref AWS::NoValue]
      Volumes:
        - Name: chat-db
          EFSVolumeConfiguration:
            FilesystemId: !Ref DbStorage   # the database volume
            RootDirectory: ${CURRENT}
            TransitEncryption: ENABLED
        - Name: chat-dump
          EFSVolumeConfiguration:
            FilesystemId: !Ref DumpStorage
            RootDirectory: /dumps
      UserData: !Base64
        Fn::Sub: echo \${AWS::Region}

  DbService:
    Type: AWS::ECS::Service
    Properties:
      Cluster: !ImportValue shared-cluster
      TaskDefinition: !Ref DbTaskDefinition
      DesiredCount: 1
      DeploymentConfiguration:
        MaximumPercent: 100
        MinimumHealthyPercent: 0

Outputs:
  DbFileSystem:
    Value: !GetAtt DbStorage.Arn
    Export: { Name: !Sub '\${AWS::StackName}-db-fs' }
`;

function expectError(fn: () => unknown, code: string): TemplateEditError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(TemplateEditError);
    expect((error as TemplateEditError).code).toBe(code);
    return error as TemplateEditError;
  }
  throw new Error(`expected a ${code} error`);
}

/** Asserts `after` equals `before` except for exactly one replaced line; returns [old, new]. */
function oneLineReplaced(before: string, after: string, eol = '\n'): [string, string] {
  const a = before.split(eol);
  const b = after.split(eol);
  expect(b).toHaveLength(a.length);
  const differing = a.flatMap((line, i) => (line === b[i] ? [] : [i]));
  expect(differing).toHaveLength(1);
  const i = differing[0] as number;
  return [a[i] as string, b[i] as string];
}

/** Asserts `after` is `before` plus exactly one line; returns the inserted line and its index. */
function oneLineInserted(before: string, after: string, eol = '\n'): [string, number] {
  const a = before.split(eol);
  const b = after.split(eol);
  expect(b).toHaveLength(a.length + 1);
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  expect(b.slice(i + 1)).toEqual(a.slice(i));
  return [b[i] as string, i];
}

describe('readVolumeRootDirectory', () => {
  it('reads the chat-db root, its task definition and the file system it refers to', () => {
    expect(readVolumeRootDirectory(TEMPLATE, 'chat-db')).toEqual({
      root: CURRENT,
      explicit: true,
      taskDefinition: 'DbTaskDefinition',
      fileSystemRef: 'DbStorage',
    });
    expect(readVolumeRootDirectory(TEMPLATE, 'chat-dump').fileSystemRef).toBe('DumpStorage');
  });

  it("reports '/' when RootDirectory is absent, and a literal file system id", () => {
    const text = TEMPLATE.replace(`            RootDirectory: ${CURRENT}\n`, '').replace(
      '!Ref DbStorage',
      'fs-0db0c4a7e1',
    );
    expect(readVolumeRootDirectory(text, 'chat-db')).toEqual({
      root: '/',
      explicit: false,
      taskDefinition: 'DbTaskDefinition',
      fileSystemId: 'fs-0db0c4a7e1',
    });
  });
});

describe('setVolumeRootDirectory', () => {
  it('replaces the root in place and changes nothing else', () => {
    const edit = setVolumeRootDirectory(TEMPLATE, 'chat-db', NEXT);
    expect(edit).toMatchObject({
      previousRoot: CURRENT,
      changed: true,
      taskDefinition: 'DbTaskDefinition',
      fileSystemRef: 'DbStorage',
    });
    expect(oneLineReplaced(TEMPLATE, edit.text)).toEqual([
      `            RootDirectory: ${CURRENT}`,
      `            RootDirectory: ${NEXT}`,
    ]);
    expect(readVolumeRootDirectory(edit.text, 'chat-db').root).toBe(NEXT);
    expect(readVolumeRootDirectory(edit.text, 'chat-dump').root).toBe('/dumps');
    // A plain YAML reader (short tags unresolved) sees the same document but for the one value.
    const before = parse(TEMPLATE, { logLevel: 'silent' });
    const after = parse(edit.text, { logLevel: 'silent' });
    expect(after.Resources.DbTaskDefinition.Properties.Volumes[0].EFSVolumeConfiguration.RootDirectory).toBe(
      NEXT,
    );
    before.Resources.DbTaskDefinition.Properties.Volumes[0].EFSVolumeConfiguration.RootDirectory = NEXT;
    expect(after).toEqual(before);
  });

  it('keeps a comment on the RootDirectory line', () => {
    const text = TEMPLATE.replace(
      `RootDirectory: ${CURRENT}`,
      `RootDirectory: ${CURRENT}  # restored 2026-05-14`,
    );
    const edit = setVolumeRootDirectory(text, 'chat-db', NEXT);
    expect(oneLineReplaced(text, edit.text)[1]).toBe(
      `            RootDirectory: ${NEXT}  # restored 2026-05-14`,
    );
  });

  it('keeps tabs in comments around the edit', () => {
    const text = TEMPLATE.replace(
      `RootDirectory: ${CURRENT}`,
      `RootDirectory: ${CURRENT}\t#\ttabbed\tcomment`,
    ).replace(
      '            TransitEncryption: ENABLED',
      '            #\tcomment\twith tabs\n            TransitEncryption: ENABLED',
    );
    const edit = setVolumeRootDirectory(text, 'chat-db', NEXT);
    expect(oneLineReplaced(text, edit.text)[1]).toBe(
      `            RootDirectory: ${NEXT}\t#\ttabbed\tcomment`,
    );
  });

  it('keeps double and single quotes', () => {
    for (const quote of ['"', "'"]) {
      const text = TEMPLATE.replace(`RootDirectory: ${CURRENT}`, `RootDirectory: ${quote}${CURRENT}${quote}`);
      const edit = setVolumeRootDirectory(text, 'chat-db', NEXT);
      expect(edit.previousRoot).toBe(CURRENT);
      expect(oneLineReplaced(text, edit.text)[1]).toBe(`            RootDirectory: ${quote}${NEXT}${quote}`);
    }
  });

  it('inserts RootDirectory after FilesystemId, at the same indentation, when absent', () => {
    const text = TEMPLATE.replace(`            RootDirectory: ${CURRENT}\n`, '');
    const edit = setVolumeRootDirectory(text, 'chat-db', NEXT);
    expect(edit.previousRoot).toBe('/');
    const [line, index] = oneLineInserted(text, edit.text);
    expect(line).toBe(`            RootDirectory: ${NEXT}`);
    expect(edit.text.split('\n')[index - 1]).toBe(
      '            FilesystemId: !Ref DbStorage   # the database volume',
    );
    expect(readVolumeRootDirectory(edit.text, 'chat-db').root).toBe(NEXT);
  });

  it('inserts after a multi-line FilesystemId value', () => {
    const text = TEMPLATE.replace(`            RootDirectory: ${CURRENT}\n`, '').replace(
      '            FilesystemId: !Ref DbStorage   # the database volume\n',
      '            FilesystemId: !If\n              - IsProduction\n              - !Ref DbStorage\n              - !Ref DumpStorage\n',
    );
    const edit = setVolumeRootDirectory(text, 'chat-db', NEXT);
    const [line, index] = oneLineInserted(text, edit.text);
    expect(line).toBe(`            RootDirectory: ${NEXT}`);
    expect(edit.text.split('\n')[index - 1]).toBe('              - !Ref DumpStorage');
    expect(edit.fileSystemRef).toBeUndefined();
    expect(readVolumeRootDirectory(edit.text, 'chat-db').root).toBe(NEXT);
  });

  it('inserts at the end of a file that ends without a newline', () => {
    const text =
      'Resources:\n  Td:\n    Type: AWS::ECS::TaskDefinition\n    Properties:\n      Volumes:\n        - Name: chat-db\n          EFSVolumeConfiguration:\n            FilesystemId: !Ref DbStorage';
    const edit = setVolumeRootDirectory(text, 'chat-db', NEXT);
    expect(edit.text).toBe(`${text}\n            RootDirectory: ${NEXT}`);
    expect(readVolumeRootDirectory(edit.text, 'chat-db').root).toBe(NEXT);
  });

  it('edits flow mappings: inserting into one and replacing in another', () => {
    const flow = TEMPLATE.replace(
      `          EFSVolumeConfiguration:\n            FilesystemId: !Ref DbStorage   # the database volume\n            RootDirectory: ${CURRENT}\n            TransitEncryption: ENABLED\n`,
      '          EFSVolumeConfiguration: { FilesystemId: !Ref DbStorage }   # flow\n',
    );
    const inserted = setVolumeRootDirectory(flow, 'chat-db', NEXT);
    expect(oneLineReplaced(flow, inserted.text)[1]).toBe(
      `          EFSVolumeConfiguration: { FilesystemId: !Ref DbStorage, RootDirectory: ${NEXT} }   # flow`,
    );
    expect(inserted.previousRoot).toBe('/');
    expect(readVolumeRootDirectory(inserted.text, 'chat-db').root).toBe(NEXT);

    const replaced = setVolumeRootDirectory(inserted.text, 'chat-db', CURRENT);
    expect(oneLineReplaced(inserted.text, replaced.text)[1]).toBe(
      `          EFSVolumeConfiguration: { FilesystemId: !Ref DbStorage, RootDirectory: ${CURRENT} }   # flow`,
    );
    expect(replaced.previousRoot).toBe(NEXT);
  });

  it('edits a volume inside a flow sequence of volumes', () => {
    const text =
      'Resources:\n  Td:\n    Type: AWS::ECS::TaskDefinition\n    Properties:\n      Volumes: [{Name: chat-dump, EFSVolumeConfiguration: {FilesystemId: !Ref DumpStorage}}, {Name: chat-db, EFSVolumeConfiguration: {FilesystemId: !Ref DbStorage, TransitEncryption: ENABLED}}]\n';
    const edit = setVolumeRootDirectory(text, 'chat-db', NEXT);
    expect(oneLineReplaced(text, edit.text)[1]).toBe(
      `      Volumes: [{Name: chat-dump, EFSVolumeConfiguration: {FilesystemId: !Ref DumpStorage}}, {Name: chat-db, EFSVolumeConfiguration: {FilesystemId: !Ref DbStorage, TransitEncryption: ENABLED, RootDirectory: ${NEXT}}}]`,
    );
    expect(readVolumeRootDirectory(edit.text, 'chat-dump').root).toBe('/');
  });

  it('keeps CRLF line endings, replacing and inserting', () => {
    const crlf = TEMPLATE.replaceAll('\n', '\r\n');
    const replaced = setVolumeRootDirectory(crlf, 'chat-db', NEXT);
    expect(oneLineReplaced(crlf, replaced.text, '\r\n')[1]).toBe(`            RootDirectory: ${NEXT}`);
    expect(replaced.text.replaceAll('\r\n', '')).not.toMatch(/[\r\n]/);

    const absent = crlf.replace(`            RootDirectory: ${CURRENT}\r\n`, '');
    const inserted = setVolumeRootDirectory(absent, 'chat-db', NEXT);
    expect(oneLineInserted(absent, inserted.text, '\r\n')[0]).toBe(`            RootDirectory: ${NEXT}`);
    expect(inserted.text.replaceAll('\r\n', '')).not.toMatch(/[\r\n]/);
  });

  it('does not take chat-db-old for chat-db', () => {
    const text = TEMPLATE.replace(
      '        - Name: chat-db\n',
      '        - Name: chat-db-old\n          EFSVolumeConfiguration:\n            FilesystemId: !Ref DbStorage\n            RootDirectory: /old\n        - Name: chat-db\n',
    );
    const edit = setVolumeRootDirectory(text, 'chat-db', NEXT);
    expect(edit.previousRoot).toBe(CURRENT);
    expect(readVolumeRootDirectory(edit.text, 'chat-db-old').root).toBe('/old');
    oneLineReplaced(text, edit.text);

    const onlyOld = TEMPLATE.replace('        - Name: chat-db\n', '        - Name: chat-db-old\n');
    expectError(() => setVolumeRootDirectory(onlyOld, 'chat-db', NEXT), 'volume_not_found');
  });

  it('refuses to guess between two task definitions with a chat-db volume', () => {
    const text = `${TEMPLATE.replace('\nOutputs:', '')}  SpareTaskDefinition:\n    Type: AWS::ECS::TaskDefinition\n    Properties:\n      Volumes:\n        - Name: chat-db\n          EFSVolumeConfiguration:\n            FilesystemId: !Ref DbStorage\n`;
    const error = expectError(() => setVolumeRootDirectory(text, 'chat-db', NEXT), 'ambiguous_volume');
    expect(error.matches).toEqual(['DbTaskDefinition', 'SpareTaskDefinition']);
    expectError(() => readVolumeRootDirectory(text, 'chat-db'), 'ambiguous_volume');
  });

  it('ignores volumes outside ECS task definitions', () => {
    const text = TEMPLATE.replace(
      '  DumpStorage:\n',
      '  Decoy:\n    Type: Custom::Volumes\n    Properties:\n      Volumes:\n        - Name: chat-db\n          EFSVolumeConfiguration: { FilesystemId: x }\n\n  DumpStorage:\n',
    );
    expect(setVolumeRootDirectory(text, 'chat-db', NEXT).taskDefinition).toBe('DbTaskDefinition');
  });

  it('refuses a volume without EFSVolumeConfiguration', () => {
    const text = TEMPLATE.replace(
      `          EFSVolumeConfiguration:\n            FilesystemId: !Ref DbStorage   # the database volume\n            RootDirectory: ${CURRENT}\n            TransitEncryption: ENABLED\n`,
      '          Host: { SourcePath: /data }\n',
    );
    expectError(() => setVolumeRootDirectory(text, 'chat-db', NEXT), 'no_efs_configuration');
    const conditional = TEMPLATE.replace(
      '          EFSVolumeConfiguration:\n            FilesystemId: !Ref DbStorage   # the database volume\n',
      '          EFSVolumeConfiguration: !If\n          - IsProduction\n          - FilesystemId: !Ref DbStorage\n',
    ).replace(
      `            RootDirectory: ${CURRENT}\n            TransitEncryption: ENABLED\n`,
      '          - !Ref AWS::NoValue\n',
    );
    expectError(() => setVolumeRootDirectory(conditional, 'chat-db', NEXT), 'no_efs_configuration');
  });

  it.each([
    ['a !Sub', `!Sub '/\${Prefix}-db'`],
    ['a !Ref', '!Ref DbRoot'],
    ['a !Join', "!Join ['', [/, !Ref DbRoot]]"],
    ['a block scalar', `|-\n              ${CURRENT}`],
    ['empty', ''],
    ['a number', '42'],
    ['an anchor', `&root ${CURRENT}`],
  ])('refuses a RootDirectory that is %s', (_what, value) => {
    const text = TEMPLATE.replace(`RootDirectory: ${CURRENT}`, `RootDirectory: ${value}`);
    const error = expectError(() => setVolumeRootDirectory(text, 'chat-db', NEXT), 'root_not_plain');
    expect(error.message).toMatch(/literal path/);
    expectError(() => readVolumeRootDirectory(text, 'chat-db'), 'root_not_plain');
  });

  it('refuses an alias for RootDirectory', () => {
    const text = TEMPLATE.replace(
      '            RootDirectory: /dumps',
      '            RootDirectory: &dumps /dumps',
    ).replace(`RootDirectory: ${CURRENT}`, 'RootDirectory: *dumps');
    expectError(() => setVolumeRootDirectory(text, 'chat-db', NEXT), 'root_not_plain');
  });

  it.each([
    'relative/path',
    '/a/../b',
    '/a/./b',
    '/..',
    '/a b',
    '/$(id)',
    '/a;rm -rf /',
    '/`id`',
    "/a'b",
    '/a"b',
    '/a\nb',
    '/a/',
    '//a',
    '',
    '/é',
  ])('refuses an invalid new root %j', (root) => {
    expectError(() => setVolumeRootDirectory(TEMPLATE, 'chat-db', root), 'invalid_root');
  });

  it('refuses a new root longer than ECS allows', () => {
    expectError(() => setVolumeRootDirectory(TEMPLATE, 'chat-db', `/${'a'.repeat(5000)}`), 'invalid_root');
  });

  it('refuses an invalid volume name', () => {
    expectError(() => setVolumeRootDirectory(TEMPLATE, 'chat-db: x', NEXT), 'invalid_volume_name');
  });

  it('leaves the text alone when the root is already set, or absent and set to /', () => {
    const same = setVolumeRootDirectory(TEMPLATE, 'chat-db', CURRENT);
    expect(same).toMatchObject({ changed: false, previousRoot: CURRENT, text: TEMPLATE });
    const absent = TEMPLATE.replace(`            RootDirectory: ${CURRENT}\n`, '');
    expect(setVolumeRootDirectory(absent, 'chat-db', '/')).toMatchObject({ changed: false, text: absent });
  });

  it("sets '/' explicitly on rollback to the volume root", () => {
    const edit = setVolumeRootDirectory(TEMPLATE, 'chat-db', '/');
    expect(oneLineReplaced(TEMPLATE, edit.text)[1]).toBe('            RootDirectory: /');
    expect(readVolumeRootDirectory(edit.text, 'chat-db')).toMatchObject({ root: '/', explicit: true });
  });

  it('refuses to set a root under an EFS access point', () => {
    const text = TEMPLATE.replace(
      '            TransitEncryption: ENABLED\n',
      '            TransitEncryption: ENABLED\n            AuthorizationConfig:\n              AccessPointId: !Ref DbAccessPoint\n              IAM: ENABLED\n',
    );
    expectError(() => setVolumeRootDirectory(text, 'chat-db', NEXT), 'access_point_in_use');
  });

  it('reports YAML errors', () => {
    expectError(
      () => setVolumeRootDirectory('Resources:\n  A: [unclosed\n', 'chat-db', NEXT),
      'template_parse_error',
    );
    expectError(
      () => setVolumeRootDirectory(`${TEMPLATE}Resources: {}\n`, 'chat-db', NEXT),
      'template_parse_error',
    );
    expectError(() => setVolumeRootDirectory('Description: nothing\n', 'chat-db', NEXT), 'volume_not_found');
  });

  describe('JSON templates', () => {
    const json = `${JSON.stringify(
      {
        AWSTemplateFormatVersion: '2010-09-09',
        Resources: {
          DbStorage: { Type: 'AWS::EFS::FileSystem' },
          DbTaskDefinition: {
            Type: 'AWS::ECS::TaskDefinition',
            Properties: {
              Family: 'chat-db',
              Volumes: [
                {
                  Name: 'chat-db',
                  EFSVolumeConfiguration: {
                    FilesystemId: { Ref: 'DbStorage' },
                    RootDirectory: CURRENT,
                    TransitEncryption: 'ENABLED',
                  },
                },
                { Name: 'chat-dump', EFSVolumeConfiguration: { FilesystemId: { Ref: 'DumpStorage' } } },
              ],
            },
          },
        },
      },
      null,
      2,
    )}\n`;

    it('replaces the value and stays valid JSON', () => {
      const edit = setVolumeRootDirectory(json, 'chat-db', NEXT);
      expect(edit).toMatchObject({ previousRoot: CURRENT, fileSystemRef: 'DbStorage' });
      expect(oneLineReplaced(json, edit.text)[1]).toBe(`              "RootDirectory": "${NEXT}",`);
      const parsed = JSON.parse(edit.text);
      expect(
        parsed.Resources.DbTaskDefinition.Properties.Volumes[0].EFSVolumeConfiguration.RootDirectory,
      ).toBe(NEXT);
    });

    it('inserts a quoted key on its own line and stays valid JSON', () => {
      const absent = json.replace(`              "RootDirectory": "${CURRENT}",\n`, '');
      const edit = setVolumeRootDirectory(absent, 'chat-db', NEXT);
      expect(oneLineInserted(absent, edit.text)[0]).toBe(`              "RootDirectory": "${NEXT}",`);
      const parsed = JSON.parse(edit.text);
      expect(parsed.Resources.DbTaskDefinition.Properties.Volumes[0].EFSVolumeConfiguration).toEqual({
        FilesystemId: { Ref: 'DbStorage' },
        RootDirectory: NEXT,
        TransitEncryption: 'ENABLED',
      });
    });

    it('appends to a one-line JSON mapping and stays valid JSON', () => {
      const compact = JSON.stringify(
        JSON.parse(json.replace(`              "RootDirectory": "${CURRENT}",\n`, '')),
      );
      const edit = setVolumeRootDirectory(compact, 'chat-db', NEXT);
      const parsed = JSON.parse(edit.text);
      expect(
        parsed.Resources.DbTaskDefinition.Properties.Volumes[0].EFSVolumeConfiguration.RootDirectory,
      ).toBe(NEXT);
      expect(
        parsed.Resources.DbTaskDefinition.Properties.Volumes[1].EFSVolumeConfiguration.RootDirectory,
      ).toBeUndefined();
    });
  });
});

describe('a RootDirectory written without the leading slash, as the infra repo writes it', () => {
  const relative = TEMPLATE.replace(`RootDirectory: ${CURRENT}`, `RootDirectory: ${CURRENT.slice(1)}`);

  it('reads it normalised, and says it is relative', () => {
    expect(relative).not.toBe(TEMPLATE);
    expect(readVolumeRootDirectory(relative, 'chat-db')).toMatchObject({ root: CURRENT, relative: true });
    expect(readVolumeRootDirectory(TEMPLATE, 'chat-db').relative).toBeUndefined();
  });

  it('writes the new root in the same style, and reports the previous one normalised', () => {
    const edit = setVolumeRootDirectory(relative, 'chat-db', NEXT);
    expect(edit.previousRoot).toBe(CURRENT);
    expect(edit.text).toContain(`RootDirectory: ${NEXT.slice(1)}\n`);
    expect(edit.text).not.toContain(`RootDirectory: ${NEXT}`);
    expect(readVolumeRootDirectory(edit.text, 'chat-db')).toMatchObject({ root: NEXT, relative: true });
    expect(setVolumeRootDirectory(relative, 'chat-db', CURRENT).changed).toBe(false);
  });
});
