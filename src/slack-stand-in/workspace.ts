// The workspace a Slack stand-in keeps: channels' messages as Slack would show them after updates,
// ephemerals, uploaded files, users, channels and user groups, modals (views.ts), and the Web API
// methods the bot calls, answered from that state as Slack answers them.

import { openView, type StandInView } from './views.js';

export const STAND_IN_BOT = {
  userId: 'U0CHATDBBOT',
  botId: 'B0CHATDBBOT',
  teamId: 'T0FAKETEAM',
  name: 'chatdb-restore',
} as const;

export interface StandInMessage {
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

export interface StandInEphemeral {
  /** Unique; also the ts a click on it reports. */
  ts: string;
  channel: string;
  user: string;
  text?: string;
  blocks?: unknown;
  threadTs?: string;
}

export interface StandInUpload {
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

/** Who a response_url answers: Slack shows its posts to that engineer, or in that channel. */
export interface ResponseTarget {
  channel: string;
  user: string;
  /** The ephemeral clicked, which replace_original and delete_original act on. */
  ephemeralTs?: string;
}

export type WebApiAnswer = Record<string, unknown>;
type Args = Record<string, unknown>;

export interface Workspace {
  readonly messages: StandInMessage[];
  /** Messages the bot deleted (chat.delete), as they were. */
  readonly deleted: StandInMessage[];
  readonly ephemerals: StandInEphemeral[];
  readonly uploads: StandInUpload[];
  readonly groups: Map<string, string[]>;
  /** Channel info for conversations.info; null makes the channel `channel_not_found`. */
  readonly channels: Map<string, Record<string, unknown> | null>;
  readonly users: Map<string, Record<string, unknown>>;
  /** Modals opened with views.open, and the trigger_ids interactions carried (views.ts). */
  readonly views: StandInView[];
  readonly triggers: Map<string, { user: string; exchanged: boolean }>;
  /** Answers a Web API method, `unknown_method` for one the stand-in does not have. */
  call(method: string, args: Args): WebApiAnswer;
  /** What Slack does with a post to a response_url. */
  respond(target: ResponseTarget, body: Args): void;
}

/** `baseUrl()` is the stand-in's own URL: upload URLs and permalinks point back at it. */
export function createWorkspace(baseUrl: () => string): Workspace {
  let tsCounter = 0;
  let fileCounter = 0;
  // Seconds of the wall clock, as Slack's are; the counter keeps them unique and increasing.
  const nextTs = () => {
    tsCounter += 1;
    return `${Math.floor(Date.now() / 1000)}.${String(tsCounter).padStart(6, '0')}`;
  };
  const ws = {
    messages: [] as StandInMessage[],
    deleted: [] as StandInMessage[],
    ephemerals: [] as StandInEphemeral[],
    uploads: [] as StandInUpload[],
    groups: new Map<string, string[]>(),
    channels: new Map<string, Record<string, unknown> | null>(),
    users: new Map<string, Record<string, unknown>>(),
    views: [] as StandInView[],
    triggers: new Map<string, { user: string; exchanged: boolean }>(),
    nextTs,
    nextFileId: () => {
      fileCounter += 1;
      return `F${String(fileCounter).padStart(8, '0')}`;
    },
    baseUrl,
  };
  return {
    ...ws,
    call: (method, args) => METHODS[method]?.(ws, args) ?? { ok: false, error: 'unknown_method' },
    respond: (target, body) => respond(ws, target, body),
  };
}

type State = Omit<Workspace, 'call' | 'respond'> & {
  nextTs(): string;
  nextFileId(): string;
  baseUrl(): string;
};

const str = (args: Args, key: string): string | undefined =>
  typeof args[key] === 'string' ? (args[key] as string) : undefined;
const flag = (args: Args, key: string): boolean => args[key] === true || args[key] === 'true';
const closed = (ws: State, channel: string | undefined): boolean =>
  channel !== undefined && ws.channels.get(channel) === null;

const METHODS: Record<string, (ws: State, args: Args) => WebApiAnswer> = {
  'auth.test': () => ({
    ok: true,
    url: 'https://fake-team.slack.invalid/',
    team: 'Fake Team',
    user: STAND_IN_BOT.name,
    team_id: STAND_IN_BOT.teamId,
    user_id: STAND_IN_BOT.userId,
    bot_id: STAND_IN_BOT.botId,
    is_enterprise_install: false,
  }),
  'chat.postMessage': (ws, args) => {
    const channel = str(args, 'channel');
    if (!channel || closed(ws, channel)) return { ok: false, error: 'channel_not_found' };
    const message = post(ws, channel, args);
    const shown = { type: 'message', user: STAND_IN_BOT.userId, bot_id: STAND_IN_BOT.botId };
    return { ok: true, channel, ts: message.ts, message: { ...shown, ts: message.ts, text: message.text } };
  },
  'chat.update': (ws, args) => {
    const message = ws.messages.find((m) => m.channel === str(args, 'channel') && m.ts === str(args, 'ts'));
    if (!message) return { ok: false, error: 'message_not_found' };
    message.history.push({ text: message.text, blocks: message.blocks });
    message.text = str(args, 'text');
    message.blocks = args.blocks;
    return { ok: true, channel: message.channel, ts: message.ts, text: message.text };
  },
  'chat.delete': (ws, args) => {
    // chat:write lets a bot delete its own messages; the channel then shows nothing of it.
    const i = ws.messages.findIndex((m) => m.channel === str(args, 'channel') && m.ts === str(args, 'ts'));
    if (i < 0) return { ok: false, error: 'message_not_found' };
    const [gone] = ws.messages.splice(i, 1);
    if (gone !== undefined) ws.deleted.push(gone);
    return { ok: true, channel: str(args, 'channel'), ts: str(args, 'ts') };
  },
  'views.open': (ws, args) => openView(ws, args, STAND_IN_BOT.teamId),
  'chat.postEphemeral': (ws, args) => {
    const channel = str(args, 'channel');
    const user = str(args, 'user');
    if (!channel || !user) return { ok: false, error: 'invalid_arguments' };
    if (closed(ws, channel)) return { ok: false, error: 'channel_not_found' };
    return { ok: true, message_ts: addEphemeral(ws, channel, user, args).ts };
  },
  'chat.getPermalink': (ws, args) => {
    const channel = str(args, 'channel');
    const ts = str(args, 'message_ts');
    if (!channel || !ts) return { ok: false, error: 'invalid_arguments' };
    return { ok: true, channel, permalink: `${ws.baseUrl()}/archives/${channel}/p${ts.replace('.', '')}` };
  },
  'conversations.history': (ws, args) => {
    // Top-level messages, newest first, within oldest/latest (inclusive when asked), paged.
    const channel = str(args, 'channel') ?? '';
    if (closed(ws, channel)) return { ok: false, error: 'channel_not_found' };
    const inclusive = flag(args, 'inclusive');
    const oldest = Number(str(args, 'oldest') ?? 0);
    const latest = Number(str(args, 'latest') ?? Number.POSITIVE_INFINITY);
    const within = (ts: string) => {
      const t = Number(ts);
      return inclusive ? t >= oldest && t <= latest : t > oldest && t < latest;
    };
    const top = ws.messages
      .filter((m) => m.channel === channel && m.threadTs === undefined && within(m.ts))
      .reverse()
      .map((m) => asSlack(m, flag(args, 'include_all_metadata')));
    return page(top, args, 100);
  },
  'conversations.replies': (ws, args) => {
    // A thread as Slack returns it: the parent first, then the replies (messages and shared
    // files) in order, paged by `limit` and an opaque cursor; metadata only when asked for.
    const channel = str(args, 'channel') ?? '';
    const parent = ws.messages.find((m) => m.channel === channel && m.ts === str(args, 'ts'));
    if (parent === undefined) return { ok: false, error: 'thread_not_found' };
    const withMetadata = flag(args, 'include_all_metadata');
    const replies = ws.messages
      .filter((m) => m.channel === channel && m.threadTs === parent.ts)
      .map((m) => asSlack(m, withMetadata, true));
    const files = ws.uploads
      .filter((u) => u.channel === channel && u.threadTs === parent.ts)
      .map((u) => fileMessage(ws, u, parent.ts));
    const thread = [
      asSlack(parent, withMetadata, true),
      ...[...replies, ...files].sort((a, b) => a.ts.localeCompare(b.ts)),
    ];
    return page(thread, args, 1000);
  },
  'conversations.info': (ws, args) => {
    const channel = str(args, 'channel') ?? '';
    const info = ws.channels.get(channel);
    if (info === null) return { ok: false, error: 'channel_not_found' };
    const shown = { id: channel, name: 'incident', is_channel: true, is_private: false, is_member: true };
    return { ok: true, channel: { ...shown, ...info } };
  },
  'usergroups.users.list': (ws, args) => {
    const members = ws.groups.get(str(args, 'usergroup') ?? '');
    return members ? { ok: true, users: members } : { ok: false, error: 'no_such_subteam' };
  },
  'users.info': (ws, args) => {
    const id = str(args, 'user') ?? '';
    if (!/^[UW][A-Z0-9]+$/.test(id)) return { ok: false, error: 'user_not_found' };
    const shown = { id, name: id.toLowerCase(), real_name: `User ${id}`, tz: 'UTC', is_bot: false };
    return { ok: true, user: { ...shown, ...ws.users.get(id) } };
  },
  'files.getUploadURLExternal': (ws, args) => {
    const fileId = ws.nextFileId();
    ws.uploads.push({ fileId, filename: str(args, 'filename') ?? 'file', bytes: Buffer.alloc(0) });
    return { ok: true, upload_url: `${ws.baseUrl()}/upload/${fileId}`, file_id: fileId };
  },
  'files.completeUploadExternal': (ws, args) => {
    const files = Array.isArray(args.files) ? (args.files as Array<{ id?: string; title?: string }>) : [];
    const done = [];
    for (const f of files) {
      const upload = ws.uploads.find((u) => u.fileId === f.id);
      if (!upload) return { ok: false, error: 'file_not_found' };
      share(ws, upload, f.title, args);
      const { fileId: id, filename: name, title } = upload;
      const permalink = filePermalink(ws, upload);
      done.push({ id, name, title: title ?? name, size: upload.bytes.length, permalink });
    }
    return { ok: true, files: done };
  },
};

function post(ws: State, channel: string, args: Args): StandInMessage {
  const message: StandInMessage = {
    channel,
    ts: ws.nextTs(),
    text: str(args, 'text'),
    blocks: args.blocks,
    history: [],
  };
  if (args.metadata !== undefined) message.metadata = args.metadata;
  const thread = str(args, 'thread_ts');
  if (thread !== undefined) message.threadTs = thread;
  ws.messages.push(message);
  return message;
}

function addEphemeral(ws: State, channel: string, user: string, args: Args): StandInEphemeral {
  const ephemeral: StandInEphemeral = {
    ts: ws.nextTs(),
    channel,
    user,
    text: str(args, 'text'),
    blocks: args.blocks,
  };
  const thread = str(args, 'thread_ts');
  if (thread !== undefined) ephemeral.threadTs = thread;
  ws.ephemerals.push(ephemeral);
  return ephemeral;
}

function share(ws: State, upload: StandInUpload, title: string | undefined, args: Args): void {
  const channel = str(args, 'channel_id') ?? str(args, 'channels');
  if (channel !== undefined) upload.channel = channel;
  const thread = str(args, 'thread_ts');
  if (thread !== undefined) upload.threadTs = thread;
  if (title !== undefined) upload.title = title;
  upload.ts = ws.nextTs();
  const comment = str(args, 'initial_comment');
  if (comment !== undefined) upload.initialComment = comment;
}

/** A message as the conversations methods return it; in a thread, the parent carries its own ts. */
function asSlack(m: StandInMessage, withMetadata: boolean, inThread = false) {
  return {
    type: 'message',
    user: STAND_IN_BOT.userId,
    bot_id: STAND_IN_BOT.botId,
    ts: m.ts,
    ...(inThread ? { thread_ts: m.threadTs ?? m.ts } : {}),
    text: m.text,
    blocks: m.blocks,
    ...(withMetadata && m.metadata !== undefined ? { metadata: m.metadata } : {}),
  };
}

function fileMessage(ws: State, u: StandInUpload, threadTs: string) {
  return {
    type: 'message',
    user: STAND_IN_BOT.userId,
    bot_id: STAND_IN_BOT.botId,
    ts: u.ts ?? threadTs,
    thread_ts: threadTs,
    text: u.initialComment ?? '',
    files: [{ id: u.fileId, name: u.filename, permalink: filePermalink(ws, u) }],
  };
}

const filePermalink = (ws: State, u: StandInUpload): string => `${ws.baseUrl()}/files/${u.fileId}`;

/** One page of `items` by the `limit` asked for and an opaque cursor, as Slack pages lists. */
function page<T>(items: T[], args: Args, defaultLimit: number): WebApiAnswer {
  const limit = Math.max(1, Number(args.limit ?? defaultLimit) || defaultLimit);
  const from = Number(str(args, 'cursor')?.replace(/^page:/, '') ?? 0) || 0;
  const more = from + limit < items.length;
  return {
    ok: true,
    messages: items.slice(from, from + limit),
    has_more: more,
    response_metadata: { next_cursor: more ? `page:${from + limit}` : '' },
  };
}

// What Slack does with a post to a response_url: in_channel posts to the channel, otherwise the
// engineer alone sees it; replace_original and delete_original act on the ephemeral clicked.
function respond(ws: State, target: ResponseTarget, body: Args): void {
  const clicked =
    target.ephemeralTs === undefined ? -1 : ws.ephemerals.findIndex((e) => e.ts === target.ephemeralTs);
  if (body.delete_original === true) {
    if (clicked >= 0) ws.ephemerals.splice(clicked, 1);
    return;
  }
  if (body.response_type === 'in_channel') {
    post(ws, target.channel, { text: body.text, blocks: body.blocks });
    return;
  }
  const old = ws.ephemerals[clicked];
  if (body.replace_original === true && old !== undefined) {
    old.text = str(body, 'text');
    old.blocks = body.blocks;
    return;
  }
  addEphemeral(ws, target.channel, target.user, { text: body.text, blocks: body.blocks });
}
