import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { issueTrigger, type StandInView, submittedView, viewAnswered } from './views.js';
import { parseWebApiForm, uploadedBytes } from './web-api-wire.js';
import {
  createWorkspace,
  type ResponseTarget,
  type StandInEphemeral,
  type StandInMessage,
  type StandInUpload,
  type WebApiAnswer,
} from './workspace.js';

/**
 * A stand-in for Slack on 127.0.0.1, for the tests and the sandbox: the Web API methods the bot
 * calls (at `<url>/api/<method>`, for SLACK_API_URL), response_url endpoints (`<url>/response/<id>`)
 * and file upload URLs. It records every request, keeps the channels' messages as Slack would show
 * them after updates (see workspace.ts), and plays scripted failures.
 */

export interface StandInCall {
  method: string;
  /** Form fields or JSON body; form values that hold JSON (blocks, files) are parsed. */
  args: Record<string, unknown>;
  /** The bearer token (or `token` form field) the caller sent. */
  token: string | undefined;
  authorized: boolean;
  contentType: string;
  at: number;
}

export interface StandInResponsePost {
  id: string;
  body: unknown;
  at: number;
}

export interface StandInReply {
  status?: number;
  headers?: Record<string, string>;
  /** Serialised as JSON unless a string. */
  body?: unknown;
}

/** Route keys: a Web API method name, `response_url` / `upload` for those endpoints, or `*` for every method. */
export type StandInScript = (call: StandInCall) => StandInReply | undefined;

export interface SlackStandInOptions {
  /** The port on 127.0.0.1; 0, the default, picks a free one. */
  port?: number;
  /** Methods this stand-in answers besides the workspace's (Socket Mode's apps.connections.open). */
  methods?: Record<string, (args: Record<string, unknown>) => WebApiAnswer>;
  /** Serves any other path (the sandbox's page); resolves false for a path it does not serve. */
  routes?: (req: IncomingMessage, res: ServerResponse, path: string, body: Buffer) => Promise<boolean>;
  /** Given the HTTP server before it listens, to take WebSocket upgrades. */
  attach?: (server: Server) => void;
}

export interface SlackStandIn {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** SLACK_API_URL: `http://127.0.0.1:<port>/api/` */
  apiUrl: string;
  readonly calls: StandInCall[];
  readonly responses: StandInResponsePost[];
  readonly uploads: StandInUpload[];
  readonly ephemerals: StandInEphemeral[];
  callsTo(method: string): StandInCall[];
  /** Every call except the auth.test Bolt makes at start. */
  callsExceptAuth(): StandInCall[];
  /**
   * A response_url served by this stand-in; posts to it land in `responses`, and, given the
   * engineer and channel it answers, where Slack would show them.
   */
  responseUrl(id?: string, target?: ResponseTarget): string;
  responsesTo(id: string): StandInResponsePost[];
  /** Messages of a channel (or all), top-level and threaded, in posting order. */
  messages(channel?: string): StandInMessage[];
  /** Messages the bot deleted (chat.delete), as they were. */
  deleted(): StandInMessage[];
  /** Shows a response as Slack would: the body of a slash command's acknowledgement, say. */
  respond(target: ResponseTarget, body: Record<string, unknown>): void;
  /** Adds a script for a route; the first script returning a reply wins. Returns its remover. */
  script(route: string, fn: StandInScript): () => void;
  /** The next `times` calls of a route fail: an error name becomes `{ok:false, error}`. */
  failNext(route: string, error: string | StandInReply, times?: number): void;
  /** The next `times` calls get HTTP 429 with Retry-After. */
  rateLimitNext(route: string, retryAfterSeconds?: number, times?: number): void;
  /** A trigger_id for an interaction `user` causes: what views.open exchanges for a modal. */
  issueTrigger(user: string): string;
  /** Modals the bot opened, of one engineer or all, oldest first. */
  views(user?: string): StandInView[];
  /** A view_submission's `view`: the open view with the text typed into its inputs, by block_id. */
  submission(viewId: string, typed: Record<string, string>): Record<string, unknown>;
  /** Applies the bot's answer to a submission: an empty one closes the view, errors keep it open. */
  answerSubmission(viewId: string, answer: unknown): void;
  /** The engineer closes a view (the app is told nothing: it does not ask for view_closed). */
  closeView(viewId: string): void;
  setGroupMembers(groupId: string, users: string[]): void;
  /** Channel info for conversations.info; null makes it `channel_not_found`. */
  setChannel(id: string, info: Record<string, unknown> | null): void;
  setUser(id: string, info: Record<string, unknown>): void;
  /** Forgets calls, messages and scripts (not users, channels or groups). */
  reset(): void;
  close(): Promise<void>;
}

