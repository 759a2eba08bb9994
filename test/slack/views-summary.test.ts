import { describe, expect, it } from 'vitest';
import type { ApproversSetting } from '../../src/config.js';
import type { RestoreSession } from '../../src/restore/session.js';
import { ACTION_IDS } from '../../src/slack/ids.js';
import { clip, code, codeBlock, LIMITS } from '../../src/slack/views/blocks.js';
import { bytes, progressBar } from '../../src/slack/views/format.js';
import { noticeMessage } from '../../src/slack/views/notices.js';
import { summaryMessage, timeline } from '../../src/slack/views/summary.js';
import {
  at,
  awaiting,
  awaitingPick,
  CONFIRMER,
  confirm,
  LIVE_ROOT,
  picked,
  REQUESTER,
  runUntil,
  sessionIn,
  stagedRejected,
  stageReport,
  stageUntil,
  staging,
  step,
} from '../restore/session-fixtures.js';
import { allText, blockLimitViolations, interactiveElements } from './support/block-limits.js';
import { NOTICE_KINDS_FOR_TEST } from './support/notice-kinds.js';

const NOW = at(400_000);
const GROUP: ApproversSetting = { kind: 'group', groupId: 'S0APPROVERS' };

function succeeded(): RestoreSession {
  let s = confirm(awaiting('restore'));
  s = runUntil(s, 'cutover');
  s = step(
    s,
    { type: 'stage_checkpoint', stage: 'cutover', aws: { templateDiff: '--- a/x\n+++ b/x\n' } },
    at(150_000),
  );
  s = step(s, stageReport('cutover', s), at(160_000));
  return runUntil(s, undefined, 170_000);
}

describe('the summary', () => {
  it('has a timeline of every stage, the RTO, the data-loss window and the follow-ups', () => {
    const s = succeeded();
    const message = summaryMessage(s, NOW, {
      diff: { ok: true, name: 'r-template.diff', permalink: 'https://files.example/F1' },
      mergeRequest: { kind: 'opened', url: 'https://gitlab.example/mr/1', reused: false },
      templatePath: 'roles/rocket-chat/files/chat.cf.yaml',
    });
    expect(blockLimitViolations(message)).toEqual([]);
    const text = allText(message);
    for (const stage of [
      'resolve',
      'confirm',
      'restore',
      'locate',
      'flatten',
      'check',
      'cutover',
      'verify',
    ]) {
      expect(timeline(s)).toMatch(new RegExp(`^${stage}\\s+[█ ]{12} \\d`, 'm'));
    }
    expect(text).toContain('Total RTO');
    // The window is read from the data: the restored database's own newest message.
    expect(text).toMatch(
      /Data-loss window\*\n2d 02h: the restored database's newest message was written at 2026-05-18 07:59:13 UTC; chat written after that is not in it/,
    );
    expect(text).toContain('182,311 messages · 431 rooms · 318 users');
    expect(text).toContain('<https://files.example/F1|r-template.diff>');
    expect(text).toContain('`roles/rocket-chat/files/chat.cf.yaml`');
    expect(text).toContain('<https://gitlab.example/mr/1|review and merge it>');
    expect(text).toContain(`points chat-db back at \`${LIVE_ROOT}\``);
    expect(text).toContain('Production: cut over to');
    expect(interactiveElements(message.blocks).map((e) => e.action_id)).toEqual([
      ACTION_IDS.rollback,
      ACTION_IDS.cleanup,
    ]);
  });

  it('says what went wrong with the upload or the merge request', () => {
    const s = succeeded();
    const text = allText(
      summaryMessage(s, NOW, {
        diff: { ok: false, reason: 'ratelimited' },
        mergeRequest: { kind: 'failed', reason: 'GitLab answered 403: <forbidden>' },
      }),
    );
    expect(text).toContain('the diff could not be uploaded (ratelimited)');
    expect(text).toContain('The merge request could not be opened: GitLab answered 403: &lt;forbidden&gt;');
  });

  it('the longest stage gets the full bar', () => {
    const line = timeline(succeeded())
      .split('\n')
      .find((l) => l.startsWith('confirm'));
    // confirm took 58 s of the fixture's timeline, more than any other stage.
    expect(line).toContain('█'.repeat(12));
  });
});

