// A drill's card, its report and the last drill on a restore's plan card: pure views.

import { describe, expect, it } from 'vitest';
import type { ApproversSetting } from '../../src/config.js';
import type { RestorePlan } from '../../src/restore/plan.js';
import type { RestoreSession } from '../../src/restore/session.js';
import { ACTION_IDS } from '../../src/slack/ids.js';
import { sessionCard } from '../../src/slack/views/card.js';
import { drillSummaryMessage, lastDrillText } from '../../src/slack/views/drill.js';
import {
  at,
  awaiting,
  CONFIRMER,
  confirm,
  runUntil,
  SESSION,
  sessionIn,
  statusesOf,
  step,
} from '../restore/session-fixtures.js';
import { allText, blockLimitViolations, interactiveElements } from './support/block-limits.js';

const NOW = at(600_000);
const ANYONE: ApproversSetting = { kind: 'anyone' };
const GROUP: ApproversSetting = { kind: 'group', groupId: 'S0APPROVERS' };

const card = (s: RestoreSession, approvers: ApproversSetting = ANYONE) =>
  sessionCard(s, { now: NOW, approvers });

function tornDrill(): RestoreSession {
  return runUntil(
    step(runUntil(awaiting('drill'), 'check'), {
      type: 'stage_failed',
      stage: 'check',
      code: 'check_failed',
      reason: 'Fatal assertion',
      production: 'unchanged',
      detail: {
        check: { failures: ['WiredTiger error message: handle-open: No such file or directory'] },
        olderPoint: { id: '8E1A3C5F-7B9D-4F2A-A4C6-738495A6B7C8', createdAt: '2026-05-19T03:00:00.000Z' },
      },
    }),
  );
}

describe('a drill card', () => {
  it('fits Slack in every status a drill reaches, and offers no confirmation', () => {
    for (const status of statusesOf('drill')) {
      const message = card(sessionIn(status, 'drill'));
      expect(blockLimitViolations(message)).toEqual([]);
      const ids = interactiveElements(message.blocks).map((e) => e.action_id);
      expect(ids).not.toContain(ACTION_IDS.confirm);
      expect(ids).not.toContain(ACTION_IDS.rollback);
      expect(allText(message)).not.toContain('Confirmed by');
    }
  });

  it('reports a good drill: restorable, the data, the projected RTO, the rehearsed change set, nothing left', () => {
    const text = allText(card(runUntil(awaiting('drill'))));
    expect(text).toContain('Drill done: the point is restorable');
    expect(text).toContain('*Restorable:* yes');
    expect(text).toContain('182,311 messages · 431 rooms · 318 users');
    expect(text).toMatch(/Projected RTO of a real restore of this point:\* about 5m 20s/);
    expect(text).toContain('would change Modify ChatDbTask (AWS::ECS::TaskDefinition)');
    expect(text).toContain('*Left behind:* nothing');
  });

  it('reports a torn point not restorable, in MongoDB’s words, naming a drill of the next point', () => {
    const text = allText(card(tornDrill(), GROUP));
    expect(text).toContain('the point is NOT restorable');
    expect(text).toContain('<!subteam^S0APPROVERS>');
    expect(text).toContain('handle-open: No such file or directory');
    expect(text).not.toContain('stays on the volume');
    expect(text).toContain('`/chatdb-restore drill 8E1A3C5F-7B9D-4F2A-A4C6-738495A6B7C8`');
    expect(text).toContain('Production was never touched and it tore down what it made');
  });

  it('says to whom a drill gave way and what it left', () => {
    const taken = step(runUntil(awaiting('drill'), 'check'), {
      type: 'take_over',
      by: CONFIRMER,
      sessionId: 'r20260520-zzzzzz',
    });
    const text = allText(card(taken));
    expect(text).toContain('Drill gave way to restore session `r20260520-zzzzzz`');
    expect(text).toMatch(
      /Left behind: `\/aws-backup-restore_[^`]+`, `\/chatdb-drill_[^`]+`: the next drill's teardown deletes them/,
    );
  });
});

describe('the drill report', () => {
  it('is loud when the drill failed: the approvers group, in the text that notifies too', () => {
    const report = drillSummaryMessage(tornDrill(), GROUP);
    expect(report.text).toContain('<!subteam^S0APPROVERS>');
    expect(allText(report)).toContain('failed.*');
    expect(blockLimitViolations(report)).toEqual([]);
  });

  it('is quiet when the drill succeeded, and shows the template edit', () => {
    const report = drillSummaryMessage(runUntil(awaiting('drill')), GROUP);
    expect(report.text).not.toContain('subteam');
    expect(allText(report)).toContain('RootDirectory: /b');
  });
});

describe('the last drill on a restore plan', () => {
  it('says when, which point, restorable or not, and the projected minutes', () => {
    const plan = confirm(awaiting('restore')).plan as RestorePlan;
    expect(lastDrillText(undefined, NOW)).toContain('none yet');
    const line = lastDrillText(
      {
        sessionId: SESSION,
        at: at(-2 * 24 * 3_600_000).toISOString(),
        pointCreatedAt: plan.recoveryPoint.createdAt,
        restorable: true,
        projectedMinutes: 14,
      },
      NOW,
    );
    expect(line).toMatch(/^2d 00h ago: point \d{4}-\d\d-\d\d \d\d:\d\d UTC, restorable, 14 min/);
    const card = allText(
      sessionCard(
        { ...awaiting('restore'), plan: { ...plan, lastDrill: undefined } },
        { now: NOW, approvers: ANYONE },
      ),
    );
    expect(card).toContain('*Last drill*');
  });
});
