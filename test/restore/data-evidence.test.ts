import { describe, expect, it } from 'vitest';
import { decideDataDir, LIVE_WRITE_WINDOW_MS } from '../../src/restore/data-evidence.js';
import type { DataDirCandidate, DataDirReport } from '../../src/restore/scripts.js';

const POINT = new Date('2026-11-20T03:00:00Z');
const DONE = new Date('2026-11-20T03:07:00Z');
const R = 'aws-backup-restore_2026-11-24T10-00-00Z';

function candidate(relPath: string, newest: Date | undefined): DataDirCandidate {
  return {
    relPath,
    path: relPath === '' ? R : `${R}/${relPath}`,
    depth: relPath === '' ? 0 : relPath.split('/').length,
    hasWiredTiger: true,
    hasStorageBson: true,
    hasWiredTigerWt: true,
    wiredTigerWtBytes: 4096,
    hasJournal: true,
    fileCount: 20,
    sizeBytes: 50_000,
    wiredTigerFileCount: newest === undefined ? 0 : 12,
    ...(newest === undefined ? {} : { newestWiredTigerMtime: newest }),
  };
}
const report = (...candidates: DataDirCandidate[]): DataDirReport => ({
  restoreDir: R,
  entries: 1,
  candidates,
  unexpected: [],
  warnings: [],
});
const at = (msBeforePoint: number) => new Date(POINT.getTime() - msBeforePoint);
const times = { pointCreatedAt: POINT, pointCompletedAt: DONE };

describe('decideDataDir', () => {
  it('without an expected path, the one data dir written in the backup window, even when deeper', () => {
    const d = decideDataDir(report(candidate('', at(90 * 86_400_000)), candidate('A', at(60_000))), times);
    expect(d).toMatchObject({ kind: 'chosen', rule: 'fresh', chosen: { path: `${R}/A` } });
  });

  it('two equally fresh data dirs, or none in the window: ask', () => {
    const twins = decideDataDir(report(candidate('A', at(60_000)), candidate('B', at(60_000))), times);
    expect(twins).toMatchObject({ kind: 'ask', code: 'several_in_window' });
    const none = decideDataDir(report(candidate('A', at(LIVE_WRITE_WINDOW_MS + 1))), times);
    expect(none).toMatchObject({ kind: 'ask', code: 'none_in_window' });
  });

  it('with an expected path: chosen unless another data dir was written as close to the point', () => {
    const ok = decideDataDir(report(candidate('', at(86_400_000)), candidate('A', at(60_000))), {
      ...times,
      expectedRelPath: 'A',
    });
    expect(ok).toMatchObject({ kind: 'chosen', rule: 'expected' });
    const rival = decideDataDir(report(candidate('', at(30_000)), candidate('A', at(60_000))), {
      ...times,
      expectedRelPath: 'A',
    });
    expect(rival).toMatchObject({ kind: 'ask', code: 'closer_write' });
    const missing = decideDataDir(report(candidate('B', at(60_000))), { ...times, expectedRelPath: 'A' });
    expect(missing).toMatchObject({ kind: 'ask', code: 'expected_missing' });
  });

  it('modification times later than the backup (a restore that stamps its own time) are not trusted', () => {
    const late = new Date(DONE.getTime() + 3_600_000);
    expect(decideDataDir(report(candidate('', late), candidate('A', late)), times)).toMatchObject({
      kind: 'ask',
      code: 'mtimes_untrustworthy',
    });
    // With one data dir at the expected place there is nothing to tell apart.
    expect(decideDataDir(report(candidate('A', late)), { ...times, expectedRelPath: 'A' })).toMatchObject({
      kind: 'chosen',
    });
  });
});
