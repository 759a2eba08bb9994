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
 * A deployment finishes minutes after its task definition is registered; a point taken within
 * this much of the registration may still hold the database at the previous root.
 */
export const DEPLOYMENT_MARGIN_MS = 60 * 60_000;

/**
 * How to restore `point` so that nothing nests. Where the database lived when the point was
 * taken comes from the sessions' history: the latest cutover before it, or, when there is none,
 * the root the first cutover after it replaced (a point older than every cutover of this bot).
 * Failing that, from the running task definition when the point is clearly younger than it. Known and not the volume
 * root (`/X`): restore only `/X` (item-level), and the data dir will be `X` inside the new restore
 * dir. At the volume root: the whole volume, the restore dir itself being the data dir. Unknown:
 * the whole volume, and locate chooses among the data dirs it finds.
 */
export function planRestore(
  target: RestoreTarget,
  point: RecoveryPoint,
  history: readonly CutoverRecord[],
  opts: { forceFull?: boolean } = {},
): RestorePlanOutline {
  const taken = point.createdAt.getTime();
  const before = history
    .filter((h) => h.cutAt.getTime() < taken)
    .sort((a, b) => b.cutAt.getTime() - a.cutAt.getTime());
  let rootAtPoint = before[0]?.root ?? replacedAfter(history, taken);
  let rootKnownFrom: RestorePlanOutline['rootKnownFrom'] = rootAtPoint === undefined ? undefined : 'history';
  const since = target.currentRootSince?.getTime();
  if (rootAtPoint === undefined && since !== undefined && taken > since + DEPLOYMENT_MARGIN_MS) {
    rootAtPoint = target.currentRoot;
    rootKnownFrom = 'task_definition';
  }
  const expectedDuration = expectedDurationMinutes(point.sizeBytes);
  const base = { expectedDurationMinutes: expectedDuration, rootAtPoint, rootKnownFrom };
  if (rootAtPoint === undefined) {
    return { restoreMode: { kind: 'full' }, expectedRelPath: undefined, ...base };
  }
  const rel = rootAtPoint.replace(/^\/+/, '').replace(/\/+$/, '');
  if (rel === '' || opts.forceFull) {
    return { restoreMode: { kind: 'full' }, expectedRelPath: rel, ...base };
  }
  return { restoreMode: { kind: 'item', path: `/${rel}` }, expectedRelPath: rel, ...base };
}

/**
 * With no cutover before the point: the root the first cutover after it replaced, which was live
 * from before the point until that cutover started. Unknown when a cutover was under way at the
 * point, or the first one after it does not say what it replaced.
 */
function replacedAfter(history: readonly CutoverRecord[], taken: number): string | undefined {
  if (history.some((h) => h.cutAt.getTime() < taken)) return undefined;
  const first = [...history].sort((a, b) => a.cutAt.getTime() - b.cutAt.getTime())[0];
  if (first?.from === undefined || first.startedAt === undefined) return undefined;
  return first.startedAt.getTime() > taken ? first.from : undefined;
}
