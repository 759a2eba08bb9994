// Reads what the check task printed (its CloudWatch Logs events, oldest first) and its exit code
// into a clean report or a failure with a code and MongoDB's own words. Facts and codes only: the
// Slack layer words them.
//
// The lines are mongod's log (structured JSON since MongoDB 4.4, `<time> <severity> <component>
// [<context>] <message>` text before), the shell's output, and `CHATDB_CHECK {json}` report lines
// from mongo-check.js (stage "check") or check-wrapper.sh (stages "start" and "shutdown").

export const REPORT_PREFIX = 'CHATDB_CHECK ';

/** The collections whose counts the card shows; a clean report without them is malformed. */
const COUNTED = {
  messages: 'rocketchat_message',
  rooms: 'rocketchat_room',
  subscriptions: 'rocketchat_subscription',
  users: 'users',
} as const;

/** How much of mongod's log a failure quotes. */
const MAX_QUOTED = 5;
const MAX_QUOTE_CHARS = 300;

export interface CheckedCollection {
  name: string;
  count: number;
  warnings: string[];
}

export interface CheckReport {
  database: string;
  /** The server's version as the shell reported it; undefined when it could not be read. */
  mongodbVersion?: string;
  /** The newest rocketchat_message.ts; null when there are no messages. */
  newestMessageAt: Date | null;
  counts: Record<keyof typeof COUNTED, number>;
  collections: CheckedCollection[];
}

export type CheckFailureCode =
  /** mongo-check.js ran and found problems (validate, missing collections, the newest message). */
  | 'check_failed'
  /** mongod exited before it accepted connections (WiredTiger could not open the copy). */
  | 'mongod_exited'
  /** mongod did not accept connections within the wrapper's limit. */
  | 'not_ready'
  | 'no_mongo_shell'
  /** The wrapper refused its input (database name, data path, script). */
  | 'bad_input'
  /** The check ran but mongod did not shut down cleanly afterwards. */
  | 'unclean_shutdown'
  /** No report line at all: the container died, or its log was lost. */
  | 'no_report'
  | 'malformed_report'
  /** A clean report, but the container's exit code says otherwise (or is missing). */
  | 'exit_code_mismatch';

export type CheckOutcome =
  | { ok: true; report: CheckReport }
  | {
      ok: false;
      code: CheckFailureCode;
      /** What the check script found, in MongoDB's words (check_failed). */
      failures: string[];
      /** mongod's own error and fatal log messages, oldest first. */
      mongodSays: string[];
      exitCode?: number;
      /**
       * The wrapper's own code (e.g. `bad_dbpath` behind bad_input) and its number: mongod's exit
       * status (mongod_exited, unclean_shutdown) or the seconds waited (not_ready).
       */
      wrapper?: { code: string; value: number };
    };

interface RawReport {
  stage?: unknown;
  ok?: unknown;
  code?: unknown;
  detail?: unknown;
  db?: unknown;
  mongodb?: unknown;
  collections?: unknown;
  newestMessageAt?: unknown;
  failures?: unknown;
}

const WRAPPER_CODES: Readonly<Record<string, CheckFailureCode>> = {
  mongod_exited: 'mongod_exited',
  not_ready: 'not_ready',
  no_mongo_shell: 'no_mongo_shell',
  unclean_shutdown: 'unclean_shutdown',
};

export function parseCheckOutput(input: { lines: readonly string[]; exitCode?: number }): CheckOutcome {
  const { lines, exitCode } = input;
  const mongodSays = mongodErrors(lines);
  const fail = (
    code: CheckFailureCode,
    extra: { failures?: string[]; wrapper?: { code: string; value: number } } = {},
  ): CheckOutcome => ({
    ok: false,
    code,
    failures: extra.failures ?? [],
    mongodSays,
    ...(exitCode === undefined ? {} : { exitCode }),
    ...(extra.wrapper === undefined ? {} : { wrapper: extra.wrapper }),
  });

  const reports: RawReport[] = [];
  for (const line of lines) {
    const at = line.indexOf(REPORT_PREFIX);
    if (at < 0) continue;
    const parsed = parseJsonObject(line.slice(at + REPORT_PREFIX.length));
    if (!parsed) return fail('malformed_report');
    reports.push(parsed);
  }
  if (reports.length === 0) return fail('no_report');

  const failed = reports.find((r) => r.ok !== true);
  if (failed) {
    if (failed.stage === 'check') return fail('check_failed', { failures: strings(failed.failures) });
    const wrapper = {
      code: typeof failed.code === 'string' ? failed.code : '',
      value: typeof failed.detail === 'number' ? failed.detail : 0,
    };
    return fail(WRAPPER_CODES[wrapper.code] ?? 'bad_input', { wrapper });
  }
  const report = cleanReport(reports.find((r) => r.stage === 'check'));
  if (!report) return fail('malformed_report');
  if (exitCode !== 0) return fail('exit_code_mismatch');
  return { ok: true, report };
}

