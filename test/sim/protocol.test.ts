import { describe, expect, it } from 'vitest';
import { encodeJson } from '../../src/sim/protocol-json.js';
import { decodeQuery, queryError, queryResponse } from '../../src/sim/protocol-query.js';
import { matchRest, restInput } from '../../src/sim/protocol-rest.js';

describe('awsQuery', () => {
  it('decodes member lists and entry maps into arrays and objects', () => {
    const body =
      'Action=CreateChangeSet&Version=2010-05-15&StackName=rocket-chat' +
      '&Parameters.member.2.ParameterKey=B&Parameters.member.2.UsePreviousValue=true' +
      '&Parameters.member.1.ParameterKey=A&Parameters.member.1.ParameterValue=x%20y' +
      '&Capabilities.member.1=CAPABILITY_IAM&Tags.entry.1.key=k&Tags.entry.1.value=v';
    expect(decodeQuery(body)).toEqual({
      action: 'CreateChangeSet',
      version: '2010-05-15',
      input: {
        StackName: 'rocket-chat',
        Parameters: [
          { ParameterKey: 'A', ParameterValue: 'x y' },
          { ParameterKey: 'B', UsePreviousValue: 'true' },
        ],
        Capabilities: ['CAPABILITY_IAM'],
        Tags: { k: 'v' },
      },
    });
  });

  it('serialises results generically, escaping text, with lists as <member> and dates as ISO-8601', () => {
    const xml = queryResponse(
      'DescribeStacks',
      { Stacks: [{ StackName: 'a<b>&"c"', CreationTime: new Date(0), Tags: [], Missing: undefined }] },
      'req-1',
    );
    expect(xml).toBe(
      '<DescribeStacksResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><DescribeStacksResult>' +
        '<Stacks><member><StackName>a&lt;b&gt;&amp;&quot;c&quot;</StackName>' +
        '<CreationTime>1970-01-01T00:00:00.000Z</CreationTime><Tags></Tags></member></Stacks>' +
        '</DescribeStacksResult><ResponseMetadata><RequestId>req-1</RequestId></ResponseMetadata></DescribeStacksResponse>',
    );
    expect(queryError('ValidationError', 'Stack with id x does not exist', 'r', 400)).toContain(
      '<Error><Type>Sender</Type><Code>ValidationError</Code><Message>Stack with id x does not exist</Message></Error>',
    );
    expect(queryError('InternalFailure', 'boom', 'r', 500)).toContain('<Type>Receiver</Type>');
  });
});

describe('JSON protocols', () => {
  it('writes Dates as epoch seconds and drops undefined members', () => {
    expect(encodeJson({ a: new Date(1500), b: undefined, c: [new Date(0)] })).toBe('{"a":1.5,"c":[0]}');
  });
});

describe('restJson1 routing', () => {
  it('decodes percent-encoded ARN labels and typed query parameters', () => {
    const arn = 'arn:aws:elasticfilesystem:eu-central-1:123456789012:file-system/fs-0db0c4a7e1';
    const call = matchRest('GET', `/resources/${encodeURIComponent(arn)}/recovery-points`);
    expect(call?.op).toBe('ListRecoveryPointsByResource');
    expect(restInput(call as never, new URLSearchParams('maxResults=2&nextToken=t'), '')).toEqual({
      ResourceArn: arn,
      MaxResults: 2,
      NextToken: 't',
    });
  });

  it('prefers the longest literal route and names unimplemented ones from the SDK tables', () => {
    expect(matchRest('GET', '/backup-vaults/v/recovery-points/arn%3Ax/restore-metadata')?.op).toBe(
      'GetRecoveryPointRestoreMetadata',
    );
    const vaults = matchRest('GET', '/backup-vaults');
    expect(vaults).toMatchObject({ service: 'backup', op: 'ListBackupVaults' });
    expect(vaults?.route).toBeUndefined();
    expect(matchRest('GET', '/2015-02-01/mount-targets')).toMatchObject({
      service: 'efs',
      op: 'DescribeMountTargets',
    });
    expect(matchRest('GET', '/nothing/here')).toBeUndefined();
    expect(matchRest('GET', '/nothing/here', 'backup')).toMatchObject({
      service: 'backup',
      op: 'GET /nothing/here',
    });
  });
});
