import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseWebApiForm, uploadedBytes } from '../../src/sandbox/web-api-wire.js';
import { attachSocketMode, type FakeSocketMode } from './fake-socket-mode.js';
import { type WaitOptions, waitFor } from './wait.js';

/**
 * A fake Slack on 127.0.0.1: the Web API methods the bot calls (at `<url>/api/<method>`, for
 * SLACK_API_URL), response_url endpoints (`<url>/response/<id>`) and file upload URLs. It records
 * every request and keeps the channel's messages as Slack would show them after updates.
 */

export interface FakeSlackCall {
  method: string;
  /** Form fields or JSON body; form values that hold JSON (blocks, files) are parsed. */
  args: Record<string, unknown>;
  /** The bearer token (or `token` form field) the caller sent. */
  token: string | undefined;
  authorized: boolean;
  contentType: string;
  at: number;
}

export interface FakeResponsePost {
  id: string;
  body: unknown;
  at: number;
}

export interface FakeUpload {
  fileId: string;
  filename: string;
  bytes: Buffer;
  /** Set by files.completeUploadExternal. */
  channel?: string;
  threadTs?: string;
  title?: string;
  initialComment?: string;
  /** When the file was shared (files.completeUploadExternal), as a message ts. */
  ts?: string;
}

export interface FakeMessage {
  channel: string;
  ts: string;
  threadTs?: string;
  text?: string;
  blocks?: unknown;
  /** Message metadata (`event_type`, `event_payload`) as posted. */
  metadata?: unknown;
  /** Every earlier version, oldest first. */
  history: Array<{ text?: string; blocks?: unknown }>;
}

export interface FakeEphemeral {
  channel: string;
  user: string;
  text?: string;
  blocks?: unknown;
  threadTs?: string;
}

export interface FakeReply {
  status?: number;
  headers?: Record<string, string>;
  /** Serialised as JSON unless a string. */
  body?: unknown;
}

/** Route keys: a Web API method name, or `response_url` / `upload` for those endpoints. */
export type FakeScript = (call: FakeSlackCall) => FakeReply | undefined;

export interface FakeSlack {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** SLACK_API_URL: `http://127.0.0.1:<port>/api/` */
  apiUrl: string;
  readonly calls: FakeSlackCall[];
  readonly responses: FakeResponsePost[];
  readonly uploads: FakeUpload[];
  readonly ephemerals: FakeEphemeral[];
  /** Socket Mode: apps.connections.open hands out a ws:// URL to this. */
  socket: FakeSocketMode;
  callsTo(method: string): FakeSlackCall[];
  /** Every call except the auth.test Bolt makes at start. */
  callsExceptAuth(): FakeSlackCall[];
  /** A response_url served by this fake; posts to it land in `responses`. */
  responseUrl(id?: string): string;
  responsesTo(id: string): FakeResponsePost[];
  /** Messages of a channel (or all), top-level and threaded, in posting order. */
  messages(channel?: string): FakeMessage[];
  /** Adds a script for a route; the first script returning a reply wins. Returns its remover. */
  script(route: string, fn: FakeScript): () => void;
  /** The next `times` calls of a route fail: an error name becomes `{ok:false, error}`. */
  failNext(route: string, error: string | FakeReply, times?: number): void;
  /** The next `times` calls get HTTP 429 with Retry-After. */
  rateLimitNext(route: string, retryAfterSeconds?: number, times?: number): void;
  setGroupMembers(groupId: string, users: string[]): void;
  /** Channel info for conversations.info; null makes it `channel_not_found`. */
  setChannel(id: string, info: Record<string, unknown> | null): void;
  setUser(id: string, info: Record<string, unknown>): void;
  waitForCall(
    method: string,
    match?: (call: FakeSlackCall) => boolean,
    opts?: WaitOptions,
  ): Promise<FakeSlackCall>;
  waitForResponse(id: string, opts?: WaitOptions): Promise<FakeResponsePost>;
  /** Forgets calls, messages and scripts (not users, channels or groups). */
  /** Messages the bot deleted (chat.delete), as they were. */
  deleted(): FakeMessage[];
  reset(): void;
  close(): Promise<void>;
}

