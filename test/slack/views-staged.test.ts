// The card, the notices and the private answers of restoring before the confirmation
// (src/slack/views/staged.ts): where production stands at every step, who may do what, and what a
// staged session that ended unconfirmed deleted or left, by name.

import { describe, expect, it } from 'vitest';
import type { ApproversSetting } from '../../src/config.js';
import type { RestoreSession } from '../../src/restore/session.js';
import { refusalMessage } from '../../src/slack/errors.js';
import { ACTION_IDS } from '../../src/slack/ids.js';
import { planHashFromBlockId, sessionCard } from '../../src/slack/views/card.js';
import { noticeMessage } from '../../src/slack/views/notices.js';
import {
  at,
  awaiting,
  CONFIRMER,
  LIVE_ROOT,
  REQUESTER,
  RESTORE_DIR,
  stagedRejected,
  stageReport,
  stageUntil,
  staging,
  step,
} from '../restore/session-fixtures.js';
import { allText, blockLimitViolations, interactiveElements } from './support/block-limits.js';

const NOW = at(100_000);
const GROUP: ApproversSetting = { kind: 'group', groupId: 'S0APPROVERS' };
const ANYONE: ApproversSetting = { kind: 'anyone' };

function card(s: RestoreSession, approvers: ApproversSetting = GROUP) {
  return sessionCard(s, { now: NOW, approvers });
}

const flat = (s: RestoreSession) => (s.plan?.kind === 'restore' ? s.plan.targetRoot : '?');

