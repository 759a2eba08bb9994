import {
  type SlackStandIn,
  type StandInCall,
  type StandInResponsePost,
  startSlackStandIn,
} from '../../src/slack-stand-in/stand-in.js';
import { attachSocketMode, type FakeSocketMode } from './fake-socket-mode.js';
import { type WaitOptions, waitFor } from './wait.js';

/** The Slack stand-in as the tests use it: with Socket Mode's end, and waits on what it records. */
export interface FakeSlack extends SlackStandIn {
  /** Socket Mode: apps.connections.open hands out a ws:// URL to this. */
  socket: FakeSocketMode;
  waitForCall(
    method: string,
    match?: (call: StandInCall) => boolean,
    opts?: WaitOptions,
  ): Promise<StandInCall>;
  waitForResponse(id: string, opts?: WaitOptions): Promise<StandInResponsePost>;
  /**
   * Slack goes down: every Socket Mode connection drops, then every Web API call (the bot's and
   * the Socket Mode client's apps.connections.open) answers HTTP 503 until `end()`.
   */
  outage(): FakeOutage;
}

/** Slack down, from `outage()` until `end()`. */
export interface FakeOutage {
  /** Calls answered 503 during this outage, of one method or of all. */
  refused(method?: string): number;
  end(): void;
}

export async function startFakeSlack(): Promise<FakeSlack> {
  let socket: FakeSocketMode | undefined;
  let tickets = 0;
  const standIn = await startSlackStandIn({
    attach: (server) => {
      socket = attachSocketMode(server);
    },
    methods: {
      'apps.connections.open': () => {
        tickets += 1;
        return { ok: true, url: `${standIn.url.replace(/^http/, 'ws')}${socket?.path}?ticket=${tickets}` };
      },
    },
  });
  if (socket === undefined) throw new Error('the stand-in did not take the Socket Mode end');
  const ws = socket;
  const close = standIn.close;
  return Object.assign(standIn, {
    socket: ws,
    waitForCall: (
      method: string,
      match: (call: StandInCall) => boolean = () => true,
      opts: WaitOptions = {},
    ) =>
      waitFor(() => standIn.calls.find((c) => c.method === method && match(c)), {
        what: `a ${method} call`,
        ...opts,
      }),
    waitForResponse: (id: string, opts: WaitOptions = {}) =>
      waitFor(() => standIn.responses.find((r) => r.id === id), {
        what: `a post to response_url ${id}`,
        ...opts,
      }),
    outage: (): FakeOutage => {
      const refused: StandInCall[] = [];
      const end = standIn.script('*', (call) => {
        refused.push(call);
        return { status: 503, body: 'Service Unavailable' };
      });
      ws.dropAll();
      return {
        refused: (method?: string) =>
          refused.filter((c) => method === undefined || c.method === method).length,
        end,
      };
    },
    close: async () => {
      // Upgraded sockets are not the HTTP server's to close.
      ws.dropAll();
      await close();
    },
  });
}
