// How values read in Slack: times in UTC (an incident channel spans time zones), ages, sizes,
// durations, progress, mentions.

import type { ApproversSetting } from '../../config.js';
import { formatDuration } from '../../restore/duration.js';
import type { StageState } from '../../restore/session.js';

export { formatDuration };

/** `2026-05-14 08:00 UTC` (seconds only when asked: the list shows several points a minute apart). */
export function utc(at: string | Date, opts: { seconds?: boolean } = {}): string {
  const d = typeof at === 'string' ? new Date(at) : at;
  if (Number.isNaN(d.getTime())) return 'an unknown time';
  const iso = d.toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, opts.seconds ? 19 : 16)} UTC`;
}

/** `08:00 UTC` for times today, the full date otherwise. */
export function utcShort(at: string | Date, now: Date): string {
  const d = typeof at === 'string' ? new Date(at) : at;
  if (Number.isNaN(d.getTime())) return 'an unknown time';
  const sameDay = d.toISOString().slice(0, 10) === now.toISOString().slice(0, 10);
  return sameDay ? `${d.toISOString().slice(11, 16)} UTC` : utc(d);
}

/** `2h 05m ago`; `in 12m 00s` for the future. */
export function age(at: string | Date, now: Date): string {
  const d = typeof at === 'string' ? new Date(at) : at;
  const ms = now.getTime() - d.getTime();
  if (Number.isNaN(ms)) return 'at an unknown time';
  return ms >= 0 ? `${formatDuration(ms)} ago` : `in ${formatDuration(-ms)}`;
}

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

/** `1.9 GiB`, `512 B`; `size unknown` when AWS did not say. */
export function bytes(n: number | undefined): string {
  if (n === undefined || !Number.isFinite(n) || n < 0) return 'size unknown';
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(value < 10 ? 1 : 0)} ${UNITS[unit]}`;
}

/** `▰▰▰▱▱▱▱▱▱▱ 30%`, with `· ETA 12 min` when AWS gave one. */
export function progressBar(percent: number | undefined, etaMinutes?: number, width = 10): string {
  const eta = etaMinutes === undefined ? '' : ` · ETA ${etaText(etaMinutes)}`;
  if (percent === undefined || !Number.isFinite(percent)) return `▱▱▱ progress not reported yet${eta}`;
  const p = Math.min(100, Math.max(0, percent));
  const filled = Math.round((p / 100) * width);
  return `${'▰'.repeat(filled)}${'▱'.repeat(width - filled)} ${Math.floor(p)}%${eta}`;
}

function etaText(minutes: number): string {
  if (!Number.isFinite(minutes) || minutes < 0) return 'unknown';
  if (minutes < 1) return 'under a minute';
  return minutes < 90 ? `${Math.round(minutes)} min` : formatDuration(minutes * 60_000);
}

export function user(id: string): string {
  return /^[UW][A-Z0-9]{2,30}$/.test(id) ? `<@${id}>` : 'someone';
}

export function channel(id: string): string {
  return /^[CGD][A-Z0-9]{2,30}$/.test(id) ? `<#${id}>` : 'another channel';
}

/** Who is asked to confirm, as a mention that notifies them. */
export function approversMention(setting: ApproversSetting): string {
  switch (setting.kind) {
    case 'group':
      return `<!subteam^${setting.groupId}>`;
    case 'users':
      return setting.ids.map((id) => user(id)).join(' ');
    case 'anyone':
      return 'Any engineer';
  }
}

/** Who may confirm, in words: "a member of @group other than @requester". */
export function approversRule(setting: ApproversSetting, requester: string): string {
  const other = `other than ${user(requester)}`;
  switch (setting.kind) {
    case 'group':
      return `a member of <!subteam^${setting.groupId}> ${other}`;
    case 'users':
      return `one of ${setting.ids.map((id) => user(id)).join(', ')} ${other}`;
    case 'anyone':
      return `any engineer ${other}`;
  }
}

/** `08:01:10` (UTC). */
function clock(at: string): string {
  const d = new Date(at);
  return Number.isNaN(d.getTime()) ? '?' : d.toISOString().slice(11, 19);
}

/** `08:01:10–08:39:22 UTC`, `since 08:01:10 UTC`, or '' for a stage that never ran. */
export function stageWindow(stage: StageState): string {
  if (stage.startedAt === undefined) return '';
  if (stage.endedAt === undefined) return `since ${clock(stage.startedAt)} UTC`;
  return `${clock(stage.startedAt)}–${clock(stage.endedAt)} UTC`;
}
