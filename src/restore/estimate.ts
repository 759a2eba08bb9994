// How long a restore will take, from this volume's own past restores rather than a fixed rate:
// the restore job's time per byte (so a bigger point takes proportionally longer) and the time of
// the stages after it (locate, flatten, check, cutover, verify). Pure; the orchestrator feeds it the
// sessions it holds. Drills are samples too: their restore, locate, flatten and check are measured
// on the same volume, and the cutover and verify they do not run are estimated from past restores.

import type { LastDrill } from './plan.js';
import type { RestoreSession } from './session.js';

export interface RestoreSample {
  /** The recovery point's size, when AWS gave it. */
  sizeBytes?: number;
  /** The AWS restore job's stage, start to end. */
  jobMs: number;
  /** Locate to verify, for a restore that got through them all. */
  afterJobMs?: number;
}

export interface RestoreEstimate {
  totalMinutes: number;
  jobMinutes: number;
  afterJobMinutes: number;
  /** How many past restores it is drawn from. */
  samples: number;
}

/** At most this many of the newest samples count: the volume and AWS change over time. */
const RECENT = 10;
/** Locate to verify when no past restore got that far. */
const DEFAULT_AFTER_JOB_MS = 8 * 60_000;
/** Cutover and verify when no past restore of the volume got through them. */
export const DEFAULT_CUTOVER_VERIFY_MS = 5 * 60_000;

function span(s: RestoreSession, name: string): number | undefined {
  const st = s.stages.find((x) => x.name === name);
  if (st?.status !== 'done' || st.startedAt === undefined || st.endedAt === undefined) return undefined;
  return Math.max(0, Date.parse(st.endedAt) - Date.parse(st.startedAt));
}

/** Cutover plus verify as this volume's past restores measured them (median), or the default. */
export function cutoverVerifyMs(sessions: readonly RestoreSession[], fileSystemId: string): number {
  const measured = sessions.flatMap((s) => {
    if (s.kind !== 'restore' || s.plan?.fileSystemId !== fileSystemId) return [];
    const cut = span(s, 'cutover');
    const verify = span(s, 'verify');
    return cut === undefined || verify === undefined ? [] : [cut + verify];
  });
  return median(measured) ?? DEFAULT_CUTOVER_VERIFY_MS;
}

/**
 * What a real restore of a drill's point would take: the drill's measured restore, locate,
 * flatten and check, plus the cutover and verify it does not run (the plan's cutoverEstimateMs,
 * from cutoverVerifyMs). Undefined unless the drill got through its check.
 */
export function projectedRtoMs(
  drill: RestoreSession,
): { totalMs: number; measuredMs: number; cutoverMs: number } | undefined {
  if (drill.kind !== 'drill' || drill.plan?.kind !== 'drill') return undefined;
  const measured = ['restore', 'locate', 'flatten', 'check'].map((n) => span(drill, n));
  if (!measured.every((ms) => ms !== undefined)) return undefined;
  const measuredMs = measured.reduce((total: number, ms) => total + (ms ?? 0), 0);
  const cutoverMs = drill.plan.cutoverEstimateMs ?? DEFAULT_CUTOVER_VERIFY_MS;
  return { totalMs: measuredMs + cutoverMs, measuredMs, cutoverMs };
}

/** The newest drill of the file system that ended and says whether its point is restorable. */
export function lastDrill(sessions: readonly RestoreSession[], fileSystemId: string): LastDrill | undefined {
  const drills = sessions
    .filter((s) => s.kind === 'drill' && s.plan?.kind === 'drill' && s.plan.fileSystemId === fileSystemId)
    .filter((s) => {
      const check = stageOf(s, 'check')?.status;
      return s.ended !== undefined && (check === 'done' || check === 'failed');
    })
    .sort((a, b) => (b.ended?.at ?? '').localeCompare(a.ended?.at ?? ''));
  const newest = drills[0];
  if (newest?.plan?.kind !== 'drill' || newest.ended === undefined) return undefined;
  const rto = projectedRtoMs(newest)?.totalMs;
  return {
    sessionId: newest.id,
    at: newest.ended.at,
    pointCreatedAt: newest.plan.recoveryPoint.createdAt,
    restorable: stageOf(newest, 'check')?.status === 'done',
    ...(rto === undefined ? {} : { projectedMinutes: Math.max(1, Math.ceil(rto / 60_000)) }),
  };
}

function stageOf(s: RestoreSession, name: string) {
  return s.stages.find((x) => x.name === name);
}

/** The restore jobs this bot ran on the file system (restores and drills), newest first, with what came after them. */
export function restoreSamples(sessions: readonly RestoreSession[], fileSystemId: string): RestoreSample[] {
  const samples: { at: string; sample: RestoreSample }[] = [];
  const rehearsed = cutoverVerifyMs(sessions, fileSystemId);
  for (const s of sessions) {
    const plan = s.plan;
    if (plan?.kind !== s.kind || (plan.kind !== 'restore' && plan.kind !== 'drill')) continue;
    if (plan.fileSystemId !== fileSystemId) continue;
    const jobMs = span(s, 'restore');
    if (jobMs === undefined) continue;
    // A drill's cutover and verify are not run: the volume's own estimate stands in for them.
    const after =
      plan.kind === 'drill'
        ? [...['locate', 'flatten', 'check'].map((n) => span(s, n)), rehearsed]
        : ['locate', 'flatten', 'cutover', 'verify'].map((n) => span(s, n));
    const sample: RestoreSample = { jobMs };
    const size = plan.recoveryPoint.sizeBytes;
    if (size !== undefined && size > 0) sample.sizeBytes = size;
    if (after.every((ms) => ms !== undefined)) {
      sample.afterJobMs = after.reduce((sum: number, ms) => sum + (ms ?? 0), 0);
    }
    samples.push({ at: s.createdAt, sample });
  }
  return samples.sort((a, b) => b.at.localeCompare(a.at)).map((x) => x.sample);
}

function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/**
 * The expected duration of a restore of a point of `sizeBytes`, or undefined with no past restore
 * to go by (the caller keeps its default). The job's time scales with size where sizes are known.
 */
export function estimateRestore(
  all: readonly RestoreSample[],
  sizeBytes: number | undefined,
): RestoreEstimate | undefined {
  const samples = all.slice(0, RECENT);
  if (samples.length === 0) return undefined;
  const rates = samples.flatMap((s) => (s.sizeBytes === undefined ? [] : [s.jobMs / s.sizeBytes]));
  const rate = median(rates);
  const jobMs =
    sizeBytes !== undefined && sizeBytes > 0 && rate !== undefined
      ? rate * sizeBytes
      : (median(samples.map((s) => s.jobMs)) ?? 0);
  const afterJobMs =
    median(samples.flatMap((s) => (s.afterJobMs === undefined ? [] : [s.afterJobMs]))) ??
    DEFAULT_AFTER_JOB_MS;
  const jobMinutes = Math.max(1, Math.ceil(jobMs / 60_000));
  const afterJobMinutes = Math.max(1, Math.ceil(afterJobMs / 60_000));
  return { totalMinutes: jobMinutes + afterJobMinutes, jobMinutes, afterJobMinutes, samples: samples.length };
}
