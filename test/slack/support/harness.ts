// The real Bolt app (createSlackApp) over signed HTTP, with the fake Slack Web API and an
// in-memory restore service: what the handler tests drive.

import { type Config, loadConfig, secretValues } from '../../../src/config.js';
import { createGitLabClient } from '../../../src/gitlab/client.js';
import { createLogger } from '../../../src/log.js';
import { createSlackApp, type SlackAppHandle } from '../../../src/slack/app.js';
import { createWebClient } from '../../../src/slack/client.js';
import { createMergeRequests } from '../../../src/slack/merge-requests.js';
import { postToBot } from '../../../src/slack-stand-in/post-to-bot.js';
import {
  blockActionBody,
  DEFAULT_CHANNEL,
  DEFAULT_USER,
  slashCommandBody,
  viewSubmissionBody,
} from '../../../src/slack-stand-in/request-bodies.js';
import type { StandInMessage } from '../../../src/slack-stand-in/workspace.js';
import { botEnv, TEST_SIGNING_SECRET } from '../../helpers/bot-env.js';
import type { FakeSlack } from '../../helpers/fake-slack.js';
import { captureLogs, type LogCapture } from '../../helpers/log-capture.js';
import { FakeRestore, type FakeRestoreOptions } from './fake-restore.js';

export interface Harness {
  fake: FakeSlack;
  restore: FakeRestore;
  slack: SlackAppHandle;
  config: Config;
  logs: LogCapture;
  base: string;
  command(
    text: string,
    opts?: { user?: string; channel?: string },
  ): Promise<{ ack: AckBody; responseId: string }>;
  click(actionId: string, opts: ClickOptions): Promise<{ status: number; responseId: string }>;
  /**
   * Presses the submit button of a dialog the bot opened, with `typed` in its inputs (by block_id);
   * the stand-in then closes it or shows the bot's errors, as Slack does.
   */
  submit(viewId: string, typed?: Record<string, string>): Promise<{ status: number; json: unknown }>;
  /** The session's card as Slack now shows it. */
  card(sessionId: string): StandInMessage | undefined;
  /** Replies in a card's thread, in order. */
  thread(ts: string): StandInMessage[];
  stop(): Promise<void>;
}

export interface AckBody {
  response_type?: string;
  text?: string;
  blocks?: unknown[];
}

export interface ClickOptions {
  value?: string;
  blockId?: string;
  user?: string;
  channel?: string;
  messageTs?: string;
  /** A menu's chosen option values (a multi_static_select instead of a button). */
  selected?: string[];
}

let responses = 0;

export async function startHarness(
  fake: FakeSlack,
  env: Record<string, string | undefined> = {},
  restoreOpts: FakeRestoreOptions = {},
): Promise<Harness> {
  const logs = captureLogs();
  const config = loadConfig(
    botEnv({ SLACK_API_URL: fake.apiUrl, CHATDB_CARD_UPDATE_INTERVAL: '50ms', ...env }),
  );
  const logger = createLogger({
    level: 'debug',
    pretty: false,
    destination: logs.stream,
    secrets: secretValues(config),
  });
  const restore = new FakeRestore(restoreOpts);
  // Wired as main.ts wires the bot.
  const { gitlab } = config;
  const mergeRequests =
    gitlab && createMergeRequests(createGitLabClient(gitlab), gitlab.templatePath, logger);
  const slack = createSlackApp({
    config,
    logger,
    restore,
    client: createWebClient(config, logger),
    ...(mergeRequests === undefined ? {} : { mergeRequests }),
  });
  const { port } = await slack.start();
  const base = `http://127.0.0.1:${port}`;

  return {
    fake,
    restore,
    slack,
    config,
    logs,
    base,
    async command(text, opts = {}) {
      responses += 1;
      const responseId = `cmd${responses}`;
      const body = slashCommandBody({
        text,
        user_id: opts.user ?? DEFAULT_USER,
        channel_id: opts.channel ?? DEFAULT_CHANNEL,
        response_url: fake.responseUrl(responseId),
      });
      const res = await postToBot(base, body, { secret: TEST_SIGNING_SECRET });
      if (res.status !== 200) throw new Error(`command answered ${res.status}: ${res.text}`);
      return { ack: (res.json ?? {}) as AckBody, responseId };
    },
    async click(actionId, opts) {
      responses += 1;
      const responseId = `act${responses}`;
      const channel = opts.channel ?? DEFAULT_CHANNEL;
      const body = blockActionBody({
        action_id: actionId,
        value: opts.value ?? '',
        block_id: opts.blockId ?? 'block-1',
        user_id: opts.user ?? DEFAULT_USER,
        channel_id: channel,
        trigger_id: fake.issueTrigger(opts.user ?? DEFAULT_USER),
        ...(opts.messageTs === undefined ? {} : { message_ts: opts.messageTs }),
        response_url: fake.responseUrl(responseId),
        ...(opts.selected === undefined
          ? {}
          : {
              extra: {
                actions: [
                  {
                    type: 'multi_static_select',
                    action_id: actionId,
                    block_id: opts.blockId ?? 'block-1',
                    selected_options: opts.selected.map((value) => ({
                      value,
                      text: { type: 'plain_text', text: value },
                    })),
                    action_ts: `${Math.floor(Date.now() / 1000)}.000002`,
                  },
                ],
              },
            }),
      });
      const res = await postToBot(base, body, { secret: TEST_SIGNING_SECRET });
      return { status: res.status, responseId };
    },
    async submit(viewId, typed = {}) {
      const view = fake.views().find((v) => v.id === viewId);
      const body = viewSubmissionBody({
        view: fake.submission(viewId, typed),
        user_id: view?.user ?? DEFAULT_USER,
      });
      const res = await postToBot(base, body, { secret: TEST_SIGNING_SECRET });
      fake.answerSubmission(viewId, res.json);
      return { status: res.status, json: res.json };
    },
    card(sessionId) {
      const ts = restore.get(sessionId)?.card?.ts;
      return ts === undefined ? undefined : fake.messages().find((m) => m.ts === ts);
    },
    thread(ts) {
      return fake.messages().filter((m) => m.threadTs === ts);
    },
    async stop() {
      await slack.stop();
    },
  };
}
