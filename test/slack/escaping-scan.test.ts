// Everything the bot can post, scanned for a `<` that is not one of Slack's own tokens. Slack
// reads `<…>` in mrkdwn as a link, a mention or a special command: a `<point>` in help text, or an
// AWS message quoting `<!channel>`, must arrive escaped. Hostile values are planted in every field
// a view shows (reasons, statuses, AWS words, the rejecter's reason) to prove it.

import { describe, expect, it } from 'vitest';
import type { ApproversSetting } from '../../src/config.js';
import { StageFailure } from '../../src/restore/activities/errors.js';
import { REFUSAL_CODES, RestoreError } from '../../src/restore/errors.js';
import type { RestoreSession } from '../../src/restore/session.js';
import { cannotPostMessage, lockedMessage, refusalMessage, userMessage } from '../../src/slack/errors.js';
import { ParseError, parseCommand } from '../../src/slack/parse-command.js';
import { supersededText } from '../../src/slack/superseded.js';
import type { SlackMessage } from '../../src/slack/views/blocks.js';
import { sessionCard } from '../../src/slack/views/card.js';
import { failureText } from '../../src/slack/views/failure.js';
import { usageText } from '../../src/slack/views/help.js';
import { listMessage } from '../../src/slack/views/list.js';
import { noticeMessage } from '../../src/slack/views/notices.js';
import { rejectDialog } from '../../src/slack/views/reject-dialog.js';
import { statusMessage } from '../../src/slack/views/status.js';
import { summaryMessage } from '../../src/slack/views/summary.js';
import {
  at,
  awaiting,
  CHANNEL,
  picked,
  sessionIn,
  statusesOf,
  step,
  TARGET,
} from '../restore/session-fixtures.js';

const HOSTILE = 'x <!channel> <script>alert(1)</script> <https://evil.invalid|click> & <@U0EVIL> >';
const NOW = at(400_000);
const SETTINGS: ApproversSetting[] = [
  { kind: 'anyone' },
  { kind: 'group', groupId: 'S0APPROVERS' },
  { kind: 'users', ids: ['U0ALICE', 'U0BOB'] },
];

/** Slack's own tokens: mentions, channels, user groups, special mentions, links with a label. */
const TOKEN =
  /^<(?:@[UW][A-Z0-9]{2,30}|#[CG][A-Z0-9]{2,30}|!subteam\^S[A-Z0-9]{2,30}|!here|!channel|!everyone|https:\/\/[^\s<>|]+(?:\|[^<>]*)?)>/;

/** Every mrkdwn string of a message: its `text` and the mrkdwn objects of its blocks. */
function mrkdwn(message: { text?: string; blocks?: unknown }): string[] {
  const out = [message.text ?? ''];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v !== null && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (o.type === 'mrkdwn' && typeof o.text === 'string') out.push(o.text);
      for (const child of Object.values(o)) walk(child);
    }
  };
  walk(message.blocks ?? []);
  return out;
}

/** The `<`s in a text that do not open one of Slack's tokens, with a little context. */
function strayAngles(text: string): string[] {
  const stray: string[] = [];
  for (let i = text.indexOf('<'); i >= 0; i = text.indexOf('<', i + 1)) {
    const m = TOKEN.exec(text.slice(i));
    if (m === null) stray.push(text.slice(Math.max(0, i - 20), i + 20));
    // A planted mention must never come out as a real one.
    else if (m[0].includes('U0EVIL') || m[0].includes('evil.invalid') || m[0] === '<!channel>') {
      stray.push(`planted ${m[0]}`);
    }
  }
  return stray;
}

