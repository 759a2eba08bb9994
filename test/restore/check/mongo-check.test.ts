// The check script's logic, loaded as it ships and called with a fake `db` that answers the way
// mongosh does: runCommand returns the server's reply document (ok: 0 included) and throws only
// for errors the shell itself raises (a closed connection).

import { readFileSync } from 'node:fs';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';

const SOURCE = readFileSync(new URL('../../../src/restore/check/mongo-check.js', import.meta.url), 'utf8');

interface Report {
  v: number;
  stage: string;
  ok: boolean;
  db: string;
  mongodb: string | null;
  collections: {
    name: string;
    exists: boolean;
    valid: boolean;
    count: number | null;
    errors: string[];
    warnings: string[];
  }[];
  newestMessageAt: string | null;
  failures: string[];
}

interface Loaded {
  chatdbCheck(db: unknown): Report;
  chatdbCheckMain(shellDb: unknown, name: string): number;
  printed: string[];
}

function load(): Loaded {
  const printed: string[] = [];
  const context: Record<string, unknown> = { print: (line: string) => printed.push(line) };
  runInNewContext(SOURCE, context);
  return {
    chatdbCheck: context.chatdbCheck as Loaded['chatdbCheck'],
    chatdbCheckMain: context.chatdbCheckMain as Loaded['chatdbCheckMain'],
    printed,
  };
}

interface FakeCollection {
  docs: number | { toNumber(): number };
  validate?: Record<string, unknown> | Error;
  aggregateThrows?: Error;
  newestTs?: unknown;
}

const HEALTHY: Record<string, FakeCollection> = {
  rocketchat_message: { docs: 5231, newestTs: new Date('2026-05-13T03:12:44.000Z') },
  rocketchat_room: { docs: 48 },
  rocketchat_subscription: { docs: 610 },
  users: { docs: 97 },
  rocketchat_settings: { docs: 1204 },
};

/** A database as mongosh shows it; `calls` records what the script asked. */
function fakeDb(collections: Record<string, FakeCollection>, name = 'rocketchat') {
  const calls: string[] = [];
  const db = {
    getName: () => name,
    version: () => '7.0.14',
    getCollectionNames: () => Object.keys(collections),
    runCommand(command: { validate?: string }) {
      calls.push(`validate ${command.validate}`);
      const c = collections[command.validate ?? ''];
      if (!c) {
        return {
          ok: 0,
          errmsg: `Collection '${name}.${command.validate}' does not exist to validate.`,
          code: 26,
          codeName: 'NamespaceNotFound',
        };
      }
      if (c.validate instanceof Error) throw c.validate;
      return (
        c.validate ?? { ns: `${name}.${command.validate}`, valid: true, errors: [], warnings: [], ok: 1 }
      );
    },
    getCollection(collection: string) {
      const c = collections[collection] as FakeCollection;
      return {
        aggregate(pipeline: unknown) {
          calls.push(`aggregate ${collection} ${JSON.stringify(pipeline)}`);
          if (c.aggregateThrows) throw c.aggregateThrows;
          return { toArray: () => [{ _id: null, n: c.docs }] };
        },
        find(query: unknown, projection: unknown) {
          calls.push(`find ${collection} ${JSON.stringify(query)} ${JSON.stringify(projection)}`);
          const cursor = {
            sort(spec: unknown) {
              calls.push(`sort ${JSON.stringify(spec)}`);
              return cursor;
            },
            limit(n: number) {
              calls.push(`limit ${n}`);
              return cursor;
            },
            toArray: () => (c.newestTs === undefined ? [] : [{ _id: 'x', ts: c.newestTs }]),
          };
          return cursor;
        },
      };
    },
  };
  return { db, calls };
}

