import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { createSession, type RestoreSession } from '../../src/restore/session.js';
import { DEFAULT_TEMPLATE } from '../../src/sim/default-template.js';
import { createWebClient } from '../../src/slack/client.js';
import { createGroupMembers } from '../../src/slack/group-members.js';
import { ACTION_IDS } from '../../src/slack/ids.js';
import { confirmBlockId } from '../../src/slack/views/card.js';
import { DEFAULT_CHANNEL, DEFAULT_USER, SECOND_USER } from '../../src/slack-stand-in/request-bodies.js';
import { type FakeGitLab, startFakeGitLab } from '../helpers/fake-gitlab.js';
import { type FakeSlack, startFakeSlack } from '../helpers/fake-slack.js';
import { waitFor } from '../helpers/wait.js';
import { allText } from './support/block-limits.js';
import { TEMPLATE_DIFF } from './support/fake-restore.js';
import { type Harness, startHarness } from './support/harness.js';

const GITLAB_TOKEN = 'glpat-notifier-test-token';
const TEMPLATE_PATH = 'roles/rocket-chat/files/chat.cf.yaml';

let fake: FakeSlack;
let h: Harness | undefined;

beforeAll(async () => {
  fake = await startFakeSlack();
});
afterAll(async () => {
  await fake.close();
});
afterEach(async () => {
  await h?.stop();
  h = undefined;
  fake.reset();
});

async function confirmed(harness: Harness): Promise<RestoreSession> {
  await harness.command('start latest');
  const id = await waitFor(
    () =>
      [...harness.restore.sessions.values()].find(
        (s) => s.card !== undefined && s.status === 'awaiting_confirmation',
      )?.id,
  );
  const s = harness.restore.must(id);
  await harness.click(ACTION_IDS.confirm, {
    value: id,
    blockId: confirmBlockId(s.planHash ?? '', s.revision),
    user: SECOND_USER,
  });
  await waitFor(() => harness.restore.get(id)?.status === 'running');
  return harness.restore.must(id);
}

function updatesOf(ts: string) {
  return fake.callsTo('chat.update').filter((c) => c.args.ts === ts);
}

