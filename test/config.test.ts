import path from 'node:path';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, Secret, secretValues } from '../src/config.js';
import { parseDuration } from '../src/restore/duration.js';

const TOKEN = 'xoxb-1111-2222-abcdefsecrettoken';
const APP_TOKEN = 'xapp-1-A111-2222-appsecrettoken';
const SIGNING = 'abcdef0123456789abcdef0123456789';
const GITLAB_TOKEN = 'glpat-secretgitlabtoken';

const VALID = {
  SLACK_BOT_TOKEN: TOKEN,
  SLACK_SIGNING_SECRET: SIGNING,
  CHATDB_STACK_NAME: 'rocket-chat',
  CHATDB_BACKUP_VAULT: 'chat-backups',
  CHATDB_RESTORE_ROLE_ARN: 'arn:aws:iam::123456789012:role/chatdb-restore',
  CHATDB_INSPECTOR_INSTANCE_ID: 'i-0a1b2c3d4e5f60718',
};

function problemsOf(env: Record<string, string | undefined>): readonly string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('applies every default', () => {
    const config = loadConfig(VALID);
    expect(config.slack).toMatchObject({ mode: 'http', apiUrl: 'https://slack.com/api/', port: 3000 });
    expect(config.slack.host).toBeUndefined();
    expect(config.slack.appToken).toBeUndefined();
    expect(config.slack.reconnect).toEqual({ firstDelayMs: 1_000, maxDelayMs: 60_000 });
    expect(config.chatdb).toEqual({
      stackName: 'rocket-chat',
      volumeName: 'chat-db',
      backupVault: 'chat-backups',
      restoreRoleArn: 'arn:aws:iam::123456789012:role/chatdb-restore',
      inspectorInstanceId: 'i-0a1b2c3d4e5f60718',
      inspectorMount: '/mnt/efs/chat-db',
      approvers: { kind: 'anyone' },
      confirmTtlMs: 30 * 60_000,
      stateDir: path.resolve('data'),
      checkDatabase: 'rocketchat',
    });
    expect(config.restore).toEqual({
      pollIntervalMs: 10_000,
      pollMaxIntervalMs: 60_000,
      stackTimeoutMs: 60 * 60_000,
      cardUpdateIntervalMs: 3_000,
      checkMaxWaitMs: 60 * 60_000,
    });
    expect(config.gitlab).toBeUndefined();
    expect(config.log).toEqual({ level: 'info' });
    expect(config.production).toBe(false);
  });

  it('reads every setting when given', () => {
    const config = loadConfig({
      ...VALID,
      SLACK_APP_TOKEN: APP_TOKEN,
      SLACK_API_URL: 'http://127.0.0.1:4567/api/',
      SLACK_RECONNECT_DELAY: '250ms',
      SLACK_RECONNECT_MAX_DELAY: '5m',
      PORT: '8080',
      HOST: '127.0.0.1',
      CHATDB_VOLUME_NAME: 'db-volume',
      CHATDB_INSPECTOR_MOUNT: '/mnt/chat_db.efs/',
      CHATDB_APPROVERS: 'U012AB3CD, W0ABCDEF1,U012AB3CD',
      CHATDB_CONFIRM_TTL: '2h',
      CHATDB_STATE_DIR: '/var/lib/chatdb',
      CHATDB_HEALTH_URL: 'https://chat.example.com/api/info',
      CHATDB_GITLAB_URL: 'https://gitlab.example.com',
      CHATDB_GITLAB_TOKEN: GITLAB_TOKEN,
      CHATDB_GITLAB_PROJECT: 'infra/rocket-chat',
      CHATDB_GITLAB_TEMPLATE_PATH: 'roles/rocket-chat/files/chat.cf.yaml',
      CHATDB_POLL_INTERVAL: '1ms',
      CHATDB_POLL_MAX_INTERVAL: '250ms',
      CHATDB_STACK_TIMEOUT: '1d',
      CHATDB_CARD_UPDATE_INTERVAL: '10s',
      CHATDB_CHECK_DATABASE: 'chat_prod',
      CHATDB_CHECK_MAX_WAIT: '2h',
      LOG_LEVEL: 'DEBUG',
      NODE_ENV: 'production',
    });
    expect(config.slack.mode).toBe('socket');
    expect(config.slack.appToken?.reveal()).toBe(APP_TOKEN);
    expect(config.slack.apiUrl).toBe('http://127.0.0.1:4567/api/');
    expect(config.slack.port).toBe(8080);
    expect(config.slack.reconnect).toEqual({ firstDelayMs: 250, maxDelayMs: 300_000 });
    expect(config.slack.host).toBe('127.0.0.1');
    expect(config.chatdb.volumeName).toBe('db-volume');
    expect(config.chatdb.inspectorMount).toBe('/mnt/chat_db.efs');
    expect(config.chatdb.approvers).toEqual({ kind: 'users', ids: ['U012AB3CD', 'W0ABCDEF1'] });
    expect(config.chatdb.confirmTtlMs).toBe(7_200_000);
    expect(config.chatdb.stateDir).toBe('/var/lib/chatdb');
    expect(config.chatdb.healthUrl).toBe('https://chat.example.com/api/info');
    expect(config.gitlab).toMatchObject({
      url: 'https://gitlab.example.com/',
      project: 'infra/rocket-chat',
      templatePath: 'roles/rocket-chat/files/chat.cf.yaml',
    });
    expect(config.gitlab?.token.reveal()).toBe(GITLAB_TOKEN);
    expect(config.restore).toEqual({
      pollIntervalMs: 1,
      pollMaxIntervalMs: 250,
      stackTimeoutMs: 86_400_000,
      cardUpdateIntervalMs: 10_000,
      checkMaxWaitMs: 7_200_000,
    });
    expect(config.chatdb.checkDatabase).toBe('chat_prod');
    expect(config.log.level).toBe('debug');
    expect(config.production).toBe(true);
  });

  it('takes a user group as approvers', () => {
    expect(loadConfig({ ...VALID, CHATDB_APPROVERS: 'S0123ONCALL' }).chatdb.approvers).toEqual({
      kind: 'group',
      groupId: 'S0123ONCALL',
    });
  });

  it('does not require a signing secret in Socket Mode', () => {
    const config = loadConfig({ ...VALID, SLACK_SIGNING_SECRET: undefined, SLACK_APP_TOKEN: APP_TOKEN });
    expect(config.slack.mode).toBe('socket');
    expect(config.slack.signingSecret).toBeUndefined();
  });

  it('returns a frozen object', () => {
    const config = loadConfig(VALID);
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.slack)).toBe(true);
    expect(Object.isFrozen(config.chatdb.approvers)).toBe(true);
    expect(() => {
      (config.chatdb as { stackName: string }).stackName = 'other';
    }).toThrow(TypeError);
  });

  it('lists every missing required setting on its own line', () => {
    const problems = problemsOf({});
    expect(problems).toHaveLength(6);
    for (const name of [
      'SLACK_BOT_TOKEN',
      'SLACK_SIGNING_SECRET',
      'CHATDB_STACK_NAME',
      'CHATDB_BACKUP_VAULT',
      'CHATDB_RESTORE_ROLE_ARN',
      'CHATDB_INSPECTOR_INSTANCE_ID',
    ]) {
      expect(problems.filter((p) => p.startsWith(`${name} is missing`))).toHaveLength(1);
    }
  });

  it('treats blank values as missing', () => {
    expect(problemsOf({ ...VALID, CHATDB_STACK_NAME: '   ' })).toEqual([
      expect.stringMatching(/^CHATDB_STACK_NAME is missing/),
    ]);
  });

  const invalid: Array<[string, string]> = [
    ['SLACK_BOT_TOKEN', 'xoxp-user-token-1234'],
    ['SLACK_SIGNING_SECRET', 'short'],
    ['SLACK_APP_TOKEN', 'xoxb-not-an-app-token'],
    ['PORT', '70000'],
    ['PORT', '80a'],
    ['HOST', 'not a host'],
    ['SLACK_API_URL', 'https://slack.com/api'],
    ['SLACK_API_URL', 'ftp://slack.com/api/'],
    ['SLACK_API_URL', 'https://user:pw@slack.com/api/'],
    ['CHATDB_STACK_NAME', '1-starts-with-digit'],
    ['CHATDB_STACK_NAME', 'rocket_chat'],
    ['CHATDB_VOLUME_NAME', 'chat db'],
    ['CHATDB_BACKUP_VAULT', 'vault;rm'],
    ['CHATDB_RESTORE_ROLE_ARN', 'arn:aws:iam::12345:role/x'],
    ['CHATDB_RESTORE_ROLE_ARN', 'arn:aws:iam::123456789012:user/x'],
    ['CHATDB_INSPECTOR_INSTANCE_ID', 'i-XYZ'],
    ['CHATDB_INSPECTOR_MOUNT', 'mnt/efs'],
    ['CHATDB_INSPECTOR_MOUNT', '/'],
    ['CHATDB_INSPECTOR_MOUNT', '/mnt/../etc'],
    ['CHATDB_INSPECTOR_MOUNT', '/mnt/efs;reboot'],
    ['CHATDB_INSPECTOR_MOUNT', '/mnt/$(id)'],
    ['CHATDB_APPROVERS', 'alice,bob'],
    ['CHATDB_APPROVERS', 'S0123,U0123ABC'],
    ['CHATDB_CONFIRM_TTL', '30 minutes'],
    ['CHATDB_CONFIRM_TTL', '0s'],
    ['CHATDB_CONFIRM_TTL', '30d'],
    ['CHATDB_HEALTH_URL', 'javascript:alert(1)'],
    ['CHATDB_POLL_INTERVAL', '-1s'],
    ['CHATDB_POLL_MAX_INTERVAL', '1.5m'],
    ['CHATDB_STACK_TIMEOUT', 'forever'],
    ['SLACK_RECONNECT_DELAY', '0ms'],
    ['SLACK_RECONNECT_MAX_DELAY', 'forever'],
    ['CHATDB_CARD_UPDATE_INTERVAL', '3'],
    ['LOG_LEVEL', 'verbose'],
  ];

  it.each(invalid)('%s=%j yields exactly one line naming it', (name, value) => {
    const problems = problemsOf({ ...VALID, [name]: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(new RegExp(`^${name} is (invalid|out of range)`));
  });

  it('reports every bad setting at once, one line each', () => {
    const problems = problemsOf({
      SLACK_BOT_TOKEN: 'nope',
      PORT: 'x',
      CHATDB_STACK_NAME: '!',
      CHATDB_BACKUP_VAULT: 'chat-backups',
      CHATDB_RESTORE_ROLE_ARN: 'bad',
      CHATDB_INSPECTOR_INSTANCE_ID: 'i-0a1b2c3d4e5f60718',
      CHATDB_CONFIRM_TTL: 'soon',
      LOG_LEVEL: 'loud',
    });
    expect(problems.map((p) => p.split(' ')[0])).toEqual([
      'SLACK_BOT_TOKEN',
      'SLACK_SIGNING_SECRET',
      'PORT',
      'CHATDB_STACK_NAME',
      'CHATDB_RESTORE_ROLE_ARN',
      'CHATDB_CONFIRM_TTL',
      'LOG_LEVEL',
    ]);
  });

  it('refuses a check database name that is not a plain name, and a check wait that is not a duration', () => {
    expect(
      problemsOf({
        ...VALID,
        CHATDB_CHECK_DATABASE: "rocketchat'; db.dropDatabase()",
        CHATDB_CHECK_MAX_WAIT: 'long',
      }),
    ).toEqual([
      expect.stringMatching(/^CHATDB_CHECK_DATABASE is invalid: expected a MongoDB database name/),
      expect.stringMatching(/^CHATDB_CHECK_MAX_WAIT is invalid: expected a duration/),
    ]);
  });

  it('refuses a poll ceiling below the poll floor', () => {
    expect(problemsOf({ ...VALID, CHATDB_POLL_INTERVAL: '2m', CHATDB_POLL_MAX_INTERVAL: '1m' })).toEqual([
      expect.stringMatching(/^CHATDB_POLL_MAX_INTERVAL is invalid: it is shorter/),
    ]);
  });

  it('refuses a reconnect ceiling below the first reconnect delay', () => {
    expect(problemsOf({ ...VALID, SLACK_RECONNECT_DELAY: '2m', SLACK_RECONNECT_MAX_DELAY: '1m' })).toEqual([
      expect.stringMatching(/^SLACK_RECONNECT_MAX_DELAY is invalid: it is shorter/),
    ]);
  });

  it('wants the GitLab settings all four or none', () => {
    const problems = problemsOf({ ...VALID, CHATDB_GITLAB_URL: 'https://gitlab.example.com' });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('CHATDB_GITLAB_TOKEN, CHATDB_GITLAB_PROJECT, CHATDB_GITLAB_TEMPLATE_PATH');
    const bad = problemsOf({
      ...VALID,
      CHATDB_GITLAB_URL: 'https://gitlab.example.com',
      CHATDB_GITLAB_TOKEN: 'has space in it',
      CHATDB_GITLAB_PROJECT: 'a/b',
      CHATDB_GITLAB_TEMPLATE_PATH: '../../etc/passwd',
    });
    expect(bad.map((p) => p.split(' ')[0])).toEqual(['CHATDB_GITLAB_TOKEN', 'CHATDB_GITLAB_TEMPLATE_PATH']);
  });

  it('formats the message as a list under one heading', () => {
    try {
      loadConfig({});
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const message = (error as ConfigError).message;
      expect(message.split('\n')[0]).toBe('Configuration problems:');
      expect(
        message
          .split('\n')
          .slice(1)
          .every((l) => l.startsWith('  - ')),
      ).toBe(true);
    }
  });

  it('keeps secrets out of JSON, string conversion and inspect', () => {
    const config = loadConfig({
      ...VALID,
      SLACK_APP_TOKEN: APP_TOKEN,
      CHATDB_GITLAB_URL: 'https://gitlab.example.com',
      CHATDB_GITLAB_TOKEN: GITLAB_TOKEN,
      CHATDB_GITLAB_PROJECT: '42',
      CHATDB_GITLAB_TEMPLATE_PATH: 'chat.cf.yaml',
    });
    const renderings = [JSON.stringify(config), inspect(config, { depth: 10 }), `${config.slack.botToken}`];
    for (const text of renderings) {
      for (const secret of [TOKEN, APP_TOKEN, SIGNING, GITLAB_TOKEN]) expect(text).not.toContain(secret);
    }
    expect(JSON.stringify(config)).toContain('"botToken":"[redacted]"');
    expect(secretValues(config).sort()).toEqual([APP_TOKEN, GITLAB_TOKEN, SIGNING, TOKEN].sort());
    expect(new Secret('x').reveal()).toBe('x');
  });
});

