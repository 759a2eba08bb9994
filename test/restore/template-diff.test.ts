import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diffTemplate } from '../../src/restore/template-diff.js';
import { setVolumeRootDirectory } from '../../src/restore/template-edit.js';

let repo: string;

beforeAll(() => {
  repo = mkdtempSync(join(tmpdir(), 'chatdb-diff-'));
  git('init', '-q');
});

afterAll(() => {
  rmSync(repo, { recursive: true, force: true });
});

function git(...args: string[]): string {
  return execFileSync('git', args, {
    cwd: repo,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: repo, GIT_CONFIG_NOSYSTEM: '1' },
  });
}

/** Writes the old text, checks and applies our diff with git, and returns what git produced. */
function roundTrip(oldText: string, newText: string, context?: number): string {
  const file = join(repo, 'chat.cf.yaml');
  writeFileSync(file, oldText);
  const diff = diffTemplate(oldText, newText, 'chat.cf.yaml', context);
  if (diff === '') return readFileSync(file, 'utf8');
  writeFileSync(join(repo, 'change.patch'), diff);
  // git only accepts hunks without context when told to expect them.
  const zero = context === 0 ? ['--unidiff-zero'] : [];
  git('apply', '--check', ...zero, 'change.patch');
  git('apply', ...zero, 'change.patch');
  return readFileSync(file, 'utf8');
}

const lines = (n: number, eol = '\n'): string =>
  Array.from({ length: n }, (_, i) => `line ${i + 1}`).join(eol) + eol;

describe('diffTemplate', () => {
  it('renders one changed line with three lines of context and GNU hunk headers', () => {
    const oldText = lines(10);
    const newText = oldText.replace('line 5\n', 'line five\n');
    expect(diffTemplate(oldText, newText, 't.yaml')).toBe(
      [
        '--- a/t.yaml',
        '+++ b/t.yaml',
        '@@ -2,7 +2,7 @@',
        ' line 2',
        ' line 3',
        ' line 4',
        '-line 5',
        '+line five',
        ' line 6',
        ' line 7',
        ' line 8',
        '',
      ].join('\n'),
    );
  });

  it('returns an empty string for equal texts', () => {
    expect(diffTemplate('a\n', 'a\n', 't.yaml')).toBe('');
  });

  it('marks a missing final newline on either side', () => {
    const diff = diffTemplate('x\ny', 'x\ny\n', 'f');
    expect(diff).toBe(
      ['--- a/f', '+++ b/f', '@@ -1,2 +1,2 @@', ' x', '-y', '\\ No newline at end of file', '+y', ''].join(
        '\n',
      ),
    );
  });

  it('splits distant changes into separate hunks and merges close ones', () => {
    const oldText = lines(40);
    const far = oldText.replace('line 2\n', 'two\n').replace('line 30\n', 'thirty\n');
    expect(diffTemplate(oldText, far, 'f').match(/^@@/gm)).toHaveLength(2);
    const near = oldText.replace('line 2\n', 'two\n').replace('line 8\n', 'eight\n');
    expect(diffTemplate(oldText, near, 'f').match(/^@@/gm)).toHaveLength(1);
  });

  it('refuses line breaks in file names', () => {
    expect(() => diffTemplate('a', 'b', 'f\n+++ x')).toThrow(RangeError);
  });

  const cases: [string, string, string][] = [
    ['first line changed', lines(12), lines(12).replace('line 1\n', 'first\n')],
    ['last line changed', lines(12), lines(12).replace('line 12\n', 'last\n')],
    ['line inserted at the top', lines(6), `new top\n${lines(6)}`],
    ['line appended', lines(6), `${lines(6)}new bottom\n`],
    [
      'line inserted (RootDirectory)',
      lines(9),
      lines(9).replace('line 4\n', 'line 4\n  RootDirectory: /x\n'),
    ],
    ['all lines deleted', lines(5), ''],
    ['file created from empty', '', lines(3)],
    ['final newline removed', lines(4), lines(4).slice(0, -1)],
    ['final newline added', lines(4).slice(0, -1), lines(4)],
    [
      'last line changed without final newline',
      lines(4).slice(0, -1),
      lines(4).slice(0, -1).replace('line 4', 'four'),
    ],
    ['CRLF file, one line changed', lines(10, '\r\n'), lines(10, '\r\n').replace('line 7\r\n', 'seven\r\n')],
    ['several scattered edits', lines(60), scatter(lines(60))],
    ['completely different', lines(8), 'a\nb\nc\n'],
  ];

  for (const [name, oldText, newText] of cases) {
    it(`round-trips through git apply: ${name}`, () => {
      expect(roundTrip(oldText, newText)).toBe(newText);
    });
  }

  it('round-trips the template edit the cutover makes, LF and CRLF', () => {
    const template = [
      'Resources:',
      '  DbTaskDefinition:',
      '    Type: AWS::ECS::TaskDefinition',
      '    Properties:',
      '      Volumes:',
      '        - Name: chat-db',
      '          EFSVolumeConfiguration:',
      '            FilesystemId: !Ref DbStorage   # the database volume',
      '            TransitEncryption: ENABLED',
      '',
    ].join('\n');
    for (const text of [template, template.replaceAll('\n', '\r\n')]) {
      const edit = setVolumeRootDirectory(text, 'chat-db', '/chatdb-restore_2026-05-14T08-00-00Z_r1');
      const diff = diffTemplate(text, edit.text, 'chat.cf.yaml');
      expect(
        diff.match(/^\+ {12}RootDirectory: \/chatdb-restore_2026-05-14T08-00-00Z_r1\r?$/m),
      ).not.toBeNull();
      expect(roundTrip(text, edit.text)).toBe(edit.text);
    }
  });

  it('round-trips with zero context and with wide context', () => {
    const oldText = lines(30);
    const newText = scatter(oldText);
    expect(roundTrip(oldText, newText, 0)).toBe(newText);
    expect(roundTrip(oldText, newText, 10)).toBe(newText);
  });

  it('round-trips a large text changed on every line', () => {
    const oldText = lines(1500);
    const newText = oldText.replaceAll('line', 'row');
    expect(roundTrip(oldText, newText)).toBe(newText);
  });

  it('round-trips pseudo-random edits', () => {
    let seed = 42;
    const random = (n: number): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed % n;
    };
    for (let round = 0; round < 25; round++) {
      const base = Array.from({ length: 5 + random(40) }, () => `v${random(6)}`);
      const next = [...base];
      for (let edits = random(6); edits >= 0; edits--) {
        const at = random(next.length + 1);
        const action = random(3);
        if (action === 0) next.splice(at, 0, `new${random(100)}`);
        else if (action === 1) next.splice(at, 1);
        else next.splice(at, 1, `changed${random(100)}`);
      }
      const oldText = `${base.join('\n')}${random(2) ? '\n' : ''}`;
      const newText = `${next.join('\n')}${random(2) ? '\n' : ''}`;
      expect(roundTrip(oldText, newText), `round ${round}`).toBe(newText);
    }
  });
});

function scatter(text: string): string {
  return text
    .replace('line 3\n', '')
    .replace('line 10\n', 'ten\nten and a half\n')
    .replace('line 25\n', 'twenty-five\n');
}
