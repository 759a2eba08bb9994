import { webApi } from '@slack/bolt';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { STAND_IN_BOT } from '../../src/slack-stand-in/workspace.js';
import { type FakeSlack, startFakeSlack } from '../helpers/fake-slack.js';

// The Slack stand-in serves every Slack test and the sandbox: it is checked here with the real Web
// API client.

const TOKEN = 'xoxb-fake-slack-self-test';
let fake: FakeSlack;
let client: webApi.WebClient;

beforeAll(async () => {
  fake = await startFakeSlack();
  client = new webApi.WebClient(TOKEN, {
    slackApiUrl: fake.apiUrl,
    retryConfig: { retries: 0 },
    logLevel: webApi.LogLevel.ERROR,
  });
});

beforeEach(() => fake.reset());
afterAll(() => fake?.close());

describe('the Slack stand-in', () => {
  it('opens a modal for the engineer whose interaction carried the trigger, once per trigger', async () => {
    const view = {
      type: 'modal' as const,
      callback_id: 'cb',
      private_metadata: '{"a":1}',
      title: { type: 'plain_text' as const, text: 'Why?' },
      submit: { type: 'plain_text' as const, text: 'Send' },
      blocks: [
        {
          type: 'input' as const,
          block_id: 'why',
          optional: true,
          label: { type: 'plain_text' as const, text: 'Reason' },
          element: { type: 'plain_text_input' as const, action_id: 'why_text' },
        },
      ],
    };
    await expect(client.views.open({ trigger_id: '1.2.made-up', view })).rejects.toMatchObject({
      data: { error: 'invalid_trigger_id' },
    });
    const trigger = fake.issueTrigger('U0ALICE');
    const opened = await client.views.open({ trigger_id: trigger, view });
    expect(opened.view).toMatchObject({ callback_id: 'cb', state: { values: {} } });
    await expect(client.views.open({ trigger_id: trigger, view })).rejects.toMatchObject({
      data: { error: 'exchanged_trigger_id' },
    });
    const long = {
      ...view,
      title: { type: 'plain_text' as const, text: 'A title far longer than Slack allows' },
    };
    await expect(
      client.views.open({ trigger_id: fake.issueTrigger('U0ALICE'), view: long }),
    ).rejects.toMatchObject({ data: { error: 'invalid_arguments' } });
    const [shown] = fake.views('U0ALICE');
    expect(shown).toMatchObject({ id: opened.view?.id, open: true });
    expect(fake.views('U0BOB')).toEqual([]);

    // A submission carries the typed text keyed by block and action; the app's errors keep the
    // view open, its empty answer closes it.
    const submitted = fake.submission(shown?.id ?? '', { why: 'because' });
    expect(submitted).toMatchObject({
      id: shown?.id,
      private_metadata: '{"a":1}',
      state: { values: { why: { why_text: { type: 'plain_text_input', value: 'because' } } } },
    });
    fake.answerSubmission(shown?.id ?? '', { response_action: 'errors', errors: { why: 'no' } });
    expect(fake.views('U0ALICE')[0]).toMatchObject({ open: true, errors: { why: 'no' } });
    fake.answerSubmission(shown?.id ?? '', undefined);
    expect(fake.views('U0ALICE')[0]?.open).toBe(false);
    expect(() => fake.submission(shown?.id ?? '', {})).toThrow(/no open view/);
  });

  it('answers auth.test and records the bearer token', async () => {
    const res = await client.auth.test();
    expect(res).toMatchObject({ ok: true, user_id: STAND_IN_BOT.userId, bot_id: STAND_IN_BOT.botId });
    expect(fake.calls).toEqual([
      expect.objectContaining({ method: 'auth.test', token: TOKEN, authorized: true }),
    ]);
  });

  it('refuses a call without a token', async () => {
    const anonymous = new webApi.WebClient(undefined, {
      slackApiUrl: fake.apiUrl,
      retryConfig: { retries: 0 },
    });
    await expect(anonymous.auth.test()).rejects.toMatchObject({ data: { error: 'not_authed' } });
    expect(fake.calls[0]?.authorized).toBe(false);
  });

  it('keeps messages as Slack shows them after updates, threads included', async () => {
    const blocks = [{ type: 'section', text: { type: 'mrkdwn', text: '*plan*' } }];
    const card = await client.chat.postMessage({ channel: 'C0INCIDENT', text: 'plan', blocks });
    const ts = card.ts as string;
    await client.chat.postMessage({ channel: 'C0INCIDENT', thread_ts: ts, text: 'stage 1 done' });
    await client.chat.update({ channel: 'C0INCIDENT', ts, text: 'plan v2' });
    const [top, reply] = fake.messages('C0INCIDENT');
    expect(top).toMatchObject({ ts, text: 'plan v2', history: [{ text: 'plan', blocks }] });
    expect(reply).toMatchObject({ threadTs: ts, text: 'stage 1 done' });
    expect(fake.callsTo('chat.postMessage')[0]?.args.blocks).toEqual(blocks);
    await expect(client.chat.update({ channel: 'C0INCIDENT', ts: '1.2', text: 'x' })).rejects.toMatchObject({
      data: { error: 'message_not_found' },
    });
  });

  it('answers ephemeral, permalink, channel, group and user look-ups', async () => {
    await client.chat.postEphemeral({ channel: 'C0INCIDENT', user: 'U0REQUESTER', text: 'only you' });
    expect(fake.ephemerals).toEqual([
      { ts: expect.any(String), channel: 'C0INCIDENT', user: 'U0REQUESTER', text: 'only you' },
    ]);
    const link = await client.chat.getPermalink({ channel: 'C0INCIDENT', message_ts: '1700000000.000100' });
    expect(link.permalink).toContain('/archives/C0INCIDENT/p1700000000000100');
    expect((await client.conversations.info({ channel: 'C0INCIDENT' })).channel).toMatchObject({
      is_member: true,
    });
    fake.setChannel('C0PRIVATE', null);
    await expect(client.conversations.info({ channel: 'C0PRIVATE' })).rejects.toMatchObject({
      data: { error: 'channel_not_found' },
    });
    fake.setGroupMembers('S0ONCALL', ['U0CONFIRMER']);
    expect((await client.usergroups.users.list({ usergroup: 'S0ONCALL' })).users).toEqual(['U0CONFIRMER']);
    fake.setUser('U0CONFIRMER', { real_name: 'Casey' });
    expect((await client.users.info({ user: 'U0CONFIRMER' })).user).toMatchObject({ real_name: 'Casey' });
  });

  it('takes a file upload through its own upload URL', async () => {
    await client.filesUploadV2({
      channel_id: 'C0INCIDENT',
      thread_ts: '1700000000.000100',
      filename: 'chat.cf.yaml.diff',
      title: 'template diff',
      content: '--- a\n+++ b\n',
    });
    expect(fake.uploads).toEqual([
      expect.objectContaining({
        filename: 'chat.cf.yaml.diff',
        channel: 'C0INCIDENT',
        threadTs: '1700000000.000100',
      }),
    ]);
    expect(fake.uploads[0]?.bytes.toString()).toBe('--- a\n+++ b\n');
  });

  it('plays scripted errors once, then answers normally', async () => {
    fake.failNext('chat.postMessage', 'not_in_channel');
    await expect(client.chat.postMessage({ channel: 'C0X', text: 'x' })).rejects.toMatchObject({
      data: { error: 'not_in_channel' },
    });
    await expect(client.chat.postMessage({ channel: 'C0X', text: 'x' })).resolves.toMatchObject({ ok: true });
  });

  it('rate-limits with Retry-After, which the client honours', async () => {
    const patient = new webApi.WebClient(TOKEN, {
      slackApiUrl: fake.apiUrl,
      logLevel: webApi.LogLevel.ERROR,
    });
    fake.rateLimitNext('chat.update', 1);
    const { ts } = await patient.chat.postMessage({ channel: 'C0INCIDENT', text: 'card' });
    const started = Date.now();
    await patient.chat.update({ channel: 'C0INCIDENT', ts: ts as string, text: 'card v2' });
    expect(fake.callsTo('chat.update')).toHaveLength(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it('records response_url posts and can fail them', async () => {
    const url = fake.responseUrl('cmd-1');
    await fetch(url, {
      method: 'POST',
      body: JSON.stringify({ text: 'later' }),
      headers: { 'content-type': 'application/json' },
    });
    expect((await fake.waitForResponse('cmd-1')).body).toEqual({ text: 'later' });
    fake.failNext('response_url', { status: 404, body: 'expired_url' });
    const expired = await fetch(fake.responseUrl('cmd-2'), { method: 'POST', body: '{}' });
    expect(expired.status).toBe(404);
    expect(fake.responsesTo('cmd-2')).toEqual([]);
  });

  it('shows a response_url post where Slack would, given whom it answers', async () => {
    const post = (url: string, body: unknown) =>
      fetch(url, {
        method: 'POST',
        body: JSON.stringify(body),
        headers: { 'content-type': 'application/json' },
      });
    const target = { channel: 'C0INCIDENT', user: 'U0REQUESTER' };
    await post(fake.responseUrl('cmd-1', target), { text: 'only you' });
    expect(fake.ephemerals).toEqual([expect.objectContaining({ ...target, text: 'only you' })]);
    await post(fake.responseUrl('cmd-2', target), { response_type: 'in_channel', text: 'everyone' });
    expect(fake.messages('C0INCIDENT')).toEqual([expect.objectContaining({ text: 'everyone' })]);
    const clicked = { ...target, ephemeralTs: fake.ephemerals[0]?.ts as string };
    await post(fake.responseUrl('click-1', clicked), { replace_original: true, text: 'replaced' });
    expect(fake.ephemerals.map((e) => e.text)).toEqual(['replaced']);
    await post(fake.responseUrl('click-2', clicked), { delete_original: true });
    expect(fake.ephemerals).toEqual([]);
    // Without a target it is only recorded.
    await post(fake.responseUrl('cmd-3'), { text: 'recorded' });
    expect(fake.ephemerals).toEqual([]);
    expect(fake.responses.map((r) => r.id)).toEqual(['cmd-1', 'cmd-2', 'click-1', 'click-2', 'cmd-3']);
  });
});
