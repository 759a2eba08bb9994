import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { StageFailure } from '../../src/restore/activities/errors.js';
import { undeliveredNotices } from '../../src/restore/session.js';
import { ACTION_IDS } from '../../src/slack/ids.js';
import { DEFAULT_CHANNEL, DEFAULT_USER, SECOND_USER } from '../../src/slack-stand-in/request-bodies.js';
import { type FakeSlack, startFakeSlack } from '../helpers/fake-slack.js';
import { waitFor } from '../helpers/wait.js';
import { allText, interactiveElements } from './support/block-limits.js';
import { type Harness, startHarness } from './support/harness.js';

let fake: FakeSlack;
let h: Harness;

beforeAll(async () => {
  fake = await startFakeSlack();
});
afterAll(async () => {
  await fake.close();
});
beforeEach(async () => {
  fake.reset();
  h = await startHarness(fake, { CHATDB_APPROVERS: 'S0APPROVERS' });
});
afterEach(async () => {
  await h.stop();
});

function responseText(id: string): string {
  return fake
    .responsesTo(id)
    .map((r) => allText(r.body as { text?: string; blocks?: unknown[] }))
    .join('\n');
}

async function openedSession() {
  await waitFor(
    () => h.restore.sessions.size > 0 && [...h.restore.sessions.values()][0]?.card !== undefined,
    {
      what: 'a session with its card',
    },
  );
  return [...h.restore.sessions.values()][0] as NonNullable<ReturnType<typeof h.restore.get>>;
}

describe('list', () => {
  it('acks at once, then answers privately with the points, newest first, each restorable one with Start', async () => {
    const { ack, responseId } = await h.command('list 5');
    expect(ack).toMatchObject({
      response_type: 'ephemeral',
      text: expect.stringContaining('Reading the newest 5'),
    });
    const post = await fake.waitForResponse(responseId);
    const body = post.body as { response_type: string; blocks: unknown[] };
    expect(body.response_type).toBe('ephemeral');
    expect(h.restore.calls.filter((c) => c.method === 'listPoints')).toEqual([
      { method: 'listPoints', args: [5] },
    ]);
    const starts = interactiveElements(body.blocks).filter((e) => e.action_id === ACTION_IDS.startFromList);
    expect(starts.map((s) => s.value)).toEqual(
      h.restore.points
        .slice(0, 5)
        .filter((p) => p.status === 'COMPLETED')
        .map((p) => p.arn),
    );
    expect(responseText(responseId)).toContain('Cannot be restored: its status is PARTIAL');
    // Nothing went to the channel.
    expect(fake.callsTo('chat.postMessage')).toEqual([]);
  });

  it('says what AWS said when the points cannot be read', async () => {
    h.restore.listError = new StageFailure({
      stage: 'resolve',
      code: 'target_not_found',
      reason: 'DescribeStacks: ValidationError: Stack with id rocket-chat does not exist',
      production: 'unchanged',
      activity: 'resolve_target',
    });
    const { responseId } = await h.command('list');
    await fake.waitForResponse(responseId);
    const text = responseText(responseId);
    expect(text).toContain('Stack with id rocket-chat does not exist');
    expect(text).toContain('Nothing was changed. Check CHATDB_STACK_NAME and the volume name');
  });
});

