import { isIP } from 'node:net';
import path from 'node:path';
import { inspect } from 'node:util';
import { cronProblem } from './cron.js';
import { DEFAULT_CHECK_DATABASE } from './restore/check/check-command.js';
import { parseDuration, UNIT_MS } from './restore/duration.js';

/**
 * A secret setting. Its value is reachable only through `reveal()`: JSON, string conversion and
 * `util.inspect` (console.log, pino's serialisers) all print `[redacted]`, so logging the whole
 * config can never leak a token.
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  reveal(): string {
    return this.#value;
  }

  toJSON(): string {
    return '[redacted]';
  }

  toString(): string {
    return '[redacted]';
  }

  [inspect.custom](): string {
    return '[redacted]';
  }
}

export type SlackMode = 'http' | 'socket';

export type ApproversSetting =
  | { kind: 'anyone' }
  | { kind: 'group'; groupId: string }
  | { kind: 'users'; ids: readonly string[] };

export type LogLevelName = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface SlackConfig {
  /** `socket` when SLACK_APP_TOKEN is set, `http` otherwise. */
  mode: SlackMode;
  botToken: Secret;
  /** Required in HTTP mode; Socket Mode does not sign requests. */
  signingSecret?: Secret;
  appToken?: Secret;
  /** Web API base URL, always ending in `/api/`. */
  apiUrl: string;
  /** 0 lets the OS pick a free port; the `ready` log line names the one it got. */
  port: number;
  /** Interface to listen on; undefined means every interface. */
  host?: string;
  /** Socket Mode's wait before reconnecting, doubling after each failed attempt up to the cap. */
  reconnect: { firstDelayMs: number; maxDelayMs: number };
}

export interface ChatDbConfig {
  stackName: string;
  volumeName: string;
  backupVault: string;
  restoreRoleArn: string;
  inspectorInstanceId: string;
  /** Where the chat-db file system is mounted on the inspection host; no trailing slash. */
  inspectorMount: string;
  approvers: ApproversSetting;
  confirmTtlMs: number;
  /** Absolute. */
  stateDir: string;
  healthUrl?: string;
  /** The database the check stage validates: Rocket.Chat's (`rocketchat`) unless MONGO_URL names another. */
  checkDatabase: string;
  /** Scheduled drills: a five-field cron expression (UTC) and the channel their cards go to. */
  drill?: DrillScheduleConfig;
}

export interface DrillScheduleConfig {
  schedule: string;
  channel: string;
}

export interface RestoreTimingConfig {
  pollIntervalMs: number;
  pollMaxIntervalMs: number;
  stackTimeoutMs: number;
  cardUpdateIntervalMs: number;
  /** How long the check task may take, from RunTask to STOPPED, before it is stopped. */
  checkMaxWaitMs: number;
}

export interface GitLabConfig {
  url: string;
  token: Secret;
  project: string;
  templatePath: string;
}

export interface Config {
  slack: SlackConfig;
  chatdb: ChatDbConfig;
  restore: RestoreTimingConfig;
  gitlab?: GitLabConfig;
  log: { level: LogLevelName };
  /** NODE_ENV=production: JSON logs even on a terminal. */
  production: boolean;
}

