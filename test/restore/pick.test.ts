// The pick of a data dir, as the state machine holds it: locate asks, the requester picks, a
// second engineer confirms the pick bound by its hash, and the restore goes on at flatten.

import { describe, expect, it } from 'vitest';
import { pickHash } from '../../src/restore/pick.js';
import { nextPendingStage, parseSession, stageState } from '../../src/restore/session.js';
import {
  apply,
  at,
  awaiting,
  awaitingPick,
  CONFIRMER,
  confirm,
  OUTSIDER,
  picked,
  REQUESTER,
  RESTORE_DIR,
  runUntil,
  step,
  TTL_MS,
  TWINS,
} from './session-fixtures.js';

const [LIVE_TWIN, OTHER_TWIN, BROKEN] = TWINS.map((c) => c.path) as [string, string, string];

function refusal(result: ReturnType<typeof apply>): string {
  return result.ok ? `accepted as ${result.session.status}` : result.code;
}

describe('locate asks for a pick', () => {
  it('stops before flatten: locate done with the candidates, nothing chosen, the expiry armed', () => {
    const before = runUntil(confirm(awaiting('restore')), 'locate');
    const result = apply(
      before,
      {
        type: 'pick_needed',
        stage: 'locate',
        restoreDir: RESTORE_DIR,
        code: 'several_in_window',
        why: 'Two were written in the window.',
        candidates: TWINS,
      },
      at(150_000),
    );
    if (!result.ok) throw new Error(result.reason);
    const s = result.session;
    expect(s.status).toBe('awaiting_pick');
    expect(stageState(s, 'locate')?.status).toBe('done');
    expect(stageState(s, 'flatten')?.status).toBe('pending');
    expect(s.aws.restoreDir).toBe(RESTORE_DIR);
    expect(s.aws.dataDir).toBeUndefined();
    expect(s.pick?.candidates.map((c) => c.path)).toEqual(TWINS.map((c) => c.path));
    expect(s.expiresAt).toBe(new Date(at(150_000).getTime() + TTL_MS).toISOString());
    expect(result.effects).toContainEqual({ type: 'await_confirmation', expiresAt: s.expiresAt });
    expect(result.effects.some((e) => e.type === 'run_stage')).toBe(false);
    expect(s.notices.at(-1)).toMatchObject({ id: 'locate:pick_requested', kind: 'pick_requested' });
  });

  it('refuses candidates outside the new restore dir, or none complete', () => {
    const before = runUntil(confirm(awaiting('restore')), 'locate');
    const ask = (candidates: typeof TWINS) =>
      apply(before, {
        type: 'pick_needed',
        stage: 'locate',
        restoreDir: RESTORE_DIR,
        code: 'several_in_window',
        why: 'x',
        candidates,
      });
    expect(refusal(ask([{ ...(TWINS[0] as (typeof TWINS)[0]), path: 'aws-backup-restore_OTHER/x' }]))).toBe(
      'invalid_checkpoint',
    );
    expect(refusal(ask([TWINS[2] as (typeof TWINS)[0]]))).toBe('invalid_checkpoint');
  });

  it('a restore still running its job cannot be asked', () => {
    const s = runUntil(confirm(awaiting('restore')), 'restore');
    expect(
      refusal(
        apply(s, {
          type: 'pick_needed',
          stage: 'locate',
          restoreDir: RESTORE_DIR,
          code: 'several_in_window',
          why: 'x',
          candidates: TWINS,
        }),
      ),
    ).toBe('wrong_stage');
  });
});

describe('the requester picks', () => {
  it('only the requester, only a complete candidate', () => {
    const s = awaitingPick();
    expect(refusal(apply(s, { type: 'pick', user: CONFIRMER, path: LIVE_TWIN }))).toBe('not_requester');
    expect(refusal(apply(s, { type: 'pick', user: REQUESTER, path: BROKEN }))).toBe('invalid_choice');
    expect(refusal(apply(s, { type: 'pick', user: REQUESTER, path: `${RESTORE_DIR}/nope` }))).toBe(
      'invalid_choice',
    );
    const p = picked(s, LIVE_TWIN);
    expect(p.pick?.picked).toMatchObject({ path: LIVE_TWIN, by: REQUESTER });
    expect(p.pick?.picked?.hash).toBe(
      pickHash({ sessionId: p.id, planHash: p.planHash ?? '', restoreDir: RESTORE_DIR, path: LIVE_TWIN }),
    );
    expect(refusal(apply(p, { type: 'pick', user: REQUESTER, path: LIVE_TWIN }))).toBe('pick_unchanged');
  });

  it('a pick renews the deadline for the second engineer', () => {
    const p = picked(awaitingPick(), LIVE_TWIN, at(20 * 60_000));
    expect(p.expiresAt).toBe(new Date(at(20 * 60_000).getTime() + TTL_MS).toISOString());
  });
});

