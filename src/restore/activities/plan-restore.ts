import type { RecoveryPoint } from '../../aws/ports.js';
import type {
  CutoverRecord,
  RestorePlanOutline,
  RestoreTarget,
  RootEvidence,
  RootRevision,
} from './types.js';

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
 * A deployment finishes minutes after its task definition is registered (CloudFormation waits for
 * the service to be stable); until then the previous root may still be the live one. A point taken
 * within this much after a registration is ambiguous.
 */
export const DEPLOYMENT_MARGIN_MS = 60 * 60_000;

/**
 * How to restore `point` so that nothing nests, from where the database lived when it was taken
 * (rootAt). One root, not the volume root (`/X`): restore only `/X` (item-level); the data dir
 * will be `X` inside the new restore dir. The volume root: the whole volume, the restore dir
 * itself being the data dir. Not proven: the whole volume, and locate decides from the data.
 */
export function planRestore(
  _target: RestoreTarget,
  point: RecoveryPoint,
  revisions: readonly RootRevision[],
  history: readonly CutoverRecord[],
): RestorePlanOutline {
  const evidence = rootAt(revisions, history, point.createdAt);
  const expectedDuration = expectedDurationMinutes(point.sizeBytes);
  const base = { expectedDurationMinutes: expectedDuration, evidence };
  if (evidence.root === undefined) {
    return { restoreMode: { kind: 'full' }, expectedRelPath: undefined, ...base };
  }
  const rel = evidence.root.replace(/^\/+/, '').replace(/\/+$/, '');
  if (rel === '') return { restoreMode: { kind: 'full' }, expectedRelPath: '', ...base };
  return { restoreMode: { kind: 'item', path: `/${rel}` }, expectedRelPath: rel, ...base };
}

/**
 * Where the database lived at `at`, from the task definition family's revisions: a revision may
 * be live from its registration until it was deregistered, and at least until the next one's
 * deployment could have finished (DEPLOYMENT_MARGIN_MS after its registration); one deregistered
 * before any later revision was registered was withdrawn and ends there. One root among
 * the revisions that may be live: that root. Several (a cutover under way, a rolled-back update,
 * a revision ECS would not describe): the bot's own cutovers settle it when one of them spans the
 * time with exactly those roots; otherwise it stays ambiguous. Before the oldest revision: unknown.
 */
export function rootAt(
  revisions: readonly RootRevision[],
  history: readonly CutoverRecord[],
  at: Date,
): RootEvidence {
  const t = at.getTime();
  const known = revisions
    .filter((r) => r.registeredAt !== undefined)
    .sort((a, b) => (a.registeredAt as Date).getTime() - (b.registeredAt as Date).getTime());
  const oldest = known[0]?.registeredAt?.getTime();
  if (oldest === undefined || t < oldest || known.length < revisions.length) {
    return { basis: 'unknown', candidates: [] };
  }
  const live = known.filter((r, i) => {
    const from = (r.registeredAt as Date).getTime();
    const next = known[i + 1]?.registeredAt?.getTime();
    const dereg = r.deregisteredAt?.getTime();
    // Deregistered before the next one was registered: withdrawn (a rolled-back update), not replaced.
    const until =
      next === undefined || (dereg !== undefined && dereg < next)
        ? (dereg ?? Number.POSITIVE_INFINITY)
        : Math.max(dereg ?? Number.NEGATIVE_INFINITY, next + DEPLOYMENT_MARGIN_MS);
    return from <= t && t <= until;
  });
  const roots = [...new Set(live.map((r) => r.root ?? '?'))];
  if (roots.length === 1 && roots[0] !== '?') {
    return { root: roots[0] as string, basis: 'task_definitions', candidates: roots };
  }
  const settled = settledBySessions(history, roots, t);
  if (settled !== undefined) return { root: settled, basis: 'sessions', candidates: roots };
  return { basis: roots.length === 0 ? 'unknown' : 'ambiguous', candidates: roots.filter((r) => r !== '?') };
}

/**
 * The bot knows its own cutovers to the second: before one started the database was in its
 * `from`, after it ended in its `to`. That settles a time the revisions leave between exactly
 * those two roots.
 */
function settledBySessions(
  history: readonly CutoverRecord[],
  roots: string[],
  t: number,
): string | undefined {
  for (const cut of history) {
    if (cut.from === undefined || cut.startedAt === undefined) continue;
    const pair = new Set([cut.from, cut.root]);
    if (roots.length === 0 || !roots.every((r) => pair.has(r))) continue;
    if (t < cut.startedAt.getTime()) return cut.from;
    if (t > cut.cutAt.getTime()) return cut.root;
  }
  return undefined;
}
