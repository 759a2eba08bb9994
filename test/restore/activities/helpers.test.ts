import { describe, expect, it } from 'vitest';
import { AwsCallError, toAwsCallError } from '../../../src/aws/errors.js';
import type { StackEvent } from '../../../src/aws/ports.js';
import { firstFailureReason, isTransient, remainingTimeMs } from '../../../src/restore/activities/index.js';

const at = (s: number) => new Date(Date.UTC(2026, 10, 24, 12, 0, s));
const event = (s: number, logicalId: string, status: string, reason?: string): StackEvent => ({
  id: `${logicalId}-${s}`,
  at: at(s),
  logicalId,
  status,
  ...(reason !== undefined ? { reason } : {}),
});

describe('firstFailureReason', () => {
  it('is the oldest failed resource of the latest update, not the stack summary nor an earlier update', () => {
    // Newest first, as DescribeStackEvents returns them.
    const events = [
      event(9, 'rocket-chat', 'UPDATE_ROLLBACK_COMPLETE'),
      event(8, 'ChatService', 'UPDATE_FAILED', 'Resource update cancelled'),
      event(
        7,
        'rocket-chat',
        'UPDATE_ROLLBACK_IN_PROGRESS',
        'The following resource(s) failed to update: [DbService].',
      ),
      event(6, 'DbService', 'UPDATE_FAILED', 'ECS Deployment Circuit Breaker was triggered'),
      event(5, 'DbTaskDefinition', 'UPDATE_COMPLETE'),
      event(4, 'rocket-chat', 'UPDATE_IN_PROGRESS', 'User Initiated'),
      event(3, 'rocket-chat', 'UPDATE_ROLLBACK_COMPLETE'),
      event(2, 'DbService', 'UPDATE_FAILED', 'an older failure'),
      event(1, 'rocket-chat', 'UPDATE_IN_PROGRESS', 'User Initiated'),
    ];
    expect(firstFailureReason(events, 'rocket-chat')).toBe('ECS Deployment Circuit Breaker was triggered');
    expect(firstFailureReason(events.slice(0, 3), 'rocket-chat')).toBe('Resource update cancelled');
    expect(firstFailureReason([events[0] as StackEvent], 'rocket-chat')).toBeUndefined();
  });
});

describe('remainingTimeMs', () => {
  const now = at(0).getTime();
  it('scales AWS expected minutes by the share not yet done', () => {
    expect(
      remainingTimeMs({ id: 'j', status: 'RUNNING', expectedCompletionMinutes: 40, percentDone: 25 }, now),
    ).toBe(30 * 60_000);
  });
  it('without a percentage, counts from the job creation; never negative', () => {
    const job = {
      id: 'j',
      status: 'PENDING',
      expectedCompletionMinutes: 10,
      createdAt: new Date(now - 4 * 60_000),
    };
    expect(remainingTimeMs(job, now)).toBe(6 * 60_000);
    expect(remainingTimeMs({ ...job, createdAt: new Date(now - 60 * 60_000) }, now)).toBe(0);
  });
  it('is unknown without an estimate', () => {
    expect(remainingTimeMs({ id: 'j', status: 'RUNNING', percentDone: 50 }, now)).toBeUndefined();
  });
});

describe('isTransient', () => {
  /** An AWS failure as the SDK throws it (error name, HTTP status), wrapped as the ports wrap it. */
  const failed = (operation: string, name: string, status: number): AwsCallError =>
    toAwsCallError(
      operation,
      Object.assign(new Error(`${name} from AWS`), { name, $metadata: { httpStatusCode: status } }),
    );

  it('throttling and 5xx are worth another poll; a client error is not', () => {
    expect(isTransient(failed('DescribeRestoreJob', 'ThrottlingException', 400))).toBe(true);
    expect(isTransient(failed('DescribeStacks', 'Throttling', 400))).toBe(true);
    expect(isTransient(failed('DescribeServices', 'SomethingOdd', 502))).toBe(true);
    expect(isTransient(failed('DescribeStacks', 'ValidationError', 400))).toBe(false);
    expect(isTransient(failed('DescribeStacks', 'AccessDenied', 403))).toBe(false);
    expect(isTransient(new Error('ThrottlingException'))).toBe(false);
  });

  it("an AwsCallError without the SDK's error is judged by its code", () => {
    expect(isTransient(new AwsCallError('DescribeRestoreJob', 'ThrottlingException', 'Rate exceeded'))).toBe(
      true,
    );
    expect(isTransient(new AwsCallError('DescribeStacks', 'ValidationError', 'Stack does not exist'))).toBe(
      false,
    );
  });

  it("a dropped connection or a waiter's timeout is worth another poll", () => {
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    expect(isTransient(toAwsCallError('DescribeServices', reset))).toBe(true);
    const waiter = Object.assign(new Error('{"state":"TIMEOUT"}'), { name: 'TimeoutError' });
    expect(isTransient(toAwsCallError('waitUntilStackUpdateComplete', waiter))).toBe(true);
  });
});
