// A drill's time against the same restore's: the scenario of restore-run.ts (the same scripted AWS
// durations, speed and poll intervals), a drill of the same latest point, in-process with the
// production AWS ports. The drill runs restore, locate, flatten and check like the restore, then
// rehearses the cutover (a change set created and deleted) instead of executing it, and tears down.

import { rmSync } from 'node:fs';
import { projectedRtoMs } from '../src/restore/estimate.js';
import type { RestoreSession } from '../src/restore/session.js';
import { waitFor } from '../test/helpers/wait.js';
import type { BenchSection } from './lib/section.js';
import { round } from './lib/stats.js';
import { RESTORE_SIZES, restoreWallMs, startBenchWorld } from './restore-run.js';

export interface DrillRun {
  status: string;
  /** Start to its end (nobody confirms a drill), real ms. */
  wallMs: number;
  /** The same restore, confirmation to verified, real ms (restore-run.ts). */
  restoreWallMs: number;
  /** The drill's time over the restore's. */
  ratio: number;
  /** Each stage, started to ended, real ms. */
  stagesMs: Record<string, number>;
  /**
   * What the drill projects a real restore to take: its measured stages (real ms at this speed)
   * plus the cutover and verify estimate, which with no past restore in this fresh world is the
   * production default (5 minutes, not scaled by the speed).
   */
  projectedRto?: { totalMs: number; measuredMs: number; cutoverMs: number };
  /** Simulated minutes the drill took (wall × speed). */
  simulatedMinutes: number;
}

export async function measureDrill(restoreWallMs: number): Promise<DrillRun> {
  const { speed } = RESTORE_SIZES;
  const { env, runtime, stateDir } = await startBenchWorld('chatdb-bench-drill-');
  try {
    const t0 = performance.now();
    const started = await runtime.service.drill(
      { channel: 'C0INCIDENT', user: 'U0REQUESTER' },
      { kind: 'latest' },
      'latest',
    );
    await waitFor(
      () => {
        const s = runtime.service.get(started.id);
        return s !== undefined && !['resolving', 'running'].includes(s.status);
      },
      { timeoutMs: 150_000, intervalMs: 5, what: 'the drill to end' },
    );
    const wallMs = performance.now() - t0;
    await runtime.service.idle();
    const session = runtime.service.get(started.id) as RestoreSession;
    const stagesMs = Object.fromEntries(
      session.stages.flatMap((st) =>
        st.startedAt === undefined || st.endedAt === undefined
          ? []
          : [[st.name, Date.parse(st.endedAt) - Date.parse(st.startedAt)]],
      ),
    );
    const projected = projectedRtoMs(session);
    return {
      status: session.status,
      wallMs: round(wallMs),
      restoreWallMs: round(restoreWallMs),
      ratio: round(wallMs / restoreWallMs, 4),
      stagesMs,
      ...(projected === undefined ? {} : { projectedRto: projected }),
      simulatedMinutes: round((wallMs * speed) / 60_000, 2),
    };
  } finally {
    await runtime.close();
    rmSync(stateDir, { recursive: true, force: true });
    await env.close();
  }
}

const seconds = (ms: number) => `${round(ms / 1000, 2)} s`;

export const drillSection: BenchSection = {
  name: 'drill',
  title: 'a drill of the same point, against the restore',
  async run() {
    const drill = await measureDrill(await restoreWallMs());
    const rto = drill.projectedRto;
    return {
      figures: { drill },
      rows: [
        [
          'drill: start to end / the same restore, confirmation to verified',
          `${seconds(drill.wallMs)} / ${seconds(drill.restoreWallMs)} (${drill.ratio}), ${drill.status}`,
          '',
        ],
        [
          'drill: projected RTO (measured stages + cutover and verify estimate)',
          rto === undefined
            ? 'none'
            : `${seconds(rto.totalMs)} (${seconds(rto.measuredMs)} measured + ${seconds(rto.cutoverMs)})`,
          '',
        ],
      ],
    };
  },
};
