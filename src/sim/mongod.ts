// The simulator's stand-in for MongoDB inside a one-off ECS task. No real mongod runs here.
//
// judgeDataDir() looks at a data directory at the level a restore cares about and says what a
// mongod started on it would do, in MongoDB's own log format (structured JSON, 4.4 and later):
// - a complete WiredTiger directory starts, and serves the database the scenario gives for the
//   snapshot it came from (read from the `chatdbSimSnapshot` marker in storage.bson): counts per
//   collection, the newest message's time, and any collection the scenario marks as failing
//   validate, with the errors validate would return;
// - a directory without WiredTiger files starts as a new, empty database (mongod creates one);
// - WiredTiger.wt without WiredTiger.turtle: WiredTiger renames the metadata file aside and
//   starts empty ("unexpected file WiredTiger.wt found, renamed to WiredTiger.wt.1"), so the
//   Rocket.Chat collections are missing;
// - no journal directory or no WiredTigerLog file in it: WiredTiger cannot open the log that the
//   checkpoint names, and mongod ends with fatal assertion 28595 (exit status 14);
// - a collection file that is not a whole number of blocks (a truncated copy): mongod starts,
//   and validate of that collection reports WiredTiger's structural damage.
// The stand-in does not write to the directory; a real mongod runs recovery and rewrites files.
//
// runCheckCommand() runs a one-off task's container command (`sh -c <script>` in the chat-db
// image) for real, with stand-in `mongod` and `mongosh` executables (stand-ins/) first on PATH
// that act out the judgement, and the container's mount point mapped to the host directory.

import { spawn } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** What the scenario says a snapshot's database holds. */
export interface SnapshotData {
  /** Epoch ms of the newest rocketchat_message.ts; null for no messages. */
  newestMessageAt: number | null;
  /** Documents per collection; a collection not named here does not exist. */
  counts: Record<string, number>;
  /** The scenario's marker for collections that fail validate: collection → validate's errors. */
  invalid?: Record<string, string[]>;
}

export interface StandInDatabase {
  version: string;
  collections: Record<
    string,
    { count: number; validate: { ok: 1; valid: boolean; errors: string[]; warnings: string[] } }
  >;
  newestMessageAt: string | null;
}

export interface MongodJudgement {
  /** The `chatdbSimSnapshot` marker of the directory, if it has one. */
  snapshot?: string;
  startLines: string[];
  /** mongod's exit status when it never accepts connections. */
  exitsWith?: number;
  database?: StandInDatabase;
  shutdownLines: string[];
}

export const MONGODB_VERSION = '7.0.14';
/** The sim's data files are whole 512-byte blocks (real WiredTiger files: whole allocation units, 4 KB). */
const BLOCK = 512;
/** The collection file of each Rocket.Chat collection in the sim's data dirs (see data-dir.ts). */
const COLLECTION_FILES: Readonly<Record<string, string>> = {
  'collection-0-': 'rocketchat_message',
  'collection-2-': 'rocketchat_room',
  'collection-4-': 'users',
  'collection-6-': 'rocketchat_subscription',
};
const STRUCTURAL_DAMAGE =
  'verify() returned WT_ERROR. This indicates structural damage. Not examining individual documents.';

/**
 * Rocket.Chat-sized defaults for a snapshot the scenario says nothing about: the newest message
 * a little before the point was taken, counts that differ from point to point.
 */
export function defaultSnapshotData(snapshot: string, takenAt: number): SnapshotData {
  let h = 0;
  for (const ch of snapshot) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return {
    newestMessageAt: takenAt - 47_000 - (h % 600) * 1000,
    counts: {
      rocketchat_message: 180_000 + (h % 20_000),
      rocketchat_room: 420 + (h % 40),
      rocketchat_subscription: 9_000 + (h % 500),
      users: 310 + (h % 25),
      rocketchat_settings: 1_204,
    },
  };
}

