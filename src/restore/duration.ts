// Durations: the one parser of `250ms`, `10s`, `30m`, `2h`, `1d` (the configuration, `start
// before 2h`, the simulator's scenarios), and the measured durations for the summary: each stage's
// time (the RTO is their sum from the confirmation to the verified cutover) and a compact way to
// print them.

import type { RestoreSession, StageName } from './session.js';

const DURATION = /^(\d{1,12})(ms|s|m|h|d)$/;
export const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** `250ms`, `10s`, `30m`, `2h`, `1d` → milliseconds; undefined for anything else. */
export function parseDuration(text: string): number | undefined {
  const m = DURATION.exec(text.trim());
  if (!m) return undefined;
  const unit = m[2] as keyof typeof UNIT_MS;
  return Number(m[1]) * UNIT_MS[unit];
}

export interface StageDuration {
  stage: StageName;
  ms: number;
}

/** Durations of the stages that have both ends recorded, in the session's order. */
export function stageDurations(session: RestoreSession): StageDuration[] {
  const durations: StageDuration[] = [];
  for (const stage of session.stages) {
    if (stage.startedAt === undefined || stage.endedAt === undefined) continue;
    durations.push({
      stage: stage.name,
      ms: Math.max(0, Date.parse(stage.endedAt) - Date.parse(stage.startedAt)),
    });
  }
  return durations;
}

/**
 * The recovery time: from the confirmation (when the work could start), or from Start restoring
 * now where the requester started the work before it, to the end of the session, or to `now`
 * while it runs. Undefined before the confirmation.
 */
export function recoveryTimeMs(session: RestoreSession, now: Date): number | undefined {
  if (session.confirmedAt === undefined) return undefined;
  const end = session.ended === undefined ? now.getTime() : Date.parse(session.ended.at);
  return Math.max(0, end - Date.parse(session.staged?.at ?? session.confirmedAt));
}

/** `45s`, `4m 05s`, `1h 02m`, `2d 03h`: two units at most, as people read elapsed time. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '?';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${pad(s % 60)}s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h ${pad(m % 60)}m`;
  return `${Math.floor(h / 24)}d ${pad(h % 24)}h`;
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}
