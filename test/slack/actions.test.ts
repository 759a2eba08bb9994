import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RestoreSession } from '../../src/restore/session.js';
import { ACTION_IDS, REJECT_DIALOG } from '../../src/slack/ids.js';
import { confirmBlockId } from '../../src/slack/views/card.js';
import { DEFAULT_CHANNEL, DEFAULT_USER, SECOND_USER } from '../../src/slack-stand-in/request-bodies.js';
import { type FakeSlack, startFakeSlack } from '../helpers/fake-slack.js';
import { waitFor } from '../helpers/wait.js';
import {
  awaiting,
  CANDIDATES,
  confirm,
  REQUESTER,
  runUntil,
  sessionIn,
  step,
} from '../restore/session-fixtures.js';
import { allText, interactiveElements } from './support/block-limits.js';
import { type Harness, startHarness } from './support/harness.js';

const THIRD_USER = 'U0THIRDENG';
const OUTSIDER = 'U0OUTSIDER';

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
  h.restore.isApprover = (u) => u !== OUTSIDER;
});
afterEach(async () => {
  await h.stop();
});

/** Opens a session with a slash command and waits for its card to show the plan. */
async function open(text = 'start latest', user = DEFAULT_USER): Promise<RestoreSession> {
  const before = new Set(h.restore.sessions.keys());
  await h.command(text, { user });
  const id = await waitFor(() => [...h.restore.sessions.keys()].find((k) => !before.has(k)));
  await waitFor(
    () => {
      const s = h.restore.get(id);
      return (
        s?.card !== undefined &&
        s.status !== 'resolving' &&
        interactiveElements((h.card(id)?.blocks as unknown[]) ?? []).length > 0
      );
    },
    { what: 'the card with buttons' },
  );
  return h.restore.must(id);
}

/** What the clicker was told privately, through the response_url or chat.postEphemeral. */
async function privately(responseId: string, user: string): Promise<string> {
  return waitFor(
    () => {
      const viaUrl = fake
        .responsesTo(responseId)
        .map((r) => r.body as { text?: string; replace_original?: boolean });
      const viaApi = fake.ephemerals.filter((e) => e.user === user).map((e) => ({ text: e.text }));
      const all = [...viaUrl, ...viaApi];
      for (const r of viaUrl) expect(r.replace_original).toBe(false);
      return all.length > 0 ? all.map((r) => r.text ?? '').join('\n') : undefined;
    },
    { what: `a private answer to ${user}` },
  );
}

function confirmClick(
  s: RestoreSession,
  user: string,
  blockId = confirmBlockId(s.planHash ?? '', s.revision),
) {
  return h.click(ACTION_IDS.confirm, { value: s.id, blockId, user, messageTs: s.card?.ts ?? '' });
}

