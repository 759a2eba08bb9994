// The words of the check stage: MongoDB's report on the card and in the thread, the data-loss
// window read from the data, and a failed check in MongoDB's own words with the next older point.

import type { JsonObject, JsonValue, RestoreSession } from '../../restore/session.js';
import { stageState } from '../../restore/session.js';
import { code, codeBlock, escapeText } from './blocks.js';
import { utc } from './format.js';
import { nextStep } from './next-step.js';
import { productionLine } from './session-text.js';

interface CheckFacts {
  newestMessageAt: string | null | undefined;
  counts: { messages?: number; rooms?: number; users?: number };
  mongodbVersion?: string;
}

function obj(v: JsonValue | undefined): JsonObject | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? v : undefined;
}

function num(v: JsonValue | undefined): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

function strings(v: JsonValue | undefined): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

/** The clean report a done check stage recorded; undefined before, or for a session without one. */
export function checkFacts(s: RestoreSession): CheckFacts | undefined {
  const stage = stageState(s, 'check');
  if (stage?.status !== 'done' || stage.detail === undefined) return undefined;
  const d = stage.detail;
  const counts = obj(d.counts) ?? {};
  const newest = d.newestMessageAt;
  return {
    newestMessageAt: typeof newest === 'string' || newest === null ? newest : undefined,
    counts: {
      ...(num(counts.messages) === undefined ? {} : { messages: num(counts.messages) }),
      ...(num(counts.rooms) === undefined ? {} : { rooms: num(counts.rooms) }),
      ...(num(counts.users) === undefined ? {} : { users: num(counts.users) }),
    },
    ...(typeof d.mongodbVersion === 'string' ? { mongodbVersion: d.mongodbVersion } : {}),
  };
}

/** `182,311 messages · 431 rooms · 318 users`. */
export function countsText(facts: CheckFacts): string {
  const n = (value: number | undefined, what: string) =>
    value === undefined ? undefined : `${value.toLocaleString('en-US')} ${what}`;
  return [
    n(facts.counts.messages, 'messages'),
    n(facts.counts.rooms, 'rooms'),
    n(facts.counts.users, 'users'),
  ]
    .filter((x) => x !== undefined)
    .join(' · ');
}

/** The data-loss window as the restored data says it. */
export function newestMessageText(facts: CheckFacts): string {
  if (facts.newestMessageAt === null) return 'the restored database holds no messages';
  if (facts.newestMessageAt === undefined) return "the restored database's newest message time is unknown";
  return `the restored database's newest message was written at ${utc(facts.newestMessageAt, { seconds: true })}; chat written after that is not in it`;
}

/** The check stage's line on the card. */
export function checkStageDetail(s: RestoreSession): string {
  const facts = checkFacts(s);
  if (facts === undefined) return '';
  const newest =
    facts.newestMessageAt === null || facts.newestMessageAt === undefined
      ? 'no messages'
      : `newest message ${utc(facts.newestMessageAt, { seconds: true })}`;
  return [
    facts.mongodbVersion === undefined ? 'clean' : `clean (MongoDB ${escapeText(facts.mongodbVersion)})`,
    newest,
    countsText(facts),
  ]
    .filter((x) => x !== '')
    .join(' · ');
}

export function checkStartedText(): string {
  return ':mag_right: *MongoDB checks the restored data:* a one-off task of the chat-db image starts mongod on the flattened directory, validates the key collections and reads the newest message. Production is not touched; no clean report, no cutover.';
}

export function checkDoneText(s: RestoreSession, took: string): string {
  const facts = checkFacts(s);
  if (facts === undefined) return `:white_check_mark: *MongoDB checked the restored data*${took}.`;
  return `:white_check_mark: *MongoDB checked the restored data*${took}: clean. ${escapeText(countsText(facts))}.\nData-loss window: ${newestMessageText(facts)}.`;
}

/** The figures the summary and the finished card add for the check. */
export function checkFigures(s: RestoreSession): [string, string][] {
  const facts = checkFacts(s);
  if (facts === undefined) return [];
  const pairs: [string, string][] = [['Newest message in the restored data', newestMessageText(facts)]];
  const counts = countsText(facts);
  if (counts !== '') pairs.push(['Restored data (MongoDB counted)', counts]);
  return pairs;
}

/** A failed check on the card: MongoDB's words, the next older point, what is left for cleanup. */
export function checkFailureText(s: RestoreSession): string | undefined {
  const f = s.failure;
  if (f?.stage !== 'check') return undefined;
  const detail = stageState(s, 'check')?.detail ?? {};
  const check = obj(detail.check) ?? {};
  const said = [...strings(check.failures), ...strings(check.mongodSays)];
  const older = obj(detail.olderPoint);
  const olderId = typeof older?.id === 'string' ? older.id : undefined;
  const olderAt = typeof older?.createdAt === 'string' ? ` (${utc(older.createdAt)})` : '';
  const headline =
    f.code === 'check_failed'
      ? ':x: *MongoDB did not accept the restored copy; nothing was cut over.* MongoDB said:'
      : ':x: *The check could not run; nothing was cut over.* AWS said:';
  const lines = [
    headline,
    codeBlock(said.length > 0 ? said.slice(0, 5).join('\n') : f.reason),
    productionLine(s),
  ];
  // A drill tears its copy down and rehearses the next point with another drill.
  const drill = s.kind === 'drill';
  if (olderId !== undefined) {
    lines.push(
      `*Next older point:* ${code(olderId)}${olderAt}: \`/chatdb-restore ${drill ? 'drill' : 'start'} ${olderId}\``,
    );
  }
  const left = s.aws.flatDir;
  if (left !== undefined && !drill) lines.push(`${code(left)} stays on the volume for \`cleanup\`.`);
  lines.push(`*Next:* ${escapeText(nextStep(s))}`);
  return lines.join('\n');
}
