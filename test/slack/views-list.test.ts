import { describe, expect, it } from 'vitest';
import type { RecoveryPoint } from '../../src/aws/ports.js';
import type { ListResult } from '../../src/restore/service.js';
import { ACTION_IDS } from '../../src/slack/ids.js';
import { listMessage } from '../../src/slack/views/list.js';
import { statusMessage } from '../../src/slack/views/status.js';
import { awaiting, confirm, runUntil, sessionIn } from '../restore/session-fixtures.js';
import { allText, blockLimitViolations, interactiveElements } from './support/block-limits.js';

const NOW = new Date('2026-05-20T10:00:00Z');

function points(n: number, opts: { longVault?: boolean } = {}): RecoveryPoint[] {
  return Array.from({ length: n }, (_, i) => {
    const id = `${String(i).padStart(8, '0')}-1111-4222-8333-444455556666`;
    const partial = i % 5 === 4;
    return {
      arn: `arn:aws:backup:eu-central-1:123456789012:recovery-point:${id}`,
      id,
      vault: opts.longVault ? `v${'x'.repeat(49)}` : 'chat-backups',
      resourceArn: 'arn:aws:elasticfilesystem:eu-central-1:123456789012:file-system/fs-0db0c4a7e1',
      resourceType: 'EFS',
      status: partial ? 'PARTIAL' : 'COMPLETED',
      ...(partial ? { statusMessage: 'y'.repeat(3000) } : {}),
      createdAt: new Date(NOW.getTime() - (i + 1) * 3_600_000),
      sizeBytes: 1_500_000_000,
    };
  });
}

function result(list: RecoveryPoint[]): ListResult {
  return {
    stackName: 'rocket-chat',
    fileSystemId: 'fs-0db0c4a7e1',
    fileSystemArn: 'arn:aws:elasticfilesystem:eu-central-1:123456789012:file-system/fs-0db0c4a7e1',
    currentRoot: '/aws-backup-restore_2026-05-14T17-27-00-417720408Z',
    points: list.map((point, i) => ({
      index: i + 1,
      point,
      restorable: point.status === 'COMPLETED',
      ...(point.status === 'COMPLETED'
        ? {}
        : { whyNot: `its status is ${point.status}: ${point.statusMessage}` }),
    })),
  };
}

describe('the list view', () => {
  it('stays within Slack’s limits with 1,000 recovery points and long values, and says how many it left out', () => {
    const message = listMessage(result(points(1000, { longVault: true })), NOW);
    expect(blockLimitViolations(message)).toEqual([]);
    expect(message.blocks).toHaveLength(50);
    expect(allText(message)).toMatch(/\d+ more not shown/);
    const shown = (allText(message).match(/^\*\d+\.\* /gm) ?? []).length;
    expect(allText(message)).toContain(`${1000 - shown} more not shown`);
  });

  it('lists newest first with UTC time, age, size, status and vault, and a Start button per restorable point', () => {
    const list = points(10);
    const message = listMessage(result(list), NOW);
    expect(blockLimitViolations(message)).toEqual([]);
    const text = allText(message);
    expect(text).toContain(
      '*1.* 2026-05-20 09:00 UTC · 1h 00m ago · 1.4 GiB · COMPLETED · vault `chat-backups`',
    );
    expect(text.indexOf('*1.*')).toBeLessThan(text.indexOf('*2.*'));
    const starts = interactiveElements(message.blocks).filter(
      (e) => e.action_id === ACTION_IDS.startFromList,
    );
    expect(starts.map((s) => s.value)).toEqual(
      list.filter((p) => p.status === 'COMPLETED').map((p) => p.arn),
    );
    expect(text).toContain(':no_entry: Cannot be restored: its status is PARTIAL');
  });

  it('says plainly when there is nothing to restore', () => {
    const message = listMessage(result([]), NOW);
    expect(allText(message)).toContain('AWS Backup has no recovery points for this file system');
    expect(interactiveElements(message.blocks)).toEqual([]);
  });
});

describe('the status view', () => {
  it('shows this channel’s open session with its stage and production state', () => {
    const running = runUntil(confirm(awaiting('restore')), 'locate');
    const message = statusMessage({ channel: running.channel, open: [running] }, NOW);
    const text = allText(message);
    expect(text).toContain('running: Locate and check the data');
    expect(text).toContain('Production: unchanged — chat-db still runs on');
    expect(text).not.toContain('open elsewhere');
  });

  it('shows every open session when none is open here', () => {
    const s = awaiting('restore');
    const text = allText(statusMessage({ channel: 'C0ELSEWHERE', open: [s] }, NOW));
    expect(text).toContain('these are open elsewhere');
    expect(text).toContain(`<#${s.channel}>`);
    expect(text).toContain('waiting for a second engineer to confirm');
  });

  it('says when nothing is open, with the last session here', () => {
    const last = sessionIn('succeeded');
    const text = allText(statusMessage({ channel: last.channel, open: [], latestHere: last }, NOW));
    expect(text).toContain('No restore session is open');
    expect(text).toContain('The last one in this channel');
    expect(text).toContain('Production: cut over to');
  });

  it('stays within the limits with many open sessions', () => {
    const alphabet = '0123456789abcdefghjkmnpqrstvwxyz';
    const many = Array.from({ length: 60 }, (_, i) => ({
      ...awaiting('restore'),
      id: `r20260520-aaaa${alphabet[Math.floor(i / 32)]}${alphabet[i % 32]}`,
    }));
    const message = statusMessage({ channel: 'C0X', open: many }, NOW);
    expect(blockLimitViolations(message)).toEqual([]);
    expect(allText(message)).toMatch(/\d+ more blocks not shown/);
  });
});
