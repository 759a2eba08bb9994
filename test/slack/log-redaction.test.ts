import { describe, expect, it } from 'vitest';
import { loadConfig, secretValues } from '../../src/config.js';
import { boltLogger, createLogger, requestLogger } from '../../src/log.js';
import { botEnv, TEST_BOT_TOKEN, TEST_SIGNING_SECRET } from '../helpers/bot-env.js';
import { captureLogs } from '../helpers/log-capture.js';

// The logger the Slack layer and Bolt write through (src/log.ts); kept beside the Slack tests.

function setup(level: 'info' | 'debug' = 'debug') {
  const logs = captureLogs();
  const config = loadConfig(botEnv());
  const logger = createLogger({
    level,
    pretty: false,
    destination: logs.stream,
    secrets: secretValues(config),
  });
  return { logs, config, logger };
}

describe('createLogger', () => {
  it('writes JSON lines at the configured level', () => {
    const { logs, logger } = setup('info');
    logger.debug('hidden');
    logger.info({ n: 1 }, 'shown');
    expect(logs.lines).toEqual([
      expect.objectContaining({ level: 30, msg: 'shown', n: 1, name: 'chatdb-restore' }),
    ]);
  });

  it('redacts secret fields by name, up to a few levels down', () => {
    const { logs, logger } = setup();
    logger.info(
      {
        token: 'a-token-value',
        headers: { authorization: 'Bearer a-bearer-value', 'x-slack-signature': 'v0=a-signature-value' },
        req: { headers: { authorization: 'Bearer nested-bearer-value' } },
        slack: { client: { signingSecret: 'deep-secret-value' } },
      },
      'request',
    );
    const text = logs.text();
    for (const v of [
      'a-token-value',
      'a-bearer-value',
      'a-signature-value',
      'nested-bearer-value',
      'deep-secret-value',
    ]) {
      expect(text).not.toContain(v);
    }
    expect(logs.lines[0]).toMatchObject({ token: '[redacted]', headers: { authorization: '[redacted]' } });
  });

  it("redacts down to the fourth level, inside arrays and in a child's bindings by name, leaving the objects logged as they were", () => {
    const { logs, logger } = setup();
    const logged = {
      a: { b: { c: { password: 'level-four-value' } } },
      list: [{ token: 'array-token-value' }],
      other: 'kept',
    };
    logger.child({ secret: 'binding-secret-value', user: 'U0REQUESTER' }).info(logged, 'deep');
    const text = logs.text();
    for (const v of ['level-four-value', 'array-token-value', 'binding-secret-value']) {
      expect(text).not.toContain(v);
    }
    expect(logs.lines[0]).toMatchObject({
      secret: '[redacted]',
      user: 'U0REQUESTER',
      a: { b: { c: { password: '[redacted]' } } },
      list: [{ token: '[redacted]' }],
      other: 'kept',
    });
    expect(logged.a.b.c.password).toBe('level-four-value');
    expect(logged.list[0]?.token).toBe('array-token-value');
  });

  it('keeps an error whole (type, message) while redacting what it carries, such as a request header', () => {
    const { logs, logger } = setup();
    // As an HTTP client's error carries the request it made.
    const err = Object.assign(new TypeError('request failed'), {
      config: { headers: { Authorization: 'Bearer header-bearer-value' } },
    });
    logger.error({ err, session: 'r1' }, 'call failed');
    logger.error(err);
    expect(logs.text()).not.toContain('header-bearer-value');
    for (const line of logs.lines) {
      expect(line).toMatchObject({
        err: {
          type: 'TypeError',
          message: 'request failed',
          config: { headers: { Authorization: '[redacted]' } },
        },
      });
    }
    expect(logs.lines[0]).toMatchObject({ session: 'r1' });
    expect(err.config.headers.Authorization).toBe('Bearer header-bearer-value');
  });

  it('blanks the configured secrets wherever they appear, even inside message text', () => {
    const { logs, logger, config } = setup();
    logger.info(`formatted by someone else: ${TEST_BOT_TOKEN} and ${TEST_SIGNING_SECRET}`);
    logger.warn({ detail: { note: `Bearer ${TEST_BOT_TOKEN}` } }, 'nested');
    logger.error({ err: new Error(`bad token ${TEST_BOT_TOKEN}`) }, 'error');
    logger.info({ config }, 'the whole config');
    const text = logs.text();
    expect(logs.lines).toHaveLength(4);
    expect(text).not.toContain(TEST_BOT_TOKEN);
    expect(text).not.toContain(TEST_SIGNING_SECRET);
    expect(text).toContain('[redacted]');
  });
});

describe('requestLogger', () => {
  it('binds user, channel and session to every line', () => {
    const { logs, logger } = setup();
    requestLogger(logger, { user: 'U0REQUESTER', channel: 'C0INCIDENT', session: 'r1' }).info('hello');
    requestLogger(logger, { user: 'U0OTHER' }).info('bye');
    expect(logs.lines[0]).toMatchObject({
      user: 'U0REQUESTER',
      channel: 'C0INCIDENT',
      session: 'r1',
      msg: 'hello',
    });
    expect(logs.lines[1]).not.toHaveProperty('channel');
    expect(logs.lines[1]).toMatchObject({ user: 'U0OTHER' });
  });
});

describe('boltLogger', () => {
  it('adapts Bolt calls to pino lines tagged component=bolt', () => {
    const { logs, logger } = setup();
    const bolt = boltLogger(logger);
    bolt.info('Now', 'connected', { attempt: 2 });
    bolt.error('Slack API error:', new Error('not_in_channel'));
    expect(logs.lines[0]).toMatchObject({
      component: 'bolt',
      level: 30,
      msg: 'Now connected { attempt: 2 }',
    });
    expect(logs.lines[1]).toMatchObject({ component: 'bolt', level: 50, msg: 'Slack API error:' });
    expect(logs.lines[1]).toMatchObject({ err: { message: 'not_in_channel' } });
  });

  it('reports the root level and ignores Bolt forcing its own', () => {
    const { logs, logger } = setup('info');
    const bolt = boltLogger(logger);
    expect(bolt.getLevel()).toBe('info');
    bolt.setLevel('debug' as never);
    bolt.debug('still hidden');
    bolt.setName('socket-mode');
    bolt.warn('renamed');
    expect(logs.lines).toEqual([expect.objectContaining({ component: 'socket-mode', msg: 'renamed' })]);
  });
});