function cleanReport(raw: RawReport | undefined): CheckReport | undefined {
  if (!raw || typeof raw.db !== 'string' || !Array.isArray(raw.collections)) return undefined;
  const collections: CheckedCollection[] = [];
  for (const c of raw.collections as unknown[]) {
    const entry = c as { name?: unknown; count?: unknown; warnings?: unknown };
    if (typeof entry?.name !== 'string' || !isCount(entry.count)) return undefined;
    collections.push({ name: entry.name, count: entry.count, warnings: strings(entry.warnings) });
  }
  const counts = {} as CheckReport['counts'];
  for (const [key, name] of Object.entries(COUNTED) as [keyof typeof COUNTED, string][]) {
    const found = collections.find((c) => c.name === name);
    if (!found) return undefined;
    counts[key] = found.count;
  }
  let newestMessageAt: Date | null = null;
  if (raw.newestMessageAt !== null) {
    if (typeof raw.newestMessageAt !== 'string') return undefined;
    newestMessageAt = new Date(raw.newestMessageAt);
    if (Number.isNaN(newestMessageAt.getTime())) return undefined;
  }
  return {
    database: raw.db,
    ...(typeof raw.mongodb === 'string' ? { mongodbVersion: raw.mongodb } : {}),
    newestMessageAt,
    counts,
    collections,
  };
}

/**
 * mongod's error (E) and fatal (F) messages: from JSON log lines (MongoDB 4.4 and later), their
 * `msg` and the attribute that carries the words; from text lines (earlier), the message part.
 */
export function mongodErrors(lines: readonly string[]): string[] {
  const out: string[] = [];
  for (const line of lines) {
    const said = line.trimStart().startsWith('{') ? fromJsonLog(line) : fromTextLog(line);
    if (said !== undefined && !out.includes(said)) out.push(said);
    if (out.length === MAX_QUOTED) break;
  }
  return out;
}

function fromJsonLog(line: string): string | undefined {
  const entry = parseJsonObject(line) as
    | { s?: unknown; msg?: unknown; attr?: Record<string, unknown> }
    | undefined;
  if (!entry || (entry.s !== 'E' && entry.s !== 'F') || typeof entry.msg !== 'string') return undefined;
  const words = attributeWords(entry.attr);
  return cut(words === undefined ? entry.msg : `${entry.msg}: ${words}`);
}

/** The attribute mongod puts its explanation in: `message` (a string, or WiredTiger's object with `msg`), `error`, `reason`. */
function attributeWords(attr: Record<string, unknown> | undefined): string | undefined {
  if (!attr) return undefined;
  const message = attr.message;
  if (typeof message === 'string') return message;
  if (message && typeof message === 'object' && typeof (message as { msg?: unknown }).msg === 'string') {
    return (message as { msg: string }).msg;
  }
  for (const key of ['error', 'reason']) {
    const value = attr[key];
    if (typeof value === 'string') return value;
    if (value && typeof value === 'object') {
      const v = value as { errmsg?: unknown; codeName?: unknown };
      if (typeof v.errmsg === 'string')
        return typeof v.codeName === 'string' ? `${v.codeName}: ${v.errmsg}` : v.errmsg;
    }
  }
  return undefined;
}

const TEXT_LOG = /^\S+\s+([EF])\s+\S+\s+\[[^\]]*\]\s+(.*)$/;

function fromTextLog(line: string): string | undefined {
  const m = TEXT_LOG.exec(line.trim());
  return m ? cut(m[2] as string) : undefined;
}

function cut(text: string): string {
  return text.length > MAX_QUOTE_CHARS ? `${text.slice(0, MAX_QUOTE_CHARS - 1)}…` : text;
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0;
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function parseJsonObject(text: string): RawReport | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)
      ? (parsed as RawReport)
      : undefined;
  } catch {
    return undefined;
  }
}
