import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { exportLines, parseCliArgs } from '../../src/sim/cli-args.js';

function startCli(args: string[]): {
  child: ChildProcess;
  output: Promise<string>;
  exit: Promise<number | null>;
} {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/sim/cli.ts', ...args], {
    cwd: process.cwd(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  const output = new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (c: Buffer) => {
      stdout += c.toString();
      if (stdout.includes('CHATDB_INSPECTOR_MOUNT=')) resolve(stdout);
    });
    child.on('exit', () => reject(new Error(`cli exited early: ${stdout}${stderr}`)));
  });
  // A test that expects the CLI to exit never awaits `output`.
  output.catch(() => undefined);
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output, exit };
}

describe('npm run sim', () => {
  it('prints the endpoint and export lines, serves until SIGTERM, then cleans up', async () => {
    const { child, output, exit } = startCli(['--port', '0', '--speed', '100']);
    const text = await output;
    const env = Object.fromEntries(
      [...text.matchAll(/^export (\w+)=(.*)$/gm)].map((m) => [m[1] as string, m[2] as string]),
    );
    expect(env.AWS_ENDPOINT_URL).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(env.CHATDB_STACK_NAME).toBe('rocket-chat');
    const state = (await (await fetch(`${env.AWS_ENDPOINT_URL}/_sim/state`)).json()) as { speed: number };
    expect(state.speed).toBe(100);
    const mount = env.CHATDB_INSPECTOR_MOUNT as string;
    expect(existsSync(mount)).toBe(true);
    child.kill('SIGTERM');
    expect(await exit).toBe(0);
    expect(existsSync(mount)).toBe(false);
  });

  it('exits 2 with the usage on bad arguments', async () => {
    const { exit } = startCli(['--speed', 'fast']);
    expect(await exit).toBe(2);
  });
});

describe('parseCliArgs', () => {
  it('parses every flag and rejects unknown ones', () => {
    expect(
      parseCliArgs([
        '--port',
        '0',
        '--scenario',
        's.yaml',
        '--state-dir',
        '/tmp/x',
        '--speed',
        '60',
        '--log',
      ]),
    ).toEqual({ port: 0, scenario: 's.yaml', stateDir: '/tmp/x', speed: 60, log: true, help: false });
    expect(parseCliArgs([]).port).toBe(4566);
    expect(() => parseCliArgs(['--colour'])).toThrow(/colour/);
    expect(() => parseCliArgs(['--port', '70000'])).toThrow(/--port/);
  });

  it('quotes values the shell would split', () => {
    expect(exportLines({ A: 'plain/value:1', B: "it's spaced" })).toEqual([
      'export A=plain/value:1',
      `export B='it'\\''s spaced'`,
    ]);
  });
});
