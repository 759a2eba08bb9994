import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decideDataDir } from '../../src/restore/data-evidence.js';
import { ScriptValueError, shellQuote } from '../../src/restore/script-values.js';
import {
  type BuiltScript,
  cleanupCandidates,
  deleteDirs,
  flatten,
  listRestoreDirs,
  locateDataDir,
  parseCleanupCandidates,
  parseFlatten,
  parseListRestoreDirs,
  parseLocateDataDir,
  verifyDataDir,
} from '../../src/restore/scripts.js';

const B = 'aws-backup-restore_2026-05-20T08-53-32-695Z';
const A = 'aws-backup-restore_2026-05-14T17-27-00-417720408Z';
const FLAT = 'chatdb-restore_2026-05-14T08-00-00Z_r20260520-7k2p9x';
const CANARY = 'PWNED';

// Each would run `touch PWNED` (or worse) if it ever reached a shell unquoted or double-quoted.
const PAYLOADS = [
  `$(touch ${CANARY})`,
  `\`touch ${CANARY}\``,
  `x;touch ${CANARY}`,
  `x&&touch ${CANARY}`,
  `x|touch ${CANARY}`,
  `x\ntouch ${CANARY}`,
  `x'$(touch ${CANARY})'`,
  `x"$(touch ${CANARY})"`,
  `x\${IFS}y`,
  'x y',
  'x\ty',
  '../../etc',
  '..',
  'x/../y',
  'é',
  'x\u0000y',
  '*',
  '-rf',
];

let root: string;
let mount: string;
let cwd: string;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'chatdb-inject-'));
  mount = join(root, 'efs');
  cwd = join(root, 'cwd');
  mkdirSync(mount);
  mkdirSync(cwd);
});

afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

function run(built: BuiltScript): string {
  const result = spawnSync('bash', ['-c', built.script], {
    cwd,
    env: {},
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 30_000,
  });
  return result.stdout;
}

/** Every file named exactly PWNED anywhere under the test root. */
function canaries(): string[] {
  return (readdirSync(root, { recursive: true }) as string[]).filter(
    (path) => path.split('/').pop() === CANARY,
  );
}

function dataDir(dir: string): void {
  mkdirSync(join(dir, 'journal'), { recursive: true });
  for (const file of [
    'WiredTiger',
    'WiredTiger.wt',
    'storage.bson',
    'collection-0-123.wt',
    'journal/WiredTigerLog.1',
  ]) {
    writeFileSync(join(dir, file), 'data');
  }
}

describe('values are checked before any script is built', () => {
  const builders: [string, (bad: string) => BuiltScript][] = [
    ['listRestoreDirs mount', (bad) => listRestoreDirs(`/mnt/${bad}`)],
    ['locateDataDir mount', (bad) => locateDataDir(`/mnt/efs/${bad}`, B)],
    ['locateDataDir restoreDir', (bad) => locateDataDir('/mnt/efs', `aws-backup-restore_${bad}`)],
    ['locateDataDir restoreDir prefix', (bad) => locateDataDir('/mnt/efs', `${bad}aws-backup-restore_x`)],
    ['flatten fromRelPath', (bad) => flatten('/mnt/efs', `${B}/${bad}`, FLAT, '/')],
    ['flatten toName', (bad) => flatten('/mnt/efs', `${B}/${A}`, `chatdb-restore_${bad}`, '/')],
    ['flatten liveRoot', (bad) => flatten('/mnt/efs', `${B}/${A}`, FLAT, `/${bad}`)],
    ['cleanupCandidates liveRoot', (bad) => cleanupCandidates('/mnt/efs', `/x/${bad}`)],
    ['deleteDirs name', (bad) => deleteDirs('/mnt/efs', [`aws-backup-restore_${bad}`], '/')],
    ['deleteDirs protect', (bad) => deleteDirs('/mnt/efs', [B], '/', { protect: [`chatdb-restore_${bad}`] })],
    ['verifyDataDir relPath', (bad) => verifyDataDir('/mnt/efs', `${FLAT}/${bad}x`)],
  ];

  for (const [what, build] of builders) {
    it(`rejects hostile ${what}`, () => {
      for (const payload of PAYLOADS) {
        expect(() => build(payload), JSON.stringify(payload)).toThrow(ScriptValueError);
      }
    });
  }

  it('rejects hostile values in every other form too', () => {
    expect(() => listRestoreDirs('relative/mount')).toThrow(ScriptValueError);
    expect(() => listRestoreDirs('/')).toThrow(ScriptValueError);
    expect(() => listRestoreDirs('/mnt/../etc')).toThrow(ScriptValueError);
    expect(() => listRestoreDirs('/mnt/-rf')).toThrow(ScriptValueError);
    expect(() => locateDataDir('/mnt/efs', '-rf')).toThrow(ScriptValueError);
    expect(() => locateDataDir('/mnt/efs', '')).toThrow(ScriptValueError);
    expect(() => locateDataDir('/mnt/efs', `${B}/x`)).toThrow(ScriptValueError);
    expect(() => flatten('/mnt/efs', `${B}/-rf`, FLAT, '/')).toThrow(ScriptValueError);
    expect(() => flatten('/mnt/efs', '', FLAT, '/')).toThrow(ScriptValueError);
    expect(() => flatten('/mnt/efs', `${B}/${A}`, `${FLAT}/x`, '/')).toThrow(ScriptValueError);
    expect(() => deleteDirs('/mnt/efs', ['..'], '/')).toThrow(ScriptValueError);
    expect(() => deleteDirs('/mnt/efs', [`${B}/..`], '/')).toThrow(ScriptValueError);
    expect(() => deleteDirs('/mnt/efs', ['/'], '/')).toThrow(ScriptValueError);
    expect(() => cleanupCandidates('/mnt/efs', 'relative')).toThrow(ScriptValueError);
    expect(() => listRestoreDirs(42 as unknown as string)).toThrow(ScriptValueError);
    expect(() => shellQuote("it's")).toThrow(ScriptValueError);
  });

  it('names the refused argument without running anything', () => {
    try {
      deleteDirs('/mnt/efs', [B, `aws-backup-restore_$(touch ${CANARY})`], '/');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ScriptValueError);
      expect((error as ScriptValueError).field).toBe('names[1]');
      expect((error as ScriptValueError).code).toBe('invalid_script_value');
    }
    expect(canaries()).toEqual([]);
  });

  it('puts every value into the script once, single-quoted', () => {
    const { script } = flatten(mount, `${B}/${A}`, `/${FLAT}`, `/${A}x`);
    expect(script).toContain(`readonly FROM='${B}/${A}'`);
    expect(script).toContain(`readonly TO='${FLAT}'`);
    expect(script).toContain(`readonly LIVE='${A}x'`);
    expect(script).toContain(`readonly MOUNT='${mount}'`);
    expect(script.split(`${B}/${A}`)).toHaveLength(2);
  });
});

