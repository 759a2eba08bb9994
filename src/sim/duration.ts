/** Parses `250ms`, `20s`, `40m`, `2h`, `3d` (or a plain number of milliseconds) into milliseconds. */
export function parseDuration(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(value.trim());
  if (!m) return undefined;
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[
    m[2] as 'ms' | 's' | 'm' | 'h' | 'd'
  ];
  return Number(m[1]) * unit;
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