describe('thread notices', () => {
  it.each(NOTICE_KINDS_FOR_TEST)('a %s notice says what happened and where production is', (kind) => {
    const s = sessionWithNotice(kind);
    const notice = s.notices.find((n) => n.kind === kind);
    expect(notice).toBeDefined();
    if (notice === undefined) return;
    const message = noticeMessage(notice, s, { now: NOW, approvers: GROUP });
    expect(blockLimitViolations(message)).toEqual([]);
    expect(allText(message)).toMatch(/Production: /);
    expect(message.text).not.toMatch(/:[a-z_]+:/);
  });

  it('the confirmation request mentions the approvers so that they are notified', () => {
    const s = awaiting('restore');
    const notice = s.notices.find((n) => n.kind === 'confirm_requested');
    if (notice === undefined) throw new Error('no confirm_requested notice');
    const text = allText(noticeMessage(notice, s, { now: NOW, approvers: GROUP }));
    expect(text).toContain('<!subteam^S0APPROVERS>');
    expect(text).toContain(`<@${REQUESTER}> asks to`);
  });

  it('a failure quotes AWS and says what to do next', () => {
    const s = step(runUntil(confirm(awaiting('restore')), 'restore'), {
      type: 'stage_failed',
      stage: 'restore',
      reason: 'Restore job failed: Access Denied',
      production: 'unchanged',
    });
    const notice = s.notices.find((n) => n.kind === 'failed');
    if (notice === undefined) throw new Error('no failed notice');
    const text = allText(noticeMessage(notice, s, { now: NOW, approvers: GROUP }));
    expect(text).toContain('```Restore job failed: Access Denied```');
    expect(text).toContain('*Next:* Production is unchanged. Fix the cause and start a new session.');
    expect(text).toContain('Production: unchanged — chat-db still runs on');
  });

  it('a confirmation names who confirmed', () => {
    const s = confirm(awaiting('restore'));
    const notice = s.notices.find((n) => n.kind === 'confirmed');
    if (notice === undefined) throw new Error('no confirmed notice');
    expect(allText(noticeMessage(notice, s, { now: NOW, approvers: GROUP }))).toContain(
      `Confirmed by <@${CONFIRMER}>`,
    );
  });
});

function sessionWithNotice(kind: (typeof NOTICE_KINDS_FOR_TEST)[number]): RestoreSession {
  switch (kind) {
    case 'confirm_requested':
      return awaiting('restore');
    case 'confirmed':
    case 'started':
      return runUntil(confirm(awaiting('restore')), 'restore');
    case 'done':
    case 'summary':
      return succeeded();
    case 'failed':
      return sessionIn('failed');
    case 'cancelled':
      return sessionIn('cancelled');
    case 'rejected':
      return sessionIn('rejected');
    case 'expired':
      return sessionIn('expired');
    case 'resumed':
      return step(runUntil(confirm(awaiting('restore')), 'locate'), { type: 'resumed' }, at(200_000));
    case 'pick_requested':
      return awaitingPick();
    case 'picked':
      return picked();
    case 'pick_confirmed':
      return step(
        picked(),
        {
          type: 'confirm_pick',
          user: CONFIRMER,
          pickHash: picked().pick?.picked?.hash ?? '',
          isApprover: true,
        },
        at(170_000),
      );
    case 'staged':
      return staging();
    case 'staged_ready':
      return stageUntil(staging());
    case 'staged_teardown':
      return stagedRejected({ done: true });
    case 'plan_changed': {
      const s = runUntil(confirm(awaiting('restore')), 'cutover');
      const plan = s.plan;
      if (plan?.kind !== 'restore') throw new Error('no plan');
      return step(
        s,
        {
          type: 'plan_changed',
          plan: { ...plan, templateSha256: 'b'.repeat(64) },
          changes: ['template: was a, now b'],
        },
        at(200_000),
      );
    }
  }
}

describe('block helpers', () => {
  it('clip never cuts an entity or a link in half, and closes a code block it cuts', () => {
    expect(clip('abc &amp; def', 8)).toBe('abc …');
    expect(clip('see <@U0ABCDEF> now', 12)).toBe('see …');
    const cut = clip(`\`\`\`${'x'.repeat(100)}\`\`\``, 50);
    expect(cut.length).toBeLessThanOrEqual(50);
    expect(cut.endsWith('…```')).toBe(true);
    expect(clip('short', 10)).toBe('short');
  });

  it('code and codeBlock neutralise what would break mrkdwn', () => {
    expect(code('a`b<c>&')).toBe("`a'b&lt;c&gt;&amp;`");
    expect(codeBlock('x```y')).toBe("```x'''y```");
    expect(codeBlock('z'.repeat(5000)).length).toBeLessThanOrEqual(1506);
  });

  it('formats sizes and progress', () => {
    expect(bytes(undefined)).toBe('size unknown');
    expect(bytes(512)).toBe('512 B');
    expect(bytes(1536)).toBe('1.5 KiB');
    expect(bytes(2_000_000_000)).toBe('1.9 GiB');
    expect(progressBar(42, 12)).toBe('▰▰▰▰▱▱▱▱▱▱ 42% · ETA 12 min');
    expect(progressBar(100)).toBe('▰▰▰▰▰▰▰▰▰▰ 100%');
    expect(progressBar(undefined, 0.5)).toBe('▱▱▱ progress not reported yet · ETA under a minute');
    expect(LIMITS.blocksPerMessage).toBe(50);
  });
});
