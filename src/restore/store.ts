// Where sessions live between steps. The embedded default keeps one JSON file per session in a
// directory (CHATDB_STATE_DIR/sessions), replaced atomically: a process killed at any instant
// leaves either the old file or the new one, never a torn one.

import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { isRestoreError, RestoreError } from './errors.js';
import { KeyQueue } from './key-queue.js';
import { checkSessionId, SESSION_ID } from './names.js';
import { isOpen, parseSession, type RestoreSession } from './session.js';

export interface CorruptSessionFile {
  file: string;
  /** The session id the file name carries. */
  id: string;
  code: 'corrupt_session' | 'unsupported_version';
  message: string;
}

export interface SessionListing {
  /** Oldest first. */
  sessions: RestoreSession[];
  /** Files that could not be read back as sessions: reported, never fatal. */
  corrupt: CorruptSessionFile[];
}

export interface SessionStore {
  /**
   * Persists the session. Refuses (RestoreError `stale_write`) a revision not newer than the
   * stored one: of two handlers that loaded the same session and both changed it, only the first
   * write lands, and the second must reload and apply its event again.
   */
  save(session: RestoreSession): Promise<void>;
  /** undefined when there is no such session; RestoreError `corrupt_session` when it is unreadable. */
  load(id: string): Promise<RestoreSession | undefined>;
  list(opts?: { open?: boolean }): Promise<SessionListing>;
}

const FILE = new RegExp(`^(${SESSION_ID.source.slice(1, -1)})\\.json$`);

export class FileSessionStore implements SessionStore {
  readonly #dir: string;
  #ready: Promise<void> | undefined;
  /** Saves of one session run one after another, so the revision check and the rename are one step. */
  readonly #saves = new KeyQueue();

  constructor(dir: string) {
    this.#dir = dir;
  }

  get dir(): string {
    return this.#dir;
  }

  async save(session: RestoreSession): Promise<void> {
    const id = checkSessionId(session.id);
    const text = `${JSON.stringify(session, null, 2)}\n`;
    // Never write what could not be read back.
    parseSession(JSON.parse(text));
    await this.#saves.run(id, async () => {
      await this.#ensureDir();
      const stored = await this.#readRevision(id);
      if (stored !== undefined && stored >= session.revision) {
        throw new RestoreError(
          'stale_write',
          `Session ${id} is stored at revision ${stored}; revision ${session.revision} would overwrite newer state.`,
          { id, stored, attempted: session.revision },
        );
      }
      await this.#writeAtomically(id, text);
    });
  }

  async load(id: string): Promise<RestoreSession | undefined> {
    checkSessionId(id);
    const file = this.#file(id);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw new RestoreError(
        'corrupt_session',
        `Session file ${file} is not valid JSON.`,
        { id, file },
        { cause: error },
      );
    }
    let session: RestoreSession;
    try {
      session = parseSession(json);
    } catch (error) {
      if (isRestoreError(error)) {
        throw new RestoreError(
          error.code,
          `${file}: ${error.message}`,
          { ...error.details, id, file },
          { cause: error },
        );
      }
      throw error;
    }
    if (session.id !== id) {
      throw new RestoreError('corrupt_session', `Session file ${file} holds session ${session.id}.`, {
        id,
        file,
      });
    }
    return session;
  }

  async list(opts: { open?: boolean } = {}): Promise<SessionListing> {
    let names: string[];
    try {
      names = await readdir(this.#dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { sessions: [], corrupt: [] };
      throw error;
    }
    const sessions: RestoreSession[] = [];
    const corrupt: CorruptSessionFile[] = [];
    for (const name of names.sort()) {
      const id = FILE.exec(name)?.[1];
      if (id === undefined) continue;
      try {
        const session = await this.load(id);
        if (session !== undefined) sessions.push(session);
      } catch (error) {
        if (!isRestoreError(error, 'corrupt_session', 'unsupported_version')) throw error;
        corrupt.push({
          file: join(this.#dir, name),
          id,
          code: error.code === 'unsupported_version' ? 'unsupported_version' : 'corrupt_session',
          message: error.message,
        });
      }
    }
    const wanted =
      opts.open === undefined ? sessions : sessions.filter((session) => isOpen(session) === opts.open);
    wanted.sort((a, b) => Date.parse(a.createdAt) - Date.parse(b.createdAt) || (a.id < b.id ? -1 : 1));
    return { sessions: wanted, corrupt };
  }

  #file(id: string): string {
    return join(this.#dir, `${id}.json`);
  }

  async #ensureDir(): Promise<void> {
    this.#ready ??= mkdir(this.#dir, { recursive: true, mode: 0o700 }).then(() => undefined);
    try {
      await this.#ready;
    } catch (error) {
      this.#ready = undefined;
      throw error;
    }
  }

  /** The stored revision, or undefined when there is no readable file to protect. */
  async #readRevision(id: string): Promise<number | undefined> {
    try {
      const json = JSON.parse(await readFile(this.#file(id), 'utf8')) as { revision?: unknown };
      return typeof json.revision === 'number' ? json.revision : undefined;
    } catch {
      // Missing or unreadable: a sound session replacing a corrupt file repairs it.
      return undefined;
    }
  }

  async #writeAtomically(id: string, text: string): Promise<void> {
    const target = this.#file(id);
    const temp = `${target}.tmp-${tempSuffix()}`;
    try {
      const handle = await open(temp, 'wx', 0o600);
      try {
        await handle.writeFile(text, 'utf8');
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, target);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
    await syncDir(this.#dir);
  }
}

let tempCounter = 0;

/**
 * `<pid>-<random>-<n>`: unique across processes and across instances in one process, and it
 * still names the writing process, so leftovers of dead ones can be told apart.
 */
export function tempSuffix(): string {
  return `${process.pid}-${randomBytes(4).toString('hex')}-${++tempCounter}`;
}

/** fsync of a directory makes a rename in it durable; some platforms cannot, and say so. */
export async function syncDir(dir: string): Promise<void> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'EINVAL' && code !== 'EPERM' && code !== 'EBADF') throw error;
  } finally {
    await handle?.close();
  }
}
