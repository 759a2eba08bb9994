import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { SandboxError } from './errors.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const STOP_TIMEOUT_MS = 12_000;

export interface BotChild {
  /** `http://127.0.0.1:<port>` from the bot's `ready` line. */
  url: string;
  pid: number;
  /** Settles with the exit code (or signal) when the bot exits, whoever stopped it. */
  exited: Promise<number | NodeJS.Signals | null>;
  /** Resolves once the bot has exited. */
  stop(): Promise<void>;
}

/**
 * The real bot, unmodified (`node --import tsx src/main.ts`), with exactly `env`. Its JSON log lines
 * go to `logFile`; resolves once it logs `ready` with its port.
 */
export async function startBotChild(
  env: Record<string, string>,
  logFile: string,
  readyTimeoutMs = 60_000,
): Promise<BotChild> {
  const log = createWriteStream(logFile, { flags: 'a' });
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: REPO_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group: Ctrl-C in the terminal reaches the sandbox alone, which then stops
    // the bot once, with SIGTERM.
    detached: true,
  });
  const exited = new Promise<number | NodeJS.Signals | null>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal)),
  );
  let tail = '';
  const port = await new Promise<number>((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(() => {
      reject(
        new SandboxError(
          'bot_failed',
          `the bot did not log ready within ${readyTimeoutMs} ms; see ${logFile}`,
        ),
      );
    }, readyTimeoutMs);
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => {
      log.write(chunk);
      buffered += chunk;
      let nl = buffered.indexOf('\n');
      while (nl >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        const ready = readyPort(line);
        if (ready !== undefined) {
          clearTimeout(timer);
          resolve(ready);
        }
        nl = buffered.indexOf('\n');
      }
    });
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      log.write(chunk);
      tail = (tail + chunk).slice(-4000);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(
        new SandboxError(
          'bot_failed',
          `the bot exited before it was ready (${code ?? signal}); see ${logFile}\n${tail}`,
        ),
      );
    });
  }).catch(async (error: unknown) => {
    child.kill('SIGKILL');
    await exited;
    log.end();
    throw error;
  });
  return {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid ?? 0,
    exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
        await exited;
        clearTimeout(timer);
      }
      await new Promise<void>((resolve) => log.end(() => resolve()));
    },
  };
}

function readyPort(line: string): number | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const parsed = JSON.parse(line) as { msg?: unknown; port?: unknown };
    return parsed.msg === 'ready' && typeof parsed.port === 'number' ? parsed.port : undefined;
  } catch {
    return undefined;
  }
}
