// The session's times and links: each stage's start and end in UTC on the card, a copyable
// timeline for the postmortem (people by mention, AWS ids, no raw ISO times), console links built
// from the region and ids the session recorded, the rollback's data-loss warning, and a cleanup's
// summary without an RTO.

import { describe, expect, it } from 'vitest';
import type { ApproversSetting } from '../../src/config.js';
import { changeSetName } from '../../src/restore/names.js';
import type { RestoreSession } from '../../src/restore/session.js';
import { sessionCard } from '../../src/slack/views/card.js';
import { consoleLinks } from '../../src/slack/views/console-links.js';
import { summaryMessage } from '../../src/slack/views/summary.js';
import {
  at,
  awaiting,
  CONFIRMER,
  confirm,
  REQUESTER,
  runUntil,
  stageReport,
  step,
} from '../restore/session-fixtures.js';
import { allText } from './support/block-limits.js';

const NOW = at(900_000);
const ANYONE: ApproversSetting = { kind: 'anyone' };
const ISO = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;
const CHANGE_SET_ARN =
  'arn:aws:cloudformation:eu-central-1:123456789012:changeSet/chatdb-x/0a1b2c3d-1111-2222-3333-444455556666';

function restored(): RestoreSession {
  let s = runUntil(confirm(awaiting('restore')), 'cutover');
  s = step(
    s,
    {
      type: 'stage_checkpoint',
      stage: 'cutover',
      aws: { changeSetName: changeSetName(s.id, s.attempt), changeSetId: CHANGE_SET_ARN },
    },
    at(150_000),
  );
  s = step(s, stageReport('cutover', s), at(160_000));
  return runUntil(s, undefined, 170_000);
}

describe('the timeline', () => {
  it('shows each stage’s start and end in UTC on the card', () => {
    const text = allText(sessionCard(restored(), { now: NOW, approvers: ANYONE }));
    expect(text).toMatch(/\*AWS Backup restore job\* · \d+s \(10:01:40–10:01:45 UTC\)/);
    expect(text).toMatch(/\*Cut over \(CloudFormation\)\* · .* \(10:02:20–10:02:40 UTC\)/);
  });

  it('ends with a copyable timeline for the postmortem: who asked and confirmed, each stage, each AWS id', () => {
    const s = restored();
    for (const message of [sessionCard(s, { now: NOW, approvers: ANYONE }), summaryMessage(s, NOW)]) {
      const text = allText(message);
      expect(text).toContain('*Timeline (UTC), for the postmortem*');
      expect(text).toContain(`2026-05-20 10:00:00 UTC — <@${REQUESTER}> asked`);
      expect(text).toContain(`<@${CONFIRMER}> confirmed`);
      expect(text).toContain('restore job `rj-0001`');
      expect(text).toContain(`change set \`${changeSetName(s.id, s.attempt)}\``);
      expect(text).toMatch(/stopped task `arn:aws:ecs:/);
      expect(text).toMatch(/— succeeded$/m);
      expect(text).not.toMatch(ISO);
      expect(text).not.toMatch(/(?<!<@)U0(REQUESTER|CONFIRMER)/);
    }
  });

  it('names the rejecter by mention and keeps their reason', () => {
    const s = step(awaiting(), { type: 'reject', user: CONFIRMER, isApprover: true, reason: 'wrong point' });
    const text = allText(sessionCard(s, { now: NOW, approvers: ANYONE }));
    expect(text).toContain(`rejected by <@${CONFIRMER}>`);
    expect(text).toContain('Reason: “wrong point”');
    expect(text).not.toMatch(/by U0CONFIRMER/);
  });
});

describe('console links', () => {
  it('links the restore job, the change set by name, the stack events, the service and its tasks', () => {
    const s = restored();
    const links = consoleLinks(s);
    const byLabel = new Map(links.map((l) => [l.label, l.url]));
    expect(byLabel.get('restore job')).toBe(
      'https://eu-central-1.console.aws.amazon.com/backup/home?region=eu-central-1#/jobs/restore/details/rj-0001',
    );
    const changeSet = links.find((l) => l.label.startsWith('change set '));
    expect(changeSet?.label).toBe(`change set ${changeSetName(s.id, s.attempt)}`);
    expect(changeSet?.url).toContain(`changeSetId=${encodeURIComponent(CHANGE_SET_ARN)}`);
    expect(byLabel.get('stack events')).toContain('#/stacks/events?stackId=rocket-chat');
    expect(byLabel.get('chat-db service')).toBe(
      'https://eu-central-1.console.aws.amazon.com/ecs/v2/clusters/rocket-chat/services/chat-db/health?region=eu-central-1',
    );
    expect(byLabel.get('its tasks')).toContain('/services/chat-db/tasks?region=eu-central-1');
    expect(byLabel.get('SSM command output')).toContain('/systems-manager/run-command/');
    expect(allText(sessionCard(s, { now: NOW, approvers: ANYONE }))).toContain(
      '<https://eu-central-1.console.aws.amazon.com/backup/home?region=eu-central-1#/jobs/restore/details/rj-0001|restore job>',
    );
  });

  it('has nothing to link before any AWS id exists', () => {
    expect(consoleLinks(awaiting())).toEqual([]);
  });
});

describe('rollback and cleanup', () => {
  it('warns on the rollback card that chat written since the cutover stays behind', () => {
    const text = allText(sessionCard(awaiting('rollback'), { now: NOW, approvers: ANYONE }));
    expect(text).toContain(':warning: Data loss');
    expect(text).toMatch(
      /Chat written since session `r\d{8}-[a-z0-9]+` cut over is in `.+`, not in `.+`: rolling back leaves it behind/,
    );
  });

  it('gives a cleanup no RTO and says deleted, not chosen', () => {
    const s = runUntil(confirm(awaiting('cleanup')));
    expect(s.status).toBe('succeeded');
    const summary = allText(summaryMessage(s, NOW));
    expect(summary).not.toContain('RTO');
    expect(summary).toContain('deleted');
    const card = allText(sessionCard(s, { now: NOW, approvers: ANYONE }));
    expect(card).toContain('*Deleted*');
    expect(card).not.toContain('*Chosen*');
    expect(card).not.toContain('RTO');
  });
});
