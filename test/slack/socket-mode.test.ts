import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, secretValues } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { createSlackApp, type SlackAppHandle } from '../../src/slack/app.js';
import { slashCommandPayload } from '../../src/slack-stand-in/request-bodies.js';
import { botEnv, TEST_APP_TOKEN, TEST_BOT_TOKEN } from '../helpers/bot-env.js';
import { type FakeSlack, startFakeSlack } from '../helpers/fake-slack.js';
import { captureLogs, type LogCapture } from '../helpers/log-capture.js';
import { waitFor } from '../helpers/wait.js';
import { FakeRestore } from './support/fake-restore.js';

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
    slack = createSlackApp({ config, logger, restore: new FakeRestore() });
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
