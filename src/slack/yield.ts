import { setImmediate } from 'node:timers/promises';

/**
 * Resolves after the event loop has handled the I/O already waiting: requests that arrived
 * meanwhile get their acks before a listener's work after its own ack goes on.
 */
export function yieldToPendingRequests(): Promise<void> {
  return setImmediate();
}
