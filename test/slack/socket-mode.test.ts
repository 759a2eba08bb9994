import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig, secretValues } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { createSlackApp, type SlackAppHandle, SlackStartError } from '../../src/slack/app.js';
import { createWebClient } from '../../src/slack/client.js';
import { slashCommandPayload } from '../../src/slack-stand-in/request-bodies.js';
import { botEnv, TEST_APP_TOKEN, TEST_BOT_TOKEN } from '../helpers/bot-env.js';
import { type FakeSlack, startFakeSlack } from '../helpers/fake-slack.js';
import { captureLogs, type LogCapture } from '../helpers/log-capture.js';
import { waitFor } from '../helpers/wait.js';
import { FakeRestore } from './support/fake-restore.js';

const UNAVAILABLE = { status: 503, body: 'Service Unavailable' };
const UNREACHABLE = 'Slack is unreachable; running restores carry on, Socket Mode keeps reconnecting';

/** A Socket Mode app against `fake`, reconnecting fast, logging into `logs`. */
function socketApp(fake: FakeSlack, logs: LogCapture): SlackAppHandle {
  const config = loadConfig(
    botEnv({
      SLACK_API_URL: fake.apiUrl,
      SLACK_APP_TOKEN: TEST_APP_TOKEN,
      SLACK_SIGNING_SECRET: undefined,
      SLACK_RECONNECT_DELAY: '10ms',
      SLACK_RECONNECT_MAX_DELAY: '50ms',
    }),
  );
  const logger = createLogger({
    level: 'debug',
    pretty: false,
    destination: logs.stream,
    secrets: secretValues(config),
  });
  return createSlackApp({
    config,
    logger,
    restore: new FakeRestore(),
    client: createWebClient(config, logger),
  });
}

describe('Socket Mode (SLACK_APP_TOKEN set)', () => {
  let fake: FakeSlack;
  let logs: LogCapture;
  let slack: SlackAppHandle;
  let port: number;

  beforeAll(async () => {
    fake = await startFakeSlack();
    logs = captureLogs();
    const config = loadConfig(
      botEnv({
        SLACK_API_URL: fake.apiUrl,
        SLACK_APP_TOKEN: TEST_APP_TOKEN,
        SLACK_SIGNING_SECRET: undefined,
      }),
    );
    const logger = createLogger({
      level: 'debug',
      pretty: false,
      destination: logs.stream,
      secrets: secretValues(config),
    });
    slack = createSlackApp({
      config,
      logger,
      restore: new FakeRestore(),
      client: createWebClient(config, logger),
    });
    const started = await slack.start();
    expect(started.mode).toBe('socket');
    port = started.port;
  });

  afterAll(async () => {
    await slack?.stop();
    await fake?.close();
  });

  it('opens the connection with the app token and checks the bot token', async () => {
    await fake.socket.waitForConnection();
    expect(fake.callsTo('apps.connections.open').map((c) => c.token)).toEqual([TEST_APP_TOKEN]);
    expect(fake.callsTo('auth.test').map((c) => c.token)).toEqual([TEST_BOT_TOKEN]);
  });

  it('acks a help slash command with the usage text', async () => {
    const ack = await fake.socket.send('slash_commands', slashCommandPayload({ text: 'help' }));
    expect(ack.payload).toMatchObject({
      response_type: 'ephemeral',
      text: expect.stringContaining('`/chatdb-restore list [n]`'),
    });
  });

  it('acks an unsafe start with its specific error', async () => {
    const ack = await fake.socket.send('slash_commands', slashCommandPayload({ text: 'start ../../x' }));
    expect(String(ack.payload.text)).toContain(
      '`../../x` contains characters that never appear in a recovery point',
    );
  });

  it('still serves /healthz on PORT', async () => {
    const res = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok' });
    expect((await fetch(`http://127.0.0.1:${port}/slack/events`, { method: 'POST' })).status).toBe(404);
  });

  it('closes the connection and the health port on stop', async () => {
    await slack.stop();
    await waitFor(() => fake.socket.connections() === 0, { what: 'the socket to close' });
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
    const text = logs.text();
    expect(text).not.toContain(TEST_APP_TOKEN);
    expect(text).not.toContain(TEST_BOT_TOKEN);
  });
});