function hostile(s: RestoreSession): RestoreSession {
  const h = structuredClone(s);
  if (h.failure !== undefined) {
    h.failure.reason = HOSTILE;
    h.failure.next = HOSTILE;
  }
  if (h.ended !== undefined) h.ended.reason = HOSTILE;
  h.pointInput = HOSTILE;
  for (const stage of h.stages) if (stage.error !== undefined) stage.error = HOSTILE;
  for (const n of h.notices) n.data = { ...n.data, reason: HOSTILE, changes: [HOSTILE], warnings: [HOSTILE] };
  if (h.cleanup !== undefined)
    h.cleanup.candidates = h.cleanup.candidates.map((c) => ({ ...c, whyNot: HOSTILE }));
  if (h.pick !== undefined) {
    h.pick.why = HOSTILE;
    h.pick.candidates = h.pick.candidates.map((c) => ({ ...c, problem: HOSTILE }));
  }
  return h;
}

function everySession(): RestoreSession[] {
  const sessions: RestoreSession[] = [];
  for (const kind of ['restore', 'rollback', 'cleanup'] as const) {
    for (const status of statusesOf(kind)) sessions.push(hostile(sessionIn(status, kind)));
  }
  sessions.push(hostile(picked()));
  const rejected = step(awaiting(), {
    type: 'reject',
    user: 'U0CONFIRMER',
    isApprover: true,
    reason: HOSTILE,
  });
  sessions.push(hostile(rejected));
  const resolveFailed = step(
    { ...awaiting(), status: 'resolving' },
    { type: 'resolve_failed', reason: HOSTILE, code: 'point_not_found' },
  );
  sessions.push(resolveFailed);
  return sessions;
}

function everyMessage(): [string, SlackMessage | { text: string }][] {
  const out: [string, SlackMessage | { text: string }][] = [];
  out.push(['help', { text: usageText('/chatdb-restore') }]);
  out.push([
    'list',
    listMessage(
      {
        stackName: TARGET.stackName,
        fileSystemId: TARGET.fileSystemId,
        fileSystemArn: TARGET.fileSystemArn,
        currentRoot: TARGET.currentRoot,
        points: [
          {
            index: 1,
            restorable: false,
            whyNot: HOSTILE,
            point: {
              arn: 'arn:aws:backup:eu-central-1:123456789012:recovery-point:1F3B5D7E-9A2C-4D6E-B8F1-5162738495A6',
              id: '1F3B5D7E-9A2C-4D6E-B8F1-5162738495A6',
              vault: 'chat-db-vault',
              resourceArn: TARGET.fileSystemArn,
              resourceType: 'EFS',
              status: HOSTILE,
              createdAt: new Date('2026-05-18T08:00:00Z'),
            },
          },
        ],
      },
      NOW,
    ),
  ]);
  const sessions = everySession();
  out.push([
    'status',
    statusMessage({ channel: CHANNEL, open: sessions.filter((s) => s.status === 'running') }, NOW),
  ]);
  for (const s of sessions) {
    out.push([
      `status ${s.kind} ${s.status}`,
      statusMessage({ channel: 'C0ELSE', open: [], latestHere: s }, NOW),
    ]);
    for (const approvers of SETTINGS) {
      const ctx = { now: NOW, approvers };
      out.push([`card ${s.kind} ${s.status}`, sessionCard(s, ctx)]);
      for (const n of s.notices) out.push([`notice ${n.id}`, noticeMessage(n, s, ctx)]);
    }
    out.push([`failure ${s.kind} ${s.status}`, { text: failureText(s) }]);
    out.push([
      `summary ${s.kind} ${s.status}`,
      summaryMessage(s, NOW, {
        diff: { ok: false, reason: HOSTILE },
        mergeRequest: { kind: 'failed', reason: HOSTILE },
      }),
    ]);
  }
  out.push([
    'superseded',
    { text: supersededText('This list', NOW, sessions.slice(0, 6), 'Run list again.') },
  ]);
  for (const approvers of SETTINGS) {
    for (const code of REFUSAL_CODES) {
      out.push([
        `refusal ${code}`,
        {
          text: refusalMessage(
            { code, reason: HOSTILE, details: { paths: [HOSTILE], status: HOSTILE } },
            { approvers, requester: 'U0REQUESTER' },
          ),
        },
      ]);
    }
  }
  for (const typed of [
    'strat',
    HOSTILE,
    'start',
    'start 1 2',
    'list 99',
    'start before',
    'start <x>',
    'x'.repeat(600),
    `reject ${'y'.repeat(400)}`,
  ]) {
    const parsed = parseCommand(typed);
    if (parsed instanceof ParseError)
      out.push([`parse ${typed.slice(0, 20)}`, { text: userMessage(parsed) }]);
  }
  out.push([
    'stage failure',
    {
      text: userMessage(
        new StageFailure({
          stage: 'resolve',
          code: 'aws_error',
          reason: HOSTILE,
          production: 'unchanged',
          activity: 'resolve_target',
        }),
      ),
    },
  ]);
  out.push([
    'locked',
    {
      text: userMessage(
        new RestoreError('locked', HOSTILE, {
          requester: HOSTILE,
          channel: HOSTILE,
          sessionId: 'r20260520-aaaaaa',
          since: '2026-05-20T10:00:00Z',
        }),
      ),
    },
  ]);
  out.push(['locked direct', { text: lockedMessage({ requester: 'U0ALICE', channel: 'C0OTHER' }) }]);
  out.push(['internal', { text: userMessage(new Error(HOSTILE)) }]);
  for (const code of ['not_in_channel', 'channel_not_found', 'is_archived', HOSTILE]) {
    out.push([`cannot post ${code.slice(0, 10)}`, { text: cannotPostMessage(code, 'U0CHATDBBOT') }]);
  }
  return out;
}