export class ConfigError extends Error {
  readonly code = 'invalid_config';
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`Configuration problems:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

// Node's timers overflow to "fire at once" past 2^31-1 ms (~24.8 days); nothing we wait for is
// anywhere near that, so a week is the ceiling for every duration.
const MAX_DURATION_MS = 7 * UNIT_MS.d;

const LOG_LEVELS: readonly LogLevelName[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

const PATTERNS = {
  botToken: /^xoxb-[A-Za-z0-9-]{8,250}$/,
  appToken: /^xapp-[A-Za-z0-9-]{8,250}$/,
  // Slack issues 32 hex characters; anything of letters and digits this long is accepted.
  signingSecret: /^[A-Za-z0-9]{16,256}$/,
  // CloudFormation's own rule for stack names.
  stackName: /^[A-Za-z][A-Za-z0-9-]{0,127}$/,
  // The ECS task definition volume name rule.
  volumeName: /^[A-Za-z0-9_-]{1,255}$/,
  // AWS Backup's rule for vault names.
  backupVault: /^[A-Za-z0-9_-]{2,50}$/,
  restoreRoleArn: /^arn:aws(-[a-z]+)*:iam::\d{12}:role\/[A-Za-z0-9+=,.@_/-]{1,512}$/,
  instanceId: /^i-[0-9a-f]{8,17}$/,
  mountPath: /^\/[A-Za-z0-9._/-]+$/,
  userId: /^[UW][A-Z0-9]{2,30}$/,
  groupId: /^S[A-Z0-9]{2,30}$/,
  channelId: /^[CG][A-Z0-9]{2,30}$/,
  hostname: /^[A-Za-z0-9]([A-Za-z0-9.-]{0,252}[A-Za-z0-9])?$/,
  gitlabToken: /^[A-Za-z0-9_.-]{8,256}$/,
  // A numeric project id or a `group/subgroup/project` path.
  gitlabProject: /^(\d{1,20}|[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+){1,20})$/,
  repoPath: /^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/,
  // Stricter than MongoDB's own rule; the check task's wrapper checks it again.
  databaseName: /^[A-Za-z0-9_-]{1,63}$/,
} as const;

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Every setting from the environment, validated in one pass: a bad deployment learns about all of
 * its problems at once, not one per restart.
 */
export function loadConfig(env: Env = process.env): Config {
  const problems: string[] = [];
  const read = (name: string): string | undefined => {
    const raw = env[name];
    if (raw === undefined) return undefined;
    const value = raw.trim();
    return value === '' ? undefined : value;
  };
  const required = (name: string, what: string): string | undefined => {
    const value = read(name);
    if (value === undefined) problems.push(`${name} is missing: ${what}`);
    return value;
  };
  const matching = (name: string, value: string | undefined, pattern: RegExp, what: string) => {
    if (value === undefined) return undefined;
    if (!pattern.test(value)) {
      problems.push(`${name} is invalid: expected ${what}`);
      return undefined;
    }
    return value;
  };
  const duration = (name: string, fallback: string): number => {
    const text = read(name) ?? fallback;
    const ms = parseDuration(text);
    if (ms === undefined) {
      problems.push(`${name} is invalid: expected a duration like 250ms, 10s, 30m, 2h or 1d`);
      return parseDuration(fallback) ?? 0;
    }
    if (ms < 1 || ms > MAX_DURATION_MS) {
      problems.push(`${name} is out of range: expected 1ms to 7d`);
      return parseDuration(fallback) ?? 0;
    }
    return ms;
  };
  const httpUrl = (name: string, value: string | undefined): string | undefined => {
    if (value === undefined) return undefined;
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      problems.push(`${name} is invalid: expected an http(s) URL`);
      return undefined;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      problems.push(`${name} is invalid: expected an http(s) URL`);
      return undefined;
    }
    if (url.username !== '' || url.password !== '') {
      problems.push(`${name} is invalid: credentials do not belong in the URL`);
      return undefined;
    }
    return url.href;
  };

  // --- Slack
  const appTokenText = matching(
    'SLACK_APP_TOKEN',
    read('SLACK_APP_TOKEN'),
    PATTERNS.appToken,
    'an app-level token starting with xapp-',
  );
  const socketMode = read('SLACK_APP_TOKEN') !== undefined;
  const botTokenText = matching(
    'SLACK_BOT_TOKEN',
    required('SLACK_BOT_TOKEN', 'the bot token (xoxb-…) from the Slack app’s OAuth & Permissions page'),
    PATTERNS.botToken,
    'a bot token starting with xoxb-',
  );
  const signingText = matching(
    'SLACK_SIGNING_SECRET',
    socketMode
      ? read('SLACK_SIGNING_SECRET')
      : required(
          'SLACK_SIGNING_SECRET',
          'HTTP mode (no SLACK_APP_TOKEN) verifies every request with the app’s signing secret',
        ),
    PATTERNS.signingSecret,
    'the signing secret from the Slack app’s Basic Information page (letters and digits)',
  );
  let apiUrl = 'https://slack.com/api/';
  const apiUrlText = httpUrl('SLACK_API_URL', read('SLACK_API_URL'));
  if (apiUrlText !== undefined) {
    if (new URL(apiUrlText).pathname.endsWith('/api/')) apiUrl = apiUrlText;
    else problems.push('SLACK_API_URL is invalid: the Web API base must end in /api/');
  }
  let port = 3000;
  const portText = read('PORT');
  if (portText !== undefined) {
    if (/^\d{1,5}$/.test(portText) && Number(portText) <= 65535) port = Number(portText);
    else problems.push('PORT is invalid: expected a port number 0..65535 (0 picks a free port)');
  }
  const reconnectFirstMs = duration('SLACK_RECONNECT_DELAY', '1s');
  const reconnectMaxMs = duration('SLACK_RECONNECT_MAX_DELAY', '60s');
  if (reconnectMaxMs < reconnectFirstMs) {
    problems.push('SLACK_RECONNECT_MAX_DELAY is invalid: it is shorter than SLACK_RECONNECT_DELAY');
  }
  const hostText = read('HOST');
  let host: string | undefined;
  if (hostText !== undefined) {
    if (isIP(hostText) !== 0 || PATTERNS.hostname.test(hostText)) host = hostText;
    else problems.push('HOST is invalid: expected an IP address or a host name');
  }

  // --- chat-db
  const stackName = matching(
    'CHATDB_STACK_NAME',
    required('CHATDB_STACK_NAME', 'the CloudFormation stack that runs Rocket.Chat and chat-db'),
    PATTERNS.stackName,
    'a CloudFormation stack name (a letter, then letters, digits and hyphens)',
  );
  const volumeName =
    matching(
      'CHATDB_VOLUME_NAME',
      read('CHATDB_VOLUME_NAME'),
      PATTERNS.volumeName,
      'an ECS volume name (letters, digits, _ and -)',
    ) ?? 'chat-db';
  const checkDatabase =
    matching(
      'CHATDB_CHECK_DATABASE',
      read('CHATDB_CHECK_DATABASE'),
      PATTERNS.databaseName,
      'a MongoDB database name (letters, digits, _ and -, at most 63)',
    ) ?? DEFAULT_CHECK_DATABASE;
  const backupVault = matching(
    'CHATDB_BACKUP_VAULT',
    required('CHATDB_BACKUP_VAULT', 'the AWS Backup vault that holds chat-db’s recovery points'),
    PATTERNS.backupVault,
    'an AWS Backup vault name (2-50 letters, digits, _ and -)',
  );
  const restoreRoleArn = matching(
    'CHATDB_RESTORE_ROLE_ARN',
    required('CHATDB_RESTORE_ROLE_ARN', 'the IAM role AWS Backup assumes to restore'),
    PATTERNS.restoreRoleArn,
    'an IAM role ARN like arn:aws:iam::123456789012:role/name',
  );
  const inspectorInstanceId = matching(
    'CHATDB_INSPECTOR_INSTANCE_ID',
    required('CHATDB_INSPECTOR_INSTANCE_ID', 'the EC2 instance (SSM-managed) that mounts the chat-db EFS'),
    PATTERNS.instanceId,
    'an EC2 instance id like i-0a1b2c3d4e5f60718',
  );
  let inspectorMount = '/mnt/efs/chat-db';
  const mountText = read('CHATDB_INSPECTOR_MOUNT');
  if (mountText !== undefined) {
    // The mount path reaches shell scripts on the inspection host: only plain path characters.
    const trimmed = mountText.replace(/\/+$/, '');
    if (PATTERNS.mountPath.test(trimmed) && !trimmed.includes('..')) {
      inspectorMount = trimmed;
    } else {
      problems.push(
        'CHATDB_INSPECTOR_MOUNT is invalid: expected an absolute path of letters, digits, . _ - and /, without ..',
      );
    }
  }
  const approvers = parseApprovers(read('CHATDB_APPROVERS'), problems);
  const confirmTtlMs = duration('CHATDB_CONFIRM_TTL', '30m');
  const stateDirText = read('CHATDB_STATE_DIR') ?? './data';
  let stateDir = path.resolve('data');
  if (stateDirText.includes('\0')) problems.push('CHATDB_STATE_DIR is invalid: expected a directory path');
  else stateDir = path.resolve(stateDirText);
  const healthUrl = httpUrl('CHATDB_HEALTH_URL', read('CHATDB_HEALTH_URL'));
  const drill = parseDrillSchedule(read, problems);

  // --- restore timing
  const pollIntervalMs = duration('CHATDB_POLL_INTERVAL', '10s');
  const pollMaxIntervalMs = duration('CHATDB_POLL_MAX_INTERVAL', '60s');
  if (pollMaxIntervalMs < pollIntervalMs) {
    problems.push('CHATDB_POLL_MAX_INTERVAL is invalid: it is shorter than CHATDB_POLL_INTERVAL');
  }
  const stackTimeoutMs = duration('CHATDB_STACK_TIMEOUT', '60m');
  const cardUpdateIntervalMs = duration('CHATDB_CARD_UPDATE_INTERVAL', '3s');
  const checkMaxWaitMs = duration('CHATDB_CHECK_MAX_WAIT', '60m');

  // --- GitLab: all four or none
  const gitlab = parseGitLab(read, httpUrl, problems);

  // --- logging
  let level: LogLevelName = 'info';
  const levelText = read('LOG_LEVEL')?.toLowerCase();
  if (levelText !== undefined) {
    if ((LOG_LEVELS as readonly string[]).includes(levelText)) level = levelText as LogLevelName;
    else problems.push(`LOG_LEVEL is invalid: expected one of ${LOG_LEVELS.join(', ')}`);
  }

  if (problems.length > 0) throw new ConfigError(problems);

  // Every required value is defined here: a missing one would have added a problem above.
  const slack: SlackConfig = {
    mode: socketMode ? 'socket' : 'http',
    botToken: new Secret(botTokenText as string),
    apiUrl,
    port,
    reconnect: { firstDelayMs: reconnectFirstMs, maxDelayMs: reconnectMaxMs },
  };
  if (signingText !== undefined) slack.signingSecret = new Secret(signingText);
  if (appTokenText !== undefined) slack.appToken = new Secret(appTokenText);
  if (host !== undefined) slack.host = host;
  const chatdb: ChatDbConfig = {
    stackName: stackName as string,
    volumeName,
    backupVault: backupVault as string,
    restoreRoleArn: restoreRoleArn as string,
    inspectorInstanceId: inspectorInstanceId as string,
    inspectorMount,
    approvers,
    confirmTtlMs,
    stateDir,
    checkDatabase,
  };
  if (healthUrl !== undefined) chatdb.healthUrl = healthUrl;
  if (drill !== undefined) chatdb.drill = drill;
  const config: Config = {
    slack,
    chatdb,
    restore: { pollIntervalMs, pollMaxIntervalMs, stackTimeoutMs, cardUpdateIntervalMs, checkMaxWaitMs },
    log: { level },
    production: env.NODE_ENV === 'production',
  };
  if (gitlab !== undefined) config.gitlab = gitlab;
  return deepFreeze(config);
}

function parseApprovers(text: string | undefined, problems: string[]): ApproversSetting {
  if (text === undefined) return { kind: 'anyone' };
  if (PATTERNS.groupId.test(text)) return { kind: 'group', groupId: text };
  const ids = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const bad = ids.filter((id) => !PATTERNS.userId.test(id));
  if (ids.length === 0 || bad.length > 0) {
    problems.push(
      'CHATDB_APPROVERS is invalid: expected a user group id (S…) or a comma list of user ids (U…/W…)' +
        (bad.length > 0 ? `; not ids: ${bad.map((b) => JSON.stringify(b.slice(0, 40))).join(', ')}` : ''),
    );
    return { kind: 'anyone' };
  }
  return { kind: 'users', ids: [...new Set(ids)] };
}

/** CHATDB_DRILL_SCHEDULE and CHATDB_DRILL_CHANNEL: both or neither. */
function parseDrillSchedule(
  read: (name: string) => string | undefined,
  problems: string[],
): DrillScheduleConfig | undefined {
  const schedule = read('CHATDB_DRILL_SCHEDULE');
  const channel = read('CHATDB_DRILL_CHANNEL');
  if (schedule === undefined && channel === undefined) return undefined;
  if (schedule === undefined || channel === undefined) {
    problems.push(
      `CHATDB_DRILL_SCHEDULE and CHATDB_DRILL_CHANNEL go together: set both or neither; missing ${schedule === undefined ? 'CHATDB_DRILL_SCHEDULE' : 'CHATDB_DRILL_CHANNEL'}`,
    );
    return undefined;
  }
  const before = problems.length;
  const why = cronProblem(schedule);
  if (why !== undefined) {
    problems.push(`CHATDB_DRILL_SCHEDULE is invalid: ${why}`);
  }
  if (!PATTERNS.channelId.test(channel)) {
    problems.push('CHATDB_DRILL_CHANNEL is invalid: expected a channel id like C0123456789 (not its #name)');
  }
  if (problems.length > before) return undefined;
  return { schedule: schedule.split(/\s+/).join(' '), channel };
}

function parseGitLab(
  read: (name: string) => string | undefined,
  httpUrl: (name: string, value: string | undefined) => string | undefined,
  problems: string[],
): GitLabConfig | undefined {
  const names = [
    'CHATDB_GITLAB_URL',
    'CHATDB_GITLAB_TOKEN',
    'CHATDB_GITLAB_PROJECT',
    'CHATDB_GITLAB_TEMPLATE_PATH',
  ] as const;
  const set = names.filter((n) => read(n) !== undefined);
  if (set.length === 0) return undefined;
  if (set.length < names.length) {
    const missing = names.filter((n) => !set.includes(n));
    problems.push(`CHATDB_GITLAB_* is incomplete: set all four or none; missing ${missing.join(', ')}`);
    return undefined;
  }
  const before = problems.length;
  const url = httpUrl('CHATDB_GITLAB_URL', read('CHATDB_GITLAB_URL'));
  const token = read('CHATDB_GITLAB_TOKEN') as string;
  if (!PATTERNS.gitlabToken.test(token)) {
    problems.push('CHATDB_GITLAB_TOKEN is invalid: expected a GitLab access token (letters, digits, _ . -)');
  }
  const project = read('CHATDB_GITLAB_PROJECT') as string;
  if (!PATTERNS.gitlabProject.test(project)) {
    problems.push('CHATDB_GITLAB_PROJECT is invalid: expected a numeric project id or a group/project path');
  }
  const templatePath = read('CHATDB_GITLAB_TEMPLATE_PATH') as string;
  if (!PATTERNS.repoPath.test(templatePath) || templatePath.split('/').includes('..')) {
    problems.push(
      'CHATDB_GITLAB_TEMPLATE_PATH is invalid: expected a path inside the repository, like roles/rocket-chat/files/chat.cf.yaml',
    );
  }
  if (problems.length > before || url === undefined) return undefined;
  return { url, token: new Secret(token), project, templatePath };
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !(value instanceof Secret) && !Object.isFrozen(value)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/** The secret values a config carries, for scrubbing them out of log text. */
export function secretValues(config: Config): string[] {
  const secrets = [
    config.slack.botToken,
    config.slack.signingSecret,
    config.slack.appToken,
    config.gitlab?.token,
  ];
  return secrets.filter((s): s is Secret => s !== undefined).map((s) => s.reveal());
}