describe('Confirm', () => {
  it('refuses the requester’s own click privately and accepts a second engineer’s', async () => {
    const s = await open();
    const own = await confirmClick(s, DEFAULT_USER);
    expect(own.status).toBe(200);
    const told = await privately(own.responseId, DEFAULT_USER);
    expect(told).toContain('your Confirm does not count');
    expect(told).toContain('<!subteam^S0APPROVERS>');
    expect(h.restore.get(s.id)?.status).toBe('awaiting_confirmation');

    await confirmClick(s, SECOND_USER);
    await waitFor(() => h.restore.get(s.id)?.status === 'running');
    expect(h.restore.get(s.id)?.confirmer).toBe(SECOND_USER);
    await waitFor(() => allText(h.card(s.id) ?? {}).includes(`<@${SECOND_USER}> at`), {
      what: 'the card naming the confirmer',
    });
    const thread = await waitFor(() =>
      h.thread(s.card?.ts ?? '').find((m) => (m.text ?? '').includes('Confirmed by')),
    );
    expect(thread.text).toContain(`Confirmed by <@${SECOND_USER}>`);
    // The channel heard nothing of the refused click.
    expect(fake.messages(DEFAULT_CHANNEL).some((m) => (m.text ?? '').includes('does not count'))).toBe(false);
  });

  it('double clicks and two engineers at once give exactly one confirmation', async () => {
    const s = await open();
    const clicks = await Promise.all([
      confirmClick(s, SECOND_USER),
      confirmClick(s, SECOND_USER),
      confirmClick(s, THIRD_USER),
      confirmClick(s, THIRD_USER),
    ]);
    expect(clicks.map((c) => c.status)).toEqual([200, 200, 200, 200]);
    await waitFor(() => h.restore.calls.filter((c) => c.method === 'confirm').length === 4);
    const session = h.restore.must(s.id);
    expect(session.events.filter((e) => e.type === 'confirm')).toHaveLength(1);
    expect(session.notices.filter((n) => n.kind === 'confirmed')).toHaveLength(1);
    // The three clicks that lost were told who confirmed; the one that won was told nothing.
    const told = await waitFor(() => {
      const texts = clicks.flatMap((c) =>
        fake.responsesTo(c.responseId).map((r) => (r.body as { text: string }).text),
      );
      return texts.length === 3 ? texts : undefined;
    });
    for (const t of told) expect(t).toContain(`<@${session.confirmer}> already confirmed this session`);
    await h.slack.notifier.idle();
    const confirmedPosts = h.thread(s.card?.ts ?? '').filter((m) => (m.text ?? '').includes('Confirmed by'));
    expect(confirmedPosts).toHaveLength(1);
  });

  it('refuses a click on a card that showed another plan', async () => {
    const s = await open();
    const stale = await confirmClick(s, SECOND_USER, confirmBlockId('f'.repeat(64), s.revision - 1));
    expect(await privately(stale.responseId, SECOND_USER)).toContain(
      'The plan changed since this card was shown',
    );
    expect(h.restore.get(s.id)?.status).toBe('awaiting_confirmation');
    const forged = await confirmClick(s, SECOND_USER, 'block-1');
    expect(await privately(forged.responseId, SECOND_USER)).toContain('The plan changed');
  });

  it('refuses someone outside the approvers group, naming the group', async () => {
    const s = await open();
    const click = await confirmClick(s, OUTSIDER);
    const told = await privately(click.responseId, OUTSIDER);
    expect(told).toContain('Only members of <!subteam^S0APPROVERS> can confirm or reject');
    expect(h.restore.get(s.id)?.status).toBe('awaiting_confirmation');
  });

  it('says so when the request expired', async () => {
    h.restore.confirmTtlMs = 1;
    const s = await open();
    await new Promise((r) => setTimeout(r, 5));
    const click = await confirmClick(s, SECOND_USER);
    expect(await privately(click.responseId, SECOND_USER)).toMatch(
      /This request expired at .* without a confirmation/,
    );
  });

  it('says so when the session has ended', async () => {
    const s = await open();
    await rejectInDialog(s, SECOND_USER);
    await waitFor(() => h.restore.get(s.id)?.status === 'rejected');
    const click = await confirmClick(s, THIRD_USER);
    expect(await privately(click.responseId, THIRD_USER)).toContain(
      'This session has already ended (rejected)',
    );
    await waitFor(() => allText(h.card(s.id) ?? {}).includes(`Rejected by <@${SECOND_USER}>`));
  });

  it('answers through chat.postEphemeral when the response_url has expired', async () => {
    const s = await open();
    const remove = fake.script('response_url', () => ({ status: 404, body: 'expired_url' }));
    const click = await confirmClick(s, DEFAULT_USER);
    const eph = await waitFor(() => fake.ephemerals.find((e) => e.user === DEFAULT_USER));
    expect(eph.channel).toBe(DEFAULT_CHANNEL);
    expect(eph.text).toContain('your Confirm does not count');
    expect(fake.responsesTo(click.responseId)).toEqual([]);
    remove();
  });
});

/** Clicks Reject on the card as `user` and waits for the dialog the bot opens for them. */
async function openRejectDialog(s: RestoreSession, user: string) {
  const click = await h.click(ACTION_IDS.reject, {
    value: s.id,
    blockId: confirmBlockId(s.planHash ?? '', s.revision),
    user,
    messageTs: s.card?.ts ?? '',
  });
  const view = await waitFor(() => fake.views(user).find((v) => v.open), { what: 'the Reject dialog' });
  return { click, view };
}

