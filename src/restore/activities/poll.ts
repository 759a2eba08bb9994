import { setTimeout as sleepTimer } from 'node:timers/promises';
import { AwsCallError } from '../../aws/errors.js';

export function abortError(signal?: AbortSignal): Error {
  const error = new Error('The activity was stopped', { cause: signal?.reason });
  error.name = 'AbortError';
  return error;
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortError(signal);
}

/** Waits `ms`, or rejects with an AbortError as soon as `signal` fires. */
export async function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  throwIfAborted(signal);
  try {
    await sleepTimer(ms, undefined, signal ? { signal } : {});
  } catch (error) {
    if ((error as Error).name === 'AbortError') throw abortError(signal);
    throw error;
  }
}

export function clamp(min: number, max: number, value: number): number {
  return Math.min(max, Math.max(min, value));
}

const TRANSIENT_CODES = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
  'InternalFailure',
  'InternalError',
  'InternalServerError',
  'InternalServerException',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'ServiceException',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
]);

/**
 * Throttling that outlived the SDK's own retries, a 5xx, or a dropped connection: worth another
 * try on the next poll, never a reason to fail a stage whose real work is AWS's, not ours.
 */
export function isTransient(error: unknown): boolean {
  if (!(error instanceof AwsCallError)) return false;
  if (TRANSIENT_CODES.has(error.awsCode)) return true;
  const status = (error.cause as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata
    ?.httpStatusCode;
  return status !== undefined && status >= 500;
}
