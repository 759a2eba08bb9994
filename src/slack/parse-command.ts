import { parseDuration } from '../restore/duration.js';

/** Slack sends at most 4,000 characters; nothing this command takes needs more than a few dozen. */
export const MAX_COMMAND_TEXT = 500;
export const LIST_DEFAULT = 10;
/** One list message: a section with a Start button per point, within Slack's 50 blocks. */
export const LIST_MAX = 40;
export const INDEX_MAX = 999;

export const SUBCOMMANDS = [
  'list',
  'start',
  'status',
  'cancel',
  'reject',
  'rollback',
  'cleanup',
  'drill',
  'help',
] as const;
/** A rejection's reason: free words, stored and shown escaped, never run. */
export const MAX_REJECT_REASON = 300;
export type Subcommand = (typeof SUBCOMMANDS)[number];

/** An AWS Backup recovery point id as it ends an ARN (a UUID for EFS). */
export const RECOVERY_POINT_ID = /^[A-Za-z0-9][A-Za-z0-9-]{7,127}$/;
export const RECOVERY_POINT_ARN =
  /^arn:aws(?:-[a-z]+)*:backup:([a-z]{2}(?:-[a-z]+)+-\d):(\d{12}):recovery-point:([A-Za-z0-9][A-Za-z0-9-]{7,127})$/;
