import { createHash } from 'node:crypto';
import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TreeSpec } from './scenario.js';

/** How long before the tree's time the live mongod last wrote, by default (its last checkpoint). */
export const LIVE_WRITE_LAG_MS = 60_000;
/** How long before the tree's time stale copies were last written, by default. */
export const STALE_AGE_MS = 30 * 86_400_000;

/**
 * Writes a file system's contents from a TreeSpec under `root`, as they were at `at` (epoch ms: a
 * point's creation time, or now for a live file system). `marker` ends up in every data dir's
 * storage.bson (`chatdbSimSnapshot`), so a test can tell which point a restore copied; stale
 * copies carry `stale:<their path>` and fresh ones `fresh:<their path>` instead. Every data dir's
 * files carry modification times: the live copy (and any `fresh` one) written up to `writtenAt`,
 * stale copies up to `staleWrittenAt`, as a running mongod's checkpoints would leave them.
 */
export function writeTree(root: string, spec: TreeSpec, marker: string, at = Date.now()): void {
  mkdirSync(root, { recursive: true });
  const liveAt = spec.writtenAt ?? at - LIVE_WRITE_LAG_MS;
  const staleAt = spec.staleWrittenAt ?? at - STALE_AGE_MS;
  for (const stale of spec.stale ?? []) {
    writeMongoDataDir(join(root, stale), `stale:${stale}`, stale, staleAt);
  }
  for (const fresh of spec.fresh ?? []) {
    writeMongoDataDir(join(root, fresh), `fresh:${fresh}`, fresh, liveAt);
  }
  if (spec.db !== undefined) writeMongoDataDir(join(root, spec.db), marker, 'live', liveAt);
  if (spec.dumps) writeDumps(join(root, 'dumps'), spec.dumps, marker);
  for (const name of spec.awsLeftovers ?? []) {
    // What AWS Backup leaves behind holds whatever it had copied; one file stands for it.
    mkdirSync(join(root, name), { recursive: true });
    writeFileSync(join(root, name, 'partial.bin'), bytes(`${marker}:${name}`, 1024));
  }
  for (const [path, text] of Object.entries(spec.files ?? {})) {
    const file = join(root, path);
    mkdirSync(join(file, '..'), { recursive: true });
    writeFileSync(file, text);
  }
}

/**
 * A MongoDB (WiredTiger) data directory in miniature: the files a locate script looks for, with
 * small non-empty contents. `identity` fixes the collection file names, which belong to a DB
 * instance and so are the same in every backup of it; `marker` varies the contents.
 */
export function writeMongoDataDir(dir: string, marker: string, identity: string, writtenAt?: number): void {
  mkdirSync(join(dir, 'journal'), { recursive: true });
  mkdirSync(join(dir, 'diagnostic.data'), { recursive: true });
  const ident = BigInt.asIntN(64, BigInt(`0x${digest(`ident:${identity}`).slice(0, 16)}`)).toString();
  const written: string[] = [];
  const text = (name: string, body: string) => {
    writeFileSync(join(dir, name), body);
    written.push(name);
  };
  const blob = (name: string, base: number) => {
    writeFileSync(join(dir, name), bytes(`${marker}:${name}`, base));
    written.push(name);
  };

  text('WiredTiger', 'WiredTiger\nWiredTiger 11.2.0: (October 23, 2023)\n');
  text('WiredTiger.lock', 'WiredTiger lock file\n');
  text(
    'WiredTiger.turtle',
    'WiredTiger version string\nWiredTiger 11.2.0: (October 23, 2023)\nWiredTiger version\n' +
      'major=11,minor=2,patch=0\nfile:WiredTiger.wt\n' +
      `access_pattern_hint=none,allocation_size=4KB,app_metadata=,checkpoint=(WiredTigerCheckpoint.${
        1 + (Number.parseInt(digest(marker).slice(0, 4), 16) % 9000)
      })\n`,
  );
  blob('WiredTiger.wt', 4096);
  blob('WiredTigerHS.wt', 1024);
  blob('_mdb_catalog.wt', 2048);
  blob('sizeStorer.wt', 1024);
  writeFileSync(join(dir, 'storage.bson'), storageBson(marker));
  written.push('storage.bson');
  text('mongod.lock', '');
  // Four collections (messages, rooms, users, subscriptions), one index each.
  for (let i = 0; i < 4; i++) {
    blob(`collection-${2 * i}-${ident}.wt`, 2048 + 1024 * i);
    blob(`index-${2 * i + 1}-${ident}.wt`, 1024);
  }
  blob('journal/WiredTigerLog.0000000001', 2048);
  blob('journal/WiredTigerPreplog.0000000001', 512);
  blob('diagnostic.data/metrics.2026-05-14T17-27-05Z-00000', 1024);
  if (writtenAt !== undefined) stampWrites(dir, written, writtenAt);
}

