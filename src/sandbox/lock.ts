import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SandboxError } from './errors.js';

/**
 * One sandbox at a time per sandbox directory: a lock file naming the running one's pid and URL.
 * A lock whose process is gone (killed without cleaning up) is taken over.
 */
export interface SandboxLock {
  /** Records the URL, so a second start can say where the running sandbox is. */
  setUrl(url: string): void;
  release(): void;
}

interface LockContent {
  pid: number;
  url?: string;
}

export function acquireSandboxLock(dir: string): SandboxLock {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'sandbox.lock');
  const write = (content: LockContent, flag: 'wx' | 'w') =>
    writeFileSync(file, `${JSON.stringify(content)}\n`, { flag });
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      write({ pid: process.pid }, 'wx');
      let released = false;
      return {
        setUrl: (url) => {
          if (!released) write({ pid: process.pid, url }, 'w');
        },
        release: () => {
          released = true;
          rmSync(file, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = readLock(file);
    if (holder !== undefined && alive(holder.pid)) {
      const where = holder.url === undefined ? 'starting up' : `at ${holder.url}`;
      throw new SandboxError(
        'already_running',
        `a sandbox is already running ${where} (pid ${holder.pid}); stop it with Ctrl-C first (lock file ${file})`,
      );
    }
    rmSync(file, { force: true });
  }
  throw new SandboxError('already_running', `could not take the sandbox lock ${file}`);
}

function readLock(file: string): LockContent | undefined {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<LockContent>;
    if (typeof parsed.pid !== 'number') return undefined;
    return typeof parsed.url === 'string' ? { pid: parsed.pid, url: parsed.url } : { pid: parsed.pid };
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