const INDEX = /^[1-9]\d{0,2}$/;
const RELATIVE = /^(\d{1,4})(m|h|d)$/;
// A date, optionally a time (minutes, seconds, fractions) and a zone; no zone means UTC.
const ISO_TIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?(Z|[+-]\d{2}:?\d{2})?$/i;
// Characters that mean someone is trying a shell, a path or markup rather than naming a point.
const UNSAFE = /[$`;|&<>(){}[\]\\'"*?!~#%^=,@]|\.\.|\/|\p{Cc}/u;

export type PointRef =
  /** 1 = the newest recovery point. */
  | { kind: 'index'; index: number }
  | { kind: 'id'; id: string }
  | { kind: 'arn'; arn: string; id: string; region: string; account: string }
  | { kind: 'latest' }
  /** The newest point taken strictly before a time: absolute, or `ms` before now. */
  | { kind: 'before'; at: Date }
  | { kind: 'before'; agoMs: number; text: string };

export type ParsedCommand =
  | { kind: 'help' }
  | { kind: 'list'; limit: number }
  | { kind: 'start'; point: PointRef }
  /** A rehearsal of a restore of `point` (default `latest`) that changes nothing in production. */
  | { kind: 'drill'; point: PointRef }
  | { kind: 'status' }
  | { kind: 'cancel' }
  /** Rejects this channel's session awaiting confirmation, with the rest of the line as the reason. */
  | { kind: 'reject'; reason?: string }
  | { kind: 'rollback' }
  | { kind: 'cleanup' };

export type ParseErrorCode =
  | 'too_long'
  | 'unknown_subcommand'
  | 'missing_argument'
  | 'unexpected_argument'
  | 'invalid_argument'
  | 'unsafe_argument';

export class ParseError extends Error {
  readonly kind = 'error';
  readonly code: ParseErrorCode;
  readonly subcommand: Subcommand | undefined;
  /** The offending word as typed (for display, escaped where it is shown). */
  readonly argument: string | undefined;

  constructor(
    code: ParseErrorCode,
    opts: { subcommand?: Subcommand; argument?: string; message?: string } = {},
  ) {
    super(opts.message ?? code);
    this.name = 'ParseError';
    this.code = code;
    this.subcommand = opts.subcommand;
    this.argument = opts.argument;
  }
}

/**
 * The one parser for `/chatdb-restore` text. Pure: it executes nothing, and every argument either
 * matches a strict pattern or becomes a ParseError that names it.
 */
export function parseCommand(text: string): ParsedCommand | ParseError {
  if (text.length > MAX_COMMAND_TEXT) return new ParseError('too_long');
  const words = text
    .trim()
    .split(/\s+/)
    .filter((w) => w !== '');
  const [first, ...args] = words;
  if (first === undefined) return { kind: 'help' };
  const name = first.toLowerCase();
  if (!isSubcommand(name)) return new ParseError('unknown_subcommand', { argument: first });

  switch (name) {
    case 'help':
      // `help anything` is still a request for help.
      return { kind: 'help' };
    case 'list':
      return parseList(args);
    case 'start':
      return parseStart(args);
    case 'drill':
      return parseDrill(args);
    case 'reject': {
      const reason = text.trim().slice(first.length).trim();
      if (reason.length > MAX_REJECT_REASON) return argumentError('reject', reason, 'invalid_argument');
      return reason === '' ? { kind: 'reject' } : { kind: 'reject', reason };
    }
    case 'status':
    case 'cancel':
    case 'rollback':
    case 'cleanup': {
      const extra = args[0];
      if (extra !== undefined) return argumentError(name, extra, 'unexpected_argument');
      return { kind: name };
    }
  }
}

/** The subcommand a mistyped word most likely meant (`strat` → `start`), if one is close. */
export function nearestSubcommand(word: string): Subcommand | undefined {
  const w = word.toLowerCase().slice(0, 20);
  let best: { name: Subcommand; d: number } | undefined;
  for (const name of SUBCOMMANDS) {
    const d = name.startsWith(w) && w.length >= 2 ? 0 : editDistance(w, name);
    if (best === undefined || d < best.d) best = { name, d };
  }
  return best !== undefined && best.d <= (best.name.length >= 5 ? 2 : 1) ? best.name : undefined;
}

/** Edit distance counting a swap of two neighbours as one edit (optimal string alignment). */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  const at = (i: number, j: number) => d[i]?.[j] ?? Number.POSITIVE_INFINITY;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        v = Math.min(v, at(i - 2, j - 2) + 1);
      (d[i] as number[])[j] = v;
    }
  }
  return at(a.length, b.length);
}

function isSubcommand(word: string): word is Subcommand {
  return (SUBCOMMANDS as readonly string[]).includes(word);
}

function parseList(args: string[]): ParsedCommand | ParseError {
  const [n, extra] = args;
  if (extra !== undefined) return argumentError('list', extra, 'unexpected_argument');
  if (n === undefined) return { kind: 'list', limit: LIST_DEFAULT };
  if (!INDEX.test(n) || Number(n) > LIST_MAX) return argumentError('list', n, 'invalid_argument');
  return { kind: 'list', limit: Number(n) };
}

function parseStart(args: string[]): ParsedCommand | ParseError {
  if (args[0] === undefined) return new ParseError('missing_argument', { subcommand: 'start' });
  const point = parsePoint('start', args);
  return point instanceof ParseError ? point : { kind: 'start', point };
}

/** `drill [point]`: the same points as `start`, `latest` when none is named. */
function parseDrill(args: string[]): ParsedCommand | ParseError {
  if (args[0] === undefined) return { kind: 'drill', point: { kind: 'latest' } };
  const point = parsePoint('drill', args);
  return point instanceof ParseError ? point : { kind: 'drill', point };
}

/** A recovery point as `start` and `drill` take it (at least one word). */
function parsePoint(sub: 'start' | 'drill', args: string[]): PointRef | ParseError {
  const [word = '', ...rest] = args;
  const unsafe = args.find((a) => UNSAFE.test(a));
  if (unsafe !== undefined) return argumentError(sub, unsafe, 'unsafe_argument');

  const keyword = word.toLowerCase();
  if (keyword === 'before') return parseBefore(sub, rest);
  const extra = rest[0];
  if (extra !== undefined) return argumentError(sub, extra, 'unexpected_argument');
  if (keyword === 'latest') return { kind: 'latest' };
  if (INDEX.test(word)) return { kind: 'index', index: Number(word) };
  const arn = RECOVERY_POINT_ARN.exec(word);
  if (arn) {
    const [, region, account, id] = arn as unknown as [string, string, string, string];
    return { kind: 'arn', arn: word, id, region, account };
  }
  // A bare number out of the index range is a typo for an index, never an id.
  if (RECOVERY_POINT_ID.test(word) && !/^\d+$/.test(word)) {
    return { kind: 'id', id: word };
  }
  return argumentError(sub, word, 'invalid_argument');
}

function parseBefore(sub: 'start' | 'drill', args: string[]): PointRef | ParseError {
  // `before 2h ago` reads naturally; `ago` adds nothing.
  const words = args.at(-1)?.toLowerCase() === 'ago' ? args.slice(0, -1) : args;
  const [first, second, extra] = words;
  if (first === undefined) return new ParseError('missing_argument', { subcommand: sub, argument: 'before' });
  if (extra !== undefined) return argumentError(sub, extra, 'unexpected_argument');

  const relative = second === undefined ? RELATIVE.exec(first.toLowerCase()) : null;
  if (relative) {
    const agoMs = parseDuration(first.toLowerCase()) ?? 0;
    if (agoMs <= 0) return argumentError(sub, first, 'invalid_argument');
    return { kind: 'before', agoMs, text: first.toLowerCase() };
  }
  // `before 2026-05-14 08:00` arrives as two words.
  const text = second === undefined ? first : `${first}T${second}`;
  const at = parseIsoTime(text);
  if (at === undefined)
    return argumentError(sub, second === undefined ? first : `${first} ${second}`, 'invalid_argument');
  return { kind: 'before', at };
}

/** A strict ISO 8601 time; calendar-checked (no 30 February), UTC where no zone is given. */
export function parseIsoTime(text: string): Date | undefined {
  const m = ISO_TIME.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h = '00', mi = '00', s = '00', frac = '', zone = 'Z'] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (month < 1 || month > 12 || hour > 23 || minute > 59 || second > 59) return undefined;
  const ms = Number(frac.padEnd(3, '0').slice(0, 3));
  const utc = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  const check = new Date(utc);
  if (check.getUTCDate() !== day || check.getUTCMonth() !== month - 1) return undefined;
  let offsetMin = 0;
  if (zone.toUpperCase() !== 'Z') {
    const z = /^([+-])(\d{2}):?(\d{2})$/.exec(zone);
    if (!z) return undefined;
    const [, sign, zh, zm] = z as unknown as [string, string, string, string];
    if (Number(zh) > 14 || Number(zm) > 59) return undefined;
    offsetMin = (sign === '-' ? -1 : 1) * (Number(zh) * 60 + Number(zm));
  }
  return new Date(utc - offsetMin * 60_000);
}

function argumentError(subcommand: Subcommand, argument: string, code: ParseErrorCode): ParseError {
  return new ParseError(code, { subcommand, argument });
}