const MAX_BODY = 8 * 1024 * 1024;

export async function startSlackStandIn(opts: SlackStandInOptions = {}): Promise<SlackStandIn> {
  const calls: StandInCall[] = [];
  const responses: StandInResponsePost[] = [];
  const scripts = new Map<string, StandInScript[]>();
  const targets = new Map<string, ResponseTarget>();
  let responseCounter = 0;
  let url = '';
  const ws = createWorkspace(() => url);

  const scripted = (route: string, call: StandInCall): StandInReply | undefined => {
    for (const fn of scripts.get(route) ?? []) {
      const reply = fn(call);
      if (reply !== undefined) return reply;
    }
    return undefined;
  };

  const record = (method: string, args: Record<string, unknown>, req: IncomingMessage): StandInCall => {
    const auth = String(req.headers.authorization ?? '');
    const bearer = auth.startsWith('Bearer ') ? auth.slice('Bearer '.length) : undefined;
    const token = bearer ?? (typeof args.token === 'string' ? args.token : undefined);
    const contentType = String(req.headers['content-type'] ?? '');
    return {
      method,
      args,
      token,
      authorized: token !== undefined && token !== '',
      contentType,
      at: Date.now(),
    };
  };

  const webApi = (method: string, call: StandInCall): StandInReply => {
    calls.push(call);
    // `*` scripts answer every Web API method first: a whole-Slack outage, say.
    const reply = scripted('*', call) ?? scripted(method, call);
    if (reply) return reply;
    if (!call.authorized) return { body: { ok: false, error: 'not_authed' } };
    return { body: opts.methods?.[method]?.(call.args) ?? ws.call(method, call.args) };
  };

  const responseUrlPost = (id: string, call: StandInCall): StandInReply => {
    const reply = scripted('response_url', call);
    if (reply) return reply;
    responses.push({ id, body: call.args, at: call.at });
    const target = targets.get(id);
    if (target !== undefined) ws.respond(target, call.args);
    return { body: { ok: true } };
  };

  const upload = async (fileId: string, raw: Buffer, call: StandInCall): Promise<StandInReply> => {
    const reply = scripted('upload', call);
    if (reply) return reply;
    const file = ws.uploads.find((u) => u.fileId === fileId);
    if (!file) return { status: 404, body: 'no such upload' };
    file.bytes = await uploadedBytes(raw, call.contentType);
    return { body: `OK - ${file.bytes.length}` };
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const raw = await readBody(req);
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    const contentType = String(req.headers['content-type'] ?? '');
    if (req.method === 'POST' && path.startsWith('/api/')) {
      const method = path.slice('/api/'.length);
      return send(res, webApi(method, record(method, parseBody(raw.toString('utf8'), contentType), req)));
    }
    if (req.method === 'POST' && path.startsWith('/response/')) {
      const id = decodeURIComponent(path.slice('/response/'.length));
      const json = contentType.includes('json') ? contentType : 'application/json';
      const call = {
        ...record('response_url', parseBody(raw.toString('utf8'), json), req),
        authorized: true,
      };
      return send(res, responseUrlPost(id, call));
    }
    if (req.method === 'POST' && path.startsWith('/upload/')) {
      const fileId = path.slice('/upload/'.length);
      return send(res, await upload(fileId, raw, { ...record('upload', { fileId }, req), authorized: true }));
    }
    if (await opts.routes?.(req, res, path, raw)) return;
    send(res, { status: 404, body: { ok: false, error: 'not_found' } });
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      const tooLarge = error instanceof BodyTooLarge;
      const body = { ok: false, error: tooLarge ? 'too_large' : 'stand_in_failure', detail: String(error) };
      send(res, { status: tooLarge ? 413 : 500, body });
    });
  });
  opts.attach?.(server);
  await listen(server, opts.port ?? 0);
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const addScript = (route: string, fn: StandInScript) => {
    const list = scripts.get(route) ?? [];
    list.push(fn);
    scripts.set(route, list);
    return () => {
      const current = scripts.get(route) ?? [];
      const i = current.indexOf(fn);
      if (i >= 0) current.splice(i, 1);
    };
  };

  const openViewById = (viewId: string): StandInView => {
    const view = ws.views.find((v) => v.id === viewId && v.open);
    if (view === undefined) throw new Error(`no open view ${viewId}`);
    return view;
  };

  const standIn: SlackStandIn = {
    url,
    apiUrl: `${url}/api/`,
    calls,
    responses,
    uploads: ws.uploads,
    ephemerals: ws.ephemerals,
    callsTo: (method) => calls.filter((c) => c.method === method),
    callsExceptAuth: () => calls.filter((c) => c.method !== 'auth.test'),
    responseUrl(id, target) {
      responseCounter += 1;
      const key = id ?? `r${responseCounter}`;
      if (target !== undefined) targets.set(key, target);
      return `${url}/response/${encodeURIComponent(key)}`;
    },
    responsesTo: (id) => responses.filter((r) => r.id === id),
    messages: (channel) => ws.messages.filter((m) => channel === undefined || m.channel === channel),
    deleted: () => [...ws.deleted],
    respond: (target, body) => ws.respond(target, body),
    script: addScript,
    failNext(route, error, times = 1) {
      const reply: StandInReply = typeof error === 'string' ? { body: { ok: false, error } } : error;
      let left = times;
      const remove = addScript(route, () => {
        if (left <= 0) return undefined;
        left -= 1;
        if (left === 0) remove();
        return reply;
      });
    },
    rateLimitNext(route, retryAfterSeconds = 1, times = 1) {
      const headers = { 'retry-after': String(retryAfterSeconds) };
      standIn.failNext(route, { status: 429, headers, body: { ok: false, error: 'ratelimited' } }, times);
    },
    issueTrigger: (user) => issueTrigger(ws, user),
    views: (user) => ws.views.filter((v) => user === undefined || v.user === user),
    submission: (viewId, typed) => submittedView(openViewById(viewId), typed),
    answerSubmission: (viewId, answer) => viewAnswered(openViewById(viewId), answer),
    closeView(viewId) {
      openViewById(viewId).open = false;
    },
    setGroupMembers: (groupId, members) => void ws.groups.set(groupId, [...members]),
    setChannel: (id, info) => void ws.channels.set(id, info),
    setUser: (id, info) => void ws.users.set(id, info),
    reset() {
      for (const list of [calls, responses, ws.uploads, ws.ephemerals, ws.messages, ws.deleted, ws.views])
        list.length = 0;
      ws.triggers.clear();
      scripts.clear();
      targets.clear();
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
  return standIn;
}

class BodyTooLarge extends Error {}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new BodyTooLarge(`request body over ${MAX_BODY} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function send(res: ServerResponse, reply: StandInReply): void {
  if (res.headersSent) return void res.end();
  const text = typeof reply.body === 'string';
  const body = text ? (reply.body as string) : JSON.stringify(reply.body ?? { ok: true });
  const type = text ? 'text/plain' : 'application/json; charset=utf-8';
  res.writeHead(reply.status ?? 200, { 'content-type': type, ...reply.headers });
  res.end(body);
}

function parseBody(text: string, contentType: string): Record<string, unknown> {
  if (text === '') return {};
  if (!contentType.includes('application/json')) return parseWebApiForm(text);
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed !== null && typeof parsed === 'object'
      ? (parsed as Record<string, unknown>)
      : { value: parsed };
  } catch {
    return { raw: text };
  }
}
