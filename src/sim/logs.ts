// CloudWatch Logs, as much of it as a one-off task's awslogs output needs: log groups, streams the
// awslogs driver creates when the container starts, and GetLogEvents (awsJson1_1, target prefix
// Logs_20140328), as the API reference documents it:
// - logStreamName and exactly one of logGroupName or logGroupIdentifier (a name or an ARN);
// - events with startTime <= timestamp < endTime, at most `limit` (default and maximum 10,000);
// - without a token, startFromHead false (the default) returns the newest events, true the oldest;
// - nextForwardToken and nextBackwardToken are always present; at the end of the stream in a
//   direction, the token returned is the one passed in;
// - a missing group or stream is ResourceNotFoundException.
// Not modelled: the 1 MB page limit, empty pages before the end, token expiry (24 hours),
// unmask, cross-account identifiers, and every other operation.

import type { OpInput } from './kernel.js';
import { SimError } from './kernel.js';

export interface LogsWorld {
  module: { name: 'logs'; ops: Readonly<Record<string, (input: OpInput) => unknown>> };
  createLogGroup(name: string): void;
  /** What the awslogs driver does when a container starts; a second call is a no-op. */
  createLogStream(group: string, stream: string): void;
  putLogEvents(group: string, stream: string, events: { timestamp: number; message: string }[]): void;
  state(): { group: string; stream: string; events: number }[];
}

interface StoredEvent {
  timestamp: number;
  message: string;
  ingestionTime: number;
}

const MAX_LIMIT = 10_000;

export function createLogs(opts: {
  region: string;
  accountId: string;
  now(): number;
  pageSize?: number;
}): LogsWorld {
  const groups = new Map<string, Map<string, StoredEvent[]>>();
  const pageSize = opts.pageSize ?? MAX_LIMIT;

  const groupNamed = (input: OpInput): Map<string, StoredEvent[]> => {
    const { logGroupName: name, logGroupIdentifier: identifier } = input;
    if ((name === undefined) === (identifier === undefined)) {
      throw new SimError(
        'InvalidParameterException',
        'Exactly one of logGroupName or logGroupIdentifier must be specified.',
      );
    }
    const ref = String(name ?? identifier);
    const arnPrefix = `arn:aws:logs:${opts.region}:${opts.accountId}:log-group:`;
    const groupName = ref.startsWith(arnPrefix) ? ref.slice(arnPrefix.length).replace(/:\*$/, '') : ref;
    const group = groups.get(groupName);
    if (!group) throw new SimError('ResourceNotFoundException', 'The specified log group does not exist.');
    return group;
  };

  const ops = {
    GetLogEvents(input: OpInput) {
      if (typeof input.logStreamName !== 'string' || input.logStreamName === '') {
        throw new SimError('InvalidParameterException', 'logStreamName is required.');
      }
      const stored = groupNamed(input).get(input.logStreamName);
      if (!stored)
        throw new SimError('ResourceNotFoundException', 'The specified log stream does not exist.');
      const limit = limitOf(input.limit, pageSize);
      const from = input.startTime === undefined ? -Infinity : Number(input.startTime);
      const to = input.endTime === undefined ? Infinity : Number(input.endTime);
      const events = stored.filter((e) => e.timestamp >= from && e.timestamp < to);
      const token =
        input.nextToken === undefined || input.nextToken === null
          ? undefined
          : parseToken(String(input.nextToken));
      const forward = token ? token.direction === 'f' : input.startFromHead === true;
      let start: number;
      let end: number;
      if (forward) {
        start = Math.min(token?.position ?? 0, events.length);
        end = Math.min(start + limit, events.length);
      } else {
        end = Math.min(token?.position ?? events.length, events.length);
        start = Math.max(0, end - limit);
      }
      return {
        events: events.slice(start, end),
        nextForwardToken: formatToken('f', end),
        nextBackwardToken: formatToken('b', start),
      };
    },
  };

  return {
    module: { name: 'logs', ops },
    createLogGroup(name) {
      if (!groups.has(name)) groups.set(name, new Map());
    },
    createLogStream(group, stream) {
      const g = groups.get(group);
      if (!g) throw new Error(`no log group ${group}`);
      if (!g.has(stream)) g.set(stream, []);
    },
    putLogEvents(group, stream, events) {
      const s = groups.get(group)?.get(stream);
      if (!s) throw new Error(`no log stream ${group} ${stream}`);
      const ingestionTime = opts.now();
      s.push(...events.map((e) => ({ ...e, ingestionTime })));
      s.sort((a, b) => a.timestamp - b.timestamp);
    },
    state() {
      return [...groups].flatMap(([group, streams]) =>
        [...streams].map(([stream, events]) => ({ group, stream, events: events.length })),
      );
    },
  };
}

function limitOf(value: unknown, pageSize: number): number {
  if (value === undefined || value === null) return pageSize;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > MAX_LIMIT) {
    throw new SimError('InvalidParameterException', `limit must be between 1 and ${MAX_LIMIT}.`);
  }
  return Math.min(n, pageSize);
}

/** Tokens look like AWS's own (`f/<56 digits>/s`, `b/…`): a direction and a position. */
function formatToken(direction: 'f' | 'b', position: number): string {
  return `${direction}/${String(position).padStart(56, '0')}/s`;
}

function parseToken(token: string): { direction: 'f' | 'b'; position: number } {
  const m = /^([fb])\/(\d{56})\/s$/.exec(token);
  if (!m) throw new SimError('InvalidParameterException', 'The specified nextToken is invalid.');
  return { direction: m[1] as 'f' | 'b', position: Number(m[2]) };
}
