import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { NO_FAULTS } from '../sim/faults.js';
import { postToBot } from '../slack-stand-in/post-to-bot.js';
import { blockActionBody, slashCommandBody, viewSubmissionBody } from '../slack-stand-in/request-bodies.js';
import { type SlackStandIn, startSlackStandIn } from '../slack-stand-in/stand-in.js';
import { type ResponseTarget, STAND_IN_BOT } from '../slack-stand-in/workspace.js';
import { SandboxError } from './errors.js';

/**
 * The sandbox's incident channel on the Slack stand-in: Alice and Bob type `/chatdb-restore …`
 * and click the bot's buttons (sent to the bot signed, as Slack sends them), and a web page shows
 * the channel (GET /, polling GET /sandbox/state) with menus for the simulator's faults and speed.
 */

export interface SandboxUser {
  id: string;
  name: string;
}

export const SANDBOX_USERS: readonly SandboxUser[] = [
  { id: 'U0SANDBOXA', name: 'Alice' },
  { id: 'U0SANDBOXB', name: 'Bob' },
];
export const SANDBOX_CHANNEL = { id: 'C0SANDBOXINC', name: 'incident' } as const;
export const SLASH_COMMAND = '/chatdb-restore';

export interface PageMessage {
  ts: string;
  threadTs?: string;
  /** The bot's user id. */
  user: string;
  text?: string;
  blocks?: unknown;
  /** Message metadata as posted (the bot tags each notice with its id). */
  metadata?: unknown;
  /** How many times chat.update changed it. */
  edits: number;
}

export interface PageEphemeral {
  /** Unique; also the ts a click on it reports. */
  ts: string;
  user: string;
  threadTs?: string;
  text?: string;
  blocks?: unknown;
}

export interface PageFile {
  id: string;
  filename: string;
  title?: string;
  threadTs?: string;
  initialComment?: string;
  /** The uploaded bytes as UTF-8; empty until the upload arrives. */
  text: string;
  /** Set by files.completeUploadExternal: the file is shared in the channel. */
  shared: boolean;
}

/** A dialog the bot opened (views.open) and Slack still shows to one engineer. */
export interface PageView {
  id: string;
  user: string;
  /** The view as the bot sent it: title, blocks, submit and close. */
  view: Record<string, unknown>;
  /** The bot's answer to the last submission: an error per input block. */
  errors?: Record<string, string>;
}

/** What the page draws. */
export interface PageState {
  channel: typeof SANDBOX_CHANNEL;
  users: readonly SandboxUser[];
  bot: typeof STAND_IN_BOT;
  messages: PageMessage[];
  ephemerals: PageEphemeral[];
  files: PageFile[];
  views: PageView[];
  /** The bot's request URL is known: commands can be sent. */
  botReady: boolean;
}

export interface BotAnswer {
  /** The bot's HTTP status for the signed request. */
  status: number;
  /** Its body parsed as JSON, when it is. */
  body: unknown;
}

export interface ClickedElement {
  type: string;
  actionId: string;
  blockId: string;
  value?: string;
  /** For menus: the chosen option values. */
  selected?: string[];
  text?: string;
}

export interface IncidentChannelOptions {
  /** 0 picks a free port. */
  port: number;
  signingSecret: string;
  /** The simulator, for the fault menu and speed control. */
  simEndpoint: string;
  /** Told of each fault preset the page arms ('clear' included), once the simulator took it. */
  onFaults?: (preset: string) => void;
}

export interface IncidentChannel {
  /** `http://127.0.0.1:<port>`: the page. */
  url: string;
  /** SLACK_API_URL for the bot: `<url>/api/` */
  apiUrl: string;
  standIn: SlackStandIn;
  /** Where signed requests go: the bot's base URL (its events path is /slack/events). */
  setBotUrl(url: string): void;
  state(): PageState;
  /** Types `/chatdb-restore <text>` as `userId`. */
  command(userId: string, text: string): Promise<BotAnswer>;
  /** Clicks an element of a message or an ephemeral, as `userId`. */
  click(userId: string, messageTs: string, element: ClickedElement): Promise<BotAnswer>;
  /** Presses a dialog's submit button with `typed` in its inputs (by block_id), as `userId`. */
  submit(userId: string, viewId: string, typed: Record<string, string>): Promise<BotAnswer>;
  /** Closes a dialog without submitting it. */
  closeView(userId: string, viewId: string): void;
  close(): Promise<void>;
}

export const FAULT_PRESETS: Record<string, Record<string, unknown>> = {
  'restore-job-fails': { restoreJob: 'FAILED' },
  'stack-update-fails': { stackUpdateFails: true },
  'task-crash-loop': { taskCrashLoop: true },
  'throttling-storm': { throttle: { backup: 0.3, efs: 0.3, ecs: 0.3, cloudformation: 0.3, ssm: 0.3 } },
  clear: NO_FAULTS,
};

const PAGE = readFileSync(new URL('./page.html', import.meta.url), 'utf8');

