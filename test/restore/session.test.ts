import { describe, expect, it } from 'vitest';
import { formatDuration, recoveryTimeMs, stageDurations } from '../../src/restore/duration.js';
import { buildRestorePlan, type RestorePlan } from '../../src/restore/plan.js';
import {
  createSession,
  cutoverHistory,
  parseSession,
  type RestoreSession,
  rollbackTarget,
  SESSION_FORMAT_VERSION,
  STAGES_BY_KIND,
} from '../../src/restore/session.js';
import {
  at,
  awaiting,
  CHANNEL,
  confirm,
  created,
  LIVE_ROOT,
  POINT,
  REQUESTER,
  runUntil,
  SESSION,
  sessionIn,
  stageReport,
  statusesOf,
  step,
  T0,
  TARGET,
  TTL_MS,
} from './session-fixtures.js';

describe('createSession', () => {
  it('starts resolving, with every stage of its kind pending and the deadline set', () => {
    const { session, effects } = createSession({
      id: SESSION,
      kind: 'restore',
      channel: CHANNEL,
      requester: REQUESTER,
      pointInput: 'before 2h',
      now: T0,
      confirmTtlMs: TTL_MS,
    });
    expect(effects).toEqual([{ type: 'run_stage', stage: 'resolve' }]);
    expect(session).toMatchObject({
      version: SESSION_FORMAT_VERSION,
      id: SESSION,
      status: 'resolving',
      revision: 1,
      attempt: 1,
      pointInput: 'before 2h',
      createdAt: T0.toISOString(),
      expiresAt: new Date(T0.getTime() + TTL_MS).toISOString(),
      aws: { stoppedTaskArns: [] },
    });
    expect(session.stages.map((s) => `${s.name}:${s.status}`)).toEqual([
      'resolve:pending',
      'confirm:pending',
      'restore:pending',
      'locate:pending',
      'flatten:pending',
      'check:pending',
      'cutover:pending',
      'verify:pending',
    ]);
    expect(created('cleanup').stages.map((s) => s.name)).toEqual(['resolve', 'confirm', 'delete']);
  });

  it('refuses a malformed id or deadline', () => {
    const base = {
      kind: 'restore' as const,
      channel: CHANNEL,
      requester: REQUESTER,
      now: T0,
      confirmTtlMs: TTL_MS,
    };
    expect(() => createSession({ ...base, id: '../../etc/passwd' })).toThrow(
      expect.objectContaining({ code: 'invalid_value' }),
    );
    expect(() => createSession({ ...base, id: SESSION, confirmTtlMs: 0 })).toThrow(
      expect.objectContaining({ code: 'invalid_value' }),
    );
  });
});

describe('parseSession', () => {
  it('accepts every session the state machine produces, after a JSON round trip', () => {
    for (const kind of ['restore', 'rollback', 'cleanup'] as const) {
      for (const status of statusesOf(kind)) {
        const s = sessionIn(status, kind);
        expect(parseSession(JSON.parse(JSON.stringify(s)))).toEqual(s);
      }
    }
  });

  it.each<[string, (s: Record<string, unknown>) => unknown]>([
    ['not an object', () => [1, 2]],
    ['a bad id', (s) => ({ ...s, id: '../x' })],
    ['an unknown status', (s) => ({ ...s, status: 'paused' })],
    ['stages of another kind', (s) => ({ ...s, kind: 'cleanup' })],
    ['a stage out of order', (s) => ({ ...s, stages: [...(s.stages as unknown[])].reverse() })],
    ['a broken date', (s) => ({ ...s, createdAt: 'yesterday' })],
    ['no aws record', (s) => ({ ...s, aws: undefined })],
    ['a tampered plan', (s) => ({ ...s, plan: { ...(s.plan as object), currentRoot: '/; rm -rf /' } })],
    ['a plan hash that does not match', (s) => ({ ...s, planHash: '0'.repeat(64) })],
  ])('reports %s as corrupt', (_what, edit) => {
    const s = JSON.parse(JSON.stringify(awaiting())) as Record<string, unknown>;
    expect(() => parseSession(edit(s))).toThrow(expect.objectContaining({ code: 'corrupt_session' }));
  });

  it('gives a restore stored before the check stage existed one: pending before its cutover, skipped after', () => {
    const withoutCheck = (s: RestoreSession) => {
      const copy = JSON.parse(JSON.stringify(s)) as RestoreSession;
      copy.stages = copy.stages.filter((st) => st.name !== 'check');
      return copy;
    };
    const beforeCutover = parseSession(withoutCheck(runUntil(confirm(awaiting()), 'locate')));
    expect(beforeCutover.stages.map((st) => `${st.name}:${st.status}`).slice(4, 7)).toEqual([
      'flatten:pending',
      'check:pending',
      'cutover:pending',
    ]);
    const finished = parseSession(withoutCheck(sessionIn('succeeded')));
    expect(finished.stages.find((st) => st.name === 'check')?.status).toBe('skipped');
    expect(finished.stages.map((st) => st.name)).toEqual(STAGES_BY_KIND.restore);
  });

  it('says when a newer build wrote the file', () => {
    const s = { ...JSON.parse(JSON.stringify(awaiting())), version: SESSION_FORMAT_VERSION + 1 };
    expect(() => parseSession(s)).toThrow(expect.objectContaining({ code: 'unsupported_version' }));
  });
});

