import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type AcquireResult, FileLock, holderOpenIn, type LockHolder } from '../../src/restore/lock.js';
import { FileSessionStore } from '../../src/restore/store.js';
import { awaiting, sessionIn } from './session-fixtures.js';

const FS = 'fs-0db0c4a7e1';

let root: string;
let locks: string;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'chatdb-lock-'));
  locks = join(root, 'locks');
});

afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

const holder = (n: number, channel = 'C0INCIDENT'): LockHolder => ({
  sessionId: `r20260520-${String(n)
    .padStart(6, '0')
    .replace(/[ilou]/g, 'a')}`,
  requester: `U0USER${n}`,
  channel,
  since: new Date(Date.UTC(2026, 4, 20, 10, 0, n)).toISOString(),
});

/** Sessions the tests declare open; everything else counts as closed. */
function openSet(...ids: string[]) {
  const open = new Set(ids);
  return { open, isHolderOpen: async (id: string) => open.has(id) };
}

const winners = (results: AcquireResult[]) => results.filter((r) => r.ok).length;

describe('FileLock', () => {
  it('gives the lock to one session and tells the next who holds it and since when', async () => {
    const sessions = openSet(holder(1).sessionId, holder(2).sessionId);
    const lock = new FileLock({ dir: locks, isHolderOpen: sessions.isHolderOpen });
    expect(await lock.acquire(FS, holder(1))).toEqual({ ok: true });
    expect(await lock.acquire(FS, holder(2, 'C0OTHER'))).toEqual({ ok: false, held: holder(1) });
    expect(await lock.holder(FS)).toEqual(holder(1));
    // The holder may take it again (a resumed session does).
    expect(await lock.acquire(FS, holder(1))).toEqual({ ok: true });
    // The lock file names its holder for a human too.
    expect(JSON.parse(readFileSync(join(locks, `${FS}.lock`), 'utf8'))).toMatchObject({
      key: FS,
      ...holder(1),
    });
    // Another file system is another lock.
    expect(await lock.acquire('fs-0d0d0d0d01', holder(2))).toEqual({ ok: true });
  });

  it('is released only by its holder', async () => {
    const sessions = openSet(holder(1).sessionId, holder(2).sessionId);
    const lock = new FileLock({ dir: locks, isHolderOpen: sessions.isHolderOpen });
    await lock.acquire(FS, holder(1));
    expect(await lock.release(FS, holder(2).sessionId)).toBe('not_holder');
    expect(await lock.holder(FS)).toEqual(holder(1));
    expect(await lock.release(FS, holder(1).sessionId)).toBe('released');
    expect(await lock.release(FS, holder(1).sessionId)).toBe('absent');
    expect(await lock.holder(FS)).toBeUndefined();
    expect(await lock.acquire(FS, holder(2))).toEqual({ ok: true });
  });

  it('survives a restart: a new instance on the same directory sees the holder', async () => {
    const sessions = openSet(holder(1).sessionId);
    await new FileLock({ dir: locks, isHolderOpen: sessions.isHolderOpen }).acquire(FS, holder(1));
    const after = new FileLock({ dir: locks, isHolderOpen: sessions.isHolderOpen });
    expect(await after.acquire(FS, holder(2))).toEqual({ ok: false, held: holder(1) });
  });

  it('20 concurrent acquires on one instance: exactly one winner', async () => {
    const ids = Array.from({ length: 20 }, (_, i) => holder(i + 1));
    const sessions = openSet(...ids.map((h) => h.sessionId));
    const lock = new FileLock({ dir: locks, isHolderOpen: sessions.isHolderOpen });
    const results = await Promise.all(ids.map((h) => lock.acquire(FS, h)));
    expect(winners(results)).toBe(1);
    const winner = ids[results.findIndex((r) => r.ok)];
    for (const r of results) if (!r.ok) expect(r.held).toEqual(winner);
    expect(await lock.holder(FS)).toEqual(winner);
  });

  it('20 concurrent acquires from 20 instances (as if processes): exactly one winner', async () => {
    const ids = Array.from({ length: 20 }, (_, i) => holder(i + 1));
    const sessions = openSet(...ids.map((h) => h.sessionId));
    const results = await Promise.all(
      ids.map((h) => new FileLock({ dir: locks, isHolderOpen: sessions.isHolderOpen }).acquire(FS, h)),
    );
    expect(winners(results)).toBe(1);
    expect(readdirSync(locks)).toEqual([`${FS}.lock`]);
  });

  it('reclaims a lock whose holder session is no longer open', async () => {
    const sessions = openSet(holder(1).sessionId, holder(2).sessionId);
    const lock = new FileLock({ dir: locks, isHolderOpen: sessions.isHolderOpen });
    await lock.acquire(FS, holder(1));
    sessions.open.delete(holder(1).sessionId);
    expect(await lock.acquire(FS, holder(2))).toEqual({ ok: true, reclaimed: holder(1) });
    expect(await lock.holder(FS)).toEqual(holder(2));
    // The old holder's late release cannot free the new holder's lock.
    expect(await lock.release(FS, holder(1).sessionId)).toBe('not_holder');
    expect(await lock.holder(FS)).toEqual(holder(2));
  });

  it('20 concurrent reclaims of one stale lock from 20 instances: exactly one winner', async () => {
    // Answers from the store arrive in a shuffled order, as they would from a busy disk, so the
    // acquirers interleave rather than move in lockstep. Several rounds, each on a fresh stale lock.
    for (let round = 0; round < 20; round++) {
      const dir = join(root, `round-${round}`);
      const stale = holder(99);
      const ids = Array.from({ length: 20 }, (_, i) => holder(i + 1));
      const sessions = openSet(stale.sessionId, ...ids.map((h) => h.sessionId));
      const jittered = async (id: string) => {
        await sleep(Math.random() * 4);
        return sessions.isHolderOpen(id);
      };
      await new FileLock({ dir, isHolderOpen: jittered }).acquire(FS, stale);
      sessions.open.delete(stale.sessionId);
      const results = await Promise.all(
        ids.map((h) => new FileLock({ dir, isHolderOpen: jittered }).acquire(FS, h)),
      );
      expect(winners(results)).toBe(1);
      // Whoever removed the stale file may lose the new race to another acquirer; that is fine.
      expect(results.filter((r) => r.ok && r.reclaimed !== undefined).length).toBeLessThanOrEqual(1);
      const winner = await new FileLock({ dir, isHolderOpen: jittered }).holder(FS);
      expect(winner).toEqual(ids[results.findIndex((r) => r.ok)]);
      for (const r of results) if (!r.ok) expect(r.held).toEqual(winner);
      // Guards and temporary files are gone.
      expect(readdirSync(dir)).toEqual([`${FS}.lock`]);
    }
  });

  it('reclaims an unreadable lock file', async () => {
    mkdirSync(locks, { recursive: true });
    writeFileSync(join(locks, `${FS}.lock`), '{"sessionId": "../../etc"}');
    const lock = new FileLock({ dir: locks, isHolderOpen: openSet(holder(1).sessionId).isHolderOpen });
    expect(await lock.holder(FS)).toBeUndefined();
    expect(await lock.acquire(FS, holder(1))).toEqual({ ok: true });
    expect(await lock.holder(FS)).toEqual(holder(1));
  });

  it('drops a guard abandoned by a process that died mid-reclaim', async () => {
    const sessions = openSet(holder(1).sessionId, holder(2).sessionId);
    const lock = new FileLock({ dir: locks, isHolderOpen: sessions.isHolderOpen, guardStaleMs: 30_000 });
    await lock.acquire(FS, holder(1));
    sessions.open.delete(holder(1).sessionId);
    const guard = join(locks, `${FS}.guard-${holder(1).sessionId}`);
    writeFileSync(guard, '12345\n');
    const old = new Date(Date.now() - 60_000);
    utimesSync(guard, old, old);
    expect(await lock.acquire(FS, holder(2))).toEqual({ ok: true, reclaimed: holder(1) });
  });

  it('gives up with lock_busy while a live guard is held, rather than spin for ever', async () => {
    const sessions = openSet(holder(2).sessionId);
    mkdirSync(locks, { recursive: true });
    const lock = new FileLock({ dir: locks, isHolderOpen: sessions.isHolderOpen, timeoutMs: 200 });
    await new FileLock({ dir: locks, isHolderOpen: async () => true }).acquire(FS, holder(1));
    writeFileSync(join(locks, `${FS}.guard-${holder(1).sessionId}`), 'busy\n');
    await expect(lock.acquire(FS, holder(2))).rejects.toMatchObject({ code: 'lock_busy' });
  });

  it('refuses keys and session ids that are not plain names', async () => {
    const lock = new FileLock({ dir: locks, isHolderOpen: async () => false });
    await expect(lock.acquire('../x', holder(1))).rejects.toMatchObject({ code: 'invalid_value' });
    await expect(lock.acquire(FS, { ...holder(1), sessionId: '../x' })).rejects.toMatchObject({
      code: 'invalid_value',
    });
  });
});

describe('holderOpenIn: staleness from the session store', () => {
  it('open sessions hold, ended or unknown ones do not, unreadable ones do', async () => {
    const store = new FileSessionStore(join(root, 'sessions'));
    const open = awaiting();
    const ended = { ...sessionIn('succeeded'), id: 'r20260520-bbbbbb' };
    await store.save(open);
    await store.save(ended);
    const isOpen = holderOpenIn(store);
    expect(await isOpen(open.id)).toBe(true);
    expect(await isOpen(ended.id)).toBe(false);
    expect(await isOpen('r20260520-cccccc')).toBe(false);
    writeFileSync(join(root, 'sessions', 'r20260520-dddddd.json'), '{');
    // A session nobody can read may be mid-cutover: its lock stands until someone looks.
    expect(await isOpen('r20260520-dddddd')).toBe(true);

    const lock = new FileLock({ dir: locks, isHolderOpen: isOpen });
    expect(await lock.acquire(FS, { ...holder(1), sessionId: open.id })).toEqual({ ok: true });
    expect(await lock.acquire(FS, holder(2))).toMatchObject({ ok: false, held: { sessionId: open.id } });
  });
});
