import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, type CustomRoute, HTTPReceiver, SocketModeReceiver } from '@slack/bolt';
import type { SlackMode } from '../config.js';
import { boltLogger } from '../log.js';
import { slackClientOptions, slackFailure, socketClientOptions } from './client.js';
import type { SlackDeps } from './deps.js';
import { type DrillSchedule, startDrillSchedule } from './drill-schedule.js';
import { healthHandler } from './health.js';
import { register } from './index.js';
import { answerMalformedPayload } from './malformed-payload.js';
import { createNotifier, type Notifier } from './notifier.js';
import { keepSocketConnected, type SocketConnection } from './socket-connection.js';

export const EVENTS_PATH = '/slack/events';
export const HEALTH_PATH = '/healthz';

export type SlackStartErrorCode =
  | 'slack_auth_failed'
  | 'slack_unreachable'
  | 'listen_failed'
  | 'socket_failed';

export class SlackStartError extends Error {
  readonly code: SlackStartErrorCode;

  constructor(code: SlackStartErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SlackStartError';
    this.code = code;
  }
}

export interface SlackAppHandle {
  app: App;
  /** Keeps the session cards and threads in step with the restore service; started by start(). */
  notifier: Notifier;
  /** Verifies the bot token (auth.test), then listens; resolves with the port actually bound. */
  start(): Promise<{ mode: SlackMode; port: number }>;
  stop(): Promise<void>;
}

export function createSlackApp(deps: SlackDeps): SlackAppHandle {
  const { config, logger } = deps;
  const now = deps.now ?? Date.now;
  const health = healthHandler(now(), now);
  const log = boltLogger(logger);
  const clientOptions = slackClientOptions(config);
  const listen = {
    port: config.slack.port,
    ...(config.slack.host === undefined ? {} : { host: config.slack.host }),
  };
  let healthServer: Server | undefined;
  let socket: SocketConnection | undefined;
  let drills: DrillSchedule | undefined;

  // deferInitialization: Bolt would otherwise fire auth.test from the constructor and a bad token
  // would surface as an unhandled rejection; start() awaits it and reports it plainly instead.
  // convoStore false: no listener keeps conversation state, and Bolt's default in-memory store
  // looked every request up and built an Error for the miss (issue 17: acks under a burst).
  let app: App;
  if (config.slack.mode === 'http') {
    const signingSecret = config.slack.signingSecret?.reveal();
    if (signingSecret === undefined)
      throw new Error('HTTP mode without a signing secret: loadConfig prevents this');
    const healthRoute: CustomRoute = { path: HEALTH_PATH, method: ['GET'], handler: health };
    const receiver = new HTTPReceiver({
      signingSecret,
      endpoints: EVENTS_PATH,
      customRoutes: [healthRoute],
      logger: log,
      processEventErrorHandler: answerMalformedPayload,
    });
    app = new App({
      token: config.slack.botToken.reveal(),
      receiver,
      logger: log,
      clientOptions,
      deferInitialization: true,
      convoStore: false,
    });
  } else {
    const appToken = config.slack.appToken?.reveal();
    if (appToken === undefined) throw new Error('Socket Mode without an app token: loadConfig prevents this');
    // The client's own reconnect gives up during an outage and ends the process: see socket-connection.ts.
    const receiver = new SocketModeReceiver({
      appToken,
      logger: log,
      autoReconnectEnabled: false,
      installerOptions: { clientOptions: socketClientOptions(config) },
    });
    socket = keepSocketConnected(receiver.client, config.slack.reconnect, logger, now);
    app = new App({
      token: config.slack.botToken.reveal(),
      receiver,
      socketMode: true,
      logger: log,
      clientOptions,
      deferInitialization: true,
      convoStore: false,
    });
  }

  app.error(async (error) => {
    logger.error({ err: error, code: error.code }, 'unhandled error in a Slack listener');
  });
  const notifier = createNotifier({
    restore: deps.restore,
    client: deps.client,
    config,
    logger,
    ...(deps.mergeRequests === undefined ? {} : { mergeRequests: deps.mergeRequests }),
    ...(deps.now === undefined ? {} : { now: deps.now }),
  });
  register(app, deps);

  return {
    app,
    notifier,
    async start() {
      try {
        await app.init();
      } catch (error) {
        throw authTestError(error);
      }

      // The cards follow the sessions from here on; sessions resumed after start() are picked up too.
      notifier.start();
      const drill = config.chatdb.drill;
      if (drill !== undefined && drills === undefined) {
        drills = startDrillSchedule({
          drill,
          approvers: config.chatdb.approvers,
          restore: deps.restore,
          client: deps.client,
          logger,
          now,
        });
      }

      if (config.slack.mode === 'http') {
        let server: Server;
        try {
          server = (await app.start(listen)) as Server;
        } catch (error) {
          throw new SlackStartError(
            'listen_failed',
            `cannot listen on port ${listen.port}: ${(error as Error).message}`,
            {
              cause: error,
            },
          );
        }
        return { mode: 'http', port: (server.address() as AddressInfo).port };
      }

      // Socket Mode needs no inbound HTTP, but containers and load balancers still probe /healthz.
      const server = createServer(healthOnly(health));
      healthServer = server;
      const port = await listenOn(server, listen);
      try {
        await socket?.open();
      } catch (error) {
        server.close();
        healthServer = undefined;
        throw new SlackStartError(
          'socket_failed',
          `cannot open the Socket Mode connection: ${(error as Error).message}`,
          {
            cause: error,
          },
        );
      }
      return { mode: 'socket', port };
    },
    async stop() {
      drills?.stop();
      drills = undefined;
      socket?.close();
      await app.stop().catch((error: unknown) => {
        logger.debug({ err: error }, 'Slack receiver was not running');
      });
      await notifier.stop();
      const server = healthServer;
      healthServer = undefined;
      if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Answers the health probe and nothing else: Socket Mode's only inbound HTTP. */
function healthOnly(health: RequestListener): RequestListener {
  return (req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (req.method === 'GET' && path === HEALTH_PATH) health(req, res);
    else res.writeHead(404).end();
  };
}

/** The port `server` bound, or a SlackStartError saying why it could not listen. */
function listenOn(server: Server, listen: { port: number; host?: string }): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    server.once('error', (error) =>
      reject(new SlackStartError('listen_failed', `cannot listen on port ${listen.port}: ${error.message}`)),
    );
    server.listen(listen, () => resolve((server.address() as AddressInfo).port));
  });
}

/** auth.test failed: a refusal names the token; no answer (a 5xx, a timeout) says Slack is unreachable. */
function authTestError(error: unknown): SlackStartError {
  const failure = slackFailure(error);
  if (failure.kind === 'refused') {
    return new SlackStartError(
      'slack_auth_failed',
      `Slack did not accept the bot token (auth.test: ${failure.reason}); check SLACK_BOT_TOKEN and SLACK_API_URL`,
      { cause: error },
    );
  }
  return new SlackStartError(
    'slack_unreachable',
    `Slack is unreachable (auth.test: ${failure.reason}); check SLACK_API_URL and outbound HTTPS`,
    { cause: error },
  );
}
