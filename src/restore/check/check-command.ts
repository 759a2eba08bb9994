// The check task's container command: check-wrapper.sh run by `sh -c`, with the check script and
// its inputs in the environment. Both files ship as they are (package.json's build copies them
// beside this module); the only values that vary are the database name and the data directory's
// path in the container, and each must match a strict pattern before anything is built.

import { readFileSync } from 'node:fs';
import { ScriptValueError } from '../script-values.js';

/** Rocket.Chat's database name unless configured otherwise (MONGO_URL's path). */
export const DEFAULT_CHECK_DATABASE = 'rocketchat';

/** Stricter than MongoDB's own rule (no `/\. "$*<>:|?`, under 64 bytes); check-wrapper.sh checks it again. */
const DATABASE_NAME = /^[A-Za-z0-9_-]{1,63}$/;
const CONTAINER_PATH = /^(\/[A-Za-z0-9_][A-Za-z0-9._-]{0,254})+$/;

export interface CheckContainerCommand {
  entryPoint: string[];
  command: string[];
  environment: { name: string; value: string }[];
}

export function checkDatabaseName(value: unknown): string {
  if (typeof value !== 'string' || !DATABASE_NAME.test(value)) {
    throw new ScriptValueError(
      'checkDatabase',
      'a database name of letters, digits, _ and - (1 to 63)',
      value,
    );
  }
  return value;
}

/** Where the chat-db volume is mounted in the container (its mount point's containerPath). */
export function checkDbPath(value: unknown): string {
  if (typeof value !== 'string' || !CONTAINER_PATH.test(value)) {
    throw new ScriptValueError('dbPath', 'an absolute path of letters, digits, ., _ and - components', value);
  }
  return value;
}

let files: { wrapper: string; script: string } | undefined;

/** The two shipped files, read once. */
export function checkFiles(): { wrapper: string; script: string } {
  files ??= {
    wrapper: readFileSync(new URL('./check-wrapper.sh', import.meta.url), 'utf8'),
    script: readFileSync(new URL('./mongo-check.js', import.meta.url), 'utf8'),
  };
  return files;
}

/**
 * The entry point, command and environment that turn a chat-db container into the check. The
 * entry point is replaced too: an image's own entry point (the official one's
 * docker-entrypoint.sh) may rewrite a `mongod` command line or change owners on the data.
 */
export function checkCommand(opts: { database: string; dbPath: string }): CheckContainerCommand {
  const database = checkDatabaseName(opts.database);
  const dbPath = checkDbPath(opts.dbPath);
  const { wrapper, script } = checkFiles();
  return {
    entryPoint: ['sh', '-c'],
    command: [wrapper],
    environment: [
      { name: 'CHATDB_CHECK_DB', value: database },
      { name: 'CHATDB_CHECK_DBPATH', value: dbPath },
      { name: 'CHATDB_CHECK_JS', value: script },
    ],
  };
}