export async function startIncidentChannel(opts: IncidentChannelOptions): Promise<IncidentChannel> {
  let botUrl: string | undefined;
  let channel: IncidentChannel | undefined;
  const routes = (req: IncomingMessage, res: ServerResponse, path: string, raw: Buffer) =>
    pageRoutes(channel as IncidentChannel, opts, req, res, path, raw.toString('utf8'));
  const standIn = await startSlackStandIn({ port: opts.port, routes }).catch((error: unknown) => {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new SandboxError('port_in_use', `port ${opts.port} on 127.0.0.1 is already in use`);
    }
    throw error;
  });
  standIn.setChannel(SANDBOX_CHANNEL.id, { name: SANDBOX_CHANNEL.name });
  for (const user of SANDBOX_USERS) {
    standIn.setUser(user.id, { name: user.name.toLowerCase(), real_name: user.name });
  }

  const toBot = async (body: string): Promise<BotAnswer> => {
    if (botUrl === undefined) throw new SandboxError('bot_not_ready', 'the bot has not started yet');
    const answer = await postToBot(botUrl, body, { secret: opts.signingSecret });
    return { status: answer.status, body: answer.json ?? (answer.text === '' ? undefined : answer.text) };
  };
  const target = (user: SandboxUser, ephemeralTs?: string): ResponseTarget => ({
    channel: SANDBOX_CHANNEL.id,
    user: user.id,
    ...(ephemeralTs === undefined ? {} : { ephemeralTs }),
  });
  const fields = (user: SandboxUser, responseTarget: ResponseTarget) => ({
    user_id: user.id,
    user_name: user.name,
    channel_id: SANDBOX_CHANNEL.id,
    channel_name: SANDBOX_CHANNEL.name,
    response_url: standIn.responseUrl(undefined, responseTarget),
  });

  channel = {
    url: standIn.url,
    apiUrl: standIn.apiUrl,
    standIn,
    setBotUrl(value) {
      botUrl = value;
    },
    state: () => pageState(standIn, botUrl !== undefined),
    async command(userId, text) {
      const user = userById(userId);
      const answer = await toBot(
        slashCommandBody({ ...fields(user, target(user)), command: SLASH_COMMAND, text }),
      );
      // The acknowledgement's body is the first answer the engineer sees, as in Slack.
      if (isRecord(answer.body) && (answer.body.text !== undefined || answer.body.blocks !== undefined)) {
        standIn.respond(target(user), answer.body);
      }
      return answer;
    },
    click(userId, messageTs, element) {
      const user = userById(userId);
      const message = standIn.messages(SANDBOX_CHANNEL.id).find((m) => m.ts === messageTs);
      const ephemeral = standIn.ephemerals.find((e) => e.ts === messageTs && e.user === user.id);
      const clicked = message ?? ephemeral;
      if (clicked === undefined) throw new SandboxError('message_not_found', `no message ${messageTs}`);
      const body = blockActionBody({
        ...fields(user, target(user, ephemeral?.ts)),
        action_id: element.actionId,
        block_id: element.blockId,
        ...(element.value === undefined ? {} : { value: element.value }),
        element: {
          type: element.type,
          ...(element.text === undefined ? {} : { text: element.text }),
          selected: element.selected ?? [],
        },
        message_ts: messageTs,
        message: { type: 'message', ts: messageTs, text: clicked.text ?? '', blocks: clicked.blocks ?? [] },
        is_ephemeral: message === undefined,
        trigger_id: standIn.issueTrigger(user.id),
      });
      return toBot(body);
    },
    async submit(userId, viewId, typed) {
      const user = userById(userId);
      shownView(standIn, user, viewId);
      const view = standIn.submission(viewId, typed);
      const answer = await toBot(viewSubmissionBody({ view, user_id: user.id, user_name: user.name }));
      if (answer.status === 200) standIn.answerSubmission(viewId, answer.body);
      return answer;
    },
    closeView(userId, viewId) {
      shownView(standIn, userById(userId), viewId);
      standIn.closeView(viewId);
    },
    close: () => standIn.close(),
  };
  return channel;
}

function userById(id: string): SandboxUser {
  const user = SANDBOX_USERS.find((u) => u.id === id);
  if (user === undefined) throw new SandboxError('unknown_user', `no sandbox engineer ${id}`);
  return user;
}

/** The open dialog `viewId`, which only the engineer it is shown to can submit or close. */
function shownView(standIn: SlackStandIn, user: SandboxUser, viewId: string): void {
  if (!standIn.views(user.id).some((v) => v.id === viewId && v.open)) {
    throw new SandboxError('view_not_found', `${user.name} has no open dialog ${viewId}`);
  }
}

