import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { NO_FAULTS } from '../sim/faults.js';
import { SandboxError } from './errors.js';
import {
  blockActionBody,
  type ClickedElement,
  type SandboxChannel,
  type SandboxUser,
  signRequest,
  slashCommandBody,
} from './slack-requests.js';
import { parseWebApiForm, uploadedBytes } from './web-api-wire.js';

/**
 * A local stand-in for Slack on 127.0.0.1: the Web API methods the bot calls (under /api/), the
 * response_url and file upload endpoints, signed slash commands and button clicks sent to the bot,
 * and a web page showing one incident channel (GET /, polling GET /sandbox/state).
 */

export const SANDBOX_USERS: readonly SandboxUser[] = [
  { id: 'U0SANDBOXA', name: 'Alice' },
  { id: 'U0SANDBOXB', name: 'Bob' },
];
export const SANDBOX_CHANNEL: SandboxChannel = { id: 'C0SANDBOXINC', name: 'incident' };
export const SANDBOX_BOT = { userId: 'U0SANDBOXBOT', botId: 'B0SANDBOXBOT', name: 'chatdb-restore' } as const;
export const SLASH_COMMAND = '/chatdb-restore';

export interface StandInMessage {
  ts: string;
  threadTs?: string;
  /** The bot's user id, or an engineer's for an in_channel answer to their command. */
  user: string;
  text?: string;
  blocks?: unknown;
  /** Message metadata as posted (the bot tags each notice with its id). */
  metadata?: unknown;
  /** How many times chat.update changed it. */
  edits: number;
}

export interface StandInEphemeral {
  /** Unique; also the ts a click on it reports. */
  ts: string;
  user: string;
  threadTs?: string;
  text?: string;
  blocks?: unknown;
}

