import { LIVE_DB_DIR } from '../src/sim/scenario.js';
import { startSimulator } from '../src/sim/server.js';
import { postToBot } from '../src/slack-stand-in/post-to-bot.js';
import { slashCommandBody } from '../src/slack-stand-in/request-bodies.js';
import { botEnv, TEST_SIGNING_SECRET } from '../test/helpers/bot-env.js';
import { startBotProcess } from '../test/helpers/bot-process.js';
import { startFakeSlack } from '../test/helpers/fake-slack.js';
import type { BenchSection, Row } from './lib/section.js';
import { MB, procMemory, resetPeakRss, round } from './lib/stats.js';

export const LIST_SIZES = { points: [500, 5000], pageSize: 100, listLimit: 10, repeats: 3 };

export interface ListFigure {
  points: number;
  pages: number;
  /** Signed `/chatdb-restore list` sent to the answer posted to response_url, ms (best, worst). */
  answerMsMin: number;
  answerMsMax: number;
  /** The bot's peak RSS during the measured lists minus its RSS before them (after one warm-up list). */
  peakRssDeltaMb: number;
  rssBeforeMb: number;
  listCalls: number;
}

function points(n: number) {
  const base = Date.UTC(2026, 0, 1);
  return Array.from({ length: n }, (_, i) => ({
    id: `B0000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    createdAt: new Date(base + i * 3_600_000).toISOString(),
    tree: { db: LIVE_DB_DIR },
  }));
}

/** `list` through the real bot process over a vault of `n` recovery points, read across pages. */
async function listOver(n: number): Promise<ListFigure> {
  const sim = await startSimulator({
    scenario: { recoveryPoints: points(n), pageSizes: { recoveryPoints: LIST_SIZES.pageSize } },
  });
  const fake = await startFakeSlack();
  const bot = await startBotProcess(botEnv({ ...sim.env(), SLACK_API_URL: fake.apiUrl, LOG_LEVEL: 'info' }));
  try {
    const list = async (id: string) => {
      const body = slashCommandBody({
        text: `list ${LIST_SIZES.listLimit}`,
        response_url: fake.responseUrl(id),
      });
      const started = performance.now();
      const res = await postToBot(bot.url, body, { secret: TEST_SIGNING_SECRET });
      if (res.status !== 200) throw new Error(`list was answered ${res.status}`);
      await fake.waitForResponse(id, { timeoutMs: 60_000, intervalMs: 2 });
      return performance.now() - started;
    };
    // One list to load the code on its path (the SDK, the views), then measure from a quiet process.
    await list(`list-${n}-warm`);
    await new Promise((r) => setTimeout(r, 500));
    const callsBefore = sim.state().calls['backup:ListRecoveryPointsByResource'] ?? 0;
    const before = procMemory(bot.pid);
    const resetWorked = resetPeakRss(bot.pid);
    const times: number[] = [];
    for (let i = 0; i < LIST_SIZES.repeats; i++) times.push(await list(`list-${n}-${i}`));
    const after = procMemory(bot.pid);
    const calls =
      ((sim.state().calls['backup:ListRecoveryPointsByResource'] ?? 0) - callsBefore) / LIST_SIZES.repeats;
    return {
      points: n,
      pages: Math.ceil(n / LIST_SIZES.pageSize),
      answerMsMin: round(Math.min(...times)),
      answerMsMax: round(Math.max(...times)),
      peakRssDeltaMb: round(((resetWorked ? after.peakRss : after.rss) - before.rss) / MB, 2),
      rssBeforeMb: round(before.rss / MB, 1),
      listCalls: calls,
    };
  } finally {
    await bot.stop();
    await fake.close();
    await sim.close();
  }
}

export async function measureListScale(): Promise<ListFigure[]> {
  const out: ListFigure[] = [];
  for (const n of LIST_SIZES.points) out.push(await listOver(n));
  return out;
}

export const listSection: BenchSection = {
  name: 'list',
  title: 'list over 500 and 5,000 recovery points',
  async run() {
    const list = await measureListScale();
    const rows: Row[] = list.map((l) => [
      `list over ${l.points} points (${l.pages} pages): answer, peak RSS Δ`,
      `${l.answerMsMin}–${l.answerMsMax} ms, ${l.peakRssDeltaMb} MB`,
      '< 1.5 s',
    ]);
    return { sizes: LIST_SIZES, figures: { list }, rows };
  },
};
