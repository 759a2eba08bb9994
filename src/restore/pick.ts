// The engineers' pick of a data dir. When the evidence on the disk does not prove which data dir
// in a restore holds the point's database, the session stops before anything moves and waits:
// the requester picks one of the complete candidates, a second engineer confirms that pick, and
// only then does flatten run on it. The pick is bound like the plan: its hash names the session,
// the confirmed plan, the restore dir and the picked path, so a Confirm shown for another pick
// (or another plan) is refused, and a session file whose pick does not add up is not loaded.

import { createHash } from 'node:crypto';
import type { CandidateEvidence, UnprovenCode, WriteRelation } from './data-evidence.js';
import { isDataDirPath, isRestoreDirName } from './names.js';
import { canonicalJson, isIsoTime } from './plan.js';

export interface DataDirPick {
  /** The new `aws-backup-restore_*` directory the candidates are in (a name at the volume root). */
  restoreDir: string;
  /** Why the bot could not choose (data-evidence.ts). */
  code: UnprovenCode;
  why: string;
  /** Every data dir found, with its evidence; only complete ones can be picked. */
  candidates: CandidateEvidence[];
  askedAt: string;
  /** The requester's pick, replaced by a later one until it is confirmed. */
  picked?: { path: string; by: string; at: string; hash: string };
  confirmer?: string;
  confirmedAt?: string;
}

const HASH_DOMAIN = 'chatdb-restore/pick/v1\n';
const RELATIONS: readonly WriteRelation[] = ['in_window', 'older', 'after_backup', 'no_wiredtiger_files'];

/** sha256 (hex) binding a pick to its session, the confirmed plan and the restore dir. */
export function pickHash(input: {
  sessionId: string;
  planHash: string;
  restoreDir: string;
  path: string;
}): string {
  return createHash('sha256')
    .update(HASH_DOMAIN + canonicalJson(input))
    .digest('hex');
}

/** The candidates an engineer may pick: complete data dirs (WiredTiger files and storage.bson). */
export function pickable(pick: Pick<DataDirPick, 'candidates'>): CandidateEvidence[] {
  return pick.candidates.filter((c) => c.problem === undefined);
}

/** A candidate as locate reported it: a data dir path inside `restoreDir`, with plain figures. */
export function isCandidate(c: unknown, restoreDir: string): c is CandidateEvidence {
  if (typeof c !== 'object' || c === null) return false;
  const v = c as Partial<CandidateEvidence>;
  const count = (n: unknown) => Number.isSafeInteger(n) && (n as number) >= 0;
  return (
    isDataDirPath(v.path) &&
    (v.path === restoreDir || v.path.startsWith(`${restoreDir}/`)) &&
    count(v.depth) &&
    count(v.sizeBytes) &&
    count(v.fileCount) &&
    (v.newestWrite === undefined || isIsoTime(v.newestWrite)) &&
    RELATIONS.includes(v.relation as WriteRelation) &&
    (v.problem === undefined || typeof v.problem === 'string')
  );
}

/** Problems with a stored pick, empty when it is sound and bound to this session and plan. */
export function pickProblems(
  pick: DataDirPick,
  session: { id: string; planHash: string | undefined },
): string[] {
  const problems: string[] = [];
  const need = (ok: boolean, what: string) => {
    if (!ok) problems.push(what);
  };
  need(isRestoreDirName(pick.restoreDir), 'pick.restoreDir');
  need(typeof pick.why === 'string' && typeof pick.code === 'string', 'pick.why');
  need(isIsoTime(pick.askedAt), 'pick.askedAt');
  const candidates = Array.isArray(pick.candidates) ? pick.candidates : [];
  need(candidates.length > 0 && candidates.every((c) => isCandidate(c, pick.restoreDir)), 'pick.candidates');
  const picked = pick.picked;
  if (picked !== undefined) {
    need(
      pickable({ candidates }).some((c) => c.path === picked.path),
      'pick.picked is not a complete candidate',
    );
    need(typeof picked.by === 'string' && picked.by !== '' && isIsoTime(picked.at), 'pick.picked.by');
    need(
      session.planHash !== undefined &&
        picked.hash ===
          pickHash({
            sessionId: session.id,
            planHash: session.planHash,
            restoreDir: pick.restoreDir,
            path: picked.path,
          }),
      'pick.picked.hash',
    );
  }
  need(
    pick.confirmedAt === undefined ||
      (picked !== undefined && isIsoTime(pick.confirmedAt) && typeof pick.confirmer === 'string'),
    'pick.confirmedAt',
  );
  return problems;
}
