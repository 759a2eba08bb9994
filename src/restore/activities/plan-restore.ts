import type { RecoveryPoint } from '../../aws/ports.js';
import type { CutoverRecord, RestorePlanOutline, RestoreTarget } from './types.js';

/**
 * The estimate shown on the confirmation card: a fixed 5 minutes for AWS Backup to start the job
 * and for the cutover, plus the point's size at 200 MB a minute (what EFS restores of many small
 * files tend to reach), capped at 12 hours so a wrong size cannot promise a week.
 */
export const ESTIMATE = {
  baseMinutes: 5,
  bytesPerMinute: 200 * 1024 * 1024,
  maxMinutes: 12 * 60,
} as const;

export function expectedDurationMinutes(sizeBytes: number | undefined): number {
  const copy = Math.ceil((sizeBytes ?? 0) / ESTIMATE.bytesPerMinute);
  return Math.min(ESTIMATE.maxMinutes, ESTIMATE.baseMinutes + copy);
}

/**
 * How to restore `point` so that nothing nests: when the history of cutovers says the database
 * lived in `/X` when the point was taken, restore only `/X` (item-level), and the data dir will be
 * `X` inside the new restore dir; otherwise restore the whole volume. Without history, where the
 * database lived is unknown (the current root may have come into use after the point was taken),
 * so the whole volume is restored and locate chooses among the data dirs it finds.
 */
export function planRestore(
  _target: RestoreTarget,
  point: RecoveryPoint,
  history: readonly CutoverRecord[],
  opts: { forceFull?: boolean } = {},
): RestorePlanOutline {
  const taken = point.createdAt.getTime();
  const before = history
    .filter((h) => h.cutAt.getTime() < taken)
    .sort((a, b) => b.cutAt.getTime() - a.cutAt.getTime());
  const rootAtPoint = before[0]?.root;
  const duration = expectedDurationMinutes(point.sizeBytes);
  if (rootAtPoint === undefined) {
    return {
      restoreMode: { kind: 'full' },
      expectedRelPath: undefined,
      expectedDurationMinutes: duration,
      rootAtPoint,
    };
  }
  const rel = rootAtPoint.replace(/^\/+/, '').replace(/\/+$/, '');
  if (rel === '' || opts.forceFull) {
    return {
      restoreMode: { kind: 'full' },
      expectedRelPath: rel,
      expectedDurationMinutes: duration,
      rootAtPoint,
    };
  }
  return {
    restoreMode: { kind: 'item', path: `/${rel}` },
    expectedRelPath: rel,
    expectedDurationMinutes: duration,
    rootAtPoint,
  };
}
