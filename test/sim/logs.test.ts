// CloudWatch Logs GetLogEvents in the simulator, read by the bot's LogsPort through the real SDK
// client: paging forward from the head until the token repeats, as AWS documents the end of a stream.

import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { afterEach, describe, expect, it } from 'vitest';
import { AwsCallError } from '../../src/aws/errors.js';
import { createLogsPort } from '../../src/aws/logs.js';
import { createLogs, type LogsWorld } from '../../src/sim/logs.js';
import { type JsonService, serveJsonService } from '../helpers/json-service.js';

const GROUP = '/ecs/rocket-chat/chat-db';
const STREAM = 'chat-db/mongo/0123456789abcdef0123456789abcdef';

let service: JsonService | undefined;
let client: CloudWatchLogsClient | undefined;

afterEach(async () => {
  client?.destroy();
  await service?.close();
  service = undefined;
});

async function start(pageSize: number, events = 8): Promise<{ logs: LogsWorld; service: JsonService }> {
  const logs = createLogs({ region: 'eu-central-1', accountId: '123456789012', now: () => 1_000, pageSize });
  logs.createLogGroup(GROUP);
  logs.createLogStream(GROUP, STREAM);
  logs.putLogEvents(
    GROUP,
    STREAM,
    Array.from({ length: events }, (_, i) => ({ timestamp: 1_778_750_000_000 + i, message: `line ${i}` })),
  );
  service = await serveJsonService('Logs_20140328', logs.module.ops);
  client = new CloudWatchLogsClient({
    endpoint: service.endpoint,
    region: 'eu-central-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
    maxAttempts: 1,
  });
  return { logs, service };
}

describe('GetLogEvents through the LogsPort', () => {
  it('reads every event oldest first, page by page, and stops when the forward token repeats', async () => {
    const { service } = await start(3);
    const events = await createLogsPort(client as CloudWatchLogsClient).readStream(GROUP, STREAM);
    expect(events.map((e) => e.message)).toEqual(Array.from({ length: 8 }, (_, i) => `line ${i}`));
    expect(events[0]?.at).toEqual(new Date(1_778_750_000_000));
    // Pages of 3, 3, 2, then the end: the same token back.
    expect(service.calls.map((c) => c.op)).toEqual(Array(4).fill('GetLogEvents'));
    expect(service.calls.every((c) => c.input.startFromHead === true)).toBe(true);
    const tokens = service.calls.map((c) => c.input.nextToken);
    expect(tokens[0]).toBeUndefined();
    expect(new Set(tokens.slice(1)).size).toBe(3);
    // The last call passed the token that points past the eighth event, and got it back.
    expect(tokens[3]).toMatch(/^f\/0+8\/s$/);
  });

  it('reads an empty stream in one call', async () => {
    const { service } = await start(3, 0);
    expect(await createLogsPort(client as CloudWatchLogsClient).readStream(GROUP, STREAM)).toEqual([]);
    expect(service.calls).toHaveLength(2);
  });

  it("gives AWS's ResourceNotFoundException for a stream or group that does not exist", async () => {
    await start(3);
    const port = createLogsPort(client as CloudWatchLogsClient);
    await expect(port.readStream(GROUP, 'chat-db/mongo/nope')).rejects.toMatchObject({
      operation: 'GetLogEvents',
      awsCode: 'ResourceNotFoundException',
      awsMessage: 'The specified log stream does not exist.',
    });
    await expect(port.readStream('/ecs/other', STREAM)).rejects.toBeInstanceOf(AwsCallError);
  });
});

describe('GetLogEvents as AWS documents it', () => {
  const world = () => {
    const logs = createLogs({ region: 'eu-central-1', accountId: '123456789012', now: () => 5 });
    logs.createLogGroup(GROUP);
    logs.createLogStream(GROUP, STREAM);
    logs.putLogEvents(
      GROUP,
      STREAM,
      [10, 20, 30, 40].map((t) => ({ timestamp: t, message: `at ${t}` })),
    );
    return logs.module.ops.GetLogEvents as (input: Record<string, unknown>) => {
      events: { timestamp: number; message: string; ingestionTime: number }[];
      nextForwardToken: string;
      nextBackwardToken: string;
    };
  };

  it('returns the newest events without a token unless startFromHead is true', () => {
    const get = world();
    expect(
      get({ logGroupName: GROUP, logStreamName: STREAM, limit: 2 }).events.map((e) => e.timestamp),
    ).toEqual([30, 40]);
    const head = get({ logGroupName: GROUP, logStreamName: STREAM, limit: 2, startFromHead: true });
    expect(head.events).toEqual([
      { timestamp: 10, message: 'at 10', ingestionTime: 5 },
      { timestamp: 20, message: 'at 20', ingestionTime: 5 },
    ]);
  });

  it('pages backward to the head, where the backward token repeats', () => {
    const get = world();
    const newest = get({ logGroupName: GROUP, logStreamName: STREAM, limit: 2 });
    const older = get({
      logGroupName: GROUP,
      logStreamName: STREAM,
      limit: 2,
      nextToken: newest.nextBackwardToken,
    });
    expect(older.events.map((e) => e.timestamp)).toEqual([10, 20]);
    const end = get({
      logGroupName: GROUP,
      logStreamName: STREAM,
      limit: 2,
      nextToken: older.nextBackwardToken,
    });
    expect(end.events).toEqual([]);
    expect(end.nextBackwardToken).toBe(older.nextBackwardToken);
  });

  it('filters on startTime (inclusive) and endTime (exclusive), and takes a log group ARN', () => {
    const get = world();
    const r = get({
      logGroupIdentifier: `arn:aws:logs:eu-central-1:123456789012:log-group:${GROUP}:*`,
      logStreamName: STREAM,
      startFromHead: true,
      startTime: 20,
      endTime: 40,
    });
    expect(r.events.map((e) => e.timestamp)).toEqual([20, 30]);
  });

  it('refuses both group parameters, neither, a bad limit and a token it did not issue', () => {
    const get = world();
    expect(() => get({ logGroupName: GROUP, logGroupIdentifier: GROUP, logStreamName: STREAM })).toThrow(
      /Exactly one of logGroupName or logGroupIdentifier/,
    );
    expect(() => get({ logStreamName: STREAM })).toThrow(/Exactly one/);
    expect(() => get({ logGroupName: GROUP, logStreamName: STREAM, limit: 10_001 })).toThrow(/limit/);
    expect(() => get({ logGroupName: GROUP, logStreamName: STREAM, nextToken: 'f/12' })).toThrow(
      'The specified nextToken is invalid.',
    );
  });
});
