import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
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
