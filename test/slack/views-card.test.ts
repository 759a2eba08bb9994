import { describe, expect, it } from 'vitest';
import type { ApproversSetting } from '../../src/config.js';
import type { RestoreSession, SessionKind } from '../../src/restore/session.js';
import { ACTION_IDS } from '../../src/slack/ids.js';
import {
  confirmBlockId,
  pathsFromOptions,
  planHashFromBlockId,
  sessionCard,
} from '../../src/slack/views/card.js';
import {
  at,
  awaiting,
  CANDIDATES,
  CONFIRMER,
  confirm,
  created,
  LIVE_ROOT,
  POINT,
  planFor,
  REQUESTER,
  resolving,
  runUntil,
  SESSION,
  sessionIn,
  statusesOf,
  step,
} from '../restore/session-fixtures.js';
import { allText, blockLimitViolations, interactiveElements } from './support/block-limits.js';

const NOW = at(120_000);
const ANYONE: ApproversSetting = { kind: 'anyone' };
const GROUP: ApproversSetting = { kind: 'group', groupId: 'S0APPROVERS' };

function card(s: RestoreSession, approvers: ApproversSetting = ANYONE) {
  return sessionCard(s, { now: NOW, approvers });
}

function buttons(s: RestoreSession) {
  return interactiveElements(card(s).blocks).map((e) => e.action_id);
}

const KINDS: SessionKind[] = ['restore', 'rollback', 'cleanup'];