async function rejectInDialog(s: RestoreSession, user: string, reason = '') {
  const { view } = await openRejectDialog(s, user);
  return h.submit(view.id, { [REJECT_DIALOG.reasonBlock]: reason });
}

describe('the Reject dialog', () => {
  it('opens with the click’s trigger, asks for an optional reason, and rejects with it', async () => {
    const s = await open();
    const { view } = await openRejectDialog(s, SECOND_USER);
    // Shown to the engineer who clicked: the stand-in opens it for the trigger's owner.
    expect(view.user).toBe(SECOND_USER);
    expect(fake.callsTo('views.open')).toHaveLength(1);
    expect(view.view.callback_id).toBe(REJECT_DIALOG.callbackId);
    expect(JSON.parse(String(view.view.private_metadata))).toEqual({ sessionId: s.id, planHash: s.planHash });
    const input = (
      view.view.blocks as { type: string; optional?: boolean; element?: Record<string, unknown> }[]
    ).find((b) => b.type === 'input');
    expect(input).toMatchObject({ optional: true, element: { type: 'plain_text_input', max_length: 500 } });
    // Slack's view object: every text of a modal is plain_text, so nothing typed there is a mention.
    expect(JSON.stringify(view.view)).not.toContain('"mrkdwn"');
    expect(h.restore.get(s.id)?.status).toBe('awaiting_confirmation');

    const answer = await h.submit(view.id, { [REJECT_DIALOG.reasonBlock]: 'wrong point <!here> use 08:00' });
    expect(answer.status).toBe(200);
    expect(fake.views(SECOND_USER)[0]?.open).toBe(false);
    const rejected = await waitFor(() =>
      h.restore.get(s.id)?.status === 'rejected' ? h.restore.get(s.id) : undefined,
    );
    expect(rejected.ended).toMatchObject({ by: SECOND_USER, reason: 'wrong point <!here> use 08:00' });
    const card = await waitFor(() => {
      const text = allText(h.card(s.id) ?? {});
      return text.includes('Rejected by') ? text : undefined;
    });
    expect(card).toContain('wrong point &lt;!here&gt; use 08:00');
    expect(card).not.toContain('<!here>');
    // The thread's notice carries the reason too.
    await waitFor(
      () =>
        h
          .thread(rejected.card?.ts ?? '')
          .some(
            (m) =>
              allText(m).includes('Rejected by') && allText(m).includes('Reason: “wrong point &lt;!here&gt;'),
          ),
      { what: 'the rejection notice with its reason' },
    );
  });

  it('rejects without a reason when none is typed', async () => {
    const s = await open();
    await rejectInDialog(s, SECOND_USER);
    const rejected = await waitFor(() =>
      h.restore.get(s.id)?.status === 'rejected' ? h.restore.get(s.id) : undefined,
    );
    expect(rejected.ended?.reason).toBeUndefined();
  });

  it('a submission for a session that moved on while the dialog was open is answered in the dialog', async () => {
    const s = await open();
    const { view } = await openRejectDialog(s, SECOND_USER);
    await confirmClick(s, THIRD_USER);
    await waitFor(() => h.restore.get(s.id)?.status === 'running');
    const answer = await h.submit(view.id, { [REJECT_DIALOG.reasonBlock]: 'too late' });
    expect(answer.json).toEqual({
      response_action: 'errors',
      errors: {
        [REJECT_DIALOG.reasonBlock]: `Session ${s.id} is running now, so there is nothing to reject. Close this dialog.`,
      },
    });
    const shown = fake.views(SECOND_USER)[0];
    expect(shown?.open).toBe(true);
    expect(shown?.errors?.[REJECT_DIALOG.reasonBlock]).toContain('is running now');
    expect(h.restore.get(s.id)?.status).toBe('running');
  });

  it('validates the dialog on submit: another plan, or no session of this bot, changes nothing', async () => {
    const s = await open();
    const { view } = await openRejectDialog(s, SECOND_USER);
    view.view.private_metadata = JSON.stringify({ sessionId: s.id, planHash: 'f'.repeat(64) });
    const other = await h.submit(view.id);
    expect(JSON.stringify(other.json)).toContain('The plan changed since this dialog opened');
    view.view.private_metadata = '{"sessionId":"../../etc","planHash":"x"}';
    const forged = await h.submit(view.id);
    expect(JSON.stringify(forged.json)).toContain('does not name a session of this bot');
    expect(h.restore.get(s.id)?.status).toBe('awaiting_confirmation');
    expect(h.restore.calls.filter((c) => c.method === 'reject')).toEqual([]);
  });

  it('a refusal only the session can give (no longer an approver) closes the dialog and says why privately', async () => {
    const s = await open();
    const { view } = await openRejectDialog(s, SECOND_USER);
    h.restore.isApprover = (u) => u !== OUTSIDER && u !== SECOND_USER;
    await h.submit(view.id, { [REJECT_DIALOG.reasonBlock]: 'no' });
    expect(fake.views(SECOND_USER)[0]?.open).toBe(false);
    const told = await waitFor(() => fake.ephemerals.find((e) => e.user === SECOND_USER));
    expect(told.channel).toBe(DEFAULT_CHANNEL);
    expect(told.text).toContain('Only members of <!subteam^S0APPROVERS> can confirm or reject');
    expect(h.restore.get(s.id)?.status).toBe('awaiting_confirmation');
  });

  it('refuses before any dialog opens: an old card, an outsider, a finished session', async () => {
    const s = await open();
    const old = await h.click(ACTION_IDS.reject, {
      value: s.id,
      blockId: confirmBlockId('f'.repeat(64), s.revision - 1),
      user: SECOND_USER,
    });
    expect(await privately(old.responseId, SECOND_USER)).toContain(
      'The plan changed since this card was shown',
    );
    const outsider = await h.click(ACTION_IDS.reject, {
      value: s.id,
      blockId: confirmBlockId(s.planHash ?? '', s.revision),
      user: OUTSIDER,
    });
    expect(await privately(outsider.responseId, OUTSIDER)).toContain('can confirm or reject');
    expect(fake.callsTo('views.open')).toEqual([]);
  });

  it('when Slack cannot open the dialog, says so and points to the command', async () => {
    const s = await open();
    fake.failNext('views.open', 'expired_trigger_id');
    const click = await h.click(ACTION_IDS.reject, {
      value: s.id,
      blockId: confirmBlockId(s.planHash ?? '', s.revision),
      user: SECOND_USER,
    });
    const told = await privately(click.responseId, SECOND_USER);
    expect(told).toContain('Slack could not open the Reject dialog (expired_trigger_id)');
    expect(told).toContain('`/chatdb-restore reject` followed by your reason');
    expect(h.restore.get(s.id)?.status).toBe('awaiting_confirmation');
  });
});

