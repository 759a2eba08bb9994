// check-wrapper.sh run by a real `sh -c`, as the check task's command, with the environment
// checkCommand() builds, against stand-ins for mongod and mongosh on PATH: mongod logs one JSON
// line, says it is ready, and stops on SIGTERM; mongosh answers the readiness ping and runs the
// script file the wrapper wrote (validated name + mongo-check.js + the call) in a vm context with a
// fake database. The output goes through parseCheckOutput, as the stage will read it.

import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkCommand } from '../../../src/restore/check/check-command.js';
import { parseCheckOutput } from '../../../src/restore/check/report.js';
import { ScriptValueError } from '../../../src/restore/script-values.js';

const FAKE_MONGOD = `#!/bin/sh
all="$*"
dbpath=''
while [ $# -gt 0 ]; do
  case $1 in --dbpath) dbpath=$2; shift ;; esac
  shift
done
echo "$all" > "$dbpath/.fake-mongod-args"
if [ "\${FAKE_MONGOD:-}" = fatal ]; then
  echo '{"t":{"$date":"2026-05-14T10:00:01.300+00:00"},"s":"F","c":"STORAGE","id":28595,"ctx":"initandlisten","msg":"Terminating.","attr":{"reason":"2: No such file or directory"}}'
  exit 14
fi
trap 'echo "{\\"s\\":\\"I\\",\\"c\\":\\"CONTROL\\",\\"msg\\":\\"shutting down\\"}"; rm -f "$dbpath/.fake-ready"; if [ "\${FAKE_MONGOD:-}" = unclean ]; then exit 1; fi; exit 0' TERM
echo '{"t":{"$date":"2026-05-14T10:00:02.000+00:00"},"s":"I","c":"NETWORK","id":23016,"ctx":"listener","msg":"Waiting for connections","attr":{"port":27999,"ssl":"off"}}'
touch "$dbpath/.fake-ready"
while :; do sleep 0.05; done
`;

const FAKE_MONGOSH = `#!/usr/bin/env node
const { readFileSync, existsSync } = require('node:fs');
const { runInNewContext } = require('node:vm');
const args = process.argv.slice(2);
if (args.includes('--eval')) process.exit(existsSync(process.env.FAKE_READY) ? 0 : 1);
const file = args[args.length - 1];
const missing = (process.env.FAKE_MISSING || '').split(',');
const names = ['rocketchat_message', 'rocketchat_room', 'rocketchat_subscription', 'users', 'rocketchat_settings']
  .filter((n) => !missing.includes(n));
const database = (name) => ({
  getName: () => name,
  version: () => '6.0.19',
  getCollectionNames: () => names,
  runCommand: () => ({ valid: true, errors: [], warnings: [], ok: 1 }),
  getCollection: () => ({
    aggregate: () => ({ toArray: () => [{ _id: null, n: 7 }] }),
    find: () => {
      const cursor = { sort: () => cursor, limit: () => cursor, toArray: () => [{ ts: new Date('2026-05-13T03:12:44Z') }] };
      return cursor;
    },
  }),
});
const context = {
  db: { getSiblingDB: (name) => { console.error('getSiblingDB ' + name); return database(name); } },
  print: (line) => console.log(line),
  quit: (code) => process.exit(code),
};
runInNewContext(readFileSync(file, 'utf8'), context);
process.exit(99);
`;

let dir: string;
let dataDir: string;
let bin: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'chatdb-check-wrapper-'));
  dataDir = join(dir, 'data', 'db');
  bin = join(dir, 'bin');
  mkdirSync(dataDir, { recursive: true });
  mkdirSync(bin);
  writeFileSync(join(bin, 'mongod'), FAKE_MONGOD);
  writeFileSync(join(bin, 'mongosh'), FAKE_MONGOSH);
  chmodSync(join(bin, 'mongod'), 0o755);
  chmodSync(join(bin, 'mongosh'), 0o755);
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function runCheck(opts: { env?: Record<string, string>; database?: string; path?: string } = {}) {
  const command = checkCommand({ database: opts.database ?? 'rocketchat', dbPath: dataDir });
  const env: Record<string, string> = {
    PATH: opts.path ?? `${bin}:${process.env.PATH}`,
    FAKE_READY: join(dataDir, '.fake-ready'),
    ...Object.fromEntries(command.environment.map((e) => [e.name, e.value])),
    ...opts.env,
  };
  const [program, ...args] = [...command.entryPoint, ...command.command];
  const r = spawnSync(program as string, args, { env, encoding: 'utf8', timeout: 30_000 });
  const lines = r.stdout.split('\n').filter((l) => l !== '');
  return {
    status: r.status,
    lines,
    stderr: r.stderr,
    outcome: parseCheckOutput({ lines, exitCode: r.status ?? undefined }),
  };
}

