import { readFileSync } from 'node:fs';
import { SandboxError } from './errors.js';
import {
  DEFAULT_SANDBOX_PORT,
  DEFAULT_SANDBOX_SPEED,
  type Sandbox,
  type SandboxOptions,
  startSandbox,
} from './sandbox.js';

/**
 * The sandbox as a command: reads only SANDBOX_PORT (default 3080, 0 for a free port),
 * SANDBOX_SPEED (default 60) and SANDBOX_DIR (default `<tmp>/chatdb-sandbox`) from `env`, prints
 * its URL and runs until SIGINT/SIGTERM. Resolves with the exit code once it has stopped.
 */
export async function runSandbox(
  env: Record<string, string | undefined>,
  out: { write(text: string): unknown } = process.stdout,
  err: { write(text: string): unknown } = process.stderr,
): Promise<number> {
  let opts: SandboxOptions;
  try {
    opts = sandboxOptions(env);
  } catch (error) {
    err.write(`${(error as Error).message}\n`);
    return 2;
  }
  // Listening before anything starts: a Ctrl-C during startup still stops the bot and the
  // simulator instead of leaving the bot running in its own process group.
  const signalled = new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  out.write('Starting the sandbox: the simulator, the bot and a local Slack stand-in…\n');
  let sandbox: Sandbox;
  try {
    sandbox = await startSandbox(opts);
  } catch (error) {
    if (!(error instanceof SandboxError)) throw error;
    err.write(`${error.message}\n`);
    return 1;
  }
  out.write(
    [
      `Sandbox ready: ${sandbox.url}`,
      'Open it in a browser, type `/chatdb-restore list` as Alice, then `start latest`; confirm as Bob.',
      `The bot's log: ${sandbox.botLog}`,
      'Press Ctrl-C to stop.',
      '',
    ].join('\n'),
  );
  const ended = await Promise.race([
    signalled.then((signal) => ({ signal })),
    sandbox.botExited.then((exit) => ({ exit })),
  ]);
  if ('signal' in ended) {
    out.write(`\n${ended.signal}: stopping the sandbox…\n`);
    await sandbox.stop();
    out.write('Stopped.\n');
    return 0;
  }
  // The log goes with the sandbox's directory, so its end is shown before stopping.
  const tail = readFileSync(sandbox.botLog, 'utf8').slice(-3000);
  err.write(
    `The bot exited on its own (${ended.exit}). The end of its log:\n${tail}\nStopping the sandbox.\n`,
  );
  await sandbox.stop();
  return 1;
}

export function sandboxOptions(env: Record<string, string | undefined>): SandboxOptions {
  const opts: SandboxOptions = {
    port: integer(env, 'SANDBOX_PORT', DEFAULT_SANDBOX_PORT, 0, 65_535),
    speed: number(env, 'SANDBOX_SPEED', DEFAULT_SANDBOX_SPEED),
  };
  const dir = env.SANDBOX_DIR?.trim();
  if (dir) opts.dir = dir;
  return opts;
}

function integer(
  env: Record<string, string | undefined>,
  name: string,
  fallback: number,
  min: number,
  max: number,
) {
  const text = env[name]?.trim();
  if (!text) return fallback;
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < min || value > max) {
    throw new SandboxError('invalid_setting', `${name} is invalid: expected a whole number ${min}..${max}`);
  }
  return value;
}

function number(env: Record<string, string | undefined>, name: string, fallback: number) {
  const text = env[name]?.trim();
  if (!text) return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) {
    throw new SandboxError('invalid_setting', `${name} is invalid: expected a positive number`);
  }
  return value;
}