describe('history', () => {
  const FLAT_A = '/chatdb-restore_2026-05-18T08-00-00Z_r20260520-7k2p9x';

  function restoredAt(
    id: string,
    from: string,
    point: string,
    cutMs: number,
    { verify = true } = {},
  ): RestoreSession {
    const target = { ...TARGET, currentRoot: from };
    let s = createSession({
      id,
      kind: 'restore',
      channel: CHANNEL,
      requester: REQUESTER,
      now: at(cutMs - 100_000),
      confirmTtlMs: TTL_MS,
    }).session;
    s = step(s, { type: 'stage_started', stage: 'resolve' }, at(cutMs - 90_000));
    const plan: RestorePlan = buildRestorePlan({
      sessionId: id,
      target,
      requester: REQUESTER,
      point: { ...POINT, createdAt: point },
      restoreMode: { kind: 'full' },
      expectedDurationMinutes: 10,
    });
    s = step(s, { type: 'resolved', plan }, at(cutMs - 80_000));
    s = confirm(s, at(cutMs - 70_000));
    s = runUntil(s, 'cutover', cutMs - 60_000);
    s = step(s, stageReport('cutover', s), at(cutMs));
    s = step(s, { type: 'stage_started', stage: 'verify' }, at(cutMs + 1000));
    return verify
      ? step(s, stageReport('verify', s), at(cutMs + 2000))
      : step(
          s,
          { type: 'stage_failed', stage: 'verify', reason: 'HTTP 502', production: 'cut_over' },
          at(cutMs + 2000),
        );
  }

  it('lists cutovers, counting one whose verify failed, and not one that never cut over', () => {
    const first = restoredAt(SESSION, LIVE_ROOT, '2026-05-18T08:00:00.000Z', 1_000_000);
    const second = restoredAt('r20260520-bbbbbb', FLAT_A, '2026-05-19T08:00:00.000Z', 2_000_000, {
      verify: false,
    });
    const notCut = sessionIn('failed');
    const history = cutoverHistory([second, notCut, first], TARGET.fileSystemId);
    expect(history.map((c) => [c.sessionId, c.from, c.to])).toEqual([
      [SESSION, LIVE_ROOT, FLAT_A],
      ['r20260520-bbbbbb', FLAT_A, '/chatdb-restore_2026-05-19T08-00-00Z_r20260520-bbbbbb'],
    ]);
    expect(history[0]?.cutAt).toBe(at(1_000_000).toISOString());
    expect(cutoverHistory([first], 'fs-0d0d0d0d01')).toEqual([]);

    expect(rollbackTarget([first, second], TARGET.fileSystemId)).toEqual({
      root: FLAT_A,
      sessionId: 'r20260520-bbbbbb',
      expectedCurrentRoot: '/chatdb-restore_2026-05-19T08-00-00Z_r20260520-bbbbbb',
    });
    expect(rollbackTarget([notCut], TARGET.fileSystemId)).toBeUndefined();
  });
});

describe('durations', () => {
  it('per stage and from the confirmation to the end', () => {
    const s = sessionIn('succeeded');
    const durations = stageDurations(s);
    expect(durations.map((d) => d.stage)).toEqual([
      'resolve',
      'confirm',
      'restore',
      'locate',
      'flatten',
      'check',
      'cutover',
      'verify',
    ]);
    expect(durations.find((d) => d.stage === 'restore')?.ms).toBe(5_000);
    expect(recoveryTimeMs(s, new Date())).toBe(
      Date.parse(s.ended?.at ?? '') - Date.parse(s.confirmedAt ?? ''),
    );
    expect(recoveryTimeMs(awaiting(), new Date())).toBeUndefined();
    const running = runUntil(confirm(awaiting(), at(60_000)), 'restore');
    expect(recoveryTimeMs(running, at(90_000))).toBe(30_000);
  });

  it('print as people read them', () => {
    expect(formatDuration(0)).toBe('0s');
    expect(formatDuration(45_400)).toBe('45s');
    expect(formatDuration(245_000)).toBe('4m 05s');
    expect(formatDuration(3_720_000)).toBe('1h 02m');
    expect(formatDuration(2 * 86_400_000 + 3 * 3_600_000)).toBe('2d 03h');
    expect(formatDuration(-1)).toBe('?');
    expect(formatDuration(Number.NaN)).toBe('?');
  });
});