/**
 * Gives the files a mongod's modification times: the checkpoint files (WiredTiger.wt,
 * WiredTiger.turtle) and the journal at `writtenAt`, the rest a little to an hour earlier.
 */
function stampWrites(dir: string, names: readonly string[], writtenAt: number): void {
  const newest = new Set(['WiredTiger.wt', 'WiredTiger.turtle', 'journal/WiredTigerLog.0000000001']);
  names.forEach((name, i) => {
    const at = newest.has(name) ? writtenAt : writtenAt - 60_000 * (1 + (i % 60));
    utimesSync(join(dir, name), at / 1000, at / 1000);
  });
}

function writeDumps(dir: string, count: number, marker: string): void {
  mkdirSync(dir, { recursive: true });
  for (let i = 0; i < count; i++) {
    writeFileSync(
      join(dir, `rocketchat-${String(i + 1).padStart(3, '0')}.archive.gz`),
      bytes(`${marker}:dump${i}`, 3072),
    );
  }
}

/** storage.bson as mongod writes it, plus the marker field. */
function storageBson(marker: string): Buffer {
  return bsonDocument([
    [
      'storage',
      bsonDocument([
        ['engine', 'wiredTiger'],
        [
          'options',
          bsonDocument([
            ['directoryPerDB', false],
            ['directoryForIndexes', false],
            ['groupCollections', true],
          ]),
        ],
      ]),
    ],
    ['chatdbSimSnapshot', marker],
  ]);
}

type BsonValue = string | boolean | Buffer;

/** A BSON document of strings, booleans and (already encoded) sub-documents. */
function bsonDocument(fields: [string, BsonValue][]): Buffer {
  const parts: Buffer[] = [];
  for (const [name, value] of fields) {
    const key = Buffer.from(`${name}\0`, 'utf8');
    if (typeof value === 'string') {
      const s = Buffer.from(`${value}\0`, 'utf8');
      const len = Buffer.alloc(4);
      len.writeInt32LE(s.length);
      parts.push(Buffer.from([0x02]), key, len, s);
    } else if (typeof value === 'boolean') {
      parts.push(Buffer.from([0x08]), key, Buffer.from([value ? 1 : 0]));
    } else {
      parts.push(Buffer.from([0x03]), key, value);
    }
  }
  const body = Buffer.concat(parts);
  const size = Buffer.alloc(4);
  size.writeInt32LE(body.length + 5);
  return Buffer.concat([size, body, Buffer.from([0])]);
}

/** Deterministic bytes: `base` plus up to 3 KiB more, depending on the seed. */
function bytes(seed: string, base: number): Buffer {
  const h = digest(seed);
  const length = base + (Number.parseInt(h.slice(0, 4), 16) % 6) * 512;
  const out = Buffer.alloc(length);
  let block = Buffer.from(h, 'hex');
  for (let offset = 0; offset < length; offset += block.length) {
    block.copy(out, offset);
    block = createHash('sha256').update(block).digest();
  }
  return out;
}

function digest(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}
