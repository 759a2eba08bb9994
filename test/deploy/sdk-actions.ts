import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

export const REPO_ROOT = path.resolve(import.meta.dirname, '../..');

/** The IAM service prefix of each SDK client the bot uses; EFS is not called `efs` in IAM. */
export const SERVICE_PREFIX: Readonly<Record<string, string>> = {
  '@aws-sdk/client-backup': 'backup',
  '@aws-sdk/client-cloudformation': 'cloudformation',
  '@aws-sdk/client-cloudwatch-logs': 'logs',
  '@aws-sdk/client-ecs': 'ecs',
  '@aws-sdk/client-efs': 'elasticfilesystem',
  '@aws-sdk/client-ssm': 'ssm',
};

export interface SdkImport {
  file: string;
  pkg: string;
  /** The exported name, before any `as` rename. */
  name: string;
  typeOnly: boolean;
}

const NAMED_IMPORT = /import\s+(type\s+)?\{([^}]*)\}\s*from\s*['"](@aws-sdk\/[^'"]+)['"]/g;
const ANY_SDK_REFERENCE = /(?:from\s*|import\s*\(\s*|require\s*\(\s*)['"]@aws-sdk\//g;

/** The named imports from `@aws-sdk/*` in one source text. */
export function sdkImports(text: string, file: string): SdkImport[] {
  const found: SdkImport[] = [];
  for (const m of text.matchAll(NAMED_IMPORT)) {
    const wholeTypeOnly = m[1] !== undefined;
    const pkg = m[3] as string;
    for (const raw of (m[2] as string).split(',')) {
      const spec = raw.trim();
      if (spec === '') continue;
      const typeOnly = wholeTypeOnly || spec.startsWith('type ');
      const name = spec
        .replace(/^type\s+/, '')
        .split(/\s+as\s+/)[0]
        ?.trim();
      if (name) found.push({ file, pkg, name, typeOnly });
    }
  }
  return found;
}

/**
 * `@aws-sdk` references that are not plain named imports (`import * as`, default imports, dynamic
 * `import()`, `require`): the derivation below cannot see what they call, so none may exist.
 */
export function opaqueSdkReferences(text: string): number {
  const all = [...text.matchAll(ANY_SDK_REFERENCE)].length;
  const named = [...text.matchAll(NAMED_IMPORT)].length;
  return all - named;
}

function sdkSourceDir(pkg: string, sub: string): string {
  return path.join(REPO_ROOT, 'node_modules', pkg, 'dist-es', sub);
}

/** The operations a waiter polls, read from the SDK's own waiter source. */
export function waiterOperations(pkg: string, waiter: string): string[] {
  const file = path.join(sdkSourceDir(pkg, 'waiters'), `${waiter.replace(/^waitUntil/, 'waitFor')}.js`);
  if (!existsSync(file)) return [];
  const text = readFileSync(file, 'utf8');
  if (!text.includes(`export const ${waiter} `)) return [];
  return [...new Set([...text.matchAll(/new (\w+)Command\(/g)].map((m) => m[1] as string))];
}

/** The operation a paginator pages through, read from the SDK's own paginator source. */
export function paginatorOperation(pkg: string, paginator: string): string | undefined {
  const op = paginator.replace(/^paginate/, '');
  const file = path.join(sdkSourceDir(pkg, 'pagination'), `${op}Paginator.js`);
  if (!existsSync(file)) return undefined;
  return readFileSync(file, 'utf8').includes(`${op}Command`) ? op : undefined;
}

export interface DerivedActions {
  /** `<prefix>:<Operation>` for every command, paginator and waiter imported as a value. */
  actions: Set<string>;
  /** Value imports the derivation does not understand: each must be explained or the test fails. */
  unknown: SdkImport[];
}

export function actionsFromImports(imports: readonly SdkImport[]): DerivedActions {
  const actions = new Set<string>();
  const unknown: SdkImport[] = [];
  for (const imp of imports) {
    if (imp.typeOnly) continue;
    const prefix = SERVICE_PREFIX[imp.pkg];
    if (prefix === undefined) {
      unknown.push(imp);
      continue;
    }
    // A client only holds configuration; an exception class only serves instanceof checks.
    if (/Client$/.test(imp.name) || /Exception$/.test(imp.name)) continue;
    const command = /^(\w+)Command$/.exec(imp.name);
    if (command) {
      actions.add(`${prefix}:${command[1]}`);
      continue;
    }
    if (imp.name.startsWith('paginate')) {
      const op = paginatorOperation(imp.pkg, imp.name);
      if (op === undefined) unknown.push(imp);
      else actions.add(`${prefix}:${op}`);
      continue;
    }
    if (imp.name.startsWith('waitUntil')) {
      const ops = waiterOperations(imp.pkg, imp.name);
      if (ops.length === 0) unknown.push(imp);
      for (const op of ops) actions.add(`${prefix}:${op}`);
      continue;
    }
    unknown.push(imp);
  }
  return { actions, unknown };
}

/** The `.ts` files of a source folder, recursively. */
export function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sourceFiles(full));
    else if (entry.name.endsWith('.ts')) out.push(full);
  }
  return out.sort();
}

/** What the code in src/aws calls, derived from its imports. */
export function deriveBotActions(): DerivedActions & { imports: SdkImport[] } {
  const imports = sourceFiles(path.join(REPO_ROOT, 'src/aws')).flatMap((file) =>
    sdkImports(readFileSync(file, 'utf8'), path.relative(REPO_ROOT, file)),
  );
  return { ...actionsFromImports(imports), imports };
}