describe('Reject and Cancel', () => {
  it('the requester cannot reject their own request, and is told to cancel', async () => {
    const s = await open();
    const click = await h.click(ACTION_IDS.reject, { value: s.id, user: DEFAULT_USER });
    expect(await privately(click.responseId, DEFAULT_USER)).toContain('press *Cancel*');
  });

  it('Cancel while running stops before the cutover; after it, it is refused', async () => {
    const s = await open();
    await confirmClick(s, SECOND_USER);
    await waitFor(() => h.restore.get(s.id)?.status === 'running');
    h.restore.runUntil(s.id, 'cutover');
    const late = await h.click(ACTION_IDS.cancel, { value: s.id, user: DEFAULT_USER });
    expect(await privately(late.responseId, DEFAULT_USER)).toContain(
      'The stack update has started; it cannot be cancelled',
    );
    expect(h.restore.get(s.id)?.status).toBe('running');
  });

  it('Cancel before the cutover cancels, and the card says so', async () => {
    const s = await open();
    await confirmClick(s, SECOND_USER);
    await waitFor(() => h.restore.get(s.id)?.status === 'running');
    h.restore.runUntil(s.id, 'restore');
    await h.click(ACTION_IDS.cancel, { value: s.id, user: SECOND_USER });
    await waitFor(() => h.restore.get(s.id)?.status === 'cancelled');
    await waitFor(() => allText(h.card(s.id) ?? {}).includes(`Cancelled by <@${SECOND_USER}>`));
  });
});

