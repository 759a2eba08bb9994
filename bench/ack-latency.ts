import { startSimulator } from '../src/sim/server.js';
import { postToBot } from '../src/slack-stand-in/post-to-bot.js';
import { slashCommandBody } from '../src/slack-stand-in/request-bodies.js';
import { botEnv, TEST_BOT_TOKEN, TEST_SIGNING_SECRET } from '../test/helpers/bot-env.js';
import { startBotProcess } from '../test/helpers/bot-process.js';
import { startFakeSlack } from '../test/helpers/fake-slack.js';
import { waitFor } from '../test/helpers/wait.js';
import { startBareApp } from './bare-app.js';
import type { BenchSection, Row } from './lib/section.js';
import { percentile, round } from './lib/stats.js';

export const ACK_SIZES = { simLatencyMs: 2000, singleSamples: 20, burst: 100, burstRounds: 2 };

export interface AckFigure {
  target: 'bot' | 'bare';
  command: 'list' | 'help';
  burst: number;
  samples: number;
  p50Ms: number;
  p99Ms: number;
  non200: number;
}

export interface AckResult {
  sizes: typeof ACK_SIZES;
  figures: AckFigure[];
  /** Bot p99 over bare p99 at the burst of 100, per command, and the worse of the two. */
  ratios: { list: number; help: number };
  ackP99Ratio: number;
  /** list answers (posted to response_url) that arrived, out of list commands sent to the bot. */
  listAnswers: { sent: number; answered: number };
}

/** Acks of signed slash commands over loopback: the real bot process beside a bare Bolt app. */
export async function measureAckLatency(): Promise<AckResult> {
  const sim = await startSimulator({ scenario: { latencyMs: ACK_SIZES.simLatencyMs } });
  const fake = await startFakeSlack();
  const bare = await startBareApp({
    signingSecret: TEST_SIGNING_SECRET,
    token: TEST_BOT_TOKEN,
    apiUrl: fake.apiUrl,
  });
  const bot = await startBotProcess(botEnv({ ...sim.env(), SLACK_API_URL: fake.apiUrl, LOG_LEVEL: 'info' }));
  let counter = 0;
  const listIds: string[] = [];
  try {
    const one = async (url: string, command: 'list' | 'help', target: 'bot' | 'bare') => {
      counter += 1;
      const id = `bench-${counter}`;
      if (target === 'bot' && command === 'list') listIds.push(id);
      const body = slashCommandBody({ text: command, response_url: fake.responseUrl(id) });
      const started = performance.now();
      const res = await postToBot(url, body, { secret: TEST_SIGNING_SECRET });
      return { ms: performance.now() - started, ok: res.status === 200 };
    };
    const drain = () =>
      waitFor(() => listIds.every((id) => fake.responsesTo(id).length > 0), {
        timeoutMs: 60_000,
        intervalMs: 100,
        what: 'every list answer',
      }).catch(() => false);

    // Warm both servers' code paths before anything is recorded (the one list's AWS work, 2 s a
    // call, ends during the help rounds: a single request's worth of background).
    for (const command of ['help', 'list'] as const) {
      await one(bot.url, command, 'bot');
      await one(bare.url, command, 'bare');
    }

    const figures: AckFigure[] = [];
    for (const command of ['help', 'list'] as const) {
      for (const burst of [1, ACK_SIZES.burst]) {
        const samples = { bot: [] as number[], bare: [] as number[] };
        const failures = { bot: 0, bare: 0 };
        const rounds = burst === 1 ? ACK_SIZES.singleSamples : ACK_SIZES.burstRounds;
        for (let r = 0; r < rounds; r++) {
          // Alternate which one goes first, so neither always meets a machine still busy with the other.
          const order = r % 2 === 0 ? (['bot', 'bare'] as const) : (['bare', 'bot'] as const);
          for (const target of order) {
            const url = target === 'bot' ? bot.url : bare.url;
            const results = await Promise.all(Array.from({ length: burst }, () => one(url, command, target)));
            for (const x of results) {
              samples[target].push(x.ms);
              if (!x.ok) failures[target] += 1;
            }
            // The bot's list work (AWS calls at 2 s each) must not spill into the next round.
            if (burst > 1 && target === 'bot' && command === 'list') await drain();
          }
        }
        for (const target of ['bot', 'bare'] as const) {
          figures.push({
            target,
            command,
            burst,
            samples: samples[target].length,
            p50Ms: round(percentile(samples[target], 50), 2),
            p99Ms: round(percentile(samples[target], 99), 2),
            non200: failures[target],
          });
        }
      }
    }
    await drain();
    const p99 = (target: 'bot' | 'bare', command: 'list' | 'help') =>
      figures.find((f) => f.target === target && f.command === command && f.burst === ACK_SIZES.burst)
        ?.p99Ms ?? Number.NaN;
    const ratios = {
      list: round(p99('bot', 'list') / p99('bare', 'list'), 3),
      help: round(p99('bot', 'help') / p99('bare', 'help'), 3),
    };
    return {
      sizes: ACK_SIZES,
      figures,
      ratios,
      ackP99Ratio: Math.max(ratios.list, ratios.help),
      listAnswers: {
        sent: listIds.length,
        answered: listIds.filter((id) => fake.responsesTo(id).length > 0).length,
      },
    };
  } finally {
    await bot.stop();
    await bare.close();
    await fake.close();
    await sim.close();
  }
}

export const ackSection: BenchSection = {
  name: 'ack',
  title: 'ack latency (bot and bare Bolt app, simulator latency 2 s)',
  async run() {
    const ack = await measureAckLatency();
    const f = (target: string, command: string, burst: number) =>
      ack.figures.find((x) => x.target === target && x.command === command && x.burst === burst);
    const rows: Row[] = [];
    for (const command of ['help', 'list']) {
      for (const burst of [1, ACK_SIZES.burst]) {
        const b = f('bot', command, burst);
        const a = f('bare', command, burst);
        rows.push([
          `ack ${command}, burst ${burst}: p50 / p99 (bot vs bare)`,
          `${b?.p50Ms} / ${b?.p99Ms} ms vs ${a?.p50Ms} / ${a?.p99Ms} ms`,
          '',
        ]);
      }
    }
    rows.push([
      'ackP99Ratio (burst 100, worse of list/help)',
      `${ack.ackP99Ratio} (list ${ack.ratios.list}, help ${ack.ratios.help})`,
      '≤ 1.2',
    ]);
    return { sizes: ACK_SIZES, figures: { ackP99Ratio: ack.ackP99Ratio, ack }, rows };
  },
};
