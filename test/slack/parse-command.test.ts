import { describe, expect, it } from 'vitest';
import { userMessage } from '../../src/slack/errors.js';
import { COMMAND } from '../../src/slack/ids.js';
import {
  LIST_DEFAULT,
  LIST_MAX,
  MAX_COMMAND_TEXT,
  ParseError,
  type ParseErrorCode,
  parseCommand,
  parseIsoTime,
} from '../../src/slack/parse-command.js';

const ARN = 'arn:aws:backup:eu-central-1:123456789012:recovery-point:1EB3B5E7-9EB0-435A-A80B-108B488B0D45';

function expectError(text: string, code: ParseErrorCode, argument?: string): ParseError {
  const result = parseCommand(text);
  expect(result).toBeInstanceOf(ParseError);
  const error = result as ParseError;
  expect(error.code).toBe(code);
  if (argument !== undefined) expect(error.argument).toBe(argument);
  return error;
}

describe('parseCommand: good input', () => {
  it.each([
    ['', { kind: 'help' }],
    ['   ', { kind: 'help' }],
    ['help', { kind: 'help' }],
    ['HELP me please', { kind: 'help' }],
    ['list', { kind: 'list', limit: LIST_DEFAULT }],
    ['list 5', { kind: 'list', limit: 5 }],
    [`list ${LIST_MAX}`, { kind: 'list', limit: LIST_MAX }],
    ['  LiSt    7  ', { kind: 'list', limit: 7 }],
    ['status', { kind: 'status' }],
    ['Cancel', { kind: 'cancel' }],
    ['rollback', { kind: 'rollback' }],
    ['CLEANUP', { kind: 'cleanup' }],
    ['start 1', { kind: 'start', point: { kind: 'index', index: 1 } }],
    ['start   999', { kind: 'start', point: { kind: 'index', index: 999 } }],
    ['start latest', { kind: 'start', point: { kind: 'latest' } }],
    ['Start LATEST', { kind: 'start', point: { kind: 'latest' } }],
    [
      'start 1EB3B5E7-9EB0-435A-A80B-108B488B0D45',
      { kind: 'start', point: { kind: 'id', id: '1EB3B5E7-9EB0-435A-A80B-108B488B0D45' } },
    ],
    [
      `start ${ARN}`,
      {
        kind: 'start',
        point: {
          kind: 'arn',
          arn: ARN,
          id: '1EB3B5E7-9EB0-435A-A80B-108B488B0D45',
          region: 'eu-central-1',
          account: '123456789012',
        },
      },
    ],
    ['start before 2h', { kind: 'start', point: { kind: 'before', agoMs: 7_200_000, text: '2h' } }],
    ['start before 30M ago', { kind: 'start', point: { kind: 'before', agoMs: 1_800_000, text: '30m' } }],
    ['start before 1d', { kind: 'start', point: { kind: 'before', agoMs: 86_400_000, text: '1d' } }],
    [
      'start before 2026-05-14T08:00Z',
      { kind: 'start', point: { kind: 'before', at: new Date('2026-05-14T08:00:00.000Z') } },
    ],
    [
      'start before 2026-05-14 08:00',
      { kind: 'start', point: { kind: 'before', at: new Date('2026-05-14T08:00:00.000Z') } },
    ],
    [
      'start BEFORE 2026-05-14T10:30:15.5+02:00',
      { kind: 'start', point: { kind: 'before', at: new Date('2026-05-14T08:30:15.500Z') } },
    ],
    [
      'start before 2026-05-14',
      { kind: 'start', point: { kind: 'before', at: new Date('2026-05-14T00:00:00Z') } },
    ],
  ])('%j', (text, expected) => {
    expect(parseCommand(text)).toEqual(expected);
  });

  it('tolerates tabs and non-breaking spaces between words', () => {
    expect(parseCommand('\tstart\u00a0\u00a0latest\n')).toEqual({ kind: 'start', point: { kind: 'latest' } });
  });

  it('accepts text of exactly the maximum length', () => {
    expect(parseCommand(`help${' '.repeat(MAX_COMMAND_TEXT - 4)}`)).toEqual({ kind: 'help' });
  });
});