describe('Start restoring now on the card', () => {
  it('is offered on a restore awaiting confirmation, bound to the plan shown, and says what it starts', () => {
    const s = awaiting('restore');
    const start = interactiveElements(card(s).blocks).find((e) => e.action_id === ACTION_IDS.startStaged);
    expect(start?.value).toBe(s.id);
    expect(planHashFromBlockId(String(start?.block_id))).toBe(s.planHash);
    const dialog = JSON.stringify((start as { confirm?: unknown }).confirm);
    expect(dialog).toContain('cost and the EFS throughput');
    expect(dialog).toContain("the cutover still waits for a second engineer's Confirm");
  });

  it('while staging: production unchanged, the cutover waiting for a second engineer, Confirm and Reject still there', () => {
    const s = staging();
    const message = card(s);
    const text = allText(message);
    expect(blockLimitViolations(message)).toEqual([]);
    expect(text).toContain(`Production: unchanged — chat-db still runs on \`${LIVE_ROOT}\``);
    expect(text).toContain('production untouched; the cutover waits for a second engineer');
    expect(text).toContain('Restoring before the confirmation: AWS Backup restore job.');
    const ids = interactiveElements(message.blocks).map((e) => e.action_id);
    expect(ids).toEqual([ACTION_IDS.confirm, ACTION_IDS.reject, ACTION_IDS.cancel]);
    const cancel = interactiveElements(message.blocks).find((e) => e.action_id === ACTION_IDS.cancel);
    expect(JSON.stringify((cancel as { confirm?: unknown }).confirm)).toContain(
      'a restore job still running cannot be stopped',
    );
  });

  it('once all is staged: Confirm starts the cutover at once; the button is not offered again', () => {
    const s = stageUntil(staging());
    const text = allText(card(s));
    expect(text).toContain('Restored and checked; waiting for a second engineer to confirm the cutover.');
    expect(text).toContain('presses *Confirm* and the cutover starts at once');
    expect(text).toContain('production untouched');
    expect(interactiveElements(card(s).blocks).map((e) => e.action_id)).not.toContain(ACTION_IDS.startStaged);
    // With approvers "anyone", a bystander cannot throw the restored data away.
    expect(allText(card(s, ANYONE))).toContain(`only <@${REQUESTER}> can *Cancel*`);
  });

  it('after a rejection: the teardown under way, then the directories deleted, by name', () => {
    const pending = allText(card(stagedRejected()));
    expect(pending).toContain(
      `deleting \`${flat(stagedRejected())}\`, \`/${RESTORE_DIR}\` (never the live root)`,
    );
    const done = stagedRejected({ done: true });
    const text = allText(card(done));
    expect(text).toContain(
      `Deleted what it restored before the confirmation: \`${flat(done)}\`, \`/${RESTORE_DIR}\`.`,
    );
    expect(text).toContain('The live root was not touched.');
    expect(text).toContain(`Production: unchanged — chat-db still runs on \`${LIVE_ROOT}\``);
    const notice = done.notices.find((n) => n.kind === 'staged_teardown');
    if (notice === undefined) throw new Error('no teardown notice');
    expect(allText(noticeMessage(notice, done, { now: NOW, approvers: GROUP }))).toContain(
      'Deleted what it restored',
    );
  });

  it('names a job still running, and a directory not proven its own, as left for cleanup', () => {
    const r = stagedRejected();
    const left = step(
      r,
      {
        type: 'teardown_done',
        deleted: [],
        absent: [],
        left: [
          { why: 'job_running', restoreJobId: 'rj-0001' },
          { why: 'not_located', name: 'aws-backup-restore_2026-05-20T10-09-00Z', restoreJobId: 'rj-0001' },
        ],
      },
      at(210_000),
    );
    const text = allText(card(left));
    expect(text).toContain(
      'Left for `/chatdb-restore cleanup`: the directory restore job `rj-0001` is still writing',
    );
    expect(text).toContain('AWS Backup cannot stop a restore job');
    expect(text).toContain(
      '`/aws-backup-restore_2026-05-20T10-09-00Z` (new since restore job `rj-0001` started',
    );
  });

  it('a confirmation notice says when the cutover starts', () => {
    const during = step(stageUntil(staging(), 'locate'), {
      type: 'confirm',
      user: CONFIRMER,
      planHash: staging().planHash ?? '',
      isApprover: true,
    });
    const after = step(stageUntil(staging()), {
      type: 'confirm',
      user: CONFIRMER,
      planHash: staging().planHash ?? '',
      isApprover: true,
    });
    const said = (s: RestoreSession) => {
      const n = s.notices.find((x) => x.kind === 'confirmed');
      if (n === undefined) throw new Error('no confirmed notice');
      return allText(noticeMessage(n, s, { now: NOW, approvers: GROUP }));
    };
    expect(said(during)).toContain(
      'The cutover starts as soon as the stages before it, already under way, are done.',
    );
    expect(said(after)).toContain('cutting over now');
  });
});

describe('private answers', () => {
  it('tells anyone but the requester that only the requester starts it, and a second press that it already runs', () => {
    const ctx = { approvers: GROUP, requester: REQUESTER };
    expect(
      refusalMessage({ code: 'not_requester', reason: 'x', details: { what: 'staged' } }, ctx),
    ).toContain(
      `Only <@${REQUESTER}>, who asked for this restore, can start restoring before the confirmation`,
    );
    expect(
      refusalMessage({ code: 'already_staged', reason: 'x', details: { by: REQUESTER, at: 'now' } }, ctx),
    ).toContain(`<@${REQUESTER}> already started restoring before the confirmation`);
  });
});

describe('the summary of a staged restore', () => {
  it('counts its recovery time from Start restoring now, when the work began', () => {
    let s = stageUntil(staging());
    s = step(
      s,
      { type: 'confirm', user: CONFIRMER, planHash: s.planHash ?? '', isApprover: true },
      at(300_000),
    );
    for (const stage of ['cutover', 'verify'] as const) {
      s = step(s, { type: 'stage_started', stage }, at(310_000));
      s = step(s, stageReport(stage, s), at(320_000));
    }
    expect(s.status).toBe('succeeded');
    // Staged at 30 s, verified at 320 s: 4m 50s, not the 20 s since the confirmation.
    expect(allText(card(s))).toContain('4m 50s (Start restoring now to verified)');
  });
});
