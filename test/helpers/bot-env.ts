import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

// Distinctive values, so a leak into any log output is easy to search for.
export const TEST_BOT_TOKEN = 'xoxb-000000000001-test-bot-token-do-not-log';
export const TEST_APP_TOKEN = 'xapp-1-A0000000001-test-app-token-do-not-log';
export const TEST_SIGNING_SECRET = 'f0e1d2c3b4a5968778695a4b3c2d1e0fsecret';
export const TEST_AWS_SECRET_KEY = 'test-aws-secret-key-do-not-log';

/** Polling and card timings for a bot against a simulator running many times faster than AWS. */
export const FAST_TIMINGS = {
  CHATDB_POLL_INTERVAL: '20ms',
  CHATDB_POLL_MAX_INTERVAL: '200ms',
  CHATDB_STACK_TIMEOUT: '60s',
  CHATDB_CARD_UPDATE_INTERVAL: '100ms',
  // A check task that never starts is stopped after this; a simulated check takes about a second.
  CHATDB_CHECK_MAX_WAIT: '30s',
} as const;

/**
 * A complete, valid environment for the bot in HTTP mode on 127.0.0.1 with a free port. AWS is
 * given dummy credentials and an endpoint on the discard port, so nothing can reach real AWS
 * unless a test points AWS_ENDPOINT_URL at the simulator.
 */
export function botEnv(overrides: Record<string, string | undefined> = {}): Record<string, string> {
  const env: Record<string, string | undefined> = {
    SLACK_BOT_TOKEN: TEST_BOT_TOKEN,
    SLACK_SIGNING_SECRET: TEST_SIGNING_SECRET,
    SLACK_API_URL: 'http://127.0.0.1:9/api/',
    PORT: '0',
    HOST: '127.0.0.1',
    CHATDB_STACK_NAME: 'rocket-chat',
    CHATDB_VOLUME_NAME: 'chat-db',
    CHATDB_BACKUP_VAULT: 'chat-backups',
    CHATDB_RESTORE_ROLE_ARN: 'arn:aws:iam::123456789012:role/chatdb-restore',
    CHATDB_INSPECTOR_INSTANCE_ID: 'i-0a1b2c3d4e5f60718',
    CHATDB_STATE_DIR: mkdtempSync(path.join(tmpdir(), 'chatdb-state-')),
    LOG_LEVEL: 'debug',
    AWS_REGION: 'eu-central-1',
    AWS_ACCESS_KEY_ID: 'AKIATESTDUMMY',
    AWS_SECRET_ACCESS_KEY: TEST_AWS_SECRET_KEY,
    AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
    AWS_EC2_METADATA_DISABLED: 'true',
    ...overrides,
  };
  const clean: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) if (value !== undefined) clean[key] = value;
  return clean;
}
