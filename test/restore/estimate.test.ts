// The expected duration from this volume's own past restores: the job's time scaled by the point's
// size, plus the measured time from locate to verify; a default only when there is no history.

import { describe, expect, it } from 'vitest';
import { estimateRestore, restoreSamples } from '../../src/restore/estimate.js';
import type { RestoreSession } from '../../src/restore/session.js';
import { awaiting, confirm, runUntil, sessionIn, TARGET } from './session-fixtures.js';

const GB = 1024 ** 3;
const MIN = 60_000;

/** A succeeded restore of a point of `sizeBytes` whose job took `jobMin` and the rest `afterMin`. */
function pastRestore(id: string, createdAt: string, sizeBytes: number, jobMin: number, afterMin: number) {
  const s: RestoreSession = structuredClone(runUntil(confirm(awaiting('restore'))));
  s.id = id;
  s.createdAt = createdAt;
  if (s.plan?.kind === 'restore') s.plan.recoveryPoint.sizeBytes = sizeBytes;
  let t = Date.parse(createdAt) + MIN;
  for (const stage of s.stages) {
    if (stage.name === 'resolve' || stage.name === 'confirm') continue;
    const ms = stage.name === 'restore' ? jobMin * MIN : (afterMin / 4) * MIN;
    stage.startedAt = new Date(t).toISOString();
    t += ms;
    stage.endedAt = new Date(t).toISOString();
  }
  return s;
}

describe('estimateRestore', () => {
  const history = [
    pastRestore('r20260501-aaaaaa', '2026-05-01T10:00:00.000Z', 2 * GB, 20, 8),
    pastRestore('r20260510-bbbbbb', '2026-05-10T10:00:00.000Z', 4 * GB, 40, 12),
  ];

  it('scales the job’s measured time per byte to the new point’s size', () => {
    const samples = restoreSamples(history, TARGET.fileSystemId);
    expect(samples.map((s) => s.jobMs)).toEqual([40 * MIN, 20 * MIN]);
    const three = estimateRestore(samples, 3 * GB);
    expect(three).toEqual({ totalMinutes: 30 + 10, jobMinutes: 30, afterJobMinutes: 10, samples: 2 });
    const eight = estimateRestore(samples, 8 * GB);
    expect(eight?.jobMinutes).toBe(80);
    expect(eight?.totalMinutes).toBe(90);
  });

  it('uses the median job time when the new point’s size is unknown', () => {
    expect(estimateRestore(restoreSamples(history, TARGET.fileSystemId), undefined)?.jobMinutes).toBe(30);
  });

  it('has nothing to say without a past restore of this volume, so the default stands', () => {
    expect(estimateRestore(restoreSamples(history, 'fs-0another0'), 3 * GB)).toBeUndefined();
    expect(estimateRestore([], 3 * GB)).toBeUndefined();
  });

  it('counts a failed restore’s job but not its missing later stages', () => {
    const failed = sessionIn('failed');
    expect(failed.failure?.stage).toBe('restore');
    expect(restoreSamples([failed], TARGET.fileSystemId)).toEqual([]);
    const gotThroughJob = structuredClone(history[1] as RestoreSession);
    const verify = gotThroughJob.stages.find((s) => s.name === 'verify');
    if (verify !== undefined) verify.status = 'failed';
    const [sample] = restoreSamples([gotThroughJob], TARGET.fileSystemId);
    expect(sample?.jobMs).toBe(40 * MIN);
    expect(sample?.afterJobMs).toBeUndefined();
    // Its 12 minutes after the job do not count: the default (8 min) stands in.
    expect(estimateRestore([sample as never], 2 * GB)?.afterJobMinutes).toBe(8);
  });
});
