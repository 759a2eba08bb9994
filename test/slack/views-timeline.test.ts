// The session's times and links: each stage's start and end in UTC on the card, a copyable
// timeline for the postmortem (people by mention, AWS ids, no raw ISO times), console links built
// from the region and ids the session recorded, the rollback's data-loss warning, and a cleanup's
// summary without an RTO.

import { describe, expect, it } from 'vitest';
import type { ApproversSetting } from '../../src/config.js';
import { changeSetName } from '../../src/restore/names.js';
import type { RestoreSession, StageName } from '../../src/restore/session.js';
import { transition } from '../../src/restore/transitions.js';
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

describe('the production line during the cutover', () => {
  const checkpoint = (s: RestoreSession, aws: Record<string, string>, t: number) =>
    step(s, { type: 'stage_checkpoint', stage: 'cutover', aws }, at(t));
  const line = (s: RestoreSession) =>
    /Production: [^\n]*/.exec(allText(sessionCard(s, { now: NOW, approvers: ANYONE })))?.[0];

  it('says "being cut over" from the moment ExecuteChangeSet is called, before it returns', () => {
    let s = runUntil(confirm(awaiting('restore')), 'cutover');
    s = checkpoint(
      s,
      { changeSetName: changeSetName(s.id, s.attempt), changeSetId: CHANGE_SET_ARN },
      150_000,
    );
    expect(line(s)).toMatch(/^Production: unchanged/);
    s = checkpoint(s, { executeCalledAt: at(151_000).toISOString() }, 151_000);
    expect(s.aws.executedAt).toBeUndefined();
    expect(line(s)).toMatch(/^Production: being cut over to `\/chatdb-restore_/);
    s = checkpoint(s, { executedAt: at(152_000).toISOString() }, 152_000);
    expect(line(s)).toMatch(/^Production: being cut over/);
  });

  it('refuses an intent that is not a time', () => {
    const s = runUntil(confirm(awaiting('restore')), 'cutover');
    const refused = transition(
      s,
      { type: 'stage_checkpoint', stage: 'cutover', aws: { executeCalledAt: 'soon' } },
      { now: at(150_000) },
    );
    expect(refused).toMatchObject({ ok: false, code: 'invalid_checkpoint' });
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
    // A session stored before command ids were recorded links the command history.
    expect(byLabel.get('SSM command output')).toBe(
      'https://eu-central-1.console.aws.amazon.com/systems-manager/run-command/complete-commands?region=eu-central-1',
    );
    expect(allText(sessionCard(s, { now: NOW, approvers: ANYONE }))).toContain(
      '<https://eu-central-1.console.aws.amazon.com/backup/home?region=eu-central-1#/jobs/restore/details/rj-0001|restore job>',
    );
  });

  it('links each SSM command’s output on the inspection host, by stage, in the order they were sent', () => {
    const command = (n: number, stage: StageName) => ({
      commandId: `0000000${n}-1111-2222-3333-444455556666`,
      instanceId: 'i-0a1b2c3d4e5f60718',
      stage,
    });
    let s = runUntil(confirm(awaiting('restore')), 'restore');
    s = step(
      s,
      { type: 'stage_checkpoint', stage: 'restore', aws: { ssmCommands: [command(1, 'restore')] } },
      at(101_000),
    );
    s = step(s, stageReport('restore', s), at(102_000));
    s = step(s, { type: 'stage_started', stage: 'locate' }, at(103_000));
    const sent = [command(1, 'restore'), command(2, 'locate'), command(3, 'locate')];
    s = step(s, { type: 'stage_checkpoint', stage: 'locate', aws: { ssmCommands: sent } }, at(104_000));
    const ssm = consoleLinks(s).filter((l) => l.label.startsWith('SSM'));
    expect(ssm.map((l) => l.label)).toEqual([
      'SSM restore output',
      'SSM locate output 1',
      'SSM locate output 2',
    ]);
    expect(ssm[1]?.url).toBe(
      'https://eu-central-1.console.aws.amazon.com/systems-manager/run-command/00000002-1111-2222-3333-444455556666/i-0a1b2c3d4e5f60718?region=eu-central-1',
    );
    expect(consoleLinks(s).some((l) => l.label === 'SSM command output')).toBe(false);
    const text = allText(sessionCard(s, { now: NOW, approvers: ANYONE }));
    expect(text).toContain(`<${ssm[2]?.url}|SSM locate output 2>`);
    // The postmortem timeline names each command under its stage.
    const ended = step(s, { type: 'cancel', user: REQUESTER, isApprover: true }, at(105_000));
    const timeline = allText(sessionCard(ended, { now: NOW, approvers: ANYONE }));
    expect(timeline).toMatch(/AWS Backup restore job: done · restore job `rj-0001` · SSM command `00000001-/);
    expect(timeline).toMatch(
      /Locate and check the data: \w+ · SSM command `00000002-[^`]+` · SSM command `00000003-/,
    );
  });

  it('refuses an SSM command record that is not SSM’s', () => {
    const s = runUntil(confirm(awaiting('restore')), 'restore');
    const good = { commandId: '00000001-1111-2222-3333-444455556666', instanceId: 'i-0a1b2c3d4e5f60718' };
    for (const bad of [
      { ...good, commandId: 'not-a-command', stage: 'restore' },
      { ...good, instanceId: 'i-0a1b2c3d4e5f6071; rm -rf /', stage: 'restore' },
      { ...good, stage: 'nowhere' },
      { ...good, stage: 'restore', extra: 'x' },
    ]) {
      const refused = transition(
        s,
        { type: 'stage_checkpoint', stage: 'restore', aws: { ssmCommands: [bad as never] } },
        { now: at(101_000) },
      );
      expect(refused).toMatchObject({ ok: false, code: 'invalid_checkpoint' });
    }
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
