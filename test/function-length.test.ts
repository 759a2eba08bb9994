// No function in src/restore or src/slack is longer than about 150 lines (issue 16): a longer one
// is a class or a module in disguise, and a newcomer reads it whole to change one line. Measured
// with the TypeScript compiler's own parse, from a function's first token to its closing brace,
// nested functions counted inside their parent too. A function that must stay longer is listed
// below, by file and name, with the reason; the list is checked as well, so it cannot go stale.

import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');
const DIRS = ['src/restore', 'src/slack'];
const MAX_LINES = 150;

/** `file:name` → why it may be longer. None today. */
const EXCEPTIONS: Readonly<Record<string, string>> = {};

interface Measured {
  file: string;
  name: string;
  line: number;
  lines: number;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** The name a reader would search for: the declaration's, or the variable or property holding it. */
function nameOf(node: ts.FunctionLikeDeclaration, sf: ts.SourceFile): string {
  if (node.name !== undefined) return node.name.getText(sf);
  const parent = node.parent;
  if (
    (ts.isVariableDeclaration(parent) ||
      ts.isPropertyAssignment(parent) ||
      ts.isPropertyDeclaration(parent)) &&
    parent.name !== undefined
  ) {
    return parent.name.getText(sf);
  }
  if (ts.isConstructorDeclaration(node)) return 'constructor';
  return `(anonymous)@${sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1}`;
}

/** Every function with a body in `text`, with its length in lines. */
function measure(file: string, text: string): Measured[] {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: Measured[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body !== undefined) {
      const fn = node as ts.FunctionLikeDeclaration;
      const first = sf.getLineAndCharacterOfPosition(fn.getStart(sf)).line;
      const last = sf.getLineAndCharacterOfPosition(fn.getEnd()).line;
      found.push({ file, name: nameOf(fn, sf), line: first + 1, lines: last - first + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}

function measureTree(): Measured[] {
  return DIRS.flatMap((dir) => sourceFiles(join(ROOT, dir))).flatMap((path) =>
    measure(relative(ROOT, path), readFileSync(path, 'utf8')),
  );
}

const key = (m: Measured) => `${m.file}:${m.name}`;

describe('function length', () => {
  it('measures a function from its first line to its closing brace, nested ones too', () => {
    const body = (n: number) => Array.from({ length: n }, (_, i) => `  const v${i} = ${i};`).join('\n');
    const text = [
      `export function long(): void {\n${body(MAX_LINES - 1)}\n}`,
      `const short = () => {\n${body(MAX_LINES - 2)}\n};`,
      `const service = {\n  method() {\n${body(3)}\n  },\n};`,
    ].join('\n');
    const measured = measure('x.ts', text);
    expect(measured.map((m) => [m.name, m.lines])).toEqual([
      ['long', MAX_LINES + 1],
      ['short', MAX_LINES],
      ['method', 5],
    ]);
  });

  it(`finds no function in ${DIRS.join(' or ')} longer than ${MAX_LINES} lines but the listed ones`, () => {
    const measured = measureTree();
    // The walk reached the code it is meant to guard.
    expect(measured.some((m) => m.file === join('src', 'restore', 'orchestrator.ts'))).toBe(true);
    expect(measured.some((m) => m.file.startsWith(join('src', 'slack')))).toBe(true);
    const tooLong = measured
      .filter((m) => m.lines > MAX_LINES && EXCEPTIONS[key(m)] === undefined)
      .map((m) => `${m.file}:${m.line} ${m.name} (${m.lines} lines)`);
    expect(tooLong).toEqual([]);
  });

  it('lists as exceptions only functions that are still longer than the limit', () => {
    const long = new Set(
      measureTree()
        .filter((m) => m.lines > MAX_LINES)
        .map(key),
    );
    expect(Object.keys(EXCEPTIONS).filter((k) => !long.has(k))).toEqual([]);
  });
});