export interface StandInFile {
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

export interface StandInState {
  channel: SandboxChannel;
  users: readonly SandboxUser[];
  bot: typeof SANDBOX_BOT;
  messages: StandInMessage[];
  ephemerals: StandInEphemeral[];
  files: StandInFile[];
  /** The bot's request URL is known: commands can be sent. */
  botReady: boolean;
}

export interface BotAnswer {
  /** The bot's HTTP status for the signed request. */
  status: number;
  /** Its body parsed as JSON, when it is. */
  body: unknown;
}

export interface SlackStandInOptions {
  /** 0 picks a free port. */
  port: number;
  signingSecret: string;
  /** The simulator, for the fault menu and speed control. */
  simEndpoint: string;
}

export interface SlackStandIn {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** SLACK_API_URL for the bot: `<url>/api/` */
  apiUrl: string;
  /** Where signed requests go: the bot's base URL (its events path is /slack/events). */
  setBotUrl(url: string): void;
  state(): StandInState;
  /** Types `/chatdb-restore <text>` as `userId`. */
  command(userId: string, text: string): Promise<BotAnswer>;
  /** Clicks an element of a message or an ephemeral, as `userId`. */
  click(userId: string, messageTs: string, element: ClickedElement): Promise<BotAnswer>;
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
const MAX_BODY = 8 * 1024 * 1024;

interface ResponseTarget {
  user: string;
  /** The ephemeral the click came from, which replace_original/delete_original act on. */
  ephemeralTs?: string;
  messageTs?: string;
}

export async function startSlackStandIn(opts: SlackStandInOptions): Promise<SlackStandIn> {
  const messages: StandInMessage[] = [];
  const ephemerals: StandInEphemeral[] = [];
  const files: StandInFile[] = [];
  const responseTargets = new Map<string, ResponseTarget>();
  let tsCounter = 0;
  let idCounter = 0;
  let botUrl: string | undefined;
  let url = '';

  // Seconds of the wall clock, as Slack's are; the counter keeps them unique and increasing.
  const nextTs = () => {
    tsCounter += 1;
    return `${Math.floor(Date.now() / 1000)}.${String(tsCounter).padStart(6, '0')}`;
  };
  const nextId = (prefix: string) => {
    idCounter += 1;
    return `${prefix}${String(idCounter).padStart(8, '0')}`;
  };
  const userById = (id: string): SandboxUser => {
    const user = SANDBOX_USERS.find((u) => u.id === id);
    if (user === undefined) throw new SandboxError('unknown_user', `no sandbox engineer ${id}`);
    return user;
  };
  const responseUrl = (target: ResponseTarget) => {
    const id = nextId('R');
    responseTargets.set(id, target);
    return `${url}/response/${id}`;
  };

  const addEphemeral = (user: string, args: Record<string, unknown>) => {
    const eph: StandInEphemeral = { ts: nextTs(), user, text: str(args, 'text'), blocks: args.blocks };
    const thread = str(args, 'thread_ts');
    if (thread !== undefined) eph.threadTs = thread;
    ephemerals.push(eph);
    return eph;
  };

  const api = (method: string, args: Record<string, unknown>): Record<string, unknown> => {
    const channelOk = (key: string) => str(args, key) === SANDBOX_CHANNEL.id;
    switch (method) {
      case 'auth.test':
        return {
          ok: true,
          url: 'http://127.0.0.1/',
          team: 'Sandbox',
          user: SANDBOX_BOT.name,
          team_id: 'T0SANDBOX',
          user_id: SANDBOX_BOT.userId,
          bot_id: SANDBOX_BOT.botId,
          is_enterprise_install: false,
        };
      case 'chat.postMessage': {
        if (!channelOk('channel')) return { ok: false, error: 'channel_not_found' };
        const message: StandInMessage = {
          ts: nextTs(),
          user: SANDBOX_BOT.userId,
          text: str(args, 'text'),
          blocks: args.blocks,
          edits: 0,
        };
        if (args.metadata !== undefined) message.metadata = args.metadata;
        const thread = str(args, 'thread_ts');
        if (thread !== undefined) message.threadTs = thread;
        messages.push(message);
        return {
          ok: true,
          channel: SANDBOX_CHANNEL.id,
          ts: message.ts,
          message: { type: 'message', user: SANDBOX_BOT.userId, bot_id: SANDBOX_BOT.botId, ts: message.ts },
        };
      }
      case 'chat.update': {
        const message = messages.find((m) => m.ts === str(args, 'ts'));
        if (!channelOk('channel') || message === undefined) return { ok: false, error: 'message_not_found' };
        message.text = str(args, 'text');
        message.blocks = args.blocks;
        message.edits += 1;
        return { ok: true, channel: SANDBOX_CHANNEL.id, ts: message.ts, text: message.text };
      }
      case 'chat.delete': {
        const i = messages.findIndex((m) => m.ts === str(args, 'ts'));
        if (!channelOk('channel') || i < 0) return { ok: false, error: 'message_not_found' };
        messages.splice(i, 1);
        return { ok: true, channel: SANDBOX_CHANNEL.id, ts: str(args, 'ts') };
      }
      case 'chat.postEphemeral': {
        const user = str(args, 'user');
        if (!channelOk('channel')) return { ok: false, error: 'channel_not_found' };
        if (user === undefined) return { ok: false, error: 'user_not_in_channel' };
        return { ok: true, message_ts: addEphemeral(user, args).ts };
      }
      case 'chat.getPermalink':
        return {
          ok: true,
          channel: SANDBOX_CHANNEL.id,
          permalink: `${url}/#${(str(args, 'message_ts') ?? '').replace('.', '')}`,
        };
      case 'conversations.history': {
        // Top-level messages, newest first, within oldest/latest (inclusive): one page.
        if (!channelOk('channel')) return { ok: false, error: 'channel_not_found' };
        const oldest = Number(str(args, 'oldest') ?? 0);
        const latest = Number(str(args, 'latest') ?? Number.POSITIVE_INFINITY);
        const top = messages.filter(
          (m) => m.threadTs === undefined && Number(m.ts) >= oldest && Number(m.ts) <= latest,
        );
        return {
          ok: true,
          has_more: false,
          messages: top.reverse().map((m) => ({
            type: 'message',
            user: m.user,
            ...(m.user === SANDBOX_BOT.userId ? { bot_id: SANDBOX_BOT.botId } : {}),
            ts: m.ts,
            text: m.text,
            blocks: m.blocks,
            ...(m.metadata === undefined ? {} : { metadata: m.metadata }),
          })),
          response_metadata: { next_cursor: '' },
        };
      }
      case 'conversations.replies': {
        // The whole thread in one page: the sandbox's threads are short.
        const parent = messages.find((m) => m.ts === str(args, 'ts'));
        if (!channelOk('channel') || parent === undefined) return { ok: false, error: 'thread_not_found' };
        const thread = [parent, ...messages.filter((m) => m.threadTs === parent.ts)];
        return {
          ok: true,
          has_more: false,
          messages: thread.map((m) => ({
            type: 'message',
            user: m.user,
            ...(m.user === SANDBOX_BOT.userId ? { bot_id: SANDBOX_BOT.botId } : {}),
            ts: m.ts,
            thread_ts: m.threadTs ?? m.ts,
            text: m.text,
            blocks: m.blocks,
            ...(m.metadata === undefined ? {} : { metadata: m.metadata }),
          })),
          response_metadata: { next_cursor: '' },
        };
      }
      case 'conversations.info':
        if (!channelOk('channel')) return { ok: false, error: 'channel_not_found' };
        return {
          ok: true,
          channel: { ...SANDBOX_CHANNEL, is_channel: true, is_private: false, is_member: true },
        };
      case 'users.info': {
        const user = SANDBOX_USERS.find((u) => u.id === str(args, 'user'));
        if (user === undefined) return { ok: false, error: 'user_not_found' };
        return {
          ok: true,
          user: { id: user.id, name: user.name.toLowerCase(), real_name: user.name, tz: 'UTC' },
        };
      }
      case 'usergroups.users.list':
        return { ok: true, users: SANDBOX_USERS.map((u) => u.id) };
      case 'files.getUploadURLExternal': {
        const id = nextId('F');
        files.push({ id, filename: str(args, 'filename') ?? 'file', text: '', shared: false });
        return { ok: true, upload_url: `${url}/upload/${id}`, file_id: id };
      }
      case 'files.completeUploadExternal': {
        const listed = Array.isArray(args.files)
          ? (args.files as Array<{ id?: string; title?: string }>)
          : [];
        const done = [];
        for (const f of listed) {
          const file = files.find((x) => x.id === f.id);
          if (file === undefined) return { ok: false, error: 'file_not_found' };
          file.shared = true;
          if (f.title !== undefined) file.title = f.title;
          const thread = str(args, 'thread_ts');
          if (thread !== undefined) file.threadTs = thread;
          const comment = str(args, 'initial_comment');
          if (comment !== undefined) file.initialComment = comment;
          done.push({ id: file.id, name: file.filename, title: file.title ?? file.filename });
        }
        return { ok: true, files: done };
      }
      default:
        return { ok: false, error: 'unknown_method' };
    }
  };

  // What Slack does with a post to a response_url: in_channel posts to the channel, otherwise the
  // engineer alone sees it; replace_original/delete_original act on the ephemeral clicked.
  const respond = (target: ResponseTarget, body: Record<string, unknown>) => {
    const replaced =
      target.ephemeralTs === undefined ? -1 : ephemerals.findIndex((e) => e.ts === target.ephemeralTs);
    if (body.delete_original === true) {
      if (replaced >= 0) ephemerals.splice(replaced, 1);
      return;
    }
    if (body.response_type === 'in_channel') {
      messages.push({
        ts: nextTs(),
        user: SANDBOX_BOT.userId,
        text: str(body, 'text'),
        blocks: body.blocks,
        edits: 0,
      });
      return;
    }
    const old = ephemerals[replaced];
    if (body.replace_original === true && old !== undefined) {
      old.text = str(body, 'text');
      old.blocks = body.blocks;
      return;
    }
    addEphemeral(target.user, body);
  };

  const toBot = async (body: string): Promise<BotAnswer> => {
    if (botUrl === undefined) throw new SandboxError('bot_not_ready', 'the bot has not started yet');
    const res = await fetch(new URL('/slack/events', botUrl), {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        ...signRequest(opts.signingSecret, body),
      },
      body,
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      // Not JSON: keep the text.
    }
    return { status: res.status, body: parsed };
  };

  const standIn: SlackStandIn = {
    url: '',
    apiUrl: '',
    setBotUrl(value) {
      botUrl = value;
    },
    state: () => ({
      channel: SANDBOX_CHANNEL,
      users: SANDBOX_USERS,
      bot: SANDBOX_BOT,
      messages: structuredClone(messages),
      ephemerals: structuredClone(ephemerals),
      files: structuredClone(files),
      botReady: botUrl !== undefined,
    }),
    async command(userId, text) {
      const user = userById(userId);
      const answer = await toBot(
        slashCommandBody({
          command: SLASH_COMMAND,
          text,
          user,
          channel: SANDBOX_CHANNEL,
          responseUrl: responseUrl({ user: user.id }),
        }),
      );
      // The acknowledgement's body is the first answer the engineer sees, as in Slack.
      if (isRecord(answer.body) && (answer.body.text !== undefined || answer.body.blocks !== undefined)) {
        respond({ user: user.id }, answer.body);
      }
      return answer;
    },
    async click(userId, messageTs, element) {
      const user = userById(userId);
      const message = messages.find((m) => m.ts === messageTs);
      const eph = ephemerals.find((e) => e.ts === messageTs && e.user === user.id);
      const target = message ?? eph;
      if (target === undefined) throw new SandboxError('message_not_found', `no message ${messageTs}`);
      const ephemeralTs = eph?.ts;
      return toBot(
        blockActionBody({
          user,
          channel: SANDBOX_CHANNEL,
          message: {
            ts: messageTs,
            text: target.text,
            blocks: target.blocks,
            isEphemeral: message === undefined,
          },
          element,
          responseUrl: responseUrl(
            ephemeralTs === undefined ? { user: user.id, messageTs } : { user: user.id, ephemeralTs },
          ),
        }),
      );
    },
    close: () => closeServer(server),
  };

  const page = async (req: IncomingMessage, res: ServerResponse, path: string, raw: string) => {
    if (req.method === 'GET' && (path === '/' || path === '/index.html')) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(PAGE);
      return;
    }
    if (req.method === 'GET' && path === '/sandbox/state') return sendJson(res, 200, standIn.state());
    if (req.method === 'GET' && path === '/sandbox/sim') return sendJson(res, 200, await simControls());
    if (req.method !== 'POST') return sendJson(res, 404, { ok: false, error: 'not_found' });
    const body = parseJson(raw);
    if (path === '/sandbox/command') {
      return sendJson(res, 200, await standIn.command(str(body, 'user') ?? '', str(body, 'text') ?? ''));
    }
    if (path === '/sandbox/click') {
      const element = body.element as ClickedElement | undefined;
      if (!isRecord(element)) throw new SandboxError('bad_request', 'element is missing');
      return sendJson(res, 200, await standIn.click(str(body, 'user') ?? '', str(body, 'ts') ?? '', element));
    }
    if (path === '/sandbox/faults') {
      const preset = FAULT_PRESETS[str(body, 'preset') ?? ''];
      if (preset === undefined)
        throw new SandboxError('bad_request', `unknown fault preset ${str(body, 'preset')}`);
      return sendJson(res, 200, await toSim('/_sim/faults', preset));
    }
    if (path === '/sandbox/speed')
      return sendJson(res, 200, await toSim('/_sim/speed', { speed: body.speed }));
    return sendJson(res, 404, { ok: false, error: 'not_found' });
  };