export function judgeDataDir(
  dir: string,
  dataFor: (snapshot: string) => SnapshotData | undefined,
): MongodJudgement {
  const log = mongodLog();
  const startLines = [log('I', 'CONTROL', 4615611, 'MongoDB starting', { port: 27999, dbPath: dir })];
  const shutdownLines = [
    log('I', 'CONTROL', 4784900, 'Shutting down', {}),
    log('I', 'CONTROL', 20565, 'Now exiting', {}),
  ];
  const has = (name: string) => existsSync(join(dir, name));
  startLines.push(log('I', 'STORAGE', 22315, 'Opening WiredTiger', { config: 'create,cache_size=256M' }));

  if (!has('WiredTiger.wt')) return serving(startLines, shutdownLines, log, emptyDatabase());
  if (!has('WiredTiger.turtle')) {
    startLines.push(
      wiredTigerError(log, 'I', 'unexpected file WiredTiger.wt found, renamed to WiredTiger.wt.1'),
    );
    return serving(startLines, shutdownLines, log, emptyDatabase());
  }
  if (!hasJournal(dir)) {
    startLines.push(
      wiredTigerError(
        log,
        'E',
        `__posix_open_file:815:${join(dir, 'journal', 'WiredTigerLog.0000000001')}: handle-open: open`,
        'No such file or directory',
        2,
      ),
      log('F', 'STORAGE', 28595, 'Terminating.', { reason: '2: No such file or directory' }),
      log('F', 'ASSERT', 23091, 'Fatal assertion', {
        msgid: 28595,
        file: 'src/mongo/db/storage/wiredtiger/wiredtiger_kv_engine.cpp',
        line: 708,
      }),
      log('F', 'ASSERT', 23092, '\n\n***aborting after fassert() failure\n\n', {}),
    );
    return { startLines, exitsWith: 14, shutdownLines: [] };
  }

  const snapshot = snapshotMarker(dir);
  const data = snapshot === undefined ? undefined : dataFor(snapshot);
  const database = data ? databaseOf(data) : emptyDatabase();
  for (const file of truncatedCollectionFiles(dir)) {
    const collection = database.collections[file.collection];
    startLines.push(
      wiredTigerError(
        log,
        'E',
        `__wt_block_read_off:226:${file.name}: read checksum error for 4096B block at offset ${file.offset}: block header checksum of 0x0 doesn't match expected checksum of 0x5c1e8a03`,
        'WT_ERROR: non-specific WiredTiger error',
        -31802,
      ),
    );
    if (collection) collection.validate = { ok: 1, valid: false, errors: [STRUCTURAL_DAMAGE], warnings: [] };
  }
  return {
    ...(snapshot === undefined ? {} : { snapshot }),
    ...serving(startLines, shutdownLines, log, database),
  };
}

/** Tears a data dir the ways an EFS copy of a running mongod can come back (for scenarios and tests). */
export function tearDataDir(dir: string, how: 'no-turtle' | 'no-journal' | 'truncated-messages'): void {
  if (how === 'no-turtle') rmFile(join(dir, 'WiredTiger.turtle'));
  else if (how === 'no-journal') rmFile(join(dir, 'journal'));
  else {
    const file = readdirSync(dir).find((f) => f.startsWith('collection-0-'));
    if (!file) throw new Error(`${dir} has no collection-0 file to truncate`);
    const path = join(dir, file);
    const bytes = readFileSync(path);
    const { atime, mtime } = statSync(path);
    writeFileSync(path, bytes.subarray(0, Math.floor(bytes.length / 2) + 100));
    // Torn when the backup read it, not written since: its times stay the backup's.
    utimesSync(path, atime, mtime);
  }
}

function rmFile(path: string): void {
  // A journal is a directory.
  rmSync(path, { recursive: true, force: true });
}

function serving(
  startLines: string[],
  shutdownLines: string[],
  log: ReturnType<typeof mongodLog>,
  database: StandInDatabase,
): MongodJudgement {
  startLines.push(log('I', 'NETWORK', 23016, 'Waiting for connections', { port: 27999, ssl: 'off' }));
  return { startLines, database, shutdownLines };
}

function emptyDatabase(): StandInDatabase {
  return { version: MONGODB_VERSION, collections: {}, newestMessageAt: null };
}

function databaseOf(data: SnapshotData): StandInDatabase {
  const collections: StandInDatabase['collections'] = {};
  for (const [name, count] of Object.entries(data.counts)) {
    const errors = data.invalid?.[name] ?? [];
    collections[name] = { count, validate: { ok: 1, valid: errors.length === 0, errors, warnings: [] } };
  }
  return {
    version: MONGODB_VERSION,
    collections,
    newestMessageAt: data.newestMessageAt === null ? null : new Date(data.newestMessageAt).toISOString(),
  };
}

function hasJournal(dir: string): boolean {
  const journal = join(dir, 'journal');
  if (!lstatSync(journal, { throwIfNoEntry: false })?.isDirectory()) return false;
  return readdirSync(journal).some((f) => f.startsWith('WiredTigerLog.'));
}

function truncatedCollectionFiles(dir: string): { name: string; collection: string; offset: number }[] {
  const out: { name: string; collection: string; offset: number }[] = [];
  for (const name of readdirSync(dir).sort()) {
    const prefix = Object.keys(COLLECTION_FILES).find((p) => name.startsWith(p));
    if (!prefix || !name.endsWith('.wt')) continue;
    const size = lstatSync(join(dir, name)).size;
    if (size === 0 || size % BLOCK !== 0) {
      out.push({
        name,
        collection: COLLECTION_FILES[prefix] as string,
        offset: Math.floor(size / 4096) * 4096,
      });
    }
  }
  return out;
}

