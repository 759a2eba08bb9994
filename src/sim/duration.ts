import { parseDuration } from '../restore/duration.js';

/** A scenario's duration: a plain number of milliseconds, or `250ms`, `20s`, `40m`, `2h`, `3d`. */
export function durationMs(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : undefined;
  return typeof value === 'string' ? parseDuration(value) : undefined;
}

/**
 * A point in time: epoch ms, an ISO-8601 timestamp, or `now`, `now-26h`, `now-3d` relative to
 * `now`, so that a scenario's recent backups stay recent whenever it is loaded.
 */
export function parseInstant(value: unknown, now: number): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const rel = /^now(?:-(.+))?$/.exec(value.trim());
  if (rel) {
    if (rel[1] === undefined) return now;
    const ms = parseDuration(rel[1]);
    return ms === undefined ? undefined : now - ms;
  }
  if (!/^\d{4}-\d{2}-\d{2}T/.test(value)) return undefined;
  const t = Date.parse(value);
  return Number.isNaN(t) ? undefined : t;
}