describe('parseCommand: bad input', () => {
  it('refuses oversized text before looking at it', () => {
    expectError(`list ${'9'.repeat(MAX_COMMAND_TEXT)}`, 'too_long');
    expectError('x'.repeat(MAX_COMMAND_TEXT + 1), 'too_long');
  });

  it.each([
    ['restore', 'restore'],
    ['lsit', 'lsit'],
    ['$(id)', '$(id)'],
    ['--help', '--help'],
  ])('unknown subcommand %j', (text, argument) => {
    expectError(text, 'unknown_subcommand', argument);
  });

  it.each([
    ['start $(id)', '$(id)'],
    ['start ../../x', '../../x'],
    ['start ;rm -rf /', ';rm'],
    ['start `reboot`', '`reboot`'],
    ['start latest;reboot', 'latest;reboot'],
    ['start 1|sh', '1|sh'],
    ['start a&&b', 'a&&b'],
    ['start <@U0123ABC>', '<@U0123ABC>'],
    ['start /etc/passwd', '/etc/passwd'],
    ["start '1'", "'1'"],
    ['start latest $(id)', '$(id)'],
    ['start before $(date)', '$(date)'],
    ['start x\u0007y', 'x\u0007y'],
  ])('injection-looking %j is unsafe_argument', (text, argument) => {
    expectError(text, 'unsafe_argument', argument);
  });

  it.each([
    ['start 0', '0'],
    ['start 1000', '1000'],
    ['start -1', '-1'],
    ['start short', 'short'],
    [
      'start arn:aws:backup:eu-central-1:12345:recovery-point:abcdef12',
      'arn:aws:backup:eu-central-1:12345:recovery-point:abcdef12',
    ],
    ['start arn:aws:ec2:eu-central-1::snapshot/snap-1', undefined],
    ['start before soon', 'soon'],
    ['start before 2026-02-30', '2026-02-30'],
    ['start before 2026-05-14T25:00Z', '2026-05-14T25:00Z'],
    ['start before 0h', '0h'],
    ['start before 2026-05-14 noon', '2026-05-14 noon'],
    ['list 0', '0'],
    ['list many', 'many'],
    [`list ${LIST_MAX + 1}`, String(LIST_MAX + 1)],
  ])('%j is invalid_argument', (text, argument) => {
    const error = parseCommand(text);
    expect(error).toBeInstanceOf(ParseError);
    expect((error as ParseError).code).toMatch(/invalid_argument|unsafe_argument/);
    if (argument !== undefined) {
      expect((error as ParseError).code).toBe('invalid_argument');
      expect((error as ParseError).argument).toBe(argument);
    }
  });

  it.each([
    ['start latest now', 'now'],
    ['start 1 2', '2'],
    ['list 5 6', '6'],
    ['status all', 'all'],
    ['cancel r1', 'r1'],
    ['rollback now', 'now'],
    ['cleanup everything', 'everything'],
    ['start before 2026-05-14 08:00 extra', 'extra'],
  ])('%j has an unexpected argument', (text, argument) => {
    expectError(text, 'unexpected_argument', argument);
  });

  it.each(['start', 'START   ', 'start before', 'start before ago'])('%j misses its argument', (text) => {
    expectError(text, 'missing_argument');
  });
});

describe('user text for parse errors', () => {
  it('names the offending word, neutralising markup', () => {
    const error = expectError('start <!channel>$(id)', 'unsafe_argument');
    const text = userMessage(error, COMMAND);
    expect(text).toContain('`&lt;!channel&gt;$(id)`');
    expect(text).not.toContain('<!channel>');
    expect(text).toContain('nothing was run');
  });

  it('gives every code a specific text', () => {
    const texts = new Set(
      ['x'.repeat(600), 'frob', 'start', 'start latest now', 'start nope!', 'start bad', 'list 0'].map((t) =>
        userMessage(parseCommand(t), COMMAND),
      ),
    );
    expect(texts.size).toBe(7);
    for (const t of texts) expect(t).not.toMatch(/went wrong/);
  });

  it('cuts long words short', () => {
    const error = expectError(`start ${'a$'.repeat(100)}`, 'unsafe_argument');
    expect(userMessage(error).length).toBeLessThan(400);
  });
});

describe('parseIsoTime', () => {
  it('handles zones and leap days', () => {
    expect(parseIsoTime('2028-02-29T12:00:00-0130')?.toISOString()).toBe('2028-02-29T13:30:00.000Z');
    expect(parseIsoTime('2027-02-29')).toBeUndefined();
    expect(parseIsoTime('2026-13-01')).toBeUndefined();
    expect(parseIsoTime('2026-05-14T08:00+15:00')).toBeUndefined();
  });
});

describe('parseCommand: drill', () => {
  it.each([
    ['drill', { kind: 'drill', point: { kind: 'latest' } }],
    ['DRILL   ', { kind: 'drill', point: { kind: 'latest' } }],
    ['drill latest', { kind: 'drill', point: { kind: 'latest' } }],
    ['drill 3', { kind: 'drill', point: { kind: 'index', index: 3 } }],
    [
      'drill 8E1A3C5F-7B9D-4F2A-A4C6-738495A6B7C8',
      { kind: 'drill', point: { kind: 'id', id: '8E1A3C5F-7B9D-4F2A-A4C6-738495A6B7C8' } },
    ],
    ['drill before 2h ago', { kind: 'drill', point: { kind: 'before', agoMs: 2 * 3_600_000, text: '2h' } }],
    [
      'drill before 2026-05-14 08:00',
      { kind: 'drill', point: { kind: 'before', at: new Date('2026-05-14T08:00:00Z') } },
    ],
  ])('%j', (text, expected) => {
    expect(parseCommand(text)).toEqual(expected);
  });

  it.each([
    ['drill $(id)', 'unsafe_argument', '$(id)'],
    ['drill latest now', 'unexpected_argument', 'now'],
    ['drill 1000', 'invalid_argument', '1000'],
    ['drill before', 'missing_argument', 'before'],
    ['drill before tomorrow', 'invalid_argument', 'tomorrow'],
  ] as const)('refuses %j, naming drill', (text, code, argument) => {
    const error = expectError(text, code, argument);
    expect(error.subcommand).toBe('drill');
    expect(userMessage(error, '/chatdb-restore')).toMatch(/drill|recovery point|shell/);
  });
});