export const FAKE_BOT = { userId: 'U0CHATDBBOT', botId: 'B0CHATDBBOT', teamId: 'T0FAKETEAM' } as const;

export async function startFakeSlack(): Promise<FakeSlack> {
  const calls: FakeSlackCall[] = [];
  const responses: FakeResponsePost[] = [];
  const uploads: FakeUpload[] = [];
  const ephemerals: FakeEphemeral[] = [];
  const messages: FakeMessage[] = [];
  const deleted: FakeMessage[] = [];
  const scripts = new Map<string, FakeScript[]>();
  const groups = new Map<string, string[]>();
  const channels = new Map<string, Record<string, unknown> | null>();
  const users = new Map<string, Record<string, unknown>>();
  let tsCounter = 0;
  let fileCounter = 0;
  let responseCounter = 0;
  let url = '';

  // Seconds of the wall clock, as Slack's are; the counter keeps them unique and increasing.
  const nextTs = () => {
    tsCounter += 1;
    return `${Math.floor(Date.now() / 1000)}.${String(tsCounter).padStart(6, '0')}`;
  };

  const scripted = (route: string, call: FakeSlackCall): FakeReply | undefined => {
    for (const fn of scripts.get(route) ?? []) {
      const reply = fn(call);
      if (reply !== undefined) return reply;
    }
    return undefined;
  };

  const api = (method: string, args: Record<string, unknown>): Record<string, unknown> => {
    const str = (key: string) => (typeof args[key] === 'string' ? (args[key] as string) : undefined);
    switch (method) {
      case 'auth.test':
        return {
          ok: true,
          url: 'https://fake-team.slack.invalid/',
          team: 'Fake Team',
          user: 'chatdb-restore',
          team_id: FAKE_BOT.teamId,
          user_id: FAKE_BOT.userId,
          bot_id: FAKE_BOT.botId,
          is_enterprise_install: false,
        };
      case 'chat.postMessage': {
        const channel = str('channel');
        if (!channel) return { ok: false, error: 'channel_not_found' };
        if (channels.get(channel) === null) return { ok: false, error: 'channel_not_found' };
        const message: FakeMessage = {
          channel,
          ts: nextTs(),
          text: str('text'),
          blocks: args.blocks,
          history: [],
        };
        if (args.metadata !== undefined) message.metadata = args.metadata;
        const thread = str('thread_ts');
        if (thread !== undefined) message.threadTs = thread;
        messages.push(message);
        return {
          ok: true,
          channel,
          ts: message.ts,
          message: {
            type: 'message',
            user: FAKE_BOT.userId,
            bot_id: FAKE_BOT.botId,
            ts: message.ts,
            text: message.text,
          },
        };
      }
      case 'chat.update': {
        const message = messages.find((m) => m.channel === str('channel') && m.ts === str('ts'));
        if (!message) return { ok: false, error: 'message_not_found' };
        message.history.push({ text: message.text, blocks: message.blocks });
        message.text = str('text');
        message.blocks = args.blocks;
        return { ok: true, channel: message.channel, ts: message.ts, text: message.text };
      }
      case 'chat.delete': {
        // chat:write lets a bot delete its own messages; the channel then shows nothing of it.
        const i = messages.findIndex((m) => m.channel === str('channel') && m.ts === str('ts'));
        if (i < 0) return { ok: false, error: 'message_not_found' };
        const [gone] = messages.splice(i, 1);
        if (gone !== undefined) deleted.push(gone);
        return { ok: true, channel: str('channel'), ts: str('ts') };
      }
      case 'chat.postEphemeral': {
        const channel = str('channel');
        const user = str('user');
        if (!channel || !user) return { ok: false, error: 'invalid_arguments' };
        if (channels.get(channel) === null) return { ok: false, error: 'channel_not_found' };
        const eph: FakeEphemeral = { channel, user, text: str('text'), blocks: args.blocks };
        const thread = str('thread_ts');
        if (thread !== undefined) eph.threadTs = thread;
        ephemerals.push(eph);
        return { ok: true, message_ts: nextTs() };
      }
      case 'chat.getPermalink': {
        const channel = str('channel');
        const ts = str('message_ts');
        if (!channel || !ts) return { ok: false, error: 'invalid_arguments' };
        return {
          ok: true,
          channel,
          permalink: `https://fake-team.slack.invalid/archives/${channel}/p${ts.replace('.', '')}`,
        };
      }
      case 'conversations.history': {
        // Top-level messages, newest first, within oldest/latest (inclusive when asked), paged.
        const channel = str('channel') ?? '';
        if (channels.get(channel) === null) return { ok: false, error: 'channel_not_found' };
        const inclusive = args.inclusive === true || args.inclusive === 'true';
        const oldest = Number(str('oldest') ?? 0);
        const latest = Number(str('latest') ?? Number.POSITIVE_INFINITY);
        const within = (ts: string) => {
          const t = Number(ts);
          return inclusive ? t >= oldest && t <= latest : t > oldest && t < latest;
        };
        const withMetadata = args.include_all_metadata === true || args.include_all_metadata === 'true';
        const top = messages
          .filter((m) => m.channel === channel && m.threadTs === undefined && within(m.ts))
          .reverse()
          .map((m) => ({
            type: 'message',
            user: FAKE_BOT.userId,
            bot_id: FAKE_BOT.botId,
            ts: m.ts,
            text: m.text,
            blocks: m.blocks,
            ...(withMetadata && m.metadata !== undefined ? { metadata: m.metadata } : {}),
          }));
        const limit = Math.max(1, Number(args.limit ?? 100) || 100);
        const from = Number(str('cursor')?.replace(/^page:/, '') ?? 0) || 0;
        const more = from + limit < top.length;
        return {
          ok: true,
          messages: top.slice(from, from + limit),
          has_more: more,
          response_metadata: { next_cursor: more ? `page:${from + limit}` : '' },
        };
      }
      case 'conversations.replies': {
        // A thread as Slack returns it: the parent first, then the replies (messages and shared
        // files) in order, paged by `limit` and an opaque cursor; metadata only when asked for.
        const channel = str('channel') ?? '';
        const parent = messages.find((m) => m.channel === channel && m.ts === str('ts'));
        if (parent === undefined) return { ok: false, error: 'thread_not_found' };
        const withMetadata = args.include_all_metadata === true || args.include_all_metadata === 'true';
        const asSlack = (m: FakeMessage) => ({
          type: 'message',
          user: FAKE_BOT.userId,
          bot_id: FAKE_BOT.botId,
          ts: m.ts,
          thread_ts: m.threadTs ?? m.ts,
          text: m.text,
          blocks: m.blocks,
          ...(withMetadata && m.metadata !== undefined ? { metadata: m.metadata } : {}),
        });
        const files = uploads
          .filter((u) => u.channel === channel && u.threadTs === parent.ts)
          .map((u) => ({
            type: 'message',
            user: FAKE_BOT.userId,
            bot_id: FAKE_BOT.botId,
            ts: u.ts ?? parent.ts,
            thread_ts: parent.ts,
            text: u.initialComment ?? '',
            files: [
              {
                id: u.fileId,
                name: u.filename,
                permalink: `https://fake-team.slack.invalid/files/${u.fileId}`,
              },
            ],
          }));
        const thread = [
          asSlack(parent),
          ...[
            ...messages.filter((m) => m.channel === channel && m.threadTs === parent.ts).map(asSlack),
            ...files,
          ].sort((a, b) => a.ts.localeCompare(b.ts)),
        ];
        const limit = Math.max(1, Number(args.limit ?? 1000) || 1000);
        const from = Number(str('cursor')?.replace(/^page:/, '') ?? 0) || 0;
        const page = thread.slice(from, from + limit);
        const more = from + limit < thread.length;
        return {
          ok: true,
          messages: page,
          has_more: more,
          response_metadata: { next_cursor: more ? `page:${from + limit}` : '' },
        };
      }
      case 'conversations.info': {
        const channel = str('channel') ?? '';
        const info = channels.get(channel);
        if (info === null) return { ok: false, error: 'channel_not_found' };
        return {
          ok: true,
          channel: {
            id: channel,
            name: 'incident',
            is_channel: true,
            is_private: false,
            is_member: true,
            ...info,
          },
        };
      }
      case 'usergroups.users.list': {
        const members = groups.get(str('usergroup') ?? '');
        if (!members) return { ok: false, error: 'no_such_subteam' };
        return { ok: true, users: members };
      }
      case 'users.info': {
        const id = str('user') ?? '';
        if (!/^[UW][A-Z0-9]+$/.test(id)) return { ok: false, error: 'user_not_found' };
        return {
          ok: true,
          user: {
            id,
            name: id.toLowerCase(),
            real_name: `User ${id}`,
            tz: 'UTC',
            is_bot: false,
            ...users.get(id),
          },
        };
      }
      case 'files.getUploadURLExternal': {
        fileCounter += 1;
        const fileId = `F${String(fileCounter).padStart(8, '0')}`;
        uploads.push({ fileId, filename: str('filename') ?? 'file', bytes: Buffer.alloc(0) });
        return { ok: true, upload_url: `${url}/upload/${fileId}`, file_id: fileId };
      }
      case 'files.completeUploadExternal': {
        const files = Array.isArray(args.files) ? (args.files as Array<{ id?: string; title?: string }>) : [];
        const done = [];
        for (const f of files) {
          const upload = uploads.find((u) => u.fileId === f.id);
          if (!upload) return { ok: false, error: 'file_not_found' };
          const channel = str('channel_id') ?? str('channels');
          if (channel !== undefined) upload.channel = channel;
          const thread = str('thread_ts');
          if (thread !== undefined) upload.threadTs = thread;
          if (f.title !== undefined) upload.title = f.title;
          upload.ts = nextTs();
          const comment = str('initial_comment');
          if (comment !== undefined) upload.initialComment = comment;
          done.push({
            id: upload.fileId,
            name: upload.filename,
            title: upload.title ?? upload.filename,
            size: upload.bytes.length,
            permalink: `https://fake-team.slack.invalid/files/${upload.fileId}`,
          });
        }
        return { ok: true, files: done };
      }
      case 'apps.connections.open':
        return { ok: true, url: `${url.replace(/^http/, 'ws')}${socket.path}?ticket=${nextTs()}` };
      default:
        return { ok: false, error: 'unknown_method' };
    }
  };

  const send = (res: ServerResponse, reply: FakeReply) => {
    const body = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body ?? { ok: true });
    const type = typeof reply.body === 'string' ? 'text/plain' : 'application/json; charset=utf-8';
    res.writeHead(reply.status ?? 200, { 'content-type': type, ...reply.headers });
    res.end(body);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    const contentType = String(req.headers['content-type'] ?? '');
    const auth = String(req.headers.authorization ?? '');
    const bearer = auth.startsWith('Bearer ') ? auth.slice('Bearer '.length) : undefined;

    if (req.method === 'POST' && path.startsWith('/api/')) {
      const method = path.slice('/api/'.length);
      const args = parseBody(raw.toString('utf8'), contentType);
      const token = bearer ?? (typeof args.token === 'string' ? args.token : undefined);
      const call: FakeSlackCall = {
        method,
        args,
        token,
        authorized: token !== undefined && token !== '',
        contentType,
        at: Date.now(),
      };
      calls.push(call);
      const reply = scripted(method, call);
      if (reply) return send(res, reply);
      if (!call.authorized) return send(res, { body: { ok: false, error: 'not_authed' } });
      return send(res, { body: api(method, args) });
    }

    if (req.method === 'POST' && path.startsWith('/response/')) {
      const id = decodeURIComponent(path.slice('/response/'.length));
      const body = parseBody(
        raw.toString('utf8'),
        contentType.includes('json') ? contentType : 'application/json',
      );
      const call: FakeSlackCall = {
        method: 'response_url',
        args: body,
        token: bearer,
        authorized: true,
        contentType,
        at: Date.now(),
      };
      const reply = scripted('response_url', call);
      if (reply) return send(res, reply);
      responses.push({ id, body, at: call.at });
      return send(res, { body: { ok: true } });
    }

    if (req.method === 'POST' && path.startsWith('/upload/')) {
      const fileId = path.slice('/upload/'.length);
      const call: FakeSlackCall = {
        method: 'upload',
        args: { fileId },
        token: bearer,
        authorized: true,
        contentType,
        at: Date.now(),
      };
      const reply = scripted('upload', call);
      if (reply) return send(res, reply);
      const upload = uploads.find((u) => u.fileId === fileId);
      if (!upload) return send(res, { status: 404, body: 'no such upload' });
      upload.bytes = await uploadedBytes(raw, contentType);
      return send(res, { body: `OK - ${upload.bytes.length}` });
    }

    return send(res, { status: 404, body: { ok: false, error: 'not_found' } });
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      send(res, { status: 500, body: { ok: false, error: 'fake_slack_failure', detail: String(error) } });
    });
  });
  const socket = attachSocketMode(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const addScript = (route: string, fn: FakeScript) => {
    const list = scripts.get(route) ?? [];
    list.push(fn);
    scripts.set(route, list);
    return () => {
      const current = scripts.get(route) ?? [];
      const i = current.indexOf(fn);
      if (i >= 0) current.splice(i, 1);
    };
  };

  const fake: FakeSlack = {
    url,
    apiUrl: `${url}/api/`,
    calls,
    responses,
    uploads,
    ephemerals,
    socket,
    callsTo: (method) => calls.filter((c) => c.method === method),
    callsExceptAuth: () => calls.filter((c) => c.method !== 'auth.test'),
    responseUrl(id) {
      responseCounter += 1;
      return `${url}/response/${encodeURIComponent(id ?? `r${responseCounter}`)}`;
    },
    responsesTo: (id) => responses.filter((r) => r.id === id),
    messages: (channel) => messages.filter((m) => channel === undefined || m.channel === channel),
    deleted: () => [...deleted],
    script: addScript,
    failNext(route, error, times = 1) {
      const reply: FakeReply = typeof error === 'string' ? { body: { ok: false, error } } : error;
      let left = times;
      const remove = addScript(route, () => {
        if (left <= 0) return undefined;
        left -= 1;
        if (left === 0) remove();
        return reply;
      });
    },
    rateLimitNext(route, retryAfterSeconds = 1, times = 1) {
      fake.failNext(
        route,
        {
          status: 429,
          headers: { 'retry-after': String(retryAfterSeconds) },
          body: { ok: false, error: 'ratelimited' },
        },
        times,
      );
    },
    setGroupMembers: (groupId, members) => void groups.set(groupId, [...members]),
    setChannel: (id, info) => void channels.set(id, info),
    setUser: (id, info) => void users.set(id, info),
    waitForCall: (method, match = () => true, opts = {}) =>
      waitFor(() => calls.find((c) => c.method === method && match(c)), {
        what: `a ${method} call`,
        ...opts,
      }),
    waitForResponse: (id, opts = {}) =>
      waitFor(() => responses.find((r) => r.id === id), { what: `a post to response_url ${id}`, ...opts }),
    reset() {
      calls.length = 0;
      responses.length = 0;
      uploads.length = 0;
      ephemerals.length = 0;
      messages.length = 0;
      deleted.length = 0;
      scripts.clear();
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        socket.dropAll();
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
  return fake;
}

function parseBody(text: string, contentType: string): Record<string, unknown> {
  if (text === '') return {};
  if (contentType.includes('application/json')) {
    try {
      const parsed: unknown = JSON.parse(text);
      return parsed !== null && typeof parsed === 'object'
        ? (parsed as Record<string, unknown>)
        : { value: parsed };
    } catch {
      return { raw: text };
    }
  }
  return parseWebApiForm(text);
}
