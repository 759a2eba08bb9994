import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, secretValues } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { createSlackApp, type SlackAppHandle } from '../../src/slack/app.js';
import { createWebClient } from '../../src/slack/client.js';
import { postToBot } from '../../src/slack-stand-in/post-to-bot.js';
import { blockActionBody, slashCommandBody } from '../../src/slack-stand-in/request-bodies.js';
import { signSlackRequest } from '../../src/slack-stand-in/signing.js';
import { botEnv, TEST_BOT_TOKEN, TEST_SIGNING_SECRET } from '../helpers/bot-env.js';
import { type FakeSlack, startFakeSlack } from '../helpers/fake-slack.js';
import { captureLogs, type LogCapture } from '../helpers/log-capture.js';
import { FakeRestore } from './support/fake-restore.js';

const VERSION = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

let fake: FakeSlack;
let logs: LogCapture;
let slack: SlackAppHandle;
let base: string;

beforeAll(async () => {
  fake = await startFakeSlack();
  logs = captureLogs();
  const config = loadConfig(botEnv({ SLACK_API_URL: fake.apiUrl }));
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
  const { port, mode } = await slack.start();
  expect(mode).toBe('http');
  base = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  await slack?.stop();
  await fake?.close();
});

/** Nothing but Bolt's start-up auth.test reached Slack, and no listener logged a command. */
function expectNoHandlerRan(): void {
  expect(fake.callsExceptAuth()).toEqual([]);
  expect(fake.responses).toEqual([]);
  expect(logs.lines.filter((l) => l.msg === 'command' || l.msg === 'command refused')).toEqual([]);
}

describe('start', () => {
  it('verifies the bot token with auth.test against SLACK_API_URL', () => {
    const [call, ...more] = fake.callsTo('auth.test');
    expect(more).toEqual([]);
    expect(call?.token).toBe(TEST_BOT_TOKEN);
  });
});

describe('request verification', () => {
  it('answers 401 to an unsigned request and runs no handler', async () => {
    const res = await postToBot(base, slashCommandBody({ text: 'help', response_url: fake.responseUrl() }));
    expect(res.status).toBe(401);
    expectNoHandlerRan();
  });

  it('answers 401 to a forged signature', async () => {
    const body = slashCommandBody({ text: 'help', response_url: fake.responseUrl() });
    const forged = signSlackRequest('0123456789abcdef0123456789abcdef', body)['x-slack-signature'];
    const res = await postToBot(base, body, { signature: forged });
    expect(res.status).toBe(401);
    expectNoHandlerRan();
  });

  it('answers 401 to a correctly signed request six minutes old', async () => {
    const body = slashCommandBody({ text: 'help', response_url: fake.responseUrl() });
    const res = await postToBot(base, body, {
      secret: TEST_SIGNING_SECRET,
      timestamp: Math.floor(Date.now() / 1000) - 6 * 60,
    });
    expect(res.status).toBe(401);
    expectNoHandlerRan();
  });

  it('answers 401 when the body differs from the one signed', async () => {
    const signed = slashCommandBody({ text: 'help', user_id: 'U0REQUESTER' });
    const sent = slashCommandBody({ text: 'help', user_id: 'U0ATTACKER' });
    const headers = signSlackRequest(TEST_SIGNING_SECRET, signed);
    const res = await postToBot(base, sent, { headers: { ...headers } });
    expect(res.status).toBe(401);
    expectNoHandlerRan();
  });
});

describe('/chatdb-restore over signed HTTP', () => {
  async function command(text: string) {
    const res = await postToBot(base, slashCommandBody({ text, response_url: fake.responseUrl() }), {
      secret: TEST_SIGNING_SECRET,
    });
    expect(res.status).toBe(200);
    return res.json as { response_type?: string; text?: string };
  }

  it('answers help with the ephemeral usage text in the ack', async () => {
    const reply = await command('help');
    expect(reply.response_type).toBe('ephemeral');
    expect(reply.text).toContain('`/chatdb-restore list [n]`');
    expect(reply.text).toContain('`/chatdb-restore start &lt;point&gt;`');
    for (const sub of ['status', 'cancel', 'rollback', 'cleanup', 'help']) {
      expect(reply.text).toContain(`\`/chatdb-restore ${sub}\``);
    }
    const line = logs.lines.find((l) => l.msg === 'command' && l.subcommand === 'help');
    expect(line).toMatchObject({ user: 'U0REQUESTER', channel: 'C0INCIDENT' });
  });

  it('answers empty text with the usage text', async () => {
    expect((await command('   ')).text).toContain('`/chatdb-restore start &lt;point&gt;`');
  });

  it('answers an unknown subcommand with what was wrong and the usage text', async () => {
    const reply = await command('restore everything');
    expect(reply.response_type).toBe('ephemeral');
    expect(reply.text).toMatch(/^`restore` is not a subcommand of `\/chatdb-restore`\./);
    expect(reply.text).toContain('`/chatdb-restore list [n]`');
  });

  it('refuses injection-looking text with a specific error', async () => {
    const reply = await command('start $(id)');
    expect(reply.response_type).toBe('ephemeral');
    expect(reply.text).toContain('`$(id)` contains characters that never appear in a recovery point');
  });

  it('answered everything in the ack: no Web API call, no response_url post', () => {
    expect(fake.callsExceptAuth()).toEqual([]);
    expect(fake.responses).toEqual([]);
  });
});

describe('test helpers against Bolt', () => {
  it('blockActionBody is a button click Bolt routes to an action listener', async () => {
    const seen: Array<{ user: string; value: string | undefined; channel: string | undefined }> = [];
    slack.app.action('helper_probe', async ({ ack, body, action }) => {
      await ack();
      if (body.type === 'block_actions' && action.type === 'button') {
        seen.push({ user: body.user.id, value: action.value, channel: body.channel?.id });
      }
    });
    const body = blockActionBody({
      action_id: 'helper_probe',
      value: 'r20261124-abc',
      user_id: 'U0CONFIRMER',
    });
    const res = await postToBot(base, body, { secret: TEST_SIGNING_SECRET });
    expect(res.status).toBe(200);
    expect(seen).toEqual([{ user: 'U0CONFIRMER', value: 'r20261124-abc', channel: 'C0INCIDENT' }]);
  });
});

describe('/healthz', () => {
  it('answers 200 with status, version and uptime', async () => {
    const res = await fetch(`${base}/healthz`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/json');
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toEqual({ status: 'ok', version: VERSION, uptimeSeconds: expect.any(Number) });
    expect(body.uptimeSeconds).toBeGreaterThanOrEqual(0);
  });

  it('answers 404 elsewhere', async () => {
    expect((await fetch(`${base}/nothing-here`)).status).toBe(404);
  });
});

describe('logs', () => {
  it('carry no token or secret, though Bolt logged at debug level', () => {
    expect(logs.lines.some((l) => l.component === 'bolt')).toBe(true);
    const text = logs.text();
    expect(text.length).toBeGreaterThan(0);
    for (const secret of [TEST_BOT_TOKEN, TEST_SIGNING_SECRET]) expect(text).not.toContain(secret);
  });
});
