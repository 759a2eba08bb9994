import { parseArgs } from 'node:util';

export interface CliOptions {
  port: number;
  scenario?: string;
  stateDir?: string;
  speed?: number;
  log: boolean;
  help: boolean;
}

export class CliUsageError extends Error {
  readonly code = 'CliUsage';
  constructor(message: string) {
    super(message);
    this.name = 'CliUsageError';
  }
}

export const USAGE = `usage: npm run sim -- [--port N] [--scenario FILE] [--state-dir DIR] [--speed X] [--log]

  --port N          listen on 127.0.0.1:N (default 4566; 0 picks a free port)
  --scenario FILE   JSON or YAML scenario, merged over the built-in default
  --state-dir DIR   where file systems and snapshots live (recreated on start; default a temp dir)
  --speed X         simulated time runs X times faster than real time (default: the scenario's)
  --log             one line per AWS call on stderr`;

export function parseCliArgs(argv: string[]): CliOptions {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        port: { type: 'string' },
        scenario: { type: 'string' },
        'state-dir': { type: 'string' },
        speed: { type: 'string' },
        log: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new CliUsageError((error as Error).message);
  }
  const port = values.port === undefined ? 4566 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new CliUsageError(`--port must be 0..65535, got ${String(values.port)}`);
  }
  let speed: number | undefined;
  if (values.speed !== undefined) {
    speed = Number(values.speed);
    if (!Number.isFinite(speed) || speed <= 0)
      throw new CliUsageError(`--speed must be a positive number, got ${String(values.speed)}`);
  }
  return {
    port,
    ...(typeof values.scenario === 'string' ? { scenario: values.scenario } : {}),
    ...(typeof values['state-dir'] === 'string' ? { stateDir: values['state-dir'] } : {}),
    ...(speed !== undefined ? { speed } : {}),
    log: values.log === true,
    help: values.help === true,
  };
}

/** `export KEY=value` lines a shell can eval; values quoted where the shell needs it. */
export function exportLines(env: Record<string, string>): string[] {
  return Object.entries(env).map(([key, value]) => `export ${key}=${shellQuote(value)}`);
}

function shellQuote(value: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}
