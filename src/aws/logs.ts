// CloudWatch Logs as the check stage reads it: every event of one log stream, oldest first.
//
// GetLogEvents pages forward from the head with nextForwardToken; AWS documents that at the end
// of the stream it "returns the same token you passed in", and that a page can be empty while
// more events follow. The SDK's paginator stops on that repeated token when told to
// (stopOnSameToken), and not on an empty page.

import { type CloudWatchLogsClient, paginateGetLogEvents } from '@aws-sdk/client-cloudwatch-logs';
import { toAwsCallError } from './errors.js';

export interface LogEvent {
  at: Date;
  message: string;
}

export interface LogsPort {
  /**
   * All events of a stream, oldest first. A stream that does not exist (yet) is AWS's
   * ResourceNotFoundException, as an AwsCallError.
   */
  readStream(group: string, stream: string): Promise<LogEvent[]>;
}

/** A guard against a token that never repeats: 10 000 events a page at most, so a million events. */
const MAX_PAGES = 100;

export function createLogsPort(client: CloudWatchLogsClient): LogsPort {
  return {
    async readStream(group, stream) {
      const events: LogEvent[] = [];
      let pages = 0;
      try {
        for await (const page of paginateGetLogEvents(
          { client, stopOnSameToken: true },
          { logGroupName: group, logStreamName: stream, startFromHead: true },
        )) {
          for (const e of page.events ?? []) {
            events.push({ at: new Date(e.timestamp ?? 0), message: e.message ?? '' });
          }
          pages += 1;
          if (pages >= MAX_PAGES) break;
        }
      } catch (error) {
        throw toAwsCallError('GetLogEvents', error);
      }
      return events;
    },
  };
}
