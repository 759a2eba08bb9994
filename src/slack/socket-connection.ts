// Socket Mode's connection, kept open for as long as the process runs.
//
// @slack/socket-mode reconnects by itself, but not through an outage: when apps.connections.open
// keeps failing over HTTP (Slack answering 503), its Web API client gives up after its retries,
// the client treats an HTTP error as unrecoverable and its reconnect timer leaves the rejection
// unhandled, which ends the process and any restore running in it. Its waits also grow without a
// cap. So the client's own reconnect is off and this loop reconnects instead: every failure is
// caught, logged with what Slack said, and followed by a wait that doubles up to a ceiling.

import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../log.js';
import { slackFailure } from './client.js';

export interface ReconnectBackoff {
  firstDelayMs: number;
  maxDelayMs: number;
}

/** What the loop needs of @slack/socket-mode's SocketModeClient. */
export interface SocketClient {
  /** Fetches a WebSocket URL (apps.connections.open) and resolves once Slack says hello. */
  start(): Promise<unknown>;
  disconnect(): Promise<void>;
  /** `disconnected`: the WebSocket closed, and (auto-reconnect being off) nothing reopens it. */
  on(event: 'disconnected', listener: () => void): unknown;
  websocket?: { isActive(): boolean };
}

export interface SocketConnection {
  /** Connects, retrying while Slack is unreachable; rejects only when Slack refuses the app token. */
  open(): Promise<void>;
  /** Stops reconnecting; the receiver's stop() closes the socket itself. */
  close(): void;
}

type Phase = 'start' | 'reconnect';

/**
 * The wait after failed attempt `attempt`. No jitter: one bot per workspace has no herd to spread.
 * Exported for the tests, which relate their fast settings to the defaults' span.
 */
export function reconnectDelay(attempt: number, backoff: ReconnectBackoff): number {
  return Math.min(backoff.maxDelayMs, backoff.firstDelayMs * 2 ** Math.min(attempt - 1, 30));
}

export function keepSocketConnected(
  client: SocketClient,
  backoff: ReconnectBackoff,
  logger: Logger,
  now: () => number = Date.now,
): SocketConnection {
  const log = logger.child({ component: 'socket-mode' });
  let closing = false;
  let connecting = false;
  const stopWaiting = new AbortController();

  /** Logs a failed attempt and returns the wait before the next; at start a refused token throws. */
  const failed = (error: unknown, phase: Phase, attempt: number, since: number): number => {
    const failure = slackFailure(error);
    if (failure.kind === 'refused' && phase === 'start') {
      throw new Error(`Slack did not accept the app token (apps.connections.open: ${failure.reason})`, {
        cause: error,
      });
    }
    const retryInMs = Math.max(reconnectDelay(attempt, backoff), failure.retryAfterMs ?? 0);
    const fields = { attempt, retryInMs, downMs: now() - since, reason: failure.reason };
    if (failure.kind === 'refused') {
      log.error(
        fields,
        'Slack refuses the app token while reconnecting (check SLACK_APP_TOKEN); commands cannot reach the bot, running restores carry on',
      );
    } else {
      log.warn(fields, 'Slack is unreachable; running restores carry on, Socket Mode keeps reconnecting');
    }
    return retryInMs;
  };

  /** Tries until connected or closed. */
  const connect = async (phase: Phase): Promise<void> => {
    const since = now();
    for (let attempt = 1; !closing; attempt += 1) {
      try {
        await client.start();
      } catch (error) {
        if (closing) return;
        const waitMs = failed(error, phase, attempt, since);
        await sleep(waitMs, undefined, { signal: stopWaiting.signal }).catch(() => undefined);
        continue;
      }
      // stop() may have come while the connection was being opened.
      if (closing) await client.disconnect();
      else if (phase === 'reconnect') {
        log.info({ attempts: attempt, downMs: now() - since }, 'Socket Mode connection restored');
      }
      return;
    }
  };

  const reconnect = () => {
    if (closing || connecting || client.websocket?.isActive() === true) return;
    log.info('Socket Mode connection closed; reconnecting');
    connecting = true;
    connect('reconnect')
      .catch((error: unknown) => log.error({ err: error }, 'Socket Mode reconnect loop failed'))
      .finally(() => {
        connecting = false;
      });
  };
  client.on('disconnected', reconnect);

  return {
    async open() {
      connecting = true;
      try {
        await connect('start');
      } finally {
        connecting = false;
      }
    },
    close() {
      closing = true;
      stopWaiting.abort();
    },
  };
}