describe('buttons that open sessions', () => {
  it('Start on a list row starts a restore from that point in the click’s channel', async () => {
    const point = h.restore.points[1];
    if (point === undefined) throw new Error('no point');
    await h.click(ACTION_IDS.startFromList, { value: point.arn, user: DEFAULT_USER });
    await waitFor(() => h.restore.calls.some((c) => c.method === 'start'));
    expect(h.restore.calls.find((c) => c.method === 'start')?.args).toEqual([
      { channel: DEFAULT_CHANNEL, user: DEFAULT_USER, cardTs: fake.messages(DEFAULT_CHANNEL)[0]?.ts },
      { kind: 'arn', arn: point.arn },
      point.arn,
    ]);
    const s = [...h.restore.sessions.values()][0];
    await waitFor(() => h.restore.get(s?.id ?? '')?.card !== undefined);
    expect(h.restore.get(s?.id ?? '')?.plan).toMatchObject({ recoveryPoint: { arn: point.arn } });
  });

  it('Start with something that is not an ARN starts nothing', async () => {
    const click = await h.click(ACTION_IDS.startFromList, { value: 'latest; rm -rf /', user: DEFAULT_USER });
    expect(await privately(click.responseId, DEFAULT_USER)).toContain('does not carry a recovery point ARN');
    expect(h.restore.calls).toEqual([]);
  });

  it('Rollback and Cleanup on a finished card open new sessions needing confirmation', async () => {
    const s = await open();
    await confirmClick(s, SECOND_USER);
    await waitFor(() => h.restore.get(s.id)?.status === 'running');
    h.restore.runUntil(s.id);
    await waitFor(() =>
      interactiveElements((h.card(s.id)?.blocks as unknown[]) ?? []).some(
        (e) => e.action_id === ACTION_IDS.rollback,
      ),
    );
    await h.click(ACTION_IDS.rollback, { value: s.id, user: SECOND_USER });
    await waitFor(() => h.restore.calls.some((c) => c.method === 'rollback'));
    const rollback = await waitFor(() =>
      // The card is recorded when the session opens; the plan once it is resolved.
      [...h.restore.sessions.values()].find(
        (x) => x.kind === 'rollback' && x.card !== undefined && x.status !== 'resolving',
      ),
    );
    expect(rollback.requester).toBe(SECOND_USER);
    expect(rollback.status).toBe('awaiting_confirmation');
  });
});

describe('the cleanup chooser', () => {
  it('only the requester chooses; a second engineer confirms the choice', async () => {
    const s = await open('cleanup');
    const chooser = interactiveElements((h.card(s.id)?.blocks as unknown[]) ?? []).find(
      (e) => e.action_id === ACTION_IDS.cleanupChoose,
    );
    const blockId = chooser?.block_id ?? '';
    const other = await h.click(ACTION_IDS.cleanupChoose, { blockId, selected: ['0'], user: SECOND_USER });
    expect(await privately(other.responseId, SECOND_USER)).toContain(
      `Only <@${DEFAULT_USER}>, who asked for this cleanup`,
    );

    await h.click(ACTION_IDS.cleanupChoose, { blockId, selected: ['0', '1'], user: DEFAULT_USER });
    await waitFor(() => (h.restore.get(s.id)?.cleanup?.chosen.length ?? 0) === 2);
    expect(h.restore.get(s.id)?.cleanup?.chosen).toEqual([CANDIDATES[0]?.path, CANDIDATES[1]?.path].sort());
    // The chosen plan has a new hash: the card's Confirm row now carries it.
    const chosen = h.restore.must(s.id);
    await waitFor(() =>
      interactiveElements((h.card(s.id)?.blocks as unknown[]) ?? []).some(
        (e) => e.block_id === confirmBlockId(chosen.planHash ?? '', chosen.revision),
      ),
    );
    await confirmClick(chosen, SECOND_USER);
    await waitFor(() => h.restore.get(s.id)?.status === 'running');
  });

  it('a choice of the live root is refused', async () => {
    const s = await open('cleanup');
    const live = CANDIDATES.findIndex((c) => !c.deletable);
    const click = await h.click(ACTION_IDS.cleanupChoose, {
      blockId: `choose:${s.id}:${s.revision}`,
      selected: [String(live)],
      user: DEFAULT_USER,
    });
    expect(await privately(click.responseId, DEFAULT_USER)).toContain('may not be deleted now');
  });
});