describe('check-wrapper.sh', () => {
  it('starts mongod on the data dir and a private port, runs the check, stops mongod cleanly', () => {
    const run = runCheck({ database: 'chat-db_2' });
    expect(run.status).toBe(0);
    expect(run.outcome).toMatchObject({
      ok: true,
      report: {
        database: 'chat-db_2',
        counts: { messages: 7, rooms: 7, subscriptions: 7, users: 7 },
        newestMessageAt: new Date('2026-05-13T03:12:44Z'),
      },
    });
    expect(run.stderr).toContain('getSiblingDB chat-db_2');
    expect(readFileSync(join(dataDir, '.fake-mongod-args'), 'utf8').trim()).toBe(
      `--dbpath ${dataDir} --port 27999 --bind_ip 127.0.0.1 --nounixsocket`,
    );
    // mongod's own log reaches the output, and it got SIGTERM (its trap removed the ready file).
    expect(run.lines.some((l) => l.includes('Waiting for connections'))).toBe(true);
    expect(run.lines.some((l) => l.includes('shutting down'))).toBe(true);
    expect(existsSync(join(dataDir, '.fake-ready'))).toBe(false);
  });

  it("exits 1 with the check's findings when a key collection is missing", () => {
    const run = runCheck({ env: { FAKE_MISSING: 'users' } });
    expect(run.status).toBe(1);
    expect(run.outcome).toMatchObject({
      ok: false,
      code: 'check_failed',
      failures: ['users: the collection does not exist'],
    });
    expect(run.lines.some((l) => l.includes('shutting down'))).toBe(true);
  });

  it("exits 2 with mongod's exit status and last words when it dies before accepting connections", () => {
    const run = runCheck({ env: { FAKE_MONGOD: 'fatal' } });
    expect(run.status).toBe(2);
    expect(run.outcome).toEqual({
      ok: false,
      code: 'mongod_exited',
      failures: [],
      mongodSays: ['Terminating.: 2: No such file or directory'],
      exitCode: 2,
      wrapper: { code: 'mongod_exited', value: 14 },
    });
  });

  it('exits 6 when mongod does not shut down cleanly after a clean check', () => {
    const run = runCheck({ env: { FAKE_MONGOD: 'unclean' } });
    expect(run.status).toBe(6);
    expect(run.outcome).toMatchObject({ code: 'unclean_shutdown', wrapper: { value: 1 } });
  });

  it('exits 4 when the image has neither mongosh nor mongo', () => {
    const empty = join(dir, 'empty-bin');
    mkdirSync(empty);
    writeFileSync(join(empty, 'mongod'), FAKE_MONGOD);
    chmodSync(join(empty, 'mongod'), 0o755);
    const run = runCheck({ path: `${empty}:/usr/bin:/bin` });
    expect(run.status).toBe(4);
    expect(run.outcome).toMatchObject({ code: 'no_mongo_shell' });
    expect(existsSync(join(dataDir, '.fake-mongod-args'))).toBe(false);
  });

  it('refuses a database name or data path that is not plain, before starting anything', () => {
    for (const [env, code] of [
      [{ CHATDB_CHECK_DB: "x'; db.dropDatabase(); '" }, 'bad_database_name'],
      [{ CHATDB_CHECK_DB: 'a'.repeat(64) }, 'bad_database_name'],
      [{ CHATDB_CHECK_DBPATH: 'data/db' }, 'bad_dbpath'],
      [{ CHATDB_CHECK_DBPATH: '/data/../etc' }, 'bad_dbpath'],
      [{ CHATDB_CHECK_DBPATH: join(dir, 'nowhere') }, 'dbpath_missing'],
      [{ CHATDB_CHECK_JS: '' }, 'check_script_missing'],
    ] as const) {
      const run = runCheck({ env });
      expect(run.status, code).toBe(5);
      expect(run.outcome).toMatchObject({ code: 'bad_input', wrapper: { code } });
    }
    expect(existsSync(join(dataDir, '.fake-mongod-args'))).toBe(false);
  });
});

describe('checkCommand', () => {
  it('replaces the entry point and passes everything through the environment', () => {
    const command = checkCommand({ database: 'rocketchat', dbPath: '/data/db' });
    expect(command.entryPoint).toEqual(['sh', '-c']);
    expect(command.command).toHaveLength(1);
    expect(command.command[0]).toContain('CHATDB_CHECK_DB');
    expect(command.environment.map((e) => e.name)).toEqual([
      'CHATDB_CHECK_DB',
      'CHATDB_CHECK_DBPATH',
      'CHATDB_CHECK_JS',
    ]);
    expect(command.environment[2]?.value).toContain('function chatdbCheck(database)');
  });

  it('builds nothing from a database name or path outside the strict patterns', () => {
    expect(() => checkCommand({ database: 'rocket chat', dbPath: '/data/db' })).toThrow(ScriptValueError);
    expect(() => checkCommand({ database: 'rocketchat$', dbPath: '/data/db' })).toThrow(/checkDatabase/);
    expect(() => checkCommand({ database: 'rocketchat', dbPath: '/data/$(id)' })).toThrow(/dbPath/);
    expect(() => checkCommand({ database: 'rocketchat', dbPath: '/data/../db' })).toThrow(/dbPath/);
  });
});
