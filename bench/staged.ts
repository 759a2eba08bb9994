// Restoring while the confirmation is pending, measured: the time from the start request to a
// verified restore when the second engineer confirms 5 minutes (simulated) after the plan is shown,
// waiting for the confirmation versus pressing Start restoring now, over the same simulated restore
// (bench/restore-run.ts). Goal: staged ≤ max(wait, the stages before the cutover) + the cutover
// (and verify) + 2 %, each part as the waiting run measured it, plus the resolve both share.
// `node --import tsx bench/staged.ts` runs this part alone; bench/run.ts runs it with the rest.

import { pathToFileURL } from 'node:url';
import type { BenchSection } from './lib/section.js';
import { round } from './lib/stats.js';
import { RESTORE_SIZES, type RestoreRun, runRestore } from './restore-run.js';

export const STAGED_SIZES = {
  /** The confirmation arrives this long after the plan is shown (simulated). */
  confirmWaitSimulatedMs: 5 * 60_000,
  marginFraction: 0.02,
};

function stageSpan(run: RestoreRun, from: string, to: string): number {
  const stages = run.session.stages;
  const start = stages.find((s) => s.name === from)?.startedAt;
  const end = stages.find((s) => s.name === to)?.endedAt;
  return start === undefined || end === undefined ? Number.NaN : Date.parse(end) - Date.parse(start);
}

function parts(run: RestoreRun) {
  return {
    status: run.status,
    requestToDoneMs: round(run.requestToDoneMs),
    resolveMs: round(run.resolveMs),
    beforeCutoverMs: stageSpan(run, 'restore', 'check'),
    cutoverMs: stageSpan(run, 'cutover', 'verify'),
  };
}

export async function measureStaged() {
  const waitMs = STAGED_SIZES.confirmWaitSimulatedMs / RESTORE_SIZES.speed;
  const waiting = parts(await runRestore({ confirmAfterMs: waitMs }));
  const staged = parts(await runRestore({ confirmAfterMs: waitMs, staged: true }));
  const goalMs =
    (waiting.resolveMs + Math.max(waitMs, waiting.beforeCutoverMs) + waiting.cutoverMs) *
    (1 + STAGED_SIZES.marginFraction);
  return {
    waitMs,
    waiting,
    staged,
    goalMs: round(goalMs),
    withinGoal: staged.status === 'succeeded' && staged.requestToDoneMs <= goalMs,
    savedMs: round(waiting.requestToDoneMs - staged.requestToDoneMs),
  };
}

/** The bench table's rows for this part. */
export function stagedRows(m: Awaited<ReturnType<typeof measureStaged>>): [string, string, string][] {
  const s = (ms: number) => `${round(ms / 1000, 2)} s`;
  return [
    [
      `request to verified, confirmation after ${s(m.waitMs)}: waiting / staged`,
      `${s(m.waiting.requestToDoneMs)} / ${s(m.staged.requestToDoneMs)} (saved ${s(m.savedMs)})`,
      `staged ≤ ${s(m.goalMs)}`,
    ],
  ];
}

export const stagedSection: BenchSection = {
  name: 'staged',
  title: 'request to verified with a 5-minute confirmation wait, staged vs waiting',
  async run() {
    const staged = await measureStaged();
    return { sizes: STAGED_SIZES, figures: { staged }, rows: stagedRows(staged) };
  },
};

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const m = await measureStaged();
  const rows = stagedRows(m).map(([a, b, c]) => `| ${a} | ${b} | ${c} |`);
  process.stdout.write(
    `${JSON.stringify(m, null, 2)}\n\n| Measure | Result | Goal |\n| --- | --- | --- |\n${rows.join('\n')}\n${m.withinGoal ? 'within the goal' : 'NOT within the goal'}\n`,
  );
}