describe('the session card', () => {
  it.each(KINDS.flatMap((kind) => statusesOf(kind).map((status) => [kind, status] as const)))(
    'a %s session that is %s stays within Slack’s limits and says where production is',
    (kind, status) => {
      const s = sessionIn(status, kind);
      const message = card(s);
      expect(blockLimitViolations(message)).toEqual([]);
      expect(allText(message)).toMatch(/Production: (unchanged|cut over|rolled back|unknown|being cut over)/);
      expect(message.text.length).toBeGreaterThan(0);
    },
  );

  it('warns about a stack without a service role on the plan until the cutover has run, then no more', () => {
    const warned = step(
      resolving('restore'),
      {
        type: 'resolved',
        plan: {
          ...planFor('restore'),
          warnings: [
            { code: 'no_service_role', actions: ['ecs:UpdateService', 'ecs:RegisterTaskDefinition'] },
          ],
        },
      },
      at(2000),
    );
    const warning = 'No service role';
    expect(allText(card(warned))).toContain(warning);
    expect(allText(card(warned))).toContain('`ecs:UpdateService`, `ecs:RegisterTaskDefinition`');
    const confirmed = confirm(warned);
    expect(allText(card(runUntil(confirmed, 'cutover')))).toContain(warning);
    const done = runUntil(confirmed);
    expect(done.status).toBe('succeeded');
    expect(allText(card(done))).not.toContain(warning);
    // Without the warning on the plan, no card says it.
    expect(allText(card(awaiting('restore')))).not.toContain(warning);
  });

  it('asks for confirmation with Confirm, Reject, Start restoring now and Cancel, each carrying only the session id', () => {
    const s = awaiting('restore');
    const elements = interactiveElements(card(s).blocks);
    expect(elements.map((e) => e.action_id)).toEqual([
      ACTION_IDS.confirm,
      ACTION_IDS.reject,
      ACTION_IDS.startStaged,
      ACTION_IDS.cancel,
    ]);
    // A rollback restores nothing ahead of its confirmation.
    expect(interactiveElements(card(awaiting('rollback')).blocks).map((e) => e.action_id)).not.toContain(
      ACTION_IDS.startStaged,
    );
    for (const e of elements) expect(e.value).toBe(SESSION);
    // Confirm is bound to the plan shown: its block carries the plan hash and the revision.
    expect(elements[0]?.block_id).toBe(confirmBlockId(s.planHash as string, s.revision));
    expect(planHashFromBlockId(elements[0]?.block_id)).toBe(s.planHash);
  });

  it('shows the plan: point time and age, data-loss window, service, roots, mode, duration, requester', () => {
    const text = allText(card(awaiting('restore')));
    expect(text).toContain('Restore chat-db from 2026-05-18 08:00 UTC');
    expect(text).toContain(`\`${POINT.id}\``);
    expect(text).toMatch(/Data-loss window\*\nabout 2d 02h of chat since the point/);
    expect(text).toContain('`chat-db` in `rocket-chat` (stack `rocket-chat`)');
    expect(text).toContain(`\`${LIVE_ROOT}\` → \`/chatdb-restore_2026-05-18T08-00-00Z_${SESSION}\``);
    expect(text).toContain(`item-level: only \`${LIVE_ROOT}\``);
    expect(text).toContain('about 15 min');
    expect(text).toContain(`<@${REQUESTER}>`);
    expect(text).toMatch(/Confirmed by\*\nnot yet/);
    expect(text).toContain(`Production: unchanged — chat-db still runs on \`${LIVE_ROOT}\``);
  });

  it('mentions the approvers group so they are notified, and the listed approvers otherwise', () => {
    expect(allText(card(awaiting('restore'), GROUP))).toContain('<!subteam^S0APPROVERS>');
    const users: ApproversSetting = { kind: 'users', ids: ['U0ALICE', 'U0BOB'] };
    expect(allText(card(awaiting('restore'), users))).toContain('<@U0ALICE> <@U0BOB>');
    expect(allText(card(confirm(awaiting('restore')), GROUP))).not.toContain('<!subteam^');
  });

  it('keeps who confirmed and when once confirmed', () => {
    const text = allText(card(confirm(awaiting('restore'))));
    expect(text).toMatch(new RegExp(`Confirmed by\\*\\n<@${CONFIRMER}> at 10:01 UTC`));
  });

  it('offers Cancel while running before the cutover, and nothing once the stack update started', () => {
    const running = runUntil(confirm(awaiting('restore')), 'restore');
    expect(buttons(running)).toEqual([ACTION_IDS.cancel]);
    const cutting = runUntil(confirm(awaiting('restore')), 'cutover');
    expect(buttons(cutting)).toEqual([]);
    expect(allText(card(cutting))).toContain('cannot be cancelled');
  });

  it('shows a progress bar and ETA while the restore job runs', () => {
    let s = runUntil(confirm(awaiting('restore')), 'restore');
    s = step(s, { type: 'stage_progress', stage: 'restore', percentDone: 42, etaMinutes: 12 }, at(130_000));
    expect(allText(card(s))).toContain('▰▰▰▰▱▱▱▱▱▱ 42% · ETA 12 min');
  });

  it('offers Rollback and Cleanup after success, with the timeline, RTO and data-loss window', () => {
    const done = runUntil(confirm(awaiting('restore')));
    expect(done.status).toBe('succeeded');
    expect(buttons(done)).toEqual([ACTION_IDS.rollback, ACTION_IDS.cleanup]);
    const text = allText(card(done));
    expect(text).toMatch(/restore\s+█+\s+5s/);
    expect(text).toContain('Total RTO');
    expect(text).toContain('Data-loss window');
    expect(text).toContain('Production: cut over to `/chatdb-restore_');
  });

  it('a failure says what AWS said, where production is and what to do next', () => {
    const running = runUntil(confirm(awaiting('restore')), 'cutover');
    const failed = step(running, {
      type: 'stage_failed',
      stage: 'cutover',
      reason: 'Resource handler returned message: "Invalid request provided: <RootDirectory> & more"',
      production: 'rolled_back',
      code: 'stack_update_failed',
      activity: 'stack_update',
    });
    const text = allText(card(failed));
    expect(text).toContain('Cut over (CloudFormation) failed.');
    expect(text).toContain('Invalid request provided: &lt;RootDirectory&gt; &amp; more');
    expect(text).toContain(`Production: rolled back by CloudFormation to \`${LIVE_ROOT}\``);
    expect(text).toContain(
      '*Next:* CloudFormation rolled the stack back and the service is on its previous root. Read the reason (often the new task could not mount or start), fix it, and restore again.',
    );
    const unknown = step(running, {
      type: 'stage_failed',
      stage: 'cutover',
      reason: 'timeout',
      production: 'unknown',
    });
    expect(allText(card(unknown))).toContain('Production: unknown — check the stack `rocket-chat`');
    expect(buttons(unknown)).toEqual([ACTION_IDS.cleanup]);
  });

  it('a failed check quotes MongoDB, names the next older point and the copy left for cleanup', () => {
    const running = runUntil(confirm(awaiting('restore')), 'check');
    const failed = step(running, {
      type: 'stage_failed',
      stage: 'check',
      code: 'check_failed',
      reason: 'rocketchat_message: validate: verify() returned WT_ERROR <structural damage>',
      production: 'unchanged',
      activity: 'check',
      detail: {
        check: {
          code: 'check_failed',
          failures: ['rocketchat_message: validate: verify() returned WT_ERROR <structural damage>'],
          mongodSays: ['WiredTiger error message: read checksum error for 4096B block at offset 8192'],
        },
        olderPoint: { id: 'B5D2C8E1-4F6A-4B3C-9D2E-3F4051627384', createdAt: '2026-05-13T03:06:01.000Z' },
      },
    });
    const text = allText(card(failed));
    expect(text).toContain('MongoDB did not accept the restored copy; nothing was cut over');
    expect(text).toContain('verify() returned WT_ERROR &lt;structural damage&gt;');
    expect(text).toContain('read checksum error for 4096B block at offset 8192');
    expect(text).toContain(
      '*Next older point:* `B5D2C8E1-4F6A-4B3C-9D2E-3F4051627384` (2026-05-13 03:06 UTC): `/chatdb-restore start B5D2C8E1-4F6A-4B3C-9D2E-3F4051627384`',
    );
    expect(text).toContain(`\`${running.aws.flatDir}\` stays on the volume for \`cleanup\``);
    expect(text).toContain(`Production: unchanged — chat-db still runs on \`${LIVE_ROOT}\``);
    expect(blockLimitViolations(card(failed))).toEqual([]);
  });

  it('offers Cleanup only where something was left on the volume', () => {
    const running = runUntil(confirm(awaiting('restore')), 'restore');
    const withJob = step(running, {
      type: 'stage_checkpoint',
      stage: 'restore',
      aws: { restoreJobId: 'rj-0042' },
    });
    const failed = step(withJob, {
      type: 'stage_failed',
      stage: 'restore',
      reason: 'FAILED',
      production: 'unchanged',
    });
    // A failed restore job leaves nothing to clean up; it offers only to run the job again.
    expect(buttons(failed)).toEqual([ACTION_IDS.retryRestore]);
    const cancelled = step(withJob, { type: 'cancel', user: REQUESTER, isApprover: false });
    expect(buttons(cancelled)).toEqual([ACTION_IDS.cleanup]);
    expect(allText(card(cancelled))).toContain('AWS Backup finishes restore job `rj-0042` by itself');
  });

  it('says nothing was changed when cancelled, rejected or expired, and offers no buttons', () => {
    for (const status of ['cancelled', 'rejected', 'expired'] as const) {
      const s = sessionIn(status);
      expect(buttons(s)).toEqual([]);
      expect(allText(card(s))).toContain('Production: unchanged');
    }
    expect(allText(card(sessionIn('rejected')))).toContain(`Rejected by <@${CONFIRMER}>`);
    expect(allText(card(sessionIn('expired')))).toContain('Nothing was changed');
  });

  it('uses a fresh block_id on every revision', () => {
    const a = awaiting('restore');
    const b = step(a, { type: 'card_posted', ts: '1.000001' }, at(3000));
    const ids = (s: RestoreSession) =>
      card(s)
        .blocks.map((block) => (block as { block_id?: string }).block_id)
        .filter((id): id is string => id !== undefined);
    expect(ids(a).length).toBeGreaterThan(3);
    for (const id of ids(b)) expect(ids(a)).not.toContain(id);
  });

  it('a resolving session without a plan shows what was asked for and a Cancel', () => {
    const s = step(created('restore'), { type: 'stage_started', stage: 'resolve' }, at(100));
    const message = card(s);
    expect(allText(message)).toContain('Restore chat-db from latest');
    expect(buttons(s)).toEqual([ACTION_IDS.cancel]);
  });

  it('stays within the limits with a very long failure, long paths and a thousand cleanup candidates', () => {
    const longName = `aws-backup-restore_${'9'.repeat(180)}`;
    const candidates = Array.from({ length: 1000 }, (_, i) => ({
      path: `/${longName.slice(0, 150)}${i}`,
      sizeBytes: i * 1_000_000,
      kind: 'restore' as const,
      deletable: i % 7 !== 0,
      ...(i % 7 === 0 ? { whyNot: 'x'.repeat(500) } : {}),
    }));
    let s = step(created('cleanup'), { type: 'stage_started', stage: 'resolve' }, at(100));
    s = step(
      s,
      {
        type: 'resolved',
        plan: awaiting('cleanup', { choose: false }).plan as never,
        cleanupCandidates: candidates,
      },
      at(2000),
    );
    s = step(s, { type: 'cleanup_choose', user: REQUESTER, paths: [candidates[1]?.path ?? ''] }, at(3000));
    const message = card(s);
    expect(blockLimitViolations(message)).toEqual([]);
    const menu = interactiveElements(message.blocks).find((e) => e.action_id === ACTION_IDS.cleanupChoose);
    expect(((menu?.options ?? []) as unknown[]).length).toBe(100);
    expect(menu?.initial_options).toEqual([expect.objectContaining({ value: '1' })]);

    const running = runUntil(confirm(awaiting('restore')), 'restore');
    const failed = step(running, {
      type: 'stage_failed',
      stage: 'restore',
      reason: `AccessDenied: ${'<x> & '.repeat(3000)}`,
      production: 'unchanged',
    });
    // A session stored by an earlier version carries its next step in words, of any length.
    if (failed.failure !== undefined) failed.failure.next = 'n'.repeat(5000);
    expect(blockLimitViolations(card(failed))).toEqual([]);
  });
});

