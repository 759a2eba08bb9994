import { readFileSync, writeFileSync } from 'node:fs';

export const MB = 1024 * 1024;

/** The p-th percentile (0..100) by nearest rank; NaN for no samples. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] as number;
}

export function round(value: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** A process's resident set (VmRSS) and its peak since start or the last reset (VmHWM), in bytes. */
export function procMemory(pid: number): { rss: number; peakRss: number } {
  const text = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string) =>
    Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? Number.NaN);
  return { rss: kb('VmRSS') * 1024, peakRss: kb('VmHWM') * 1024 };
}

/** Resets a process's peak RSS (VmHWM) to its current RSS, where the kernel allows it. */
export function resetPeakRss(pid: number): boolean {
  try {
    // Writing 5 to clear_refs resets VmHWM (Linux 4.0 and later).
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}
