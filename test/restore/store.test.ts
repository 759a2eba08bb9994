import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileSessionStore } from '../../src/restore/store.js';
import { transition } from '../../src/restore/transitions.js';
import {
  apply,
  at,
  awaiting,
  CONFIRMER,
  created,
  OUTSIDER,
  SESSION,
  sessionIn,
  step,
} from './session-fixtures.js';

let dir: string;
let store: FileSessionStore;

beforeEach(() => {
  dir = join(mkdtempSync(join(tmpdir(), 'chatdb-store-')), 'sessions');
  store = new FileSessionStore(dir);
});

afterEach(() => {
  rmSync(join(dir, '..'), { recursive: true, force: true });
});

describe('FileSessionStore', () => {
  it('saves and loads a session, creating its directory, leaving no temporary file', async () => {
    const s = awaiting();
    await store.save(s);
    expect(await store.load(SESSION)).toEqual(s);
    expect(readdirSync(dir)).toEqual([`${SESSION}.json`]);
    expect(await store.load('r20260520-aaaaaa')).toBeUndefined();
  });

  it('refuses ids that are not session ids before touching the disk', async () => {
    await expect(store.load('../../etc/passwd')).rejects.toMatchObject({ code: 'invalid_value' });
  });

  it('lists sessions oldest first, open or not', async () => {
    const open = awaiting();
    const done = { ...sessionIn('succeeded'), id: 'r20260520-bbbbbb' };
    const older = {
      ...sessionIn('cancelled'),
      id: 'r20260519-cccccc',
      createdAt: '2026-05-19T10:00:00.000Z',
    };
    for (const s of [open, done, older]) await store.save(s);
    expect((await store.list()).sessions.map((s) => s.id)).toEqual([
      'r20260519-cccccc',
      SESSION,
      'r20260520-bbbbbb',
    ]);
    expect((await store.list({ open: true })).sessions.map((s) => s.id)).toEqual([SESSION]);
    expect((await store.list({ open: false })).sessions.map((s) => s.id)).toEqual([
      'r20260519-cccccc',
      'r20260520-bbbbbb',
    ]);
  });

  it('an empty or missing directory lists nothing', async () => {
    expect(await store.list()).toEqual({ sessions: [], corrupt: [] });
  });

  it('a crash mid-write leaves the old file intact, and list ignores the temporary file', async () => {
    const old = awaiting();
    await store.save(old);
    const next = step(old, {
      type: 'confirm',
      user: CONFIRMER,
      planHash: old.planHash ?? '',
      isApprover: true,
    });
    // What a process killed between write and rename leaves behind: a torn temporary file.
    const torn = JSON.stringify(next).slice(0, 200);
    writeFileSync(join(dir, `${SESSION}.json.tmp-999999-0a1b2c3d-1`), torn);
    expect(await store.load(SESSION)).toEqual(old);
    const listing = await store.list();
    expect(listing.sessions.map((s) => s.status)).toEqual(['awaiting_confirmation']);
    expect(listing.corrupt).toEqual([]);
    // The next save goes through.
    await store.save(next);
    expect((await store.load(SESSION))?.status).toBe('running');
  });

  it('reports corrupt files without failing the listing, and load says what is wrong', async () => {
    await store.save(awaiting());
    writeFileSync(join(dir, 'r20260520-aaaaaa.json'), '{"version": 1, "id": "r20260520-aaaa');
    writeFileSync(
      join(dir, 'r20260520-bbbbbb.json'),
      JSON.stringify({ ...awaiting(), id: 'r20260520-bbbbbb', status: 'paused' }),
    );
    writeFileSync(
      join(dir, 'r20260520-cccccc.json'),
      JSON.stringify({ ...awaiting(), id: 'r20260520-cccccc', version: 99 }),
    );
    // A file whose name and content disagree.
    writeFileSync(join(dir, 'r20260520-dddddd.json'), JSON.stringify(awaiting()));
    writeFileSync(join(dir, 'notes.txt'), 'not a session');
    const listing = await store.list();
    expect(listing.sessions.map((s) => s.id)).toEqual([SESSION]);
    expect(listing.corrupt.map((c) => [c.id, c.code])).toEqual([
      ['r20260520-aaaaaa', 'corrupt_session'],
      ['r20260520-bbbbbb', 'corrupt_session'],
      ['r20260520-cccccc', 'unsupported_version'],
      ['r20260520-dddddd', 'corrupt_session'],
    ]);
    expect(listing.corrupt[0]?.file).toBe(join(dir, 'r20260520-aaaaaa.json'));
    await expect(store.load('r20260520-aaaaaa')).rejects.toMatchObject({
      code: 'corrupt_session',
      message: expect.stringContaining('not valid JSON'),
    });
    await expect(store.load('r20260520-bbbbbb')).rejects.toMatchObject({
      message: expect.stringContaining('status'),
    });
  });

  it('a sound session replaces a corrupt file of its own id', async () => {
    await store.save(created());
    writeFileSync(join(dir, `${SESSION}.json`), 'garbage');
    const s = awaiting();
    await store.save(s);
    expect(await store.load(SESSION)).toEqual(s);
  });

  it('never writes a session it could not read back', async () => {
    const broken = { ...awaiting(), status: 'paused' } as unknown as ReturnType<typeof awaiting>;
    await expect(store.save(broken)).rejects.toMatchObject({ code: 'corrupt_session' });
    expect(await store.load(SESSION)).toBeUndefined();
  });

  it('refuses to overwrite a newer revision', async () => {
    const s = awaiting();
    await store.save(s);
    const next = step(s, { type: 'card_posted', ts: '1.0' });
    await store.save(next);
    await expect(store.save(s)).rejects.toMatchObject({
      code: 'stale_write',
      details: { stored: next.revision },
    });
    await expect(store.save(next)).rejects.toMatchObject({ code: 'stale_write' });
    expect(await store.load(SESSION)).toEqual(next);
  });

  it('two engineers clicking Confirm at once: exactly one confirmation is stored', async () => {
    await store.save(awaiting());
    const click = async (user: string) => {
      for (let attempt = 0; attempt < 5; attempt++) {
        const loaded = await store.load(SESSION);
        if (loaded === undefined) throw new Error('lost');
        const result = transition(
          loaded,
          { type: 'confirm', user, planHash: loaded.planHash ?? '', isApprover: true },
          { now: at(60_000) },
        );
        if (!result.ok) return result.code;
        try {
          await store.save(result.session);
          return 'confirmed';
        } catch (error) {
          if ((error as { code?: string }).code !== 'stale_write') throw error;
        }
      }
      return 'gave up';
    };
    const outcomes = await Promise.all([click(CONFIRMER), click(OUTSIDER)]);
    expect(outcomes.sort()).toEqual(['already_confirmed', 'confirmed']);
    const stored = await store.load(SESSION);
    expect(stored?.status).toBe('running');
    expect(stored?.events.filter((e) => e.type === 'confirm')).toHaveLength(1);
  });

  it('many concurrent saves of successive revisions end with the newest', async () => {
    let s = awaiting();
    await store.save(s);
    const versions = [];
    for (let i = 0; i < 20; i++) {
      s = step(s, { type: 'card_posted', ts: `1.${i}` });
      versions.push(s);
    }
    const results = await Promise.allSettled(versions.map((v) => store.save(v)));
    // Saves of one session run one after another in call order, each newer than the last.
    expect(results.map((r) => r.status)).toEqual(versions.map(() => 'fulfilled'));
    expect((await store.load(SESSION))?.card?.ts).toBe('1.19');
    expect(JSON.parse(readFileSync(join(dir, `${SESSION}.json`), 'utf8')).revision).toBe(s.revision);
    expect(readdirSync(dir)).toEqual([`${SESSION}.json`]);
  });

  it('keeps a refusal from changing anything', async () => {
    const s = awaiting();
    await store.save(s);
    const r = apply(s, { type: 'confirm', user: s.requester, planHash: s.planHash ?? '', isApprover: true });
    expect(r.ok).toBe(false);
    expect(await store.load(SESSION)).toEqual(s);
  });
});