describe('everything the bot posts is escaped for mrkdwn', () => {
  const messages = everyMessage();

  it('covers the help, list, status, errors, cards, notices, failures and summaries', () => {
    const names = new Set(messages.map(([name]) => name.split(' ')[0]));
    for (const kind of [
      'help',
      'list',
      'status',
      'card',
      'notice',
      'failure',
      'summary',
      'refusal',
      'parse',
      'locked',
    ]) {
      expect(names).toContain(kind);
    }
    expect(messages.length).toBeGreaterThan(200);
  });

  it('has no `<` that is not a Slack token, and no planted mention or link', () => {
    const problems = messages.flatMap(([name, message]) =>
      mrkdwn(message).flatMap((text) => strayAngles(text).map((s) => `${name}: …${s}…`)),
    );
    expect(problems).toEqual([]);
  });

  it('puts confirmation dialogs in plain_text, as Slack’s reference describes', () => {
    const dialogs = messages.flatMap(([, m]) =>
      JSON.stringify((m as SlackMessage).blocks ?? [])
        .split('"confirm":{"title"')
        .slice(1),
    );
    expect(dialogs.length).toBeGreaterThan(0);
    for (const d of dialogs) expect(d).toMatch(/^:\{"type":"plain_text"[^}]*\},"text":\{"type":"plain_text"/);
  });

  it('writes the Reject dialog in plain_text only, whatever the session holds', () => {
    const hostile = { ...awaiting(), pointInput: HOSTILE };
    const view = rejectDialog(hostile, hostile.planHash ?? '');
    const texts: { type?: unknown }[] = [];
    const walk = (v: unknown): void => {
      if (Array.isArray(v)) v.forEach(walk);
      else if (v !== null && typeof v === 'object') {
        const o = v as Record<string, unknown>;
        if (typeof o.text === 'string') texts.push(o);
        for (const child of Object.values(o)) walk(child);
      }
    };
    walk(view);
    expect(texts.length).toBeGreaterThan(4);
    for (const t of texts) expect(t.type).toBe('plain_text');
  });

  it('the scan itself catches a raw `<point>` and a planted mention', () => {
    expect(strayAngles('use `start <point>`')).toHaveLength(1);
    expect(strayAngles('hi <@U0EVIL>')).toHaveLength(1);
    expect(strayAngles('<@U0ALICE> and <https://x.invalid/a|a link> and &lt;point&gt;')).toEqual([]);
  });
});
