import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postToBot } from '../../src/slack-stand-in/post-to-bot.js';
import { slashCommandBody } from '../../src/slack-stand-in/request-bodies.js';
import { botEnv, TEST_AWS_SECRET_KEY, TEST_BOT_TOKEN, TEST_SIGNING_SECRET } from '../helpers/bot-env.js';
import { type BotProcess, runBotToExit, startBotProcess } from '../helpers/bot-process.js';
import { type FakeSlack, startFakeSlack } from '../helpers/fake-slack.js';

const SECRETS = [TEST_BOT_TOKEN, TEST_SIGNING_SECRET, TEST_AWS_SECRET_KEY];

/** stderr without Node's own warnings (the AWS SDK warns on Node 20 that it will need Node 22). */
function ownLines(stderr: string): string[] {
  const withoutWarnings = stderr.replace(
    /\(node:\d+\) [\s\S]*?to show where the warning was created\)\n/g,
    '',
  );
  return withoutWarnings
    .trim()
    .split('\n')
    .filter((l) => l !== '');
}

describe('the real bot process (node --import tsx src/main.ts)', () => {
  let fake: FakeSlack;
  let bot: BotProcess;

  beforeAll(async () => {
    fake = await startFakeSlack();
    bot = await startBotProcess(botEnv({ SLACK_API_URL: fake.apiUrl, LOG_LEVEL: 'debug' }));
  });

  afterAll(async () => {
    await bot?.kill();
    await fake?.close();
  });

  it('logs one ready line with mode and port, after auth.test', () => {
    expect(bot.ready).toMatchObject({ msg: 'ready', mode: 'http', port: expect.any(Number) });
    expect(bot.port).toBeGreaterThan(0);
    expect(bot.lines.filter((l) => l.msg === 'ready')).toHaveLength(1);
    expect(fake.callsTo('auth.test')).toHaveLength(1);
  });

  it('round-trips a signed help over HTTP', async () => {
    const res = await postToBot(
      bot.url,
      slashCommandBody({ text: 'help', response_url: fake.responseUrl() }),
      {
        secret: TEST_SIGNING_SECRET,
      },
    );
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({
      response_type: 'ephemeral',
      text: expect.stringContaining('`/chatdb-restore list [n]`'),
    });
    await bot.waitForLine((l) => l.msg === 'command' && l.subcommand === 'help' && l.user === 'U0REQUESTER');
  });

  it('refuses an unsigned request with 401', async () => {
    const res = await postToBot(bot.url, slashCommandBody({ text: 'help' }));
    expect(res.status).toBe(401);
  });

  it('answers /healthz', async () => {
    const res = await fetch(`${bot.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok', uptimeSeconds: expect.any(Number) });
  });

  it('stops cleanly on SIGTERM, and never logged a secret', async () => {
    const exit = await bot.stop();
    expect(exit).toEqual({ code: 0, signal: null });
    expect(bot.lines.map((l) => l.msg)).toEqual(
      expect.arrayContaining(['starting', 'ready', 'stopping', 'stopped']),
    );
    expect(bot.lines.every((l) => !l.unparsed)).toBe(true);
    const output = bot.stdout() + bot.stderr();
    for (const secret of SECRETS) expect(output).not.toContain(secret);
  });
});

describe('start-up failures', () => {
  it('lists every configuration problem on stderr and exits 2, without a stack trace', async () => {
    const env = botEnv({ SLACK_SIGNING_SECRET: undefined, CHATDB_STACK_NAME: 'bad_name', PORT: 'eighty' });
    const run = await runBotToExit(env);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^Configuration problems:\n {2}- SLACK_SIGNING_SECRET is missing/);
    expect(run.stderr).toContain('  - PORT is invalid');
    expect(run.stderr).toContain('  - CHATDB_STACK_NAME is invalid');
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(run.stdout).toBe('');
    for (const secret of SECRETS) expect(run.stderr).not.toContain(secret);
  });

  it('says plainly when no Slack credentials are configured at all', async () => {
    const env = botEnv({ SLACK_BOT_TOKEN: undefined, SLACK_SIGNING_SECRET: undefined });
    const run = await runBotToExit(env);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('No Slack credentials are configured');
    expect(run.stderr).toContain('manifest.yml');
  });

  it('exits 1 with a clear line when Slack refuses the token', async () => {
    const fake = await startFakeSlack();
    try {
      fake.failNext('auth.test', 'invalid_auth');
      const run = await runBotToExit(botEnv({ SLACK_API_URL: fake.apiUrl }));
      expect(run.code).toBe(1);
      const fatal = run.stdout
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as { level: number; msg: string })
        .find((l) => l.level === 60);
      expect(fatal?.msg).toBe(
        'Slack did not accept the bot token (auth.test: invalid_auth); check SLACK_BOT_TOKEN and SLACK_API_URL',
      );
      for (const secret of SECRETS) expect(run.stdout + run.stderr).not.toContain(secret);
    } finally {
      await fake.close();
    }
  });

  it('exits 2 with one clear line when no AWS region is configured', async () => {
    const run = await runBotToExit(
      botEnv({
        AWS_REGION: undefined,
        AWS_DEFAULT_REGION: undefined,
        HOME: mkdtempSync(join(tmpdir(), 'home-')),
      }),
    );
    expect(run.code).toBe(2);
    expect(ownLines(run.stderr)).toEqual([
      'No AWS region is configured: set AWS_REGION (ECS sets it in a task), or a region in the AWS profile.',
    ]);
    expect(run.stdout).not.toContain('ready');
  });

  it('exits 2 with one clear line when AWS credentials cannot be resolved', async () => {
    const run = await runBotToExit(
      botEnv({
        AWS_ACCESS_KEY_ID: undefined,
        AWS_SECRET_ACCESS_KEY: undefined,
        HOME: mkdtempSync(join(tmpdir(), 'home-')),
      }),
    );
    expect(run.code).toBe(2);
    const lines = ownLines(run.stderr);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^AWS credentials could not be resolved \(.+\): give the task a role/);
    expect(run.stdout).not.toContain('ready');
  });

  it('says Slack is unreachable, not that it refused the token, when nothing answers', async () => {
    const run = await runBotToExit(botEnv({ SLACK_API_URL: 'http://127.0.0.1:9/api/' }), {
      timeoutMs: 60_000,
    });
    expect(run.code).toBe(1);
    const fatal = run.stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { level: number; msg: string })
      .find((l) => l.level === 60);
    expect(fatal?.msg).toMatch(
      /^Slack is unreachable \(auth\.test: .+\); check SLACK_API_URL and outbound HTTPS$/,
    );
    expect(fatal?.msg).not.toContain('did not accept');
  });
});