describe('the cleanup chooser', () => {
  it('lists deletable candidates with sizes and keeps the live root out of the menu', () => {
    const s = awaiting('cleanup', { choose: false });
    const message = card(s);
    const text = allText(message);
    expect(text).toContain(`:lock: \`${LIVE_ROOT}\``);
    expect(text).toContain('kept: it holds the live root');
    const menu = interactiveElements(message.blocks).find((e) => e.action_id === ACTION_IDS.cleanupChoose);
    const values = ((menu?.options ?? []) as { value: string }[]).map((o) => o.value);
    expect(pathsFromOptions(s, values)).toEqual(CANDIDATES.filter((c) => c.deletable).map((c) => c.path));
    expect(menu?.block_id).toBe(`choose:${SESSION}:${s.revision}`);
    expect(text).toContain(`<@${REQUESTER}> chooses the directories to delete`);
  });

  it('maps option values back to paths and ignores anything else', () => {
    const s = awaiting('cleanup');
    expect(pathsFromOptions(s, ['0', '0', '7', 'x', '-1', '2'])).toEqual([
      CANDIDATES[0]?.path,
      CANDIDATES[2]?.path,
    ]);
  });
});

describe('planHashFromBlockId', () => {
  it('reads only a confirmation row', () => {
    const hash = 'a'.repeat(64);
    expect(planHashFromBlockId(`confirm:${hash}:3`)).toBe(hash);
    for (const id of [undefined, '', `run:${hash}:3`, `confirm:${hash}`, `confirm:${'A'.repeat(64)}:1`]) {
      expect(planHashFromBlockId(id)).toBeUndefined();
    }
  });
});