describe('the card', () => {
  it('is edited at most once per interval, always ending on the latest state', async () => {
    h = await startHarness(fake, { CHATDB_CARD_UPDATE_INTERVAL: '300ms' });
    const harness = h;
    const s = await confirmed(harness);
    harness.restore.runUntil(s.id, 'restore');
    await harness.slack.notifier.idle();
    const before = updatesOf(s.card?.ts ?? '').length;
    for (let p = 1; p <= 30; p++) {
      harness.restore.apply(s.id, {
        type: 'stage_progress',
        stage: 'restore',
        percentDone: p * 3,
        etaMinutes: 30 - p,
      });
    }
    await waitFor(() => allText(harness.card(s.id) ?? {}).includes('90% · ETA'), { what: 'the card at 90%' });
    await harness.slack.notifier.idle();
    const edits = updatesOf(s.card?.ts ?? '').length - before;
    expect(edits).toBeGreaterThanOrEqual(1);
    expect(edits).toBeLessThan(5);
    expect(allText(harness.card(s.id) ?? {})).toContain('▰▰▰▰▰▰▰▰▰▱ 90% · ETA under a minute');
  });

  it('waits out a 429 with its Retry-After and still ends on the latest state', async () => {
    h = await startHarness(fake);
    const harness = h;
    const s = await confirmed(harness);
    await harness.slack.notifier.idle();
    fake.rateLimitNext('chat.update', 1, 1);
    harness.restore.runUntil(s.id, 'locate');
    await waitFor(() => allText(harness.card(s.id) ?? {}).includes('Running: Locate and check the data'), {
      timeoutMs: 30_000,
      what: 'the card after the rate limit',
    });
    const limited = fake.callsTo('chat.update').filter((c) => c.args.ts === s.card?.ts);
    expect(limited.length).toBeGreaterThanOrEqual(2);
    expect(harness.logs.text()).toContain('rate limit');
    await harness.slack.notifier.idle();
    const ids = harness
      .thread(s.card?.ts ?? '')
      .map((m) => JSON.stringify(m.blocks).match(/notice:[^"]+/)?.[0]);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('counts down the minutes left to confirm while nothing else changes', async () => {
    // Three seconds past a whole minute: the card first says 11 min, then 10 once they pass.
    h = await startHarness(fake, {}, { confirmTtlMs: 10 * 60_000 + 3_000 });
    const harness = h;
    await harness.command('start latest');
    const id = await waitFor(
      () =>
        [...harness.restore.sessions.values()].find(
          (s) => s.card !== undefined && s.status === 'awaiting_confirmation',
        )?.id,
    );
    // Nothing about the session changes from here on (its notices are posted and recorded first).
    await waitFor(() => harness.restore.get(id)?.notices.every((n) => n.postedTs !== undefined));
    const revision = harness.restore.must(id).revision;
    const card = await waitFor(
      () => {
        const text = allText(harness.card(id) ?? {});
        return text.includes('(in 10 min)') ? text : undefined;
      },
      { timeoutMs: 30_000, what: 'the card counting down to 10 min' },
    );
    expect(card).toContain('Waiting for a second engineer');
    expect(harness.restore.must(id).revision).toBe(revision);
  });

  it('keeps a running stage’s time true while nothing else changes', async () => {
    // The service's clock runs 58 s behind: the stage it starts now has been running for 58 s, so
    // the card's minute turns two seconds from now.
    h = await startHarness(fake, {}, { now: () => new Date(Date.now() - 58_000) });
    const harness = h;
    const s = await confirmed(harness);
    harness.restore.runUntil(s.id, 'restore');
    await waitFor(() => harness.restore.get(s.id)?.notices.every((n) => n.postedTs !== undefined));
    const revision = harness.restore.must(s.id).revision;
    await waitFor(
      () => /AWS Backup restore job\* · running for 1m 0\ds/.test(allText(harness.card(s.id) ?? {})),
      {
        timeoutMs: 30_000,
        what: 'the card showing the restore running for a minute',
      },
    );
    expect(harness.restore.must(s.id).revision).toBe(revision);
  });

  it('posts a fresh card when the old one can no longer be edited, and records it', async () => {
    h = await startHarness(fake);
    const harness = h;
    const s = await confirmed(harness);
    await harness.slack.notifier.idle();
    const oldTs = harness.restore.must(s.id).card?.ts;
    fake.failNext('chat.update', 'message_not_found');
    harness.restore.runUntil(s.id, 'locate');
    const newTs = await waitFor(() => {
      const ts = harness.restore.get(s.id)?.card?.ts;
      return ts !== oldTs ? ts : undefined;
    });
    const fresh = fake.messages(DEFAULT_CHANNEL).find((m) => m.ts === newTs);
    expect(fresh?.threadTs).toBeUndefined();
    await waitFor(() => allText(harness.card(s.id) ?? {}).includes('Running: Locate and check the data'));
  });

  it('keeps a notice it posted when recording it fails, and never posts it twice', async () => {
    h = await startHarness(fake);
    const harness = h;
    const s = await confirmed(harness);
    await harness.slack.notifier.idle();
    const original = harness.restore.markNoticePosted.bind(harness.restore);
    let failures = 1;
    harness.restore.markNoticePosted = async (...args) => {
      if (failures-- > 0) throw new Error('disk full');
      return original(...args);
    };
    harness.restore.runUntil(s.id, 'locate');
    await waitFor(() => harness.restore.get(s.id)?.notices.every((n) => n.postedTs !== undefined), {
      timeoutMs: 30_000,
      what: 'every notice recorded',
    });
    const texts = harness.thread(s.card?.ts ?? '').map((m) => m.text ?? '');
    // The fake's restore job ends at once: its "done" alone tells it.
    expect(texts.filter((t) => t.includes('Restore job starting'))).toHaveLength(0);
    expect(texts.filter((t) => t.includes('Restore job done'))).toHaveLength(1);
    // Locate is still running: its "started" is posted once it has run for a second.
    expect(texts.filter((t) => t.includes('Locating the restored data'))).toHaveLength(1);
  });
});

describe('after a restart', () => {
  /**
   * A session whose notices up to locate were posted by a first bot, of which the last `unrecorded`
   * were never recorded (the process died in between), and that first bot stopped.
   */
  async function crashedAfterPosting(
    unrecorded: number,
  ): Promise<{ session: RestoreSession; threadTs: string }> {
    const first = await startHarness(fake);
    const s = await confirmed(first);
    first.restore.runUntil(s.id, 'locate');
    await waitFor(() => first.restore.get(s.id)?.notices.every((n) => n.postedTs !== undefined), {
      timeoutMs: 30_000,
      what: 'every notice posted by the first bot',
    });
    await first.slack.notifier.idle();
    await first.stop();
    const session = structuredClone(first.restore.must(s.id));
    for (const n of session.notices.slice(-unrecorded)) delete n.postedTs;
    return { session, threadTs: session.card?.ts ?? '' };
  }

  /** The replies in a card's thread, as Slack shows them. */
  const thread = (ts: string) => fake.messages(DEFAULT_CHANNEL).filter((m) => m.threadTs === ts);

  /** A second bot over the crashed session, once it has recorded every notice and gone quiet. */
  async function restartedWith(session: RestoreSession): Promise<Harness> {
    h = await startHarness(fake, {}, { sessions: [session] });
    const harness = h;
    await waitFor(() => harness.restore.get(session.id)?.notices.every((n) => n.postedTs !== undefined), {
      timeoutMs: 30_000,
      what: 'every notice recorded after the restart',
    });
    await harness.slack.notifier.idle();
    return harness;
  }

  it('reads the thread back and records, without posting again, the notices the old process posted', async () => {
    const { session, threadTs } = await crashedAfterPosting(2);
    const posted = thread(threadTs);
    const unrecorded = session.notices.filter((n) => n.postedTs === undefined).map((n) => n.id);
    expect(unrecorded).toHaveLength(2);

    const harness = await restartedWith(session);
    expect(thread(threadTs)).toHaveLength(posted.length);
    const replies = fake.callsTo('conversations.replies');
    expect(replies).toHaveLength(1);
    expect(replies[0]?.args).toMatchObject({
      channel: DEFAULT_CHANNEL,
      ts: threadTs,
      include_all_metadata: 'true',
    });
    const recorded = harness.restore.must(session.id).notices;
    for (const id of unrecorded) {
      const message = posted.find(
        (m) => (m.metadata as { event_payload?: { notice?: string } }).event_payload?.notice === id,
      );
      expect(recorded.find((n) => n.id === id)?.postedTs).toBe(message?.ts);
    }

    // Later notices of the resumed session are posted as usual, without reading the thread again.
    harness.restore.runUntil(session.id, 'flatten');
    await waitFor(() => harness.restore.get(session.id)?.notices.every((n) => n.postedTs !== undefined));
    await harness.slack.notifier.idle();
    expect(thread(threadTs).length).toBeGreaterThan(posted.length);
    expect(fake.callsTo('conversations.replies')).toHaveLength(1);
  });

  it('takes over the placeholder a command posted when the process died before recording it as the card', async () => {
    const first = await startHarness(fake);
    await first.command('start latest');
    const id = await waitFor(
      () =>
        [...first.restore.sessions.values()].find(
          (s) => s.card !== undefined && s.status === 'awaiting_confirmation',
        )?.id,
    );
    await first.slack.notifier.idle();
    await first.stop();
    const session = structuredClone(first.restore.must(id));
    const placeholderTs = session.card?.ts;
    delete session.card;
    const topLevel = () => fake.messages(DEFAULT_CHANNEL).filter((m) => m.threadTs === undefined);
    const before = topLevel().length;

    h = await startHarness(fake, {}, { sessions: [session] });
    const harness = h;
    const ts = await waitFor(() => harness.restore.get(id)?.card?.ts, { what: 'the card recorded' });
    expect(ts).toBe(placeholderTs);
    await harness.slack.notifier.idle();
    expect(topLevel()).toHaveLength(before);
    expect(allText(harness.card(id) ?? {})).toContain('Waiting for a second engineer');
    expect(fake.callsTo('conversations.history')[0]?.args).toMatchObject({
      channel: DEFAULT_CHANNEL,
      include_all_metadata: 'true',
    });
  });

  it('finds a card it posted itself but did not record', async () => {
    const first = await startHarness(fake);
    const opened = await first.restore.start(
      { channel: DEFAULT_CHANNEL, user: DEFAULT_USER },
      { kind: 'latest' },
      'latest',
    );
    const cardTs = await waitFor(() => first.restore.get(opened.id)?.card?.ts, { what: 'the card posted' });
    await first.slack.notifier.idle();
    await first.stop();
    const session = structuredClone(first.restore.must(opened.id));
    delete session.card;
    const topLevel = () => fake.messages(DEFAULT_CHANNEL).filter((m) => m.threadTs === undefined);
    const before = topLevel().length;

    h = await startHarness(fake, {}, { sessions: [session] });
    const harness = h;
    expect(await waitFor(() => harness.restore.get(opened.id)?.card?.ts)).toBe(cardTs);
    await harness.slack.notifier.idle();
    expect(topLevel()).toHaveLength(before);
  });

  it('posts a fresh card when no earlier one is in the channel', async () => {
    const first = await startHarness(fake);
    const opened = await first.restore.start(
      { channel: 'C0NOCARD', user: DEFAULT_USER },
      { kind: 'latest' },
      'latest',
    );
    await waitFor(() => first.restore.get(opened.id)?.card?.ts);
    await first.slack.notifier.idle();
    await first.stop();
    const session = structuredClone(first.restore.must(opened.id));
    delete session.card;
    fake.reset();

    h = await startHarness(fake, {}, { sessions: [session] });
    const harness = h;
    const ts = await waitFor(() => harness.restore.get(opened.id)?.card?.ts, { what: 'a fresh card' });
    expect(
      fake
        .messages('C0NOCARD')
        .filter((m) => m.threadTs === undefined)
        .map((m) => m.ts),
    ).toEqual([ts]);
    expect(fake.callsTo('conversations.history')).toHaveLength(1);
  });

  it('reads a long thread page by page', async () => {
    const { session, threadTs } = await crashedAfterPosting(1);
    const total = thread(threadTs).length;
    // Slack pages replies; this fake pages by the limit asked for, so shrink it to one per page.
    fake.script('conversations.replies', (call) => {
      call.args.limit = 1;
      return undefined;
    });
    await restartedWith(session);
    expect(fake.callsTo('conversations.replies').length).toBe(total + 1);
    expect(thread(threadTs)).toHaveLength(total);
  });

  it('retries a thread it could not read for a passing reason, and still posts nothing twice', async () => {
    const { session, threadTs } = await crashedAfterPosting(1);
    const total = thread(threadTs).length;
    fake.failNext('conversations.replies', 'internal_error', 1);
    await restartedWith(session);
    expect(fake.callsTo('conversations.replies').length).toBeGreaterThanOrEqual(2);
    expect(thread(threadTs)).toHaveLength(total);
  });

  it('without the history scope, posts the unrecorded notice again rather than never, and says why', async () => {
    const { session, threadTs } = await crashedAfterPosting(1);
    const total = thread(threadTs).length;
    fake.failNext('conversations.replies', 'missing_scope', 1);
    const harness = await restartedWith(session);
    expect(thread(threadTs)).toHaveLength(total + 1);
    expect(harness.logs.text()).toContain('channels:history');
  });
});

describe('sessions the notifier finds without a card', () => {
  it('draws a card for a session resumed without one, and records it', async () => {
    h = await startHarness(fake);
    const harness = h;
    // A session opened directly on the service, as after a restart between posting and recording.
    const session = await harness.restore.start(
      { channel: 'C0RESUMED', user: DEFAULT_USER },
      { kind: 'latest' },
      'latest',
    );
    const ts = await waitFor(() => harness.restore.get(session.id)?.card?.ts, { what: 'a card recorded' });
    const card = fake.messages('C0RESUMED').find((m) => m.ts === ts);
    expect(card?.threadTs).toBeUndefined();
    await waitFor(() => allText(harness.card(session.id) ?? {}).includes('Waiting for a second engineer'));
    await waitFor(() => harness.restore.get(session.id)?.notices.every((n) => n.postedTs !== undefined));
    expect(fake.messages('C0RESUMED').filter((m) => m.threadTs === undefined)).toHaveLength(1);
  });

  it('keeps a card it posted when recording it fails, and never posts a second', async () => {
    h = await startHarness(fake);
    const harness = h;
    const original = harness.restore.setCard.bind(harness.restore);
    let failures = 1;
    harness.restore.setCard = async (...args) => {
      if (failures-- > 0) throw new Error('disk full');
      return original(...args);
    };
    const session = await harness.restore.start(
      { channel: 'C0UNRECORDED', user: DEFAULT_USER },
      { kind: 'latest' },
      'latest',
    );
    const ts = await waitFor(() => harness.restore.get(session.id)?.card?.ts, {
      timeoutMs: 30_000,
      what: 'the card recorded after the retry',
    });
    expect(failures).toBeLessThan(0);
    expect(
      fake
        .messages('C0UNRECORDED')
        .filter((m) => m.threadTs === undefined)
        .map((m) => m.ts),
    ).toEqual([ts]);
  });

  it('draws a session opened with the card its command posted there, once its plan is worked out, and posts no other', async () => {
    h = await startHarness(fake);
    const harness = h;
    const ts = await placeholder(harness, 'C0OPENED');
    const session = await harness.restore.start(
      { channel: 'C0OPENED', user: DEFAULT_USER, cardTs: ts },
      { kind: 'latest' },
      'latest',
    );
    // Recorded when the session was created, not afterwards.
    expect(session.card?.ts).toBe(ts);
    await waitFor(() => allText(harness.card(session.id) ?? {}).includes('Waiting for a second engineer'));
    await harness.slack.notifier.idle();
    // The placeholder is the only message in the channel: no second card was posted.
    expect(fake.messages('C0OPENED').filter((m) => m.threadTs === undefined)).toHaveLength(1);
    expect(harness.restore.calls.filter((c) => c.method === 'setCard')).toEqual([]);
  });

  it('leaves the card of a start refused before its plan to its command, its notices recorded as told there', async () => {
    h = await startHarness(fake);
    const harness = h;
    const ts = await placeholder(harness, 'C0REFUSED');
    harness.restore.resolveFailure = 'DescribeStacks: Throttling: Rate exceeded';
    const session = await harness.restore.start(
      { channel: 'C0REFUSED', user: DEFAULT_USER, cardTs: ts },
      { kind: 'latest' },
      'latest',
    );
    expect(session.status).toBe('failed');
    expect(session.notices.length).toBeGreaterThan(0);
    expect(session.notices.every((n) => n.postedTs === ts)).toBe(true);
    await harness.slack.notifier.idle();
    expect(fake.callsTo('chat.update').filter((c) => c.args.ts === ts)).toEqual([]);
    expect(fake.messages('C0REFUSED').map((m) => m.ts)).toEqual([ts]);
  });

  it('draws on its card the failure of a session whose resolve a restart interrupted, without a second card', async () => {
    h = await startHarness(fake);
    const harness = h;
    const ts = await placeholder(harness, 'C0INTERRUPTED');
    // Stored by a process that died while resolving: the card was recorded when it was created.
    const { session } = createSession({
      id: 'r20260520-1ntrpt',
      kind: 'restore',
      channel: 'C0INTERRUPTED',
      requester: DEFAULT_USER,
      now: new Date(),
      confirmTtlMs: 30 * 60_000,
      pointInput: 'latest',
      cardTs: ts,
    });
    harness.restore.sessions.set(session.id, session);
    harness.restore.apply(session.id, { type: 'stage_started', stage: 'resolve' });
    await harness.slack.notifier.idle();
    // Still resolving: the placeholder says so, nothing is drawn over it.
    expect(fake.callsTo('chat.update').filter((c) => c.args.ts === ts)).toEqual([]);

    harness.restore.apply(session.id, {
      type: 'resolve_failed',
      code: 'interrupted',
      reason: 'The bot restarted while it was resolving this request; nothing was changed. Start it again.',
    });
    await waitFor(() => harness.restore.get(session.id)?.notices.every((n) => n.postedTs === ts), {
      what: 'the failure recorded as told by the card',
    });
    await harness.slack.notifier.idle();
    expect(allText(harness.card(session.id) ?? {})).toContain('The bot restarted while it was resolving');
    expect(fake.messages('C0INTERRUPTED').map((m) => m.ts)).toEqual([ts]);
  });
});

/** Posts a message as a command's placeholder card would be, and returns its ts. */
async function placeholder(harness: Harness, channel: string): Promise<string> {
  const logger = createLogger({ level: 'error', pretty: false, destination: harness.logs.stream });
  const res = await createWebClient(harness.config, logger).chat.postMessage({
    channel,
    text: 'Working out the plan…',
  });
  return res.ts as string;
}

describe('the end of a session', () => {
  let gitlab: FakeGitLab;
  beforeAll(async () => {
    gitlab = await startFakeGitLab({
      token: GITLAB_TOKEN,
      project: 'infra/chat',
      files: { [TEMPLATE_PATH]: DEFAULT_TEMPLATE },
    });
  });
  afterAll(async () => {
    await gitlab.close();
  });

  it('posts every notice once, in order, then the summary with the diff and the merge request', async () => {
    h = await startHarness(fake, {
      CHATDB_GITLAB_URL: gitlab.url,
      CHATDB_GITLAB_TOKEN: GITLAB_TOKEN,
      CHATDB_GITLAB_PROJECT: 'infra/chat',
      CHATDB_GITLAB_TEMPLATE_PATH: TEMPLATE_PATH,
    });
    const harness = h;
    const s = await confirmed(harness);
    harness.restore.runUntil(s.id);
    const done = harness.restore.must(s.id);
    expect(done.status).toBe('succeeded');
    await waitFor(() => harness.restore.get(s.id)?.notices.every((n) => n.postedTs !== undefined), {
      timeoutMs: 30_000,
      what: 'every notice posted',
    });
    await harness.slack.notifier.idle();
    const cardTs = done.card?.ts ?? '';
    const thread = harness.thread(cardTs);
    const noticeIds = thread
      .map((m) => JSON.stringify(m.blocks).match(/"notice:[^:]+:([^"]+)"/)?.[1])
      .filter(Boolean);
    const final = harness.restore.must(s.id);
    // The fake runs each stage in no time: a stage ending within a second posts "done" alone.
    const quick = (n: (typeof final.notices)[number]) => {
      const stage = final.stages.find((st) => st.name === n.stage);
      return (
        n.kind === 'started' &&
        stage?.endedAt !== undefined &&
        Date.parse(stage.endedAt) - Date.parse(n.at) < 1000
      );
    };
    const expected = final.notices.filter((n) => n.kind !== 'summary' && !quick(n)).map((n) => n.id);
    expect(final.notices.some(quick)).toBe(true);
    expect(noticeIds).toEqual(expected);
    // The production line is given only when it changed: fewer times than there are notices.
    const withProduction = thread.filter((m) => JSON.stringify(m.blocks).includes('Production:'));
    expect(withProduction.length).toBeLessThan(thread.length);
    expect(withProduction.length).toBeGreaterThan(1);

    const summary = thread.find((m) => (m.text ?? '').includes(': done'));
    expect(summary).toBeDefined();
    const summaryCall = fake
      .callsTo('chat.postMessage')
      .find((c) => c.args.thread_ts === cardTs && String(c.args.text).includes(': done'));
    // Said once: the card in the channel already shows the session done; the summary stays in the thread.
    expect(String(summaryCall?.args.reply_broadcast)).toBe('false');
    const text = allText(summary ?? {});
    expect(text).toContain('Total RTO');
    expect(text).toContain('Data-loss window');
    expect(text).toMatch(/^restore\s+[█ ]{12} \d+s$/m);

    const [upload] = fake.uploads;
    expect(upload?.threadTs).toBe(cardTs);
    expect(upload?.channel).toBe(DEFAULT_CHANNEL);
    expect(upload?.bytes.toString('utf8')).toBe(TEMPLATE_DIFF);

    const [mr] = gitlab.mergeRequests;
    expect(mr?.source_branch).toBe(`chatdb-restore/${s.id}`);
    expect(text).toContain(mr?.web_url ?? 'no merge request');
    const edited = gitlab.branches.get(`chatdb-restore/${s.id}`)?.get(TEMPLATE_PATH) ?? '';
    expect(edited).toContain(`RootDirectory: ${done.roots.next}`);
    expect(harness.logs.text()).not.toContain(GITLAB_TOKEN);

    // The card ends on the summary too, with the follow-ups.
    const card = allText(harness.card(s.id) ?? {});
    expect(card).toContain('Done.');
    expect(card).toContain('Total RTO');
    expect(fake.callsTo('files.completeUploadExternal')).toHaveLength(1);
  });

  it('a failure goes to the channel too, in AWS’s words, with production and what to do next', async () => {
    h = await startHarness(fake);
    const harness = h;
    const s = await confirmed(harness);
    harness.restore.runUntil(s.id, 'restore');
    harness.restore.failStage(s.id, 'restore', 'Restore job abc FAILED: Access Denied', 'unchanged');
    await waitFor(() => harness.restore.get(s.id)?.notices.every((n) => n.postedTs !== undefined));
    const post = fake.callsTo('chat.postMessage').find((c) => String(c.args.text).includes('Access Denied'));
    expect(String(post?.args.reply_broadcast)).toBe('true');
    const text = allText({ blocks: post?.args.blocks as unknown[] });
    expect(text).toContain('Restore job abc FAILED: Access Denied');
    expect(text).toContain('Production: unchanged');
    expect(text).toContain('*Next:*');
    await waitFor(() => allText(harness.card(s.id) ?? {}).includes('AWS Backup restore job failed.'));
  });
});

describe('createGroupMembers', () => {
  it('reads the approvers group with usergroups.users.list', async () => {
    h = await startHarness(fake);
    fake.setGroupMembers('S0APPROVERS', [SECOND_USER, 'U0OTHER']);
    const members = createGroupMembers(h.slack.app.client);
    expect(await members('S0APPROVERS')).toEqual([SECOND_USER, 'U0OTHER']);
    await expect(members('S0NOSUCH')).rejects.toThrow(/no_such_subteam/);
    expect(DEFAULT_USER).not.toBe(SECOND_USER);
  });
});