describe('start', () => {
  it('acks, posts the card placeholder first, opens the session, then draws the plan with Confirm', async () => {
    const { ack } = await h.command('start latest');
    expect(ack).toMatchObject({
      response_type: 'ephemeral',
      text: expect.stringContaining('Resolving recovery point `latest`'),
    });
    const session = await openedSession();
    const [first] = fake.callsTo('chat.postMessage');
    expect(first?.args.channel).toBe(DEFAULT_CHANNEL);
    expect(String(first?.args.text)).toContain('asked to restore chat-db from `latest`');
    // The card lives in the placeholder's message.
    expect(session.card?.ts).toBe(fake.messages(DEFAULT_CHANNEL)[0]?.ts);
    // The service is handed the placeholder as the session's card.
    expect(h.restore.calls.find((c) => c.method === 'start')?.args).toEqual([
      { channel: DEFAULT_CHANNEL, user: DEFAULT_USER, cardTs: fake.messages(DEFAULT_CHANNEL)[0]?.ts },
      { kind: 'latest' },
      'latest',
    ]);
    // Confirm, Reject, Start restoring now, Cancel.
    await waitFor(() => interactiveElements((h.card(session.id)?.blocks as unknown[]) ?? []).length === 4, {
      what: 'the card with its buttons',
    });
    const card = h.card(session.id);
    expect(allText(card ?? {})).toContain('Waiting for a second engineer to confirm');
    // The confirmation request in the thread mentions the approvers group.
    const thread = await waitFor(() => {
      const t = h.thread(session.card?.ts ?? '');
      return t.length > 0 ? t : undefined;
    });
    expect(thread[0]?.text).toContain('<!subteam^S0APPROVERS>');
    await waitFor(() => h.restore.get(session.id)?.notices.every((n) => n.postedTs !== undefined));
  });

  it('turns `before 2h` into a time and passes the index forms through', async () => {
    const before = Date.now();
    await h.command('start before 2h');
    await openedSession();
    const spec = h.restore.calls.find((c) => c.method === 'start')?.args[1] as { kind: string; time: Date };
    expect(spec.kind).toBe('before');
    expect(Math.abs(spec.time.getTime() - (before - 2 * 3_600_000))).toBeLessThan(60_000);
  });

  it('tells the caller privately how to invite the bot when it is not in the channel, and starts nothing', async () => {
    fake.failNext('chat.postMessage', 'not_in_channel');
    const { responseId } = await h.command('start latest');
    await fake.waitForResponse(responseId);
    const text = responseText(responseId);
    expect(text).toContain('`not_in_channel`');
    expect(text).toContain('/invite @chatdb-restore');
    expect(text).toContain('nothing was started');
    expect(h.restore.calls.filter((c) => c.method === 'start')).toEqual([]);
  });

  it('explains a private channel it was never invited to (channel_not_found)', async () => {
    fake.setChannel('G0PRIVATE', null);
    const { responseId } = await h.command('start 1', { channel: 'G0PRIVATE' });
    await fake.waitForResponse(responseId);
    expect(responseText(responseId)).toContain('private channel or a direct message I was never invited to');
    expect(h.restore.sessions.size).toBe(0);
  });

  it('refuses while another channel’s session holds chat-db, naming who, since when and where', async () => {
    await h.command('start latest', { channel: 'C0OTHER', user: SECOND_USER });
    const holder = await openedSession();
    await waitFor(() => h.restore.get(holder.id)?.notices.every((n) => n.postedTs !== undefined));
    fake.calls.length = 0;

    const { responseId } = await h.command('start 2');
    const answer = await waitFor(() =>
      fake
        .responsesTo(responseId)
        .map((r) => (r.body as { text?: string }).text ?? '')
        .find((t) => t.includes('Not started')),
    );
    expect(answer).toContain(`held by session \`${holder.id}\` of <@${SECOND_USER}>`);
    expect(answer).toContain('in <#C0OTHER>');
    expect(answer).toMatch(/since \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC/);
    // The refusal is private: the placeholder is taken out of the channel, no card is drawn for
    // the refused session and nothing is left in this channel.
    const refused = [...h.restore.sessions.values()].find((s) => s.failure?.code === 'locked');
    await waitFor(() => refused !== undefined && undeliveredNotices(h.restore.must(refused.id)).length === 0);
    await h.slack.notifier.idle();
    expect(fake.deleted()).toHaveLength(1);
    expect(fake.messages(DEFAULT_CHANNEL)).toEqual([]);
  });

  it('answers a failure before any plan privately, in AWS’s words, and leaves the channel empty', async () => {
    h.restore.resolveFailure =
      'DescribeRecoveryPoint: AccessDeniedException: User is not authorized to perform backup:DescribeRecoveryPoint';
    const { responseId } = await h.command('start 1');
    const text = await waitFor(() =>
      fake
        .responsesTo(responseId)
        .map((r) => (r.body as { text?: string }).text ?? '')
        .find((t) => t.includes('AccessDeniedException')),
    );
    expect(text).toContain('*Not started:*');
    expect(text).toContain('AWS said:');
    expect(text).toContain('User is not authorized to perform backup:DescribeRecoveryPoint');
    await h.slack.notifier.idle();
    expect(fake.messages(DEFAULT_CHANNEL)).toEqual([]);
  });

  it('answers a point that does not exist privately, without "AWS said:"', async () => {
    const { responseId } = await h.command('start 99');
    const text = await waitFor(() =>
      fake
        .responsesTo(responseId)
        .map((r) => (r.body as { text?: string }).text ?? '')
        .find((t) => t.includes('Not started')),
    );
    expect(text).toContain('Why:');
    expect(text).not.toContain('AWS said');
    expect(text).toContain('`/chatdb-restore list` shows the points there are');
    await h.slack.notifier.idle();
    expect(fake.messages(DEFAULT_CHANNEL)).toEqual([]);
  });
});

