// One open session per file system, across channels and restarts: a lock file per file system in
// the state directory (`locks/<fsId>.lock`) naming its holder. A lock whose holder session is no
// longer open (per the session store) is stale and reclaimed, so a crash never leaves the file
// system locked for good.
//
// How it stays race-free without a lock server:
// - A lock file is only ever created by link(2) from a complete temporary file: link fails with
//   EEXIST like an exclusive create, and a reader can never see a half-written holder.
// - A lock file is only ever removed under a guard named after the holder it names
//   (`<fsId>.guard-<sessionId>`, an exclusive create): both the holder's release and any
//   reclaim of its stale lock take that guard, re-read the lock, and remove it only if it still
//   names that holder. Nobody else can replace the file meanwhile, since replacing starts with
//   removing, so the check and the removal act on the same file.
// Callers must persist a session before acquiring its lock: a lock naming a session the store
// does not know is stale.

import { randomInt } from 'node:crypto';
import { link, mkdir, open, readFile, rm, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { isRestoreError, RestoreError } from './errors.js';
import { checkSessionId, isSessionId } from './names.js';
import { isOpen } from './session.js';
import type { SessionStore } from './store.js';
import { syncDir, tempSuffix } from './store.js';

export interface LockHolder {
  sessionId: string;
  requester: string;
  channel: string;
  /** ISO time the holder took the lock. */
  since: string;
}

export type AcquireResult =
  | { ok: true /** The stale holder whose lock was taken over. */; reclaimed?: LockHolder }
  | { ok: false; held: LockHolder };

export type ReleaseResult = 'released' | 'not_holder' | 'absent';

export interface SessionLock {
  /** Takes the lock, or says who holds it; a holder acquiring again (on resume) gets ok. */
  acquire(fileSystemId: string, holder: LockHolder): Promise<AcquireResult>;
  /** Releases the lock only if `sessionId` holds it. */
  release(fileSystemId: string, sessionId: string): Promise<ReleaseResult>;
  holder(fileSystemId: string): Promise<LockHolder | undefined>;
}

export interface FileLockOptions {
  dir: string;
  /** Whether the holder's session is still open; a closed or unknown one makes the lock stale. */
  isHolderOpen: (sessionId: string) => Promise<boolean>;
  /** A guard older than this was left by a process that died mid-reclaim (guards last milliseconds). */
  guardStaleMs?: number;
  /** How long to keep trying while others hold a guard, before RestoreError `lock_busy`. */
  timeoutMs?: number;
}

/** Lock keys become file names: an EFS id, or anything as plain. */
const LOCK_KEY = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

type Reading =
  | { state: 'absent' }
  | { state: 'unreadable'; text: string }
  | { state: 'held'; text: string; holder: LockHolder };

export class FileLock implements SessionLock {
  readonly #dir: string;
  readonly #isHolderOpen: (sessionId: string) => Promise<boolean>;
  readonly #guardStaleMs: number;
  readonly #timeoutMs: number;

  constructor(opts: FileLockOptions) {
    this.#dir = opts.dir;
    this.#isHolderOpen = opts.isHolderOpen;
    this.#guardStaleMs = opts.guardStaleMs ?? 30_000;
    this.#timeoutMs = opts.timeoutMs ?? 10_000;
  }

  async acquire(fileSystemId: string, holder: LockHolder): Promise<AcquireResult> {
    const key = checkKey(fileSystemId);
    checkSessionId(holder.sessionId);
    await mkdir(this.#dir, { recursive: true, mode: 0o700 });
    const content = `${JSON.stringify({ key, ...pickHolder(holder), pid: process.pid })}\n`;
    const deadline = Date.now() + this.#timeoutMs;
    let reclaimed: LockHolder | undefined;
    for (;;) {
      if (await this.#create(key, content))
        return reclaimed === undefined ? { ok: true } : { ok: true, reclaimed };
      const current = await this.#read(key);
      if (current.state === 'absent') continue;
      if (current.state === 'held') {
        if (current.holder.sessionId === holder.sessionId) return { ok: true };
        if (await this.#isHolderOpen(current.holder.sessionId)) return { ok: false, held: current.holder };
      }
      const guardName = current.state === 'held' ? current.holder.sessionId : 'unreadable';
      const took = await this.#withGuard(key, guardName, async () => {
        const again = await this.#read(key);
        if (again.state !== 'absent' && again.text === current.text) {
          await unlink(this.#lockFile(key));
          if (current.state === 'held') reclaimed = current.holder;
        }
      });
      if (!took) await this.#backOff(deadline);
    }
  }

  async release(fileSystemId: string, sessionId: string): Promise<ReleaseResult> {
    const key = checkKey(fileSystemId);
    const deadline = Date.now() + this.#timeoutMs;
    for (;;) {
      const current = await this.#read(key);
      if (current.state === 'absent') return 'absent';
      if (current.state !== 'held' || current.holder.sessionId !== sessionId) return 'not_holder';
      let result: ReleaseResult | undefined;
      const took = await this.#withGuard(key, sessionId, async () => {
        const again = await this.#read(key);
        if (again.state !== 'absent' && again.text === current.text) {
          await unlink(this.#lockFile(key));
          await syncDir(this.#dir);
          result = 'released';
        }
      });
      if (result !== undefined) return result;
      if (!took) await this.#backOff(deadline);
    }
  }

  async holder(fileSystemId: string): Promise<LockHolder | undefined> {
    const current = await this.#read(checkKey(fileSystemId));
    return current.state === 'held' ? current.holder : undefined;
  }

  #lockFile(key: string): string {
    return join(this.#dir, `${key}.lock`);
  }

  /** Exclusive creation with the full content in place from the first instant. */
  async #create(key: string, content: string): Promise<boolean> {
    const temp = join(this.#dir, `${key}.lock.tmp-${tempSuffix()}`);
    try {
      const handle = await open(temp, 'wx', 0o600);
      try {
        await handle.writeFile(content, 'utf8');
        await handle.sync();
      } finally {
        await handle.close();
      }
      try {
        await link(temp, this.#lockFile(key));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
        throw error;
      }
      await syncDir(this.#dir);
      return true;
    } finally {
      await rm(temp, { force: true });
    }
  }

  async #read(key: string): Promise<Reading> {
    let text: string;
    try {
      text = await readFile(this.#lockFile(key), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { state: 'absent' };
      throw error;
    }
    try {
      const json = JSON.parse(text) as Partial<LockHolder>;
      const fields = [json.sessionId, json.requester, json.channel, json.since];
      // The session id names a guard file: only a well-formed one is taken as a holder.
      if (fields.every((f) => typeof f === 'string') && isSessionId(json.sessionId)) {
        return { state: 'held', text, holder: pickHolder(json as LockHolder) };
      }
    } catch {
      // Not JSON: reported as unreadable below.
    }
    return { state: 'unreadable', text };
  }

  /** Runs `fn` holding the guard for locks that name `holderName`; false if someone else has it. */
  async #withGuard(key: string, holderName: string, fn: () => Promise<void>): Promise<boolean> {
    const guard = join(this.#dir, `${key}.guard-${holderName}`);
    let handle: Awaited<ReturnType<typeof open>>;
    try {
      handle = await open(guard, 'wx', 0o600);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      await this.#dropIfAbandoned(guard);
      return false;
    }
    try {
      await handle.writeFile(`${process.pid}\n`, 'utf8');
      await handle.close();
      await fn();
      return true;
    } finally {
      await rm(guard, { force: true });
    }
  }

  async #dropIfAbandoned(guard: string): Promise<void> {
    try {
      const info = await stat(guard);
      if (Date.now() - info.mtimeMs > this.#guardStaleMs) await rm(guard, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }

  async #backOff(deadline: number): Promise<void> {
    if (Date.now() > deadline) {
      throw new RestoreError('lock_busy', 'The session lock kept changing hands; try again.', {
        dir: this.#dir,
      });
    }
    await sleep(randomInt(2, 15));
  }
}

/**
 * `isHolderOpen` over a session store. A session file that cannot be read counts as open: it may
 * be in the middle of a cutover, and an engineer must look before anything else runs.
 */
export function holderOpenIn(store: Pick<SessionStore, 'load'>): (sessionId: string) => Promise<boolean> {
  return async (sessionId) => {
    try {
      const session = await store.load(sessionId);
      return session !== undefined && isOpen(session);
    } catch (error) {
      if (isRestoreError(error, 'corrupt_session', 'unsupported_version')) return true;
      if (isRestoreError(error, 'invalid_value')) return false;
      throw error;
    }
  };
}

function checkKey(key: string): string {
  if (typeof key !== 'string' || !LOCK_KEY.test(key)) {
    throw new RestoreError('invalid_value', 'A lock key is a file system id or as plain a name.', {
      field: 'key',
    });
  }
  return key;
}

function pickHolder(h: LockHolder): LockHolder {
  return { sessionId: h.sessionId, requester: h.requester, channel: h.channel, since: h.since };
}