describe('the check script', () => {
  it('reports counts, validity and the newest message of a healthy database', () => {
    const { chatdbCheck } = load();
    const { db, calls } = fakeDb(HEALTHY);
    const report = chatdbCheck(db);
    expect(report.ok).toBe(true);
    expect(report.failures).toEqual([]);
    expect(report.db).toBe('rocketchat');
    expect(report.mongodb).toBe('7.0.14');
    expect(report.newestMessageAt).toBe('2026-05-13T03:12:44.000Z');
    expect(report.collections.map((c) => [c.name, c.valid, c.count])).toEqual([
      ['rocketchat_message', true, 5231],
      ['rocketchat_room', true, 48],
      ['rocketchat_subscription', true, 610],
      ['users', true, 97],
      ['rocketchat_settings', true, 1204],
    ]);
    // The newest message is found by sorting on ts, newest first, one document.
    expect(calls).toContain('find rocketchat_message {"ts":{"$exists":true}} {"ts":1}');
    expect(calls).toContain('sort {"ts":-1}');
    expect(calls).toContain('limit 1');
    expect(calls.filter((c) => c.startsWith('validate'))).toHaveLength(5);
  });

  it('reads a count that comes back as a Long', () => {
    const { chatdbCheck } = load();
    const big = { toNumber: () => 3_000_000_000 };
    const report = chatdbCheck(
      fakeDb({ ...HEALTHY, rocketchat_message: { ...HEALTHY.rocketchat_message, docs: big } }).db,
    );
    expect(report.collections[0]?.count).toBe(3_000_000_000);
  });

  it("fails on a collection that validate finds invalid, quoting validate's errors", () => {
    const { chatdbCheck } = load();
    const report = chatdbCheck(
      fakeDb({
        ...HEALTHY,
        rocketchat_room: {
          docs: 48,
          validate: {
            valid: false,
            errors: ['Detected one or more invalid documents. See logs.'],
            warnings: [],
            ok: 1,
          },
        },
      }).db,
    );
    expect(report.ok).toBe(false);
    expect(report.failures).toEqual(['rocketchat_room: Detected one or more invalid documents. See logs.']);
    expect(report.collections[1]).toMatchObject({ name: 'rocketchat_room', valid: false, count: 48 });
  });

  it('fails on a missing key collection and on a validate that answers ok: 0', () => {
    const { chatdbCheck } = load();
    const { users: _gone, ...withoutUsers } = HEALTHY;
    const report = chatdbCheck(
      fakeDb({
        ...withoutUsers,
        rocketchat_settings: {
          docs: 3,
          validate: { ok: 0, errmsg: 'verify() returned WT_ERROR.', code: 8, codeName: 'UnknownError' },
        },
      }).db,
    );
    expect(report.ok).toBe(false);
    expect(report.failures).toEqual([
      'users: the collection does not exist',
      'rocketchat_settings: verify() returned WT_ERROR.',
    ]);
    expect(report.collections.find((c) => c.name === 'users')).toMatchObject({ exists: false, count: null });
  });

  it('keeps going when the shell throws, and records what it said', () => {
    const { chatdbCheck } = load();
    const report = chatdbCheck(
      fakeDb({
        ...HEALTHY,
        rocketchat_subscription: {
          docs: 0,
          validate: new Error('MongoNetworkError: connection 3 to 127.0.0.1:27999 closed'),
          aggregateThrows: new Error('MongoNetworkError: connection 4 to 127.0.0.1:27999 closed'),
        },
      }).db,
    );
    expect(report.ok).toBe(false);
    expect(report.failures).toEqual([
      'rocketchat_subscription: MongoNetworkError: connection 3 to 127.0.0.1:27999 closed; ' +
        'MongoNetworkError: connection 4 to 127.0.0.1:27999 closed',
    ]);
    // The collections after it were still checked.
    expect(report.collections.map((c) => c.name)).toContain('rocketchat_settings');
    expect(report.collections.at(-1)?.valid).toBe(true);
  });

  it('reports no newest message for an empty message collection, and refuses a ts that is not a date', () => {
    const { chatdbCheck } = load();
    const empty = chatdbCheck(fakeDb({ ...HEALTHY, rocketchat_message: { docs: 0 } }).db);
    expect(empty.ok).toBe(true);
    expect(empty.newestMessageAt).toBeNull();
    const odd = chatdbCheck(
      fakeDb({ ...HEALTHY, rocketchat_message: { docs: 1, newestTs: 'yesterday' } }).db,
    );
    expect(odd.ok).toBe(false);
    expect(odd.failures).toEqual([
      'newest message: the newest rocketchat_message.ts is not a date: yesterday',
    ]);
  });

  it('caps the messages it repeats, so that the report stays one short line', () => {
    const { chatdbCheck } = load();
    const errors = Array.from({ length: 40 }, (_, i) => `error ${i} ${'x'.repeat(2000)}`);
    const report = chatdbCheck(
      fakeDb({ ...HEALTHY, users: { docs: 1, validate: { valid: false, errors, warnings: [], ok: 1 } } }).db,
    );
    const users = report.collections.find((c) => c.name === 'users');
    expect(users?.errors).toHaveLength(5);
    expect(users?.errors.every((e) => e.length === 400 && e.endsWith('...'))).toBe(true);
    expect(JSON.stringify(report).length).toBeLessThan(16 * 1024);
  });

  it('main prints one prefixed JSON line for the named database and returns the exit status', () => {
    const loaded = load();
    const named: string[] = [];
    const shellDb = {
      getSiblingDB(name: string) {
        named.push(name);
        return fakeDb(HEALTHY, name).db;
      },
    };
    expect(loaded.chatdbCheckMain(shellDb, 'chat')).toBe(0);
    expect(named).toEqual(['chat']);
    expect(loaded.printed).toHaveLength(1);
    const line = loaded.printed[0] as string;
    expect(line.startsWith('CHATDB_CHECK {')).toBe(true);
    expect(JSON.parse(line.slice('CHATDB_CHECK '.length))).toMatchObject({ ok: true, db: 'chat', v: 1 });

    const failing = load();
    const bad = { getSiblingDB: () => fakeDb({}).db };
    expect(failing.chatdbCheckMain(bad, 'rocketchat')).toBe(1);
  });
});