  const toSim = async (path: string, value: unknown) => {
    const res = await fetch(`${opts.simEndpoint}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(value),
    });
    const body: unknown = await res.json();
    if (!res.ok)
      throw new SandboxError(
        'simulator_refused',
        `the simulator answered ${res.status}: ${JSON.stringify(body)}`,
      );
    return body;
  };

  /** What the page's menus show: the armed faults and the speed the simulator runs at. */
  const simControls = async () => {
    const state = (await (await fetch(`${opts.simEndpoint}/_sim/state`)).json()) as {
      faults?: unknown;
      speed?: unknown;
    };
    return { faults: state.faults ?? {}, speed: state.speed };
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const raw = await readBody(req);
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    const contentType = String(req.headers['content-type'] ?? '');

    if (req.method === 'POST' && path.startsWith('/api/')) {
      const auth = String(req.headers.authorization ?? '');
      const args = parseForm(raw.toString('utf8'), contentType);
      if (!auth.startsWith('Bearer xoxb-') && !String(args.token ?? '').startsWith('xoxb-')) {
        return sendJson(res, 200, { ok: false, error: 'not_authed' });
      }
      return sendJson(res, 200, api(path.slice('/api/'.length), args));
    }
    if (req.method === 'POST' && path.startsWith('/response/')) {
      const target = responseTargets.get(path.slice('/response/'.length));
      if (target === undefined) return sendJson(res, 404, { ok: false, error: 'expired_url' });
      respond(target, parseJson(raw.toString('utf8')));
      return sendJson(res, 200, { ok: true });
    }
    if (req.method === 'POST' && path.startsWith('/upload/')) {
      const file = files.find((f) => f.id === path.slice('/upload/'.length));
      if (file === undefined) return sendJson(res, 404, { ok: false, error: 'file_not_found' });
      file.text = (await uploadedBytes(raw, contentType)).toString('utf8');
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(`OK - ${raw.length}`);
      return;
    }
    return page(req, res, path, raw.toString('utf8'));
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      const known = error instanceof SandboxError;
      sendJson(res, known ? 400 : 500, {
        ok: false,
        error: known ? error.code : 'stand_in_failure',
        message: (error as Error).message,
      });
    });
  });
  await listen(server, opts.port);
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  standIn.url = url;
  standIn.apiUrl = `${url}/api/`;
  return standIn;
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') {
        reject(new SandboxError('port_in_use', `port ${port} on 127.0.0.1 is already in use`));
      } else reject(error);
    });
    server.listen(port, '127.0.0.1', () => resolve());
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.closeAllConnections();
    server.close((error) => (error ? reject(error) : resolve()));
  });
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new SandboxError('too_large', 'request body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
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

/** Web API calls arrive form-encoded (values that hold JSON, like blocks, parsed) or as JSON. */
function parseForm(text: string, contentType: string): Record<string, unknown> {
  return contentType.includes('application/json') ? parseJson(text) : parseWebApiForm(text);
}
