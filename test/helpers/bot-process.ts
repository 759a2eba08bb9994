import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { LogLine } from './log-capture.js';
import { type WaitOptions, waitFor } from './wait.js';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface BotExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface BotProcess {
  child: ChildProcess;
  pid: number;
  /** The port from the `ready` line. */
  port: number;
  /** `http://127.0.0.1:<port>` */
  url: string;
  ready: LogLine;
  /** stdout's JSON lines, parsed, as they arrive. */
  readonly lines: LogLine[];
  stdout(): string;
  stderr(): string;
  waitForLine(match: (line: LogLine) => boolean, opts?: WaitOptions): Promise<LogLine>;
  /** Resolves when the process has exited, however. */
  exited: Promise<BotExit>;
  /** SIGTERM, then SIGKILL after `graceMs`. */
  stop(opts?: { graceMs?: number }): Promise<BotExit>;
  kill(signal?: NodeJS.Signals): Promise<BotExit>;
}

export interface StartBotOptions {
  readyTimeoutMs?: number;
  /** Entry point relative to the repo root. */
  entry?: string;
}

/**
 * Starts the real bot as users do (`node --import tsx src/main.ts`) with exactly `env` (nothing
 * inherited), and resolves once it logs `ready`. Rejects with its output if it exits first.
 */
export async function startBotProcess(
  env: Record<string, string>,
  opts: StartBotOptions = {},
): Promise<BotProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', opts.entry ?? 'src/main.ts'], {
    cwd: REPO_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: LogLine[] = [];
  let stdout = '';
  let stderr = '';
  let partial = '';
  child.stdout?.setEncoding('utf8');
  child.stderr?.setEncoding('utf8');
  child.stdout?.on('data', (chunk: string) => {
    stdout += chunk;
    partial += chunk;
    const parts = partial.split('\n');
    partial = parts.pop() ?? '';
    for (const line of parts) {
      if (line.trim() === '') continue;
      try {
        lines.push(JSON.parse(line) as LogLine);
      } catch {
        lines.push({ msg: line, unparsed: true });
      }
    }
  });
  child.stderr?.on('data', (chunk: string) => {
    stderr += chunk;
  });
  let exit: BotExit | undefined;
  const exited = new Promise<BotExit>((resolve) => {
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      resolve(exit);
    });
  });

  const output = () => `--- stdout\n${stdout}\n--- stderr\n${stderr}`;
  const waitForLine = (match: (line: LogLine) => boolean, wopts: WaitOptions = {}) =>
    waitFor(
      () => {
        const found = lines.find(match);
        if (found) return found;
        if (exit) throw new Error(`bot exited (${exit.code ?? exit.signal})\n${output()}`);
        return undefined;
      },
      { what: 'a bot log line', ...wopts },
    );

  const kill = async (signal: NodeJS.Signals = 'SIGKILL') => {
    if (!exit) child.kill(signal);
    return exited;
  };
  const stop = async ({ graceMs = 10_000 } = {}) => {
    if (exit) return exit;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    const result = await exited;
    clearTimeout(timer);
    return result;
  };

  let ready: LogLine;
  try {
    ready = await Promise.race([
      waitForLine((l) => l.msg === 'ready', {
        timeoutMs: opts.readyTimeoutMs ?? 30_000,
        what: 'the ready line',
      }),
      exited.then((e) => {
        throw new Error(`bot exited before ready (${e.code ?? e.signal})\n${output()}`);
      }),
    ]);
  } catch (error) {
    await kill();
    throw error;
  }
  const port = Number(ready.port);
  return {
    child,
    pid: child.pid ?? -1,
    port,
    url: `http://127.0.0.1:${port}`,
    ready,
    lines,
    stdout: () => stdout,
    stderr: () => stderr,
    waitForLine,
    exited,
    stop,
    kill,
  };
}

export interface BotRun extends BotExit {
  stdout: string;
  stderr: string;
}

/** Runs the bot expecting it to exit by itself (bad configuration, failed start); kills it after `timeoutMs`. */
export function runBotToExit(env: Record<string, string>, opts: { timeoutMs?: number; entry?: string } = {}) {
  return new Promise<BotRun>((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', opts.entry ?? 'src/main.ts'], {
      cwd: REPO_ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (c: string) => {
      stdout += c;
    });
    child.stderr?.setEncoding('utf8').on('data', (c: string) => {
      stderr += c;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 30_000);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}