describe('hostile names on the disk never run', () => {
  it('would notice an injection: the canary check sees a file a payload creates', () => {
    spawnSync('bash', ['-c', `x=aws-backup-restore_$(touch ${CANARY})`], { cwd, stdio: 'ignore' });
    expect(canaries()).toEqual([`cwd/${CANARY}`]);
  });

  // Names a restored tree could contain; each creates PWNED if a script ever evaluates it.
  const hostile = [
    `aws-backup-restore_$(touch ${CANARY})`,
    `aws-backup-restore_\`touch ${CANARY}\``,
    `aws-backup-restore_x;touch ${CANARY}`,
    `aws-backup-restore_x\ntouch ${CANARY}`,
    `aws-backup-restore_x'$(touch ${CANARY})'`,
    `aws-backup-restore_x\t$(touch ${CANARY})`,
    `chatdb-restore_$(touch ${CANARY})`,
    'aws-backup-restore_é',
  ];

  it('lists them only as unexpected, %q-quoted, and runs none', () => {
    mkdirSync(join(mount, B));
    for (const name of hostile) mkdirSync(join(mount, name));
    const listing = parseListRestoreDirs(run(listRestoreDirs(mount)));
    expect(listing.dirs.map((d) => d.name)).toEqual([B]);
    expect(listing.unexpected).toHaveLength(hostile.length - 1);
    expect(listing.unexpected.every((u) => !u.includes('\n') && !u.includes('\t'))).toBe(true);
    expect(listing.unexpected.join(' ')).toContain(`aws-backup-restore_\\$\\(touch\\ ${CANARY}\\)`);

    const cleanup = parseCleanupCandidates(run(cleanupCandidates(mount, '/')));
    expect(cleanup.dirs.map((d) => d.name)).toEqual([B]);
    expect(cleanup.unexpected).toHaveLength(hostile.length);
    expect(canaries()).toEqual([]);
  });

  it('never picks a data dir with a hostile name, and runs none', () => {
    for (const name of hostile) dataDir(join(mount, B, name));
    const report = parseLocateDataDir(run(locateDataDir(mount, B)));
    expect(report.candidates).toEqual([]);
    expect(report.unexpected).toHaveLength(hostile.length);
    expect(report.unexpected.every((u) => u.depth === 1)).toBe(true);
    expect(decideDataDir(report, { pointCreatedAt: new Date() })).toMatchObject({
      kind: 'ask',
      code: 'no_data_dir',
    });
    expect(canaries()).toEqual([]);
  });

  it('refuses a tie with a hostile-named data dir rather than guess', () => {
    dataDir(join(mount, B, A));
    dataDir(join(mount, B, hostile[0] as string));
    const report = parseLocateDataDir(run(locateDataDir(mount, B)));
    const now = new Date();
    expect(decideDataDir(report, { pointCreatedAt: now })).toMatchObject({
      kind: 'ask',
      code: 'unusable_name',
    });
    expect(decideDataDir(report, { pointCreatedAt: now, expectedRelPath: A })).toMatchObject({
      kind: 'chosen',
      chosen: { path: `${B}/${A}` },
    });
    expect(canaries()).toEqual([]);
  });

  it('leaves hostile leftovers in place while flattening, and runs none', () => {
    dataDir(join(mount, B, A));
    for (const name of hostile) mkdirSync(join(mount, B, name, 'full'), { recursive: true });
    for (const name of hostile) writeFileSync(join(mount, B, name, 'full', 'f'), 'x');
    const result = parseFlatten(run(flatten(mount, `${B}/${A}`, FLAT, '/')));
    expect(result.leftovers).toHaveLength(hostile.length);
    expect(result.leftovers.filter((l) => l.includes('$'))).not.toHaveLength(0);
    expect(readdirSync(join(mount, B))).toHaveLength(hostile.length);
    expect(canaries()).toEqual([]);
  });
});
