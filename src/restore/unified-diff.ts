// A unified diff over lines (Myers' O(ND) algorithm), in the exact format `git apply` and
// `patch` read: `---`/`+++` headers, `@@ -a,b +c,d @@` hunks, `\ No newline at end of file`.
// Lines keep their `\r`, so a CRLF file diffs and patches byte for byte.

export interface UnifiedDiffOptions {
  fromFile: string;
  toFile: string;
  /** Unchanged lines shown around each change; 3 like git and GNU diff. */
  context?: number;
}

type OpType = 'equal' | 'delete' | 'insert';

interface Op {
  type: OpType;
  /** Old lines consumed before this op. */
  oldPos: number;
  /** New lines consumed before this op. */
  newPos: number;
  /** The line's text, without its `\n`. */
  text: string;
  /** This is the file's last line and it has no `\n`. */
  noEol: boolean;
}

interface Lines {
  text: string[];
  /** Comparison keys: the last line without `\n` never equals a line that has one. */
  keys: string[];
  noEol: boolean;
}

/** Beyond this many edits, a minimal diff costs too much memory; a larger but correct one is used. */
const MAX_EDIT_DISTANCE = 2000;
const NO_EOL_MARK = '\\ No newline at end of file';

/** Returns '' when the texts are equal. */
export function unifiedDiff(oldText: string, newText: string, options: UnifiedDiffOptions): string {
  const context = options.context ?? 3;
  if (!Number.isInteger(context) || context < 0)
    throw new RangeError('context must be a non-negative integer');
  if (/[\r\n]/.test(options.fromFile) || /[\r\n]/.test(options.toFile)) {
    throw new RangeError('file names in a diff header cannot contain line breaks');
  }
  if (oldText === newText) return '';
  const a = splitLines(oldText);
  const b = splitLines(newText);
  const ops = diffOps(a, b);
  const out: string[] = [`--- ${options.fromFile}`, `+++ ${options.toFile}`];
  for (const hunk of hunks(ops, context)) out.push(...renderHunk(hunk));
  return `${out.join('\n')}\n`;
}

function splitLines(text: string): Lines {
  if (text === '') return { text: [], keys: [], noEol: false };
  const parts = text.split('\n');
  const noEol = !text.endsWith('\n');
  if (!noEol) parts.pop();
  const keys = parts.map((line, i) => (noEol && i === parts.length - 1 ? `${line}\n<no-eol>` : line));
  return { text: parts, keys, noEol };
}

function diffOps(a: Lines, b: Lines): Op[] {
  const n = a.keys.length;
  const m = b.keys.length;
  let prefix = 0;
  while (prefix < n && prefix < m && a.keys[prefix] === b.keys[prefix]) prefix++;
  let suffix = 0;
  while (suffix < n - prefix && suffix < m - prefix && a.keys[n - 1 - suffix] === b.keys[m - 1 - suffix]) {
    suffix++;
  }
  const middle = myers(a.keys.slice(prefix, n - suffix), b.keys.slice(prefix, m - suffix));

  const ops: Op[] = [];
  let x = 0;
  let y = 0;
  const push = (type: OpType): void => {
    const fromOld = type !== 'insert';
    const index = fromOld ? x : y;
    const lines = fromOld ? a : b;
    ops.push({
      type,
      oldPos: x,
      newPos: y,
      text: lines.text[index] ?? '',
      noEol: lines.noEol && index === lines.text.length - 1,
    });
    if (type !== 'insert') x++;
    if (type !== 'delete') y++;
  };
  for (let i = 0; i < prefix; i++) push('equal');
  for (const type of middle) push(type);
  for (let i = 0; i < suffix; i++) push('equal');
  return ops;
}

/** The edit script turning `a` into `b`, deletions before insertions within a change. */
function myers(a: readonly string[], b: readonly string[]): OpType[] {
  const n = a.length;
  const m = b.length;
  if (n === 0) return Array<OpType>(m).fill('insert');
  if (m === 0) return Array<OpType>(n).fill('delete');
  const max = Math.min(n + m, MAX_EDIT_DISTANCE);
  const offset = max + 1;
  const v = new Int32Array(2 * max + 3);
  // trace[d] holds v[-d..d] as it was before round d: enough to walk the path back.
  const trace: Int32Array[] = [];
  for (let d = 0; d <= max; d++) {
    trace.push(v.slice(offset - d, offset + d + 1));
    for (let k = -d; k <= d; k += 2) {
      const down = k === -d || (k !== d && at(v, offset + k - 1) < at(v, offset + k + 1));
      let x = down ? at(v, offset + k + 1) : at(v, offset + k - 1) + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) return backtrack(trace, n, m);
    }
  }
  return [...Array<OpType>(n).fill('delete'), ...Array<OpType>(m).fill('insert')];
}

function backtrack(trace: readonly Int32Array[], n: number, m: number): OpType[] {
  const reversed: OpType[] = [];
  let x = n;
  let y = m;
  for (let d = trace.length - 1; d >= 0; d--) {
    const v = trace[d] as Int32Array;
    // v covers k = -d..d at indices 0..2d.
    const get = (k: number): number => (k < -d || k > d ? -1 : at(v, k + d));
    const k = x - y;
    const down = k === -d || (k !== d && get(k - 1) < get(k + 1));
    const prevK = down ? k + 1 : k - 1;
    const prevX = d === 0 ? 0 : get(prevK);
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) {
      reversed.push('equal');
      x--;
      y--;
    }
    if (d > 0) reversed.push(x === prevX ? 'insert' : 'delete');
    x = prevX;
    y = d === 0 ? 0 : prevY;
  }
  return reversed.reverse();
}

function at(array: Int32Array, index: number): number {
  return array[index] ?? 0;
}

function hunks(ops: readonly Op[], context: number): Op[][] {
  const result: Op[][] = [];
  let index = 0;
  while (index < ops.length) {
    let first = index;
    while (first < ops.length && ops[first]?.type === 'equal') first++;
    if (first >= ops.length) break;
    let last = first;
    let j = first + 1;
    while (j < ops.length) {
      if (ops[j]?.type !== 'equal') {
        last = j;
        j++;
        continue;
      }
      let runEnd = j;
      while (runEnd < ops.length && ops[runEnd]?.type === 'equal') runEnd++;
      // Two changes whose contexts would touch or overlap share one hunk.
      if (runEnd < ops.length && runEnd - j <= 2 * context) {
        j = runEnd;
        continue;
      }
      break;
    }
    const start = Math.max(index, first - context);
    const end = Math.min(ops.length, last + 1 + context);
    result.push(ops.slice(start, end));
    index = end;
  }
  return result;
}

function renderHunk(hunk: readonly Op[]): string[] {
  const head = hunk[0] as Op;
  const oldCount = hunk.filter((op) => op.type !== 'insert').length;
  const newCount = hunk.filter((op) => op.type !== 'delete').length;
  const lines = [`@@ -${range(head.oldPos, oldCount)} +${range(head.newPos, newCount)} @@`];
  for (const op of hunk) {
    const sign = op.type === 'equal' ? ' ' : op.type === 'delete' ? '-' : '+';
    lines.push(`${sign}${op.text}`);
    if (op.noEol) lines.push(NO_EOL_MARK);
  }
  return lines;
}

/** GNU's form: an empty range names the line before it; a count of one is left out. */
function range(pos: number, count: number): string {
  if (count === 0) return `${pos},0`;
  if (count === 1) return `${pos + 1}`;
  return `${pos + 1},${count}`;
}