describe('parseDuration', () => {
  it.each([
    ['250ms', 250],
    ['10s', 10_000],
    ['30m', 1_800_000],
    ['2h', 7_200_000],
    ['1d', 86_400_000],
  ])('%s → %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', '10', '1.5h', 'm', '10 s', '-1s', '1w'])('refuses %j', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });
});

describe('scheduled drills', () => {
  it('takes a five-field cron expression and a channel id, both or neither', () => {
    expect(loadConfig(VALID).chatdb.drill).toBeUndefined();
    expect(
      loadConfig({ ...VALID, CHATDB_DRILL_SCHEDULE: ' 0  3 * * 1-5 ', CHATDB_DRILL_CHANNEL: 'C0DRILLS' })
        .chatdb.drill,
    ).toEqual({ schedule: '0 3 * * 1-5', channel: 'C0DRILLS' });
  });

  it.each([
    [{ CHATDB_DRILL_SCHEDULE: '0 3 * * *' }, /set both or neither; missing CHATDB_DRILL_CHANNEL/],
    [{ CHATDB_DRILL_CHANNEL: 'C0DRILLS' }, /set both or neither; missing CHATDB_DRILL_SCHEDULE/],
    [
      { CHATDB_DRILL_SCHEDULE: '0 0 3 * * *', CHATDB_DRILL_CHANNEL: 'C0DRILLS' },
      /expected 5 fields .* got 6/,
    ],
    [{ CHATDB_DRILL_SCHEDULE: '@daily', CHATDB_DRILL_CHANNEL: 'C0DRILLS' }, /expected 5 fields .* got 1/],
    [
      { CHATDB_DRILL_SCHEDULE: '61 3 * * *', CHATDB_DRILL_CHANNEL: 'C0DRILLS' },
      /CHATDB_DRILL_SCHEDULE is invalid: .*59/,
    ],
    [
      { CHATDB_DRILL_SCHEDULE: '0 3 * * *', CHATDB_DRILL_CHANNEL: '#ops' },
      /CHATDB_DRILL_CHANNEL is invalid: expected a channel id/,
    ],
  ])('refuses %j', (extra, problem) => {
    const problems = problemsOf({ ...VALID, ...extra });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(problem);
  });
});
