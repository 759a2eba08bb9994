// `npm run bench`: every figure of issue 7 measured in one run, printed as a table and written to
// bench/results.json. Kept out of `npm test`: it takes minutes and its figures are not assertions.

import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { SERVICE_NAMES } from '../src/sim/faults.js';
import { ACK_SIZES, measureAckLatency } from './ack-latency.js';
import { measureDrill } from './drill.js';
import { FOOTPRINT_SIZES, measureFootprint } from './footprint.js';
import { round } from './lib/stats.js';
import { LIST_SIZES, measureListScale } from './list-scale.js';
import { RESTORE_SIZES, runRestore, wholeVolumeBytes } from './restore-run.js';
import { measureStaged, stagedRows } from './staged.js';

const RESULTS = fileURLToPath(new URL('./results.json', import.meta.url));

function cpuModel(): string {
  const info = readFileSync('/proc/cpuinfo', 'utf8');
  return /^model name\s*:\s*(.+)$/m.exec(info)?.[1]?.trim() ?? cpus()[0]?.model ?? 'unknown';
}

function step(what: string): void {
  process.stderr.write(`bench: ${what}…\n`);
}

const began = performance.now();
const machine = {
  nproc: Number(execFileSync('nproc', { encoding: 'utf8' }).trim()),
  node: process.version,
  cpu: cpuModel(),
  at: new Date().toISOString(),
};

step('1/5 ack latency (bot and bare Bolt app, simulator latency 2 s)');
const ack = await measureAckLatency();

step('2/5 a whole restore at a fixed speed');
const plain = await runRestore({ keepOpen: true });
const wholeBytes = await wholeVolumeBytes(plain);
await plain.env.close();

step('3/5 the same restore with 30 % of calls throttled on every service');
const throttle = Object.fromEntries(SERVICE_NAMES.map((s) => [s, RESTORE_SIZES.throttleFraction]));
const throttled = await runRestore({ faults: { throttle } });

step('4/5 list over 500 and 5,000 recovery points');
const list = await measureListScale();

step('5/5 start-up, idle RSS, production dependencies');
const footprint = await measureFootprint();

const overheadMs = plain.wallMs - plain.simulatedMs;
const overheadRatio = plain.wallMs / plain.simulatedMs;
const overheadGoalMs = 0.05 * plain.simulatedMs + 2000;
const sum = (r: Record<string, { throttle: number }>) => Object.values(r).reduce((a, b) => a + b.throttle, 0);

const results = {
  machine,
  sizes: {
    ack: ACK_SIZES,
    restore: RESTORE_SIZES,
    list: LIST_SIZES,
    footprint: FOOTPRINT_SIZES,
  },
  ackP99Ratio: ack.ackP99Ratio,
  overheadRatio: round(overheadRatio, 4),
  ack,
  restore: {
    status: plain.status,
    wallMs: round(plain.wallMs),
    simulatedMs: round(plain.simulatedMs),
    simulatedParts: plain.simulatedParts,
    overheadMs: round(overheadMs),
    overheadGoalMs: round(overheadGoalMs),
    simulatedMinutes: round(plain.simulatedMinutes, 2),
    checkStageMs: round(plain.checkStageMs),
    checkShare: round(plain.checkStageMs / plain.wallMs, 4),
  },
  awsCalls: {
    perRestore: plain.totalCalls,
    byOperation: plain.calls,
    perSimulatedMinute: round(plain.totalCalls / plain.simulatedMinutes, 2),
  },
  throttled: {
    fraction: RESTORE_SIZES.throttleFraction,
    status: throttled.status,
    calls: throttled.totalCalls,
    throttledCalls: sum(throttled.faultsInjected),
    byOperation: throttled.calls,
    wallMs: round(throttled.wallMs),
    throttlingReachedSession: throttled.throttlingReachedSession,
  },
  list,
  footprint,
  drill: await measureDrill(plain.wallMs),
  nestingBytes: {
    itemLevel: plain.itemLevelBytes,
    wholeVolume: wholeBytes,
    ratio:
      plain.itemLevelBytes !== undefined && wholeBytes !== undefined
        ? round(plain.itemLevelBytes / wholeBytes, 3)
        : undefined,
  },
  staged: await measureStaged(),
  benchSeconds: 0,
};
results.benchSeconds = round((performance.now() - began) / 1000);
writeFileSync(RESULTS, `${JSON.stringify(results, null, 2)}\n`);

const f = (target: string, command: string, burst: number) =>
  ack.figures.find((x) => x.target === target && x.command === command && x.burst === burst);
const rows: [string, string, string][] = [];
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
rows.push([
  'restore: wall from confirmation / simulated AWS',
  `${round(plain.wallMs / 1000, 2)} s / ${round(plain.simulatedMs / 1000, 2)} s (overhead ${round(overheadMs / 1000, 2)} s)`,
  `≤ ${round(overheadGoalMs / 1000, 2)} s`,
]);
rows.push(['overheadRatio (wall / simulated)', String(results.overheadRatio), '']);
rows.push([
  'check stage: wall / share of the restore (simulated check task)',
  `${round(plain.checkStageMs / 1000, 2)} s / ${round((100 * plain.checkStageMs) / plain.wallMs, 1)} % (${round((plain.simulatedParts.checkTask ?? 0) / 1000, 2)} s)`,
  '',
]);
rows.push([
  'AWS calls per restore / per simulated minute',
  `${plain.totalCalls} / ${results.awsCalls.perSimulatedMinute}`,
  '≤ 6 a minute',
]);
rows.push([
  `30 % throttled: calls (throttled), outcome`,
  `${throttled.totalCalls} (${results.throttled.throttledCalls}), ${throttled.status}, throttling in session: ${throttled.throttlingReachedSession ? 'YES' : 'no'}`,
  'none reaches a user',
]);
for (const l of list) {
  rows.push([
    `list over ${l.points} points (${l.pages} pages): answer, peak RSS Δ`,
    `${l.answerMsMin}–${l.answerMsMax} ms, ${l.peakRssDeltaMb} MB`,
    '< 1.5 s',
  ]);
}
rows.push([
  'start-up to ready (median / max)',
  `${footprint.startMsMedian} / ${footprint.startMsMax} ms`,
  '',
]);
rows.push(['RSS at idle', `${footprint.idleRssMb} MB`, '']);
rows.push([
  'production dependencies',
  `${footprint.prodDeps.packages} packages, ${footprint.prodDeps.sizeMb} MB (all node_modules ${footprint.allNodeModulesMb} MB)`,
  '',
]);
rows.push([
  'nesting scenario: bytes copied, item-level vs whole-volume',
  `${plain.itemLevelBytes} vs ${wholeBytes} (${results.nestingBytes.ratio})`,
  '',
]);

rows.push(...stagedRows(results.staged));
const table = [
  '| Measure | Result | Goal |',
  '| --- | --- | --- |',
  ...rows.map(([a, b, c]) => `| ${a} | ${b} | ${c} |`),
].join('\n');
process.stdout.write(
  `\n${table}\n\nMachine: ${machine.nproc} CPUs (${machine.cpu}), Node ${machine.node}; bench took ${results.benchSeconds} s.\nWritten: bench/results.json\n`,
);