describe('status and cancel', () => {
  it('status shows this channel’s open session in the ack', async () => {
    await h.command('start latest');
    const session = await openedSession();
    const { ack } = await h.command('status');
    expect(ack.response_type).toBe('ephemeral');
    const text = allText(ack);
    expect(text).toContain(session.id);
    expect(text).toContain('waiting for a second engineer to confirm');
    expect(text).toContain('Production: unchanged');
  });

  it('cancel says when nothing is open here', async () => {
    const { ack } = await h.command('cancel');
    expect(ack.text).toContain('No session is open in this channel');
  });

  it('cancel cancels this channel’s open session and says so privately', async () => {
    await h.command('start latest');
    const session = await openedSession();
    const { ack, responseId } = await h.command('cancel');
    expect(ack.text).toContain(`Cancelling session \`${session.id}\``);
    await fake.waitForResponse(responseId);
    expect(h.restore.get(session.id)?.status).toBe('cancelled');
    expect(responseText(responseId)).toContain('is cancelled');
    await waitFor(() => allText(h.card(session.id) ?? {}).includes(`Cancelled by <@${DEFAULT_USER}>`));
  });

  it('cancel by someone who may not is refused with why', async () => {
    h.restore.isApprover = (u) => u !== 'U0OUTSIDER';
    await h.command('start latest');
    const session = await openedSession();
    const { responseId } = await h.command('cancel', { user: 'U0OUTSIDER' });
    await fake.waitForResponse(responseId);
    expect(responseText(responseId)).toContain(`Only <@${DEFAULT_USER}> or an approver can cancel`);
    expect(h.restore.get(session.id)?.status).toBe('awaiting_confirmation');
  });
});

describe('rollback and cleanup', () => {
  it('rollback opens a session that needs confirmation', async () => {
    const { ack } = await h.command('rollback');
    expect(ack.text).toContain('Working out the rollback');
    const session = await openedSession();
    expect(session.kind).toBe('rollback');
    await waitFor(() => allText(h.card(session.id) ?? {}).includes('Roll chat-db back to'));
    expect(
      interactiveElements((h.card(session.id)?.blocks as unknown[]) ?? []).map((e) => e.action_id),
    ).toEqual([ACTION_IDS.confirm, ACTION_IDS.reject, ACTION_IDS.cancel]);
  });

  it('cleanup shows the directories with sizes and a chooser', async () => {
    await h.command('cleanup');
    const session = await openedSession();
    await waitFor(() =>
      allText(h.card(session.id) ?? {}).includes('What cleanup can remove from the chat-db volume'),
    );
    const menu = interactiveElements((h.card(session.id)?.blocks as unknown[]) ?? []).find(
      (e) => e.action_id === ACTION_IDS.cleanupChoose,
    );
    expect(menu).toBeDefined();
  });
});

describe('help and unknown input', () => {
  it('help lists every subcommand', async () => {
    const { ack } = await h.command('help');
    for (const sub of [
      'list [n]',
      'start &lt;point&gt;',
      'status',
      'cancel',
      'reject [reason]',
      'rollback',
      'cleanup',
      'help',
    ]) {
      expect(ack.text).toContain(`\`/chatdb-restore ${sub}\``);
    }
  });

  it('an unknown subcommand answers with what was wrong and the usage', async () => {
    const { ack } = await h.command('restore everything');
    expect(ack.text).toContain('`restore` is not a subcommand');
    expect(ack.text).toContain('`/chatdb-restore list [n]`');
    expect(h.restore.calls).toEqual([]);
  });

  it('a typo of a subcommand gets the nearest one, privately, and nothing runs', async () => {
    for (const [typed, meant] of [
      ['strat latest', 'start'],
      ['lsit', 'list'],
      ['stauts', 'status'],
      ['rollbak', 'rollback'],
    ] as const) {
      const { ack } = await h.command(typed);
      expect(ack.response_type).toBe('ephemeral');
      expect(ack.text).toContain(`did you mean \`${meant}\`?`);
      expect(ack.text).not.toContain('`/chatdb-restore list [n]`');
    }
    expect(h.restore.calls).toEqual([]);
  });
});

describe('reject with a reason', () => {
  it('rejects this channel’s session awaiting confirmation and shows the reason on the card', async () => {
    await h.command('start latest');
    const s = await waitFor(() =>
      h.restore.open(DEFAULT_CHANNEL).find((x) => x.status === 'awaiting_confirmation'),
    );
    const { ack } = await h.command('reject wrong point <!here> use the 08:00 one', { user: SECOND_USER });
    expect(ack.response_type).toBe('ephemeral');
    const done = await waitFor(() =>
      h.restore.get(s.id)?.status === 'rejected' ? h.restore.get(s.id) : undefined,
    );
    expect(done?.ended?.reason).toBe('wrong point <!here> use the 08:00 one');
    const text = await waitFor(() => {
      const t = JSON.stringify(h.card(s.id)?.blocks ?? []);
      return t.includes('Reason:') ? t : undefined;
    });
    expect(text).toContain('wrong point &lt;!here&gt; use the 08:00 one');
  });
});
