// A cleanup's choice (cleanup_choose) and the rules the candidates and the chosen paths obey.

import type { Refusal } from '../errors.js';
import { isIsoTime, isRootDbFilePath, isTopLevelCandidate, whyNotDeletable } from '../plan.js';
import type { CleanupCandidate, RestoreSession } from '../session.js';
import { setPlan } from './draft.js';
import { expired, expiredRefusal, refuse } from './gates.js';
import type { EventOf, Step } from './step.js';

export function onCleanupChoose(
  d: RestoreSession,
  e: EventOf<'cleanup_choose'>,
  { nowDate }: Step,
): Refusal | undefined {
  if (expired(d, nowDate)) return expiredRefusal(d);
  if (e.user !== d.requester) {
    return refuse('not_requester', 'Only the engineer who asked for this cleanup chooses what it deletes.');
  }
  if (!Array.isArray(e.paths) || new Set(e.paths).size !== e.paths.length) {
    return refuse('invalid_choice', 'The choice lists a directory twice.');
  }
  const offered = new Map((d.cleanup?.candidates ?? []).map((c) => [c.path, c]));
  const unknown = e.paths.filter((p) => !offered.has(p));
  if (unknown.length > 0) {
    return refuse('invalid_choice', 'The choice names directories that were not offered.', {
      paths: unknown,
    });
  }
  const notDeletable = e.paths.filter((p) => offered.get(p)?.deletable !== true);
  const blocked = [
    ...notDeletable,
    ...blockedPaths(d, e.paths, nowDate).filter((p) => !notDeletable.includes(p)),
  ];
  if (blocked.length > 0) {
    return refuse('invalid_choice', 'The choice names directories that may not be deleted.', {
      paths: blocked,
    });
  }
  const chosen = [...e.paths].sort();
  if (d.plan?.kind !== 'cleanup' || d.cleanup === undefined) return refuse('not_ready', 'No plan yet.');
  // The database files at the volume root are one item, deleted by their exact names.
  const names = chosen.flatMap((p) => offered.get(p)?.files?.map((f) => `/${f}`) ?? [p]);
  setPlan(d, { ...d.plan, paths: names.sort() });
  d.cleanup.chosen = chosen;
  return undefined;
}

const CANDIDATE_KINDS: readonly CleanupCandidate['kind'][] = [
  'restore',
  'retired',
  'drill',
  'failed_restore',
  'lost_found',
  'root_files',
];

export function validCandidate(c: CleanupCandidate): boolean {
  if (typeof c !== 'object' || c === null) return false;
  const files = c.files;
  const where =
    c.kind === 'root_files'
      ? c.path === '/' &&
        Array.isArray(files) &&
        files.length > 0 &&
        new Set(files).size === files.length &&
        files.every((f) => isRootDbFilePath(`/${f}`))
      : isTopLevelCandidate(c.path) && files === undefined;
  return (
    where &&
    Number.isFinite(c.sizeBytes) &&
    CANDIDATE_KINDS.includes(c.kind) &&
    typeof c.deletable === 'boolean' &&
    (c.retiredAt === undefined || isIsoTime(c.retiredAt))
  );
}

/** Chosen paths the deletion rules forbid right now, with why (live root, retired < 24 h). */
export function blockedPaths(d: RestoreSession, paths: readonly string[], now: Date): string[] {
  const liveRoot = d.plan?.currentRoot ?? '/';
  // A database file at the volume root answers to its item (`/`), which carries the retirement.
  const byPath = new Map(
    (d.cleanup?.candidates ?? []).flatMap((c) => [
      [c.path, c] as const,
      ...(c.files ?? []).map((f) => [`/${f}`, c] as const),
    ]),
  );
  const blocked: string[] = [];
  for (const path of paths) {
    const why = whyNotDeletable(path, { liveRoot, retiredAt: byPath.get(path)?.retiredAt, now });
    if (why !== undefined) blocked.push(`${path}: ${why}`);
  }
  return blocked;
}
