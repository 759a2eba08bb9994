// `npm run bench`: every figure of issue 7 measured in one run, printed as a table and written to
// bench/results.json. Kept out of `npm test`: it takes minutes and its figures are not assertions.
// `npm run bench -- ack restore` runs only the sections named and prints their table, leaving
// bench/results.json as it was (its figures come from one whole run).

import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { ackSection } from './ack-latency.js';
import { drillSection } from './drill.js';
import { footprintSection } from './footprint.js';
import type { BenchSection, Row } from './lib/section.js';
import { round } from './lib/stats.js';
import { listSection } from './list-scale.js';
import { restoreSection, throttledSection } from './restore-run.js';
import { stagedSection } from './staged.js';

/** In the order they run; a new part of the bench is one more entry. */
const SECTIONS: BenchSection[] = [
  ackSection,
  restoreSection,
  drillSection,
  stagedSection,
  throttledSection,
  listSection,
  footprintSection,
];

const RESULTS = fileURLToPath(new URL('./results.json', import.meta.url));

function cpuModel(): string {
  const info = readFileSync('/proc/cpuinfo', 'utf8');
  return /^model name\s*:\s*(.+)$/m.exec(info)?.[1]?.trim() ?? cpus()[0]?.model ?? 'unknown';
}

function selected(args: readonly string[]): BenchSection[] {
  const names = args.filter((a) => a !== '--');
  const unknown = names.filter((n) => !SECTIONS.some((s) => s.name === n));
  if (unknown.length > 0) {
    process.stderr.write(
      `bench: no section ${unknown.join(', ')}; the sections are ${SECTIONS.map((s) => s.name).join(', ')}\n`,
    );
    process.exit(2);
  }
  return names.length === 0 ? SECTIONS : SECTIONS.filter((s) => names.includes(s.name));
}

const chosen = selected(process.argv.slice(2));
const whole = chosen.length === SECTIONS.length;
const began = performance.now();
const machine = {
  nproc: Number(execFileSync('nproc', { encoding: 'utf8' }).trim()),
  node: process.version,
  cpu: cpuModel(),
  at: new Date().toISOString(),
};

const sizes: Record<string, unknown> = {};
const figures: Record<string, unknown> = {};
const rows: Row[] = [];
for (const [i, section] of chosen.entries()) {
  process.stderr.write(`bench: ${i + 1}/${chosen.length} ${section.title}…\n`);
  const out = await section.run();
  if (out.sizes !== undefined) sizes[section.name] = out.sizes;
  Object.assign(figures, out.figures);
  rows.push(...out.rows);
}

const benchSeconds = round((performance.now() - began) / 1000);
const results = { machine, sizes, ...figures, benchSeconds };
if (whole) writeFileSync(RESULTS, `${JSON.stringify(results, null, 2)}\n`);
else process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);

const table = [
  '| Measure | Result | Goal |',
  '| --- | --- | --- |',
  ...rows.map(([a, b, c]) => `| ${a} | ${b} | ${c} |`),
].join('\n');
process.stdout.write(
  `\n${table}\n\nMachine: ${machine.nproc} CPUs (${machine.cpu}), Node ${machine.node}; bench took ${benchSeconds} s.\n${whole ? 'Written: bench/results.json' : `Sections ${chosen.map((s) => s.name).join(', ')} only: bench/results.json unchanged`}\n`,
);