function pageState(standIn: SlackStandIn, botReady: boolean): PageState {
  const messages = standIn.messages(SANDBOX_CHANNEL.id).map(
    ({ ts, threadTs, text, blocks, metadata, history }): PageMessage => ({
      ts,
      ...(threadTs === undefined ? {} : { threadTs }),
      user: STAND_IN_BOT.userId,
      text,
      blocks,
      ...(metadata === undefined ? {} : { metadata }),
      edits: history.length,
    }),
  );
  const ephemerals = standIn.ephemerals
    .filter((e) => e.channel === SANDBOX_CHANNEL.id)
    .map(({ channel: _, ...e }): PageEphemeral => e);
  const files = standIn.uploads.map(
    (u): PageFile => ({
      id: u.fileId,
      filename: u.filename,
      ...(u.title === undefined ? {} : { title: u.title }),
      ...(u.threadTs === undefined ? {} : { threadTs: u.threadTs }),
      ...(u.initialComment === undefined ? {} : { initialComment: u.initialComment }),
      text: u.bytes.toString('utf8'),
      shared: u.ts !== undefined,
    }),
  );
  const views = standIn
    .views()
    .filter((v) => v.open)
    .map(
      ({ id, user, view, errors }): PageView => ({
        id,
        user,
        view,
        ...(errors === undefined ? {} : { errors }),
      }),
    );
  return structuredClone({
    channel: SANDBOX_CHANNEL,
    users: SANDBOX_USERS,
    bot: STAND_IN_BOT,
    messages,
    ephemerals,
    files,
    views,
    botReady,
  });
}

/** The page, its state and its controls; false for a path the page does not serve. */
async function pageRoutes(
  channel: IncidentChannel,
  opts: IncidentChannelOptions,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  raw: string,
): Promise<boolean> {
  try {
    const answer = await pageAnswer(channel, opts, req, path, raw);
    if (answer === undefined) return false;
    if (typeof answer === 'string') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(answer);
    } else sendJson(res, 200, answer.json);
  } catch (error) {
    const known = error instanceof SandboxError;
    sendJson(res, known ? 400 : 500, {
      ok: false,
      error: known ? error.code : 'stand_in_failure',
      message: (error as Error).message,
    });
  }
  return true;
}

/** The page's HTML (for its own path and for the permalinks the bot posts), or a JSON answer. */
async function pageAnswer(
  channel: IncidentChannel,
  opts: IncidentChannelOptions,
  req: IncomingMessage,
  path: string,
  raw: string,
): Promise<string | { json: unknown } | undefined> {
  if (req.method === 'GET') {
    if (path === '/' || path === '/index.html' || path.startsWith('/archives/')) return PAGE;
    if (path === '/sandbox/state') return { json: channel.state() };
    if (path === '/sandbox/sim') return { json: await simControls(opts.simEndpoint) };
    return undefined;
  }
  if (req.method !== 'POST') return undefined;
  const body = parseJson(raw);
  switch (path) {
    case '/sandbox/command':
      return { json: await channel.command(str(body, 'user') ?? '', str(body, 'text') ?? '') };
    case '/sandbox/click': {
      const element = body.element as ClickedElement | undefined;
      if (!isRecord(element)) throw new SandboxError('bad_request', 'element is missing');
      return { json: await channel.click(str(body, 'user') ?? '', str(body, 'ts') ?? '', element) };
    }
    case '/sandbox/submit': {
      const typed = isRecord(body.values) ? (body.values as Record<string, unknown>) : {};
      const values = Object.fromEntries(
        Object.entries(typed).filter((e): e is [string, string] => typeof e[1] === 'string'),
      );
      return { json: await channel.submit(str(body, 'user') ?? '', str(body, 'view') ?? '', values) };
    }
    case '/sandbox/close-view':
      channel.closeView(str(body, 'user') ?? '', str(body, 'view') ?? '');
      return { json: { ok: true } };
    case '/sandbox/faults': {
      const name = str(body, 'preset') ?? '';
      const preset = FAULT_PRESETS[name];
      if (preset === undefined) throw new SandboxError('bad_request', `unknown fault preset ${name}`);
      const armed = await toSim(opts.simEndpoint, '/_sim/faults', preset);
      opts.onFaults?.(name);
      return { json: armed };
    }
    case '/sandbox/speed':
      return { json: await toSim(opts.simEndpoint, '/_sim/speed', { speed: body.speed }) };
    default:
      return undefined;
  }
}

async function toSim(simEndpoint: string, path: string, value: unknown): Promise<unknown> {
  const res = await fetch(`${simEndpoint}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(value),
  });
  const body: unknown = await res.json();
  if (!res.ok) {
    throw new SandboxError(
      'simulator_refused',
      `the simulator answered ${res.status}: ${JSON.stringify(body)}`,
    );
  }
  return body;
}

/** What the page's menus show: the armed faults and the speed the simulator runs at. */
async function simControls(simEndpoint: string): Promise<{ faults: unknown; speed: unknown }> {
  const state = (await (await fetch(`${simEndpoint}/_sim/state`)).json()) as {
    faults?: unknown;
    speed?: unknown;
  };
  return { faults: state.faults ?? {}, speed: state.speed };
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  if (res.headersSent) return void res.end();
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify(value));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function str(args: Record<string, unknown>, key: string): string | undefined {
  const value = args[key];
  return typeof value === 'string' ? value : undefined;
}

function parseJson(text: string): Record<string, unknown> {
  if (text.trim() === '') return {};
  try {
    const parsed: unknown = JSON.parse(text);
    return isRecord(parsed) ? parsed : {};
  } catch {
    throw new SandboxError('bad_request', 'the body is not JSON');
  }
}
