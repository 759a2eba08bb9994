// How long a restore will take, from this volume's own past restores rather than a fixed rate:
// the restore job's time per byte (so a bigger point takes proportionally longer) and the time of
// the stages after it (locate, flatten, cutover, verify). Pure; the orchestrator feeds it the
// sessions it holds. Drills would be samples too once they exist.

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

function span(s: RestoreSession, name: string): number | undefined {
  const st = s.stages.find((x) => x.name === name);
  if (st?.status !== 'done' || st.startedAt === undefined || st.endedAt === undefined) return undefined;
  return Math.max(0, Date.parse(st.endedAt) - Date.parse(st.startedAt));
}

/** The restore jobs this bot ran on the file system, newest first, with what came after them. */
export function restoreSamples(sessions: readonly RestoreSession[], fileSystemId: string): RestoreSample[] {
  const samples: { at: string; sample: RestoreSample }[] = [];
  for (const s of sessions) {
    if (s.kind !== 'restore' || s.plan?.kind !== 'restore' || s.plan.fileSystemId !== fileSystemId) continue;
    const jobMs = span(s, 'restore');
    if (jobMs === undefined) continue;
    const after = ['locate', 'flatten', 'cutover', 'verify'].map((n) => span(s, n));
    const sample: RestoreSample = { jobMs };
    const size = s.plan.recoveryPoint.sizeBytes;
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
