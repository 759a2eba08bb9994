import { execFile } from 'node:child_process';
import {
  copyFileSync,
  cpSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { botEnv } from '../helpers/bot-env.js';
import { type BotProcess, startBotProcess } from '../helpers/bot-process.js';
import { type FakeSlack, startFakeSlack } from '../helpers/fake-slack.js';

// No Docker daemon here: the Dockerfile's shape is checked as text, and its HEALTHCHECK command
// is run for real against the bot.

const dockerfile = readFileSync(new URL('../../Dockerfile', import.meta.url), 'utf8');
const run = promisify(execFile);

function healthcheckCommand(): string[] {
  const joined = dockerfile.replace(/\\\n\s*/g, ' ');
  const m = /^HEALTHCHECK\b.*?\bCMD (\[.*\])$/m.exec(joined);
  if (!m?.[1]) throw new Error('no HEALTHCHECK CMD in exec form');
  return JSON.parse(m[1]) as string[];
}

describe('Dockerfile', () => {
  it('builds on Node 24 slim in two stages and runs production dependencies as a non-root user', () => {
    const froms = dockerfile.match(/^FROM .*$/gm);
    expect(froms).toEqual(['FROM node:24-slim AS build', 'FROM node:24-slim']);
    const [build, runtime] = dockerfile.split(/^FROM node:24-slim$/m);
    expect(build).toMatch(/^RUN npm ci\b/m);
    expect(build).toMatch(/^RUN npm run build$/m);
    expect(runtime).toMatch(/^RUN npm ci --omit=dev\b/m);
    expect(runtime).toMatch(/^COPY --from=build \/app\/dist \.\/dist$/m);
    expect(runtime).toMatch(/^USER node$/m);
    expect(runtime).toMatch(/^ENV NODE_ENV=production$/m);
    expect(runtime).toMatch(/^CMD \["node", ?"dist\/main\.js"\]$/m);
  });

  it('builds main.ts and what it imports: not the simulator, the sandbox or the Slack stand-in', () => {
    const root = fileURLToPath(new URL('../../', import.meta.url));
    const parsed = ts.getParsedCommandLineOfConfigFile(
      `${root}tsconfig.build.json`,
      {},
      {
        ...ts.sys,
        onUnRecoverableConfigFileDiagnostic: (d) => {
          throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
        },
      },
    );
    expect(parsed?.fileNames).toEqual([`${root}src/main.ts`]);
    const program = ts.createProgram(parsed?.fileNames ?? [], parsed?.options ?? {});
    const built = program
      .getSourceFiles()
      .map((f) => f.fileName)
      .filter((f) => f.startsWith(`${root}src/`))
      .map((f) => f.slice(root.length));
    expect(built).toEqual(expect.arrayContaining(['src/main.ts', 'src/config.ts', 'src/aws/stack.ts']));
    expect(built.filter((f) => /^src\/(sim|sandbox|slack-stand-in)\/|^src\/start\.ts$/.test(f))).toEqual([]);
  }, 60_000);

  it("runs `npm run build` as the build stage does, and the runtime stage's dist/ starts: every module loads and the SSM scripts are there", async () => {
    const root = fileURLToPath(new URL('../../', import.meta.url));
    const build = mkdtempSync(join(tmpdir(), 'chatdb-build-'));
    const runtime = mkdtempSync(join(tmpdir(), 'chatdb-runtime-'));
    try {
      // The build stage: package.json, the tsconfigs and src/ (the lock file only feeds `npm ci`).
      for (const file of ['package.json', 'tsconfig.json', 'tsconfig.build.json']) {
        copyFileSync(join(root, file), join(build, file));
      }
      cpSync(join(root, 'src'), join(build, 'src'), { recursive: true });
      symlinkSync(join(root, 'node_modules'), join(build, 'node_modules'));
      await run('npm', ['run', 'build'], { cwd: build });
      // The runtime stage: package.json, the dependencies and dist/, no src/.
      copyFileSync(join(root, 'package.json'), join(runtime, 'package.json'));
      symlinkSync(join(root, 'node_modules'), join(runtime, 'node_modules'));
      renameSync(join(build, 'dist'), join(runtime, 'dist'));

      const scripts = (dir: string) => readdirSync(dir).filter((file) => file.endsWith('.sh'));
      const shipped = scripts(join(runtime, 'dist/restore/scripts'));
      expect(shipped).toEqual(scripts(join(root, 'src/restore/scripts')));
      expect(shipped).toContain('flatten.sh');

      // Without configuration main.ts stops with exit 2, and only after every module loaded: a
      // script missing from dist/ would have thrown at import instead.
      const started = run(process.execPath, ['dist/main.js'], {
        cwd: runtime,
        env: { PATH: process.env.PATH },
      });
      await expect(started).rejects.toMatchObject({
        code: 2,
        stderr: expect.stringContaining('SLACK_BOT_TOKEN is missing'),
      });
    } finally {
      rmSync(build, { recursive: true, force: true });
      rmSync(runtime, { recursive: true, force: true });
    }
  }, 240_000);

  describe('HEALTHCHECK', () => {
    let fake: FakeSlack;
    let bot: BotProcess;

    beforeAll(async () => {
      fake = await startFakeSlack();
      bot = await startBotProcess(botEnv({ SLACK_API_URL: fake.apiUrl }));
    });

    afterAll(async () => {
      await bot?.kill();
      await fake?.close();
    });

    it('passes against a running bot and fails once it stopped', async () => {
      const [cmd, ...args] = healthcheckCommand();
      expect(cmd).toBe('node');
      const env = { PORT: String(bot.port) };
      await expect(run(process.execPath, args, { env })).resolves.toBeDefined();
      await bot.stop();
      await expect(run(process.execPath, args, { env })).rejects.toMatchObject({ code: 1 });
    });
  });
});