describe('a second engineer confirms the pick', () => {
  it('not the requester, an approver, the pick shown; then the restore goes on at flatten with it', () => {
    const p = picked(awaitingPick(), OTHER_TWIN);
    const hash = p.pick?.picked?.hash ?? '';
    const confirmPick = (user: string, pickHashShown: string, isApprover: boolean | 'unknown' = true) =>
      apply(p, { type: 'confirm_pick', user, pickHash: pickHashShown, isApprover }, at(170_000));
    expect(refusal(confirmPick(REQUESTER, hash))).toBe('self_confirm');
    expect(refusal(confirmPick(OUTSIDER, hash, false))).toBe('not_approver');
    expect(refusal(confirmPick(OUTSIDER, hash, 'unknown'))).toBe('approvers_unavailable');
    expect(refusal(confirmPick(CONFIRMER, 'f'.repeat(64)))).toBe('pick_changed');

    const result = confirmPick(CONFIRMER, hash);
    if (!result.ok) throw new Error(result.reason);
    const s = result.session;
    expect(s.status).toBe('running');
    expect(s.aws).toMatchObject({ dataDir: OTHER_TWIN, dataSizeBytes: 2345, dataFileCount: 7 });
    expect(s.pick).toMatchObject({ confirmer: CONFIRMER, confirmedAt: at(170_000).toISOString() });
    expect(stageState(s, 'locate')?.detail).toMatchObject({ dataDir: OTHER_TWIN, rule: 'picked' });
    expect(nextPendingStage(s)).toBe('flatten');
    expect(result.effects).toContainEqual({ type: 'run_stage', stage: 'flatten' });
    // A second click on the same card changes nothing.
    expect(
      refusal(apply(s, { type: 'confirm_pick', user: CONFIRMER, pickHash: hash, isApprover: true })),
    ).toBe('already_confirmed');
  });

  it('a Confirm shown for an earlier pick is refused after the requester picked another one', () => {
    const first = picked(awaitingPick(), LIVE_TWIN);
    const stale = first.pick?.picked?.hash ?? '';
    const second = picked(first, OTHER_TWIN, at(165_000));
    expect(
      refusal(apply(second, { type: 'confirm_pick', user: CONFIRMER, pickHash: stale, isApprover: true })),
    ).toBe('pick_changed');
  });

  it('nothing picked: nothing to confirm', () => {
    expect(
      refusal(
        apply(awaitingPick(), { type: 'confirm_pick', user: CONFIRMER, pickHash: 'x', isApprover: true }),
      ),
    ).toBe('nothing_picked');
  });
});

describe('waiting for a pick ends like waiting for a confirmation', () => {
  it('expires at its deadline; the restore dir is left for cleanup', () => {
    const s = awaitingPick();
    expect(refusal(apply(s, { type: 'expire' }, at(150_000 + TTL_MS - 1)))).toBe('not_expired');
    expect(refusal(apply(s, { type: 'pick', user: REQUESTER, path: LIVE_TWIN }, at(150_000 + TTL_MS)))).toBe(
      'expired',
    );
    const gone = step(s, { type: 'expire' }, at(150_000 + TTL_MS));
    expect(gone.status).toBe('expired');
    expect(gone.notices.at(-1)).toMatchObject({
      id: 'locate:expired',
      data: { leftForCleanup: `/${RESTORE_DIR}` },
    });
    expect(gone.aws.dataDir).toBeUndefined();
  });

  it('the requester or an approver cancels; anyone else is refused', () => {
    const s = picked();
    expect(refusal(apply(s, { type: 'cancel', user: OUTSIDER, isApprover: false }))).toBe(
      'not_requester_or_approver',
    );
    const cancelled = step(s, { type: 'cancel', user: CONFIRMER, isApprover: true });
    expect(cancelled.status).toBe('cancelled');
    // Resolve, confirm, restore and locate done; nothing from flatten on ran.
    expect(cancelled.stages.map((x) => [x.name, x.status])).toEqual(
      cancelled.stages.map((x, i) => [x.name, i < 4 ? 'done' : 'skipped']),
    );
    expect(cancelled.stages[3]?.name).toBe('locate');
  });

  it('a restart re-arms the expiry and runs nothing', () => {
    const result = apply(picked(), { type: 'resumed' });
    if (!result.ok) throw new Error(result.reason);
    expect(result.session.status).toBe('awaiting_pick');
    expect(result.effects).toEqual([{ type: 'await_confirmation', expiresAt: result.session.expiresAt }]);
  });
});

describe('a stored pick is checked on load like the plan', () => {
  it('loads a sound one', () => {
    const s = picked();
    expect(parseSession(JSON.parse(JSON.stringify(s)))).toEqual(s);
  });

  it('refuses a pick whose hash does not bind it, a path that is not a complete candidate, a wait with no pick', () => {
    const s = picked();
    const tamper = (edit: (x: typeof s) => void) => {
      const copy = structuredClone(s);
      edit(copy);
      return () => parseSession(copy);
    };
    expect(
      tamper((x) => {
        if (x.pick?.picked) x.pick.picked.path = LIVE_TWIN;
      }),
    ).toThrow(/pick/);
    expect(
      tamper((x) => {
        if (x.pick?.picked) x.pick.picked.path = BROKEN;
      }),
    ).toThrow(/pick/);
    expect(
      tamper((x) => {
        delete x.pick;
      }),
    ).toThrow(/pick/);
    expect(
      tamper((x) => {
        if (x.pick?.candidates[0]) x.pick.candidates[0].path = '../../etc';
      }),
    ).toThrow(/pick/);
  });
});
