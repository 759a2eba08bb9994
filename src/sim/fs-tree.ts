import { lstatSync, readdirSync } from 'node:fs';
import { copyFile, lstat, mkdir, readdir, readlink, symlink, utimes } from 'node:fs/promises';
import { join } from 'node:path';

export interface TreeNode {
  name: string;
  type: 'dir' | 'file' | 'symlink';
  /** Bytes, including everything below for a directory. */
  size: number;
  /** Directories above the depth limit; `truncated` counts what was left out below it. */
  children?: TreeNode[];
  truncated?: number;
}

/**
 * Copies a directory tree (files, directories, symlinks as links). Each file gets `mtime` (epoch
 * ms) when given, else keeps the modification time it had.
 */
export async function copyTree(from: string, to: string, opts: { mtime?: number } = {}): Promise<void> {
  const st = await lstat(from);
  if (st.isSymbolicLink()) {
    await symlink(await readlink(from), to);
  } else if (st.isDirectory()) {
    await mkdir(to, { recursive: true });
    for (const entry of await readdir(from)) await copyTree(join(from, entry), join(to, entry), opts);
  } else {
    await copyFile(from, to);
    const at = opts.mtime === undefined ? st.mtime : new Date(opts.mtime);
    await utimes(to, at, at);
  }
}

/** Total bytes of the regular files under `path`. */
export function treeSize(path: string): number {
  const st = lstatSync(path, { throwIfNoEntry: false });
  if (!st) return 0;
  if (!st.isDirectory()) return st.isFile() ? st.size : 0;
  let total = 0;
  for (const entry of readdirSync(path)) total += treeSize(join(path, entry));
  return total;
}

/** The tree under `path` to `depth` levels (depth 1: the entries of `path`), sorted by name. */
export function treeListing(path: string, depth: number, name = '/'): TreeNode {
  const st = lstatSync(path);
  if (st.isSymbolicLink()) return { name, type: 'symlink', size: 0 };
  if (!st.isDirectory()) return { name, type: 'file', size: st.size };
  const entries = readdirSync(path).sort();
  if (depth <= 0) return { name, type: 'dir', size: treeSize(path), truncated: entries.length };
  const children = entries.map((entry) => treeListing(join(path, entry), depth - 1, entry));
  return { name, type: 'dir', size: children.reduce((n, c) => n + c.size, 0), children };
}