describe('old buttons act only on their own session or listing', () => {
  const later = (s: RestoreSession, id: string, minutes: number): RestoreSession => ({
    ...structuredClone(s),
    id,
    createdAt: new Date(Date.parse(s.createdAt) + minutes * 60_000).toISOString(),
  });

  it('refuses a Rollback on a card whose cutover was replaced since, naming what happened', async () => {
    const first = sessionIn('succeeded');
    const second = later(first, 'r20260520-bbbbbb', 60);
    await h.stop();
    h = await startHarness(fake, { CHATDB_APPROVERS: 'S0APPROVERS' }, { sessions: [first, second] });
    const click = await h.click(ACTION_IDS.rollback, { value: first.id, user: SECOND_USER });
    const told = await privately(click.responseId, SECOND_USER);
    expect(told).toContain(`The Rollback of session \`${first.id}\``);
    expect(told).toContain('nothing was started');
    expect(told).toContain('`r20260520-bbbbbb`');
    expect(told).toContain(`asked by <@${REQUESTER}>`);
    expect(told).not.toMatch(/\d{4}-\d{2}-\d{2}T\d{2}:/);
    expect(h.restore.calls.filter((c) => c.method === 'rollback')).toEqual([]);

    // The newest cutover's own Rollback still works, bound to that session.
    await h.click(ACTION_IDS.rollback, { value: second.id, user: SECOND_USER });
    await waitFor(() => h.restore.calls.some((c) => c.method === 'rollback'));
    expect(h.restore.calls.find((c) => c.method === 'rollback')?.args[1]).toBe(second.id);
  });

  it('refuses a Start on a list made before another session opened', async () => {
    const listedAt = Date.now() - 60_000;
    await open();
    const arn = h.restore.points[1]?.arn ?? '';
    const click = await h.click(ACTION_IDS.startFromList, {
      value: arn,
      blockId: `list:2:${listedAt}`,
      user: SECOND_USER,
    });
    const told = await privately(click.responseId, SECOND_USER);
    expect(told).toContain('This list is from');
    expect(told).toContain('waiting for a confirmation');
    expect(told).toContain('`/chatdb-restore list` again');
    expect(h.restore.calls.filter((c) => c.method === 'start')).toHaveLength(1);
  });

  it('offers Retry cut-over on a failed cutover and opens a session bound to that session', async () => {
    const running = runUntil(confirm(awaiting('restore')), 'cutover');
    const failed = step(running, {
      type: 'stage_failed',
      stage: 'cutover',
      reason: 'Resource handler returned message: "Service chat-db did not stabilize"',
      production: 'rolled_back',
      code: 'stack_update_failed',
    });
    await h.stop();
    h = await startHarness(fake, { CHATDB_APPROVERS: 'S0APPROVERS' }, { sessions: [failed] });
    await h.click(ACTION_IDS.retryCutover, { value: failed.id, user: SECOND_USER });
    const retry = await waitFor(() =>
      [...h.restore.sessions.values()].find((s) => s.id !== failed.id && s.card),
    );
    await waitFor(() => h.restore.get(retry.id)?.status === 'awaiting_confirmation');
    const plan = h.restore.must(retry.id).plan;
    expect(plan?.kind === 'restore' ? plan.reuses : undefined).toEqual({ sessionId: failed.id });
    expect(plan?.kind === 'restore' ? plan.targetRoot : undefined).toBe(failed.aws.flatDir);
  });
});