describe('Socket Mode while Slack is unreachable or refuses the app token', () => {
  let fake: FakeSlack;
  let logs: LogCapture;
  let slack: SlackAppHandle | undefined;

  beforeEach(async () => {
    fake = await startFakeSlack();
    logs = captureLogs();
  });

  afterEach(async () => {
    await slack?.stop();
    slack = undefined;
    await fake.close();
  });

  it('keeps trying at start while apps.connections.open answers 503, and connects once it answers', async () => {
    fake.failNext('apps.connections.open', UNAVAILABLE, 3);
    slack = socketApp(fake, logs);
    await expect(slack.start()).resolves.toMatchObject({ mode: 'socket' });
    expect(fake.callsTo('apps.connections.open')).toHaveLength(4);
    const ack = await fake.socket.send('slash_commands', slashCommandPayload({ text: 'help' }));
    expect(String(ack.payload.text)).toContain('`/chatdb-restore list [n]`');
    const unreachable = logs.find(UNREACHABLE);
    expect(unreachable.map((l) => [l.attempt, l.reason])).toEqual([
      [1, 'HTTP 503 Service Unavailable'],
      [2, 'HTTP 503 Service Unavailable'],
      [3, 'HTTP 503 Service Unavailable'],
    ]);
    expect(unreachable.map((l) => l.retryInMs)).toEqual([10, 20, 40]);
  });

  it('refuses to start when Slack refuses the app token, naming the token and not retrying', async () => {
    fake.failNext('apps.connections.open', 'invalid_auth');
    slack = socketApp(fake, logs);
    const error: unknown = await slack.start().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SlackStartError);
    expect(error).toMatchObject({
      code: 'socket_failed',
      message:
        'cannot open the Socket Mode connection: Slack did not accept the app token (apps.connections.open: invalid_auth)',
    });
    expect(fake.callsTo('apps.connections.open')).toHaveLength(1);
    expect(logs.text()).not.toContain(TEST_APP_TOKEN);
  });

  it('logs a refused app token while reconnecting as an error naming the token, and keeps trying', async () => {
    slack = socketApp(fake, logs);
    await slack.start();
    await fake.socket.waitForConnection();
    fake.failNext('apps.connections.open', 'invalid_auth', 2);
    fake.socket.dropAll();
    await waitFor(() => logs.find('Socket Mode connection restored').length === 1, { what: 'the reconnect' });
    const refused = logs.lines.filter((l) => String(l.msg).startsWith('Slack refuses the app token'));
    expect(refused.map((l) => [l.level, l.reason, l.attempt])).toEqual([
      [50, 'invalid_auth', 1],
      [50, 'invalid_auth', 2],
    ]);
    expect(logs.find('Socket Mode connection restored')).toEqual([expect.objectContaining({ attempts: 3 })]);
    expect(logs.find(UNREACHABLE)).toEqual([]);
  });

  it('reconnects after a dropped connection, and stops reconnecting on stop()', async () => {
    slack = socketApp(fake, logs);
    await slack.start();
    await fake.socket.waitForConnection();
    fake.socket.dropAll();
    await fake.socket.waitForConnection();
    expect(fake.callsTo('apps.connections.open')).toHaveLength(2);

    // Slack goes down; stop() arrives while the third refused attempt is in flight.
    const handle = slack;
    let refused = 0;
    let stopped: Promise<void> | undefined;
    fake.script('apps.connections.open', () => {
      refused += 1;
      if (refused === 3) stopped = handle.stop();
      return UNAVAILABLE;
    });
    fake.socket.dropAll();
    await waitFor(() => stopped !== undefined, { what: 'stop() during the outage' });
    await stopped;
    slack = undefined;
    // Several of the longest waits later, nothing has tried again.
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(refused).toBe(3);
    expect(fake.socket.connections()).toBe(0);
    expect(logs.find('Socket Mode connection restored')).toEqual([expect.objectContaining({ attempts: 1 })]);
  });
});
