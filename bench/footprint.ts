import { execFileSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { botEnv } from '../test/helpers/bot-env.js';
import { REPO_ROOT, startBotProcess } from '../test/helpers/bot-process.js';
import { startFakeSlack } from '../test/helpers/fake-slack.js';
import type { BenchSection, Row } from './lib/section.js';
import { MB, percentile, procMemory, round } from './lib/stats.js';

export const FOOTPRINT_SIZES = { starts: 3, idleWaitMs: 2000 };

export interface Footprint {
  /** Spawn of `node --import tsx src/main.ts` to its `ready` line, ms (median and worst of the starts). */
  startMsMedian: number;
  startMsMax: number;
  idleRssMb: number;
  prodDeps: { packages: number; sizeMb: number };
  allNodeModulesMb: number;
}

/** Bytes on disk of the production dependency tree (npm ls --omit=dev), nested copies counted once. */
function prodDependencies(): { packages: number; bytes: number } {
  const out = execFileSync('npm', ['ls', '--omit=dev', '--all', '--parseable'], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    maxBuffer: 64 * MB,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const dirs = [...new Set(out.split('\n').filter((l) => l.includes('/node_modules/')))].sort();
  // A package nested inside another's node_modules is inside that one's du already.
  const tops = dirs.filter((d) => !dirs.some((p) => p !== d && d.startsWith(`${p}/`)));
  let bytes = 0;
  for (let i = 0; i < tops.length; i += 200) {
    const du = execFileSync('du', ['-sb', ...tops.slice(i, i + 200)], { encoding: 'utf8' });
    for (const line of du.split('\n')) bytes += Number(line.split('\t')[0] ?? 0) || 0;
  }
  return { packages: dirs.length, bytes };
}

function duBytes(path: string): number {
  return Number(execFileSync('du', ['-sb', path], { encoding: 'utf8' }).split('\t')[0]);
}

export async function measureFootprint(): Promise<Footprint> {
  const starts: number[] = [];
  let idleRss = Number.NaN;
  // Bolt checks the token with auth.test before it listens: a fake Slack on loopback answers.
  const fake = await startFakeSlack();
  try {
    for (let i = 0; i < FOOTPRINT_SIZES.starts; i++) {
      const t0 = performance.now();
      const bot = await startBotProcess(botEnv({ SLACK_API_URL: fake.apiUrl, LOG_LEVEL: 'info' }));
      starts.push(performance.now() - t0);
      if (i === FOOTPRINT_SIZES.starts - 1) {
        await sleep(FOOTPRINT_SIZES.idleWaitMs);
        idleRss = procMemory(bot.pid).rss;
      }
      await bot.stop();
    }
  } finally {
    await fake.close();
  }
  const prod = prodDependencies();
  return {
    startMsMedian: round(percentile(starts, 50)),
    startMsMax: round(Math.max(...starts)),
    idleRssMb: round(idleRss / MB, 1),
    prodDeps: { packages: prod.packages, sizeMb: round(prod.bytes / MB, 1) },
    allNodeModulesMb: round(duBytes(`${REPO_ROOT}node_modules`) / MB, 1),
  };
}

export const footprintSection: BenchSection = {
  name: 'footprint',
  title: 'start-up, idle RSS, production dependencies',
  async run() {
    const footprint = await measureFootprint();
    const rows: Row[] = [
      ['start-up to ready (median / max)', `${footprint.startMsMedian} / ${footprint.startMsMax} ms`, ''],
      ['RSS at idle', `${footprint.idleRssMb} MB`, ''],
      [
        'production dependencies',
        `${footprint.prodDeps.packages} packages, ${footprint.prodDeps.sizeMb} MB (all node_modules ${footprint.allNodeModulesMb} MB)`,
        '',
      ],
    ];
    return { sizes: FOOTPRINT_SIZES, figures: { footprint }, rows };
  },
};