/** The `chatdbSimSnapshot` string of storage.bson (data-dir.ts writes it), if any. */
export function snapshotMarker(dir: string): string | undefined {
  let bson: Buffer;
  try {
    bson = readFileSync(join(dir, 'storage.bson'));
  } catch {
    return undefined;
  }
  const key = Buffer.from('\x02chatdbSimSnapshot\0', 'latin1');
  const at = bson.indexOf(key);
  if (at < 0) return undefined;
  const start = at + key.length;
  const length = bson.readInt32LE(start);
  return bson.subarray(start + 4, start + 4 + length - 1).toString('utf8');
}

/** One line of mongod's structured log. */
function mongodLog() {
  let ms = Date.now();
  return (s: 'I' | 'W' | 'E' | 'F', c: string, id: number, msg: string, attr: Record<string, unknown>) =>
    JSON.stringify({ t: { $date: new Date(ms++).toISOString() }, s, c, id, ctx: 'initandlisten', msg, attr });
}

function wiredTigerError(
  log: ReturnType<typeof mongodLog>,
  severity: 'I' | 'E',
  msg: string,
  errorStr?: string,
  errorCode?: number,
): string {
  const message = {
    ts_sec: Math.floor(Date.now() / 1000),
    thread: '1:0x7f3a2c1b6bc0',
    session_name: 'connection',
    category: 'WT_VERB_DEFAULT',
    verbose_level: severity === 'E' ? 'ERROR' : 'NOTICE',
    msg,
    ...(errorStr === undefined ? {} : { error_str: errorStr, error_code: errorCode }),
  };
  return severity === 'E'
    ? log('E', 'WT', 22435, 'WiredTiger error message', { error: errorCode, message })
    : log('I', 'WT', 22430, 'WiredTiger message', { message });
}

// ---- running the container ---------------------------------------------------------------------

const STAND_INS = fileURLToPath(new URL('./stand-ins/', import.meta.url));

export interface ContainerRun {
  exitCode: number;
  /** stdout and stderr lines in the order they came, as the awslogs driver sends them. */
  lines: string[];
}

/**
 * Runs a container's command (entry point + command) on this host with its environment, the
 * stand-in mongod and mongosh first on PATH, and the volume's container path replaced by the
 * host directory wherever an environment value names it.
 */
/** Real milliseconds between a stopped container's SIGTERM and its SIGKILL (ECS's stopTimeout). */
const STOP_TIMEOUT_MS = 3_000;

export function runCheckCommand(opts: {
  argv: string[];
  environment: { name: string; value: string }[];
  containerPath: string;
  hostDir: string;
  judgement: MongodJudgement;
  workDir: string;
}): { result: Promise<ContainerRun>; stop(): void } {
  mkdirSync(join(opts.workDir, 'bin'), { recursive: true });
  for (const tool of ['mongod', 'mongosh']) {
    const shim = join(opts.workDir, 'bin', tool);
    writeFileSync(shim, `#!/bin/sh\nexec '${process.execPath}' '${join(STAND_INS, `${tool}.mjs`)}' "$@"\n`);
    chmodSync(shim, 0o755);
  }
  const judgementFile = join(opts.workDir, 'judgement.json');
  writeFileSync(judgementFile, JSON.stringify({ ...opts.judgement, readyFile: join(opts.workDir, 'ready') }));
  const env: Record<string, string> = {
    PATH: `${join(opts.workDir, 'bin')}:/usr/local/bin:/usr/bin:/bin`,
    CHATDB_SIM_MONGOD: judgementFile,
  };
  for (const { name, value } of opts.environment) {
    env[name] = value === opts.containerPath ? opts.hostDir : value;
  }
  const [program, ...args] = opts.argv;
  // Its own process group, as a container is: a stop reaches the wrapper's children too.
  const child = spawn(program ?? 'sh', args, { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const result = new Promise<ContainerRun>((resolve) => {
    const lines: string[] = [];
    const collect = (stream: NodeJS.ReadableStream) => {
      let rest = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        const parts = (rest + chunk).split('\n');
        rest = parts.pop() ?? '';
        lines.push(...parts);
      });
      stream.on('end', () => {
        if (rest !== '') lines.push(rest);
      });
    };
    collect(child.stdout);
    collect(child.stderr);
    child.on('error', (error) => resolve({ exitCode: 127, lines: [...lines, String(error.message)] }));
    child.on('close', (code, signal) =>
      resolve({ exitCode: code ?? (signal === 'SIGKILL' ? 137 : 143), lines }),
    );
  });
  // ECS's StopTask: SIGTERM, then SIGKILL once the stop timeout has passed (a few real seconds
  // here) — to the whole container, so children holding its output pipes end too.
  const signalAll = (signal: NodeJS.Signals) => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, signal);
    } catch {
      // Already gone.
    }
  };
  const stop = () => {
    signalAll('SIGTERM');
    setTimeout(() => signalAll('SIGKILL'), STOP_TIMEOUT_MS).unref();
  };
  return { result, stop };
}
