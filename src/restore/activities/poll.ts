import { setTimeout as sleepTimer } from 'node:timers/promises';
import { isServerError, isThrottlingError, isTransientError } from '@smithy/service-error-classification';
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

/**
 * Throttling that outlived the SDK's own retries, a 5xx, or a dropped connection: worth another
 * try on the next poll, never a reason to fail a stage whose real work is AWS's, not ours. The
 * SDK's own classification (@smithy/service-error-classification) decides.
 */
export function isTransient(error: unknown): boolean {
  if (!(error instanceof AwsCallError)) return false;
  // The SDK's error when there is one; otherwise AWS's code is all there is to go on.
  const sdkError = (
    typeof error.cause === 'object' && error.cause !== null
      ? error.cause
      : Object.assign(new Error(error.awsMessage), { name: error.awsCode })
  ) as Parameters<typeof isTransientError>[0];
  return isThrottlingError(sdkError) || isTransientError(sdkError) || isServerError(sdkError);
}
