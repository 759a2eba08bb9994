import { spawnSync } from 'node:child_process';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  LOOSE_DRILL_DIR_NAME,
  LOOSE_FLAT_DIR_NAME,
  LOOSE_RESTORE_DIR_NAME,
  PATH_COMPONENT,
} from '../../src/restore/names.js';
import { ScriptValueError } from '../../src/restore/script-values.js';
import {
  type BuiltScript,
  cleanupCandidates,
  dataDirProblem,
  deleteDirs,
  flatten,
  listRestoreDirs,
  locateDataDir,
  parseCleanupCandidates,
  parseDeleteDirs,
  parseFlatten,
  parseListRestoreDirs,
  parseLocateDataDir,
  parseVerifyDataDir,
  pickNewRestoreDir,
  ScriptError,
  verifyDataDir,
} from '../../src/restore/scripts.js';

const A = 'aws-backup-restore_2026-05-14T17-27-00-417720408Z';
const B = 'aws-backup-restore_2026-05-20T08-53-32-695Z';
const OLD = 'aws-backup-restore_2022-01-17T08-53-32-695Z';
const OLDER = 'aws-backup-restore_2021-06-01T00-00-00-000Z';
const FLAT = 'chatdb-restore_2026-05-14T08-00-00Z_r20260520-7k2p9x';

const DB_FILES: [string, number][] = [
  ['WiredTiger', 50],
  ['WiredTiger.wt', 4096],
  ['storage.bson', 95],
  ['collection-0-123.wt', 8192],
  ['index-1-123.wt', 2048],
  ['journal/WiredTigerLog.0000000001', 1024],
];
const DB_BYTES = DB_FILES.reduce((sum, [, size]) => sum + size, 0);

let root: string;
let mount: string;
let cwd: string;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'chatdb-scripts-'));
  mount = join(root, 'efs');
  cwd = join(root, 'cwd');
  mkdirSync(mount);
  mkdirSync(cwd);
});

afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

/** A MongoDB-like data dir; `omit` leaves files out, `emptyWt` makes WiredTiger.wt zero bytes. */
function dataDir(rel: string, opts: { omit?: string[]; emptyWt?: boolean; tag?: string } = {}): string {
  const dir = join(mount, rel);
  mkdirSync(join(dir, 'journal'), { recursive: true });
  for (const [file, size] of DB_FILES) {
    if (opts.omit?.includes(file)) continue;
    const bytes = file === 'WiredTiger.wt' && opts.emptyWt ? 0 : size;
    writeFileSync(join(dir, file), Buffer.alloc(bytes, opts.tag ?? rel));
  }
  return dir;
}

function run(built: BuiltScript): { stdout: string; stderr: string; status: number | null } {
  // stdin is /dev/null: on a socket bash would act as if started by rshd and read ~/.bashrc.
  const result = spawnSync('bash', ['-c', built.script], {
    cwd,
    env: {},
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 30_000,
  });
  return { stdout: result.stdout, stderr: result.stderr, status: result.status };
}

function expectScriptError(fn: () => unknown, code: string): ScriptError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ScriptError);
    expect((error as ScriptError).code).toBe(code);
    return error as ScriptError;
  }
  throw new Error(`expected ScriptError ${code}`);
}

/** Every path under `dir`, relative, sorted: a snapshot to prove a tree was left alone. */
function tree(dir: string): string[] {
  return (readdirSync(dir, { recursive: true }) as string[]).sort();
}

const hasMountpoint = spawnSync('sh', ['-c', 'command -v mountpoint'], { stdio: 'ignore' }).status === 0;

describe('listRestoreDirs', () => {
  it('lists top-level restore dirs with their mtimes and nothing else', () => {
    dataDir(`${B}/${A}`);
    mkdirSync(join(mount, OLD));
    mkdirSync(join(mount, FLAT));
    mkdirSync(join(mount, 'lost+found'));
    writeFileSync(join(mount, 'aws-backup-restore_file'), 'not a dir');
    symlinkSync(join(mount, OLD), join(mount, 'aws-backup-restore_link'));
    const when = new Date('2026-05-14T17:27:00.000Z');
    utimesSync(join(mount, OLD), when, when);

    const result = run(listRestoreDirs(mount));
    expect(result.status).toBe(0);
    const listing = parseListRestoreDirs(result.stdout);
    expect(listing.dirs.map((d) => d.name)).toEqual([OLD, B].sort());
    expect(listing.dirs.find((d) => d.name === OLD)?.mtime).toEqual(when);
    expect(listing.unexpected.sort()).toEqual([
      'aws-backup-restore_file (not_a_directory:f)',
      'aws-backup-restore_link (not_a_directory:l)',
    ]);
    expect(listing.warnings.some((w) => w.code === 'not_a_mountpoint')).toBe(hasMountpoint);
  });

  it('lists nothing on an empty volume', () => {
    expect(parseListRestoreDirs(run(listRestoreDirs(mount)).stdout).dirs).toEqual([]);
  });

  it('fails loudly when the mount is missing', () => {
    const result = run(listRestoreDirs(join(root, 'not-mounted')));
    expect(result.status).toBe(3);
    const error = expectScriptError(() => parseListRestoreDirs(result.stdout), 'mount_missing');
    expect(error.message).toContain('not-mounted is not a directory');
    expect(error.details.script).toBe('list-restore-dirs');
  });

  it('follows a mount given as a symbolic link, as the simulator may map it', () => {
    mkdirSync(join(mount, B));
    symlinkSync(mount, join(root, 'link'));
    expect(
      parseListRestoreDirs(run(listRestoreDirs(join(root, 'link'))).stdout).dirs.map((d) => d.name),
    ).toEqual([B]);
  });
});

describe('pickNewRestoreDir', () => {
  it('returns the one new directory', () => {
    expect(pickNewRestoreDir([OLD, A], [OLD, A, B])).toBe(B);
  });

  it('fails on none or several new directories', () => {
    expectScriptError(() => pickNewRestoreDir([OLD, A], [OLD, A]), 'no_new_restore_dir');
    const error = expectScriptError(() => pickNewRestoreDir([OLD], [OLD, A, B]), 'several_new_restore_dirs');
    expect(error.details.paths).toEqual([A, B]);
  });
});

describe('locateDataDir', () => {
  it('finds a data dir at the top of the restore dir, with its size and file count', () => {
    dataDir(B);
    const report = parseLocateDataDir(run(locateDataDir(mount, B)).stdout);
    expect(report.restoreDir).toBe(B);
    expect(report.candidates).toHaveLength(1);
    const chosen = report.candidates[0];
    expect(chosen && dataDirProblem(chosen)).toBeUndefined();
    expect(chosen).toMatchObject({
      relPath: '',
      path: B,
      depth: 0,
      hasWiredTiger: true,
      hasStorageBson: true,
      hasWiredTigerWt: true,
      wiredTigerWtBytes: 4096,
      hasJournal: true,
      fileCount: 6,
      sizeBytes: DB_BYTES,
      wiredTigerFileCount: 5,
    });
    expect(chosen?.newestWiredTigerMtime).toBeInstanceOf(Date);
  });

  describe('the nesting case', () => {
    beforeEach(() => {
      // A whole-volume restore of a point taken while the DB lived in /A: the DB one level down,
      // and stale chains beside it and inside it.
      dataDir(`${B}/${A}`);
      dataDir(`${B}/${A}/${OLDER}`);
      dataDir(`${B}/${OLD}`);
      dataDir(`${B}/${OLD}/${OLDER}`);
    });

    it('reports every candidate with its depth', () => {
      const report = parseLocateDataDir(run(locateDataDir(mount, B)).stdout);
      expect(report.candidates.map((c) => [c.relPath, c.depth]).sort()).toEqual(
        [
          [A, 1],
          [`${A}/${OLDER}`, 2],
          [OLD, 1],
          [`${OLD}/${OLDER}`, 2],
        ].sort(),
      );
      // Sizes leave out the chains nested in a data dir.
      expect(report.candidates.find((c) => c.relPath === A)).toMatchObject({
        fileCount: 6,
        sizeBytes: DB_BYTES,
      });
    });
  });

  it('fails when the restore dir holds no data dir', () => {
    mkdirSync(join(mount, B, 'something/else'), { recursive: true });
    writeFileSync(join(mount, B, 'something/else/file.txt'), 'x');
    const report = parseLocateDataDir(run(locateDataDir(mount, B)).stdout);
    expect(report.entries).toBe(1);
    expect(report.candidates).toEqual([]);
  });

  it('says what an empty or partial data dir lacks', () => {
    dataDir(B, { emptyWt: true });
    const [empty] = parseLocateDataDir(run(locateDataDir(mount, B)).stdout).candidates;
    expect(empty && dataDirProblem(empty)).toBe('its WiredTiger.wt is empty');

    rmSync(join(mount, B), { recursive: true });
    dataDir(B, { omit: ['WiredTiger.wt', 'WiredTiger'] });
    const [partial] = parseLocateDataDir(run(locateDataDir(mount, B)).stdout).candidates;
    expect(partial && dataDirProblem(partial)).toBe('it lacks WiredTiger, WiredTiger.wt');
  });

  it('fails when the restore dir is missing or is a symbolic link', () => {
    expectScriptError(() => parseLocateDataDir(run(locateDataDir(mount, B)).stdout), 'restore_dir_missing');
    dataDir('elsewhere');
    symlinkSync(join(mount, 'elsewhere'), join(mount, B));
    expectScriptError(() => parseLocateDataDir(run(locateDataDir(mount, B)).stdout), 'symlink_in_path');
  });
});

describe('flatten', () => {
  const LIVE = `/${A}`;

  beforeEach(() => {
    dataDir(A, { tag: 'live' });
  });

  it('moves the nested data dir to the flat name, removes empty shells and keeps stale chains', () => {
    const live = tree(join(mount, A));
    dataDir(`${B}/${A}`, { tag: 'restored' });
    dataDir(`${B}/${OLD}`);
    mkdirSync(join(mount, B, 'empty/deeper'), { recursive: true });

    const result = parseFlatten(run(flatten(mount, `${B}/${A}`, `/${FLAT}`, LIVE)).stdout);
    expect(result).toMatchObject({
      from: `${B}/${A}`,
      to: FLAT,
      already: false,
      movedAside: [],
      shellsRemoved: 2,
      leftovers: [`${B}/${OLD}`],
      target: { fileCount: 6, sizeBytes: DB_BYTES },
    });
    expect(readFileSync(join(mount, FLAT, 'storage.bson'), 'latin1')).toMatch(/^r/);
    expect(existsSync(join(mount, B, A))).toBe(false);
    expect(existsSync(join(mount, B, 'empty'))).toBe(false);
    expect(existsSync(join(mount, B, OLD, 'WiredTiger'))).toBe(true);
    expect(tree(join(mount, A))).toEqual(live);
    expect(readFileSync(join(mount, A, 'storage.bson'), 'latin1')).toMatch(/^l/);
  });

  it('is idempotent: a resumed run reports already=true and changes nothing', () => {
    dataDir(`${B}/${A}`);
    const first = parseFlatten(run(flatten(mount, `${B}/${A}`, FLAT, LIVE)).stdout);
    expect(first.already).toBe(false);
    const after = tree(mount);
    const second = parseFlatten(run(flatten(mount, `${B}/${A}`, FLAT, LIVE)).stdout);
    expect(second).toMatchObject({ already: true, shellsRemoved: 0, target: { fileCount: 6 } });
    expect(tree(mount)).toEqual(after);
    expect(existsSync(join(mount, B))).toBe(false);
  });

  it('moves stale chains out of a data dir taken from the volume root', () => {
    // A whole-volume restore of a point taken while the DB lived at the root.
    dataDir(B);
    dataDir(`${B}/${OLD}`);
    mkdirSync(join(mount, B, FLAT.replace('7k2p9x', 'aaaaaa')));
    const result = parseFlatten(run(flatten(mount, B, FLAT, '/')).stdout);
    expect(result.movedAside.sort()).toEqual(
      [`${B}/${FLAT.replace('7k2p9x', 'aaaaaa')}`, `${B}/${OLD}`].sort(),
    );
    expect(result.leftovers).toEqual([`${B}/${OLD}`]);
    expect(result.target).toMatchObject({ fileCount: 6, sizeBytes: DB_BYTES });
    expect(readdirSync(join(mount, FLAT)).sort()).toEqual(
      [
        'WiredTiger',
        'WiredTiger.wt',
        'collection-0-123.wt',
        'index-1-123.wt',
        'journal',
        'storage.bson',
      ].sort(),
    );
    const again = parseFlatten(run(flatten(mount, B, FLAT, '/')).stdout);
    expect(again).toMatchObject({ already: true, movedAside: [], leftovers: [`${B}/${OLD}`] });
  });

  it('moves a chain aside under the flat name when the restore dir already has one of that name', () => {
    dataDir(B);
    dataDir(`${B}/${OLD}`);
    dataDir(`${B}/${A}`);
    dataDir(`${B}/${A}/${OLD}`);
    const result = parseFlatten(run(flatten(mount, `${B}/${A}`, FLAT, '/')).stdout);
    expect(result.movedAside).toEqual([`${B}/${FLAT}/${OLD}`]);
    expect(existsSync(join(mount, FLAT, OLD))).toBe(false);
  });

  it('refuses to overwrite an existing target while the source still holds data', () => {
    dataDir(`${B}/${A}`);
    dataDir(FLAT);
    const before = tree(mount);
    const result = run(flatten(mount, `${B}/${A}`, FLAT, LIVE));
    expect(result.status).toBe(3);
    expectScriptError(() => parseFlatten(result.stdout), 'target_exists');
    expect(tree(mount)).toEqual(before);
  });

  it('fails when neither source nor target exists', () => {
    expectScriptError(
      () => parseFlatten(run(flatten(mount, `${B}/${A}`, FLAT, LIVE)).stdout),
      'source_missing',
    );
  });

  it('refuses to move something that is not a data dir', () => {
    mkdirSync(join(mount, B, A), { recursive: true });
    expectScriptError(
      () => parseFlatten(run(flatten(mount, `${B}/${A}`, FLAT, LIVE)).stdout),
      'not_a_data_dir',
    );
  });

  it('refuses to follow a symbolic link in the source path', () => {
    mkdirSync(join(mount, B));
    symlinkSync(join(mount, A), join(mount, B, A));
    const before = tree(join(mount, A));
    expectScriptError(
      () => parseFlatten(run(flatten(mount, `${B}/${A}`, FLAT, LIVE)).stdout),
      'symlink_in_path',
    );
    expect(tree(join(mount, A))).toEqual(before);
    expect(lstatSync(join(mount, B, A)).isSymbolicLink()).toBe(true);
  });

  it('refuses, before building a script, anything that touches the live root', () => {
    const refuse = (from: string, to: string, live: string) =>
      expect(() => flatten(mount, from, to, live)).toThrow(ScriptValueError);
    refuse(A, FLAT, LIVE); // the live root itself
    refuse(`${A}/${OLD}`, FLAT, LIVE); // inside it
    refuse(`${B}/${A}`, FLAT, `/${B}`); // the restore dir is the live root
    refuse(`${B}/${A}`, FLAT, `/${B}/${OLD}`); // the restore dir holds the live root
    refuse(`${B}/${A}`, FLAT, `/${FLAT}`); // onto the live root
    refuse(`${B}/${A}`, FLAT, `/${FLAT}/x`);
    refuse(`${FLAT}/x`, `${FLAT}_2`, LIVE); // not inside a restore dir
    expect(() => flatten(mount, `${B}/${A}`, A, LIVE)).toThrow(/chatdb-restore_/);
  });
});

describe('cleanupCandidates', () => {
  function duBytes(rel: string): number {
    const out = spawnSync('du', ['-sb', join(mount, rel)], { encoding: 'utf8' }).stdout;
    return Number(out.split('\t')[0]);
  }

  it('lists restore and retired dirs with du -sb sizes and marks the live root', () => {
    dataDir(A);
    dataDir(`${B}/${A}`);
    dataDir(FLAT);
    mkdirSync(join(mount, 'dumps'));
    const listing = parseCleanupCandidates(run(cleanupCandidates(mount, `/${FLAT}`)).stdout);
    expect(listing.dirs.map((d) => [d.name, d.kind, d.holdsLiveRoot]).sort()).toEqual(
      [
        [A, 'restore', false],
        [B, 'restore', false],
        [FLAT, 'retired', true],
      ].sort(),
    );
    for (const dir of listing.dirs) expect(dir.sizeBytes).toBe(duBytes(dir.name));
    expect(listing.dirs.find((d) => d.name === B)?.sizeBytes).toBeGreaterThan(DB_BYTES);
  });

  it('marks the top-level directory that holds a nested live root', () => {
    dataDir(`${B}/${A}`);
    const listing = parseCleanupCandidates(run(cleanupCandidates(mount, `/${B}/${A}`)).stdout);
    expect(listing.dirs).toMatchObject([{ name: B, holdsLiveRoot: true }]);
  });

  it('marks nothing when the database lives at the volume root', () => {
    dataDir('.');
    dataDir(OLD);
    const listing = parseCleanupCandidates(run(cleanupCandidates(mount, '/')).stdout);
    expect(listing.dirs).toMatchObject([{ name: OLD, holdsLiveRoot: false }]);
  });
});

describe('deleteDirs', () => {
  it('deletes exactly the named directories and reports absent ones', () => {
    dataDir(A);
    dataDir(OLD);
    dataDir(FLAT);
    dataDir(`${B}/${A}`);
    const keep = tree(join(mount, A));
    const result = run(deleteDirs(mount, [OLD, B, 'aws-backup-restore_gone'], `/${A}`));
    expect(result.status).toBe(0);
    expect(parseDeleteDirs(result.stdout)).toMatchObject({
      deleted: [OLD, B],
      absent: ['aws-backup-restore_gone'],
    });
    expect(readdirSync(mount).sort()).toEqual([A, FLAT].sort());
    expect(tree(join(mount, A))).toEqual(keep);
  });

  it('refuses the live root, protected names and duplicates before building a script', () => {
    expect(() => deleteDirs(mount, [OLD, A], `/${A}`)).toThrow(/live root/);
    expect(() => deleteDirs(mount, [B], `/${B}/${A}`)).toThrow(/live root/);
    expect(() => deleteDirs(mount, [FLAT], `/${A}`, { protect: [FLAT] })).toThrow(/protected/);
    expect(() => deleteDirs(mount, [OLD, OLD], `/${A}`)).toThrow(/twice/);
    expect(() => deleteDirs(mount, [], `/${A}`)).toThrow(ScriptValueError);
    expect(() => deleteDirs(mount, ['dumps'], `/${A}`)).toThrow(ScriptValueError);
  });

  it('deletes nothing when one name is a symbolic link', () => {
    dataDir(OLD);
    dataDir(A);
    symlinkSync(join(mount, A), join(mount, B));
    const result = run(deleteDirs(mount, [OLD, B], '/'));
    expect(result.status).toBe(3);
    expectScriptError(() => parseDeleteDirs(result.stdout), 'not_a_directory');
    expect(existsSync(join(mount, OLD, 'WiredTiger'))).toBe(true);
    expect(existsSync(join(mount, A, 'WiredTiger'))).toBe(true);
  });
});

describe('verifyDataDir', () => {
  it('confirms a complete data dir, at a flat root or at the volume root', () => {
    dataDir(FLAT);
    expect(parseVerifyDataDir(run(verifyDataDir(mount, `/${FLAT}`)).stdout)).toMatchObject({
      path: `/${FLAT}`,
      fileCount: 6,
      sizeBytes: DB_BYTES,
      wiredTigerFileCount: 5,
    });
    rmSync(join(mount, FLAT), { recursive: true });
    dataDir('.');
    expect(parseVerifyDataDir(run(verifyDataDir(mount, '/')).stdout)).toMatchObject({
      path: '/',
      fileCount: 6,
    });
  });

  it('fails on a missing, partial or empty data dir', () => {
    expectScriptError(() => parseVerifyDataDir(run(verifyDataDir(mount, FLAT)).stdout), 'data_dir_missing');
    dataDir(FLAT, { omit: ['storage.bson'] });
    const partial = expectScriptError(
      () => parseVerifyDataDir(run(verifyDataDir(mount, FLAT)).stdout),
      'incomplete_data_dir',
    );
    expect(partial.message).toContain('lacks storage.bson');
    rmSync(join(mount, FLAT), { recursive: true });
    dataDir(FLAT, { emptyWt: true });
    expectScriptError(
      () => parseVerifyDataDir(run(verifyDataDir(mount, FLAT)).stdout),
      'incomplete_data_dir',
    );
  });
});

describe('output protocol', () => {
  it('ignores stray output and CRLF line ends', () => {
    mkdirSync(join(mount, B));
    const { stdout } = run(listRestoreDirs(mount));
    const noisy = `Last login: yesterday\r\n${stdout.replaceAll('\n', '\r\n')}motd: have a nice day\n`;
    expect(parseListRestoreDirs(noisy).dirs.map((d) => d.name)).toEqual([B]);
  });

  it('detects output cut short, empty output and another script', () => {
    mkdirSync(join(mount, B));
    const { stdout } = run(listRestoreDirs(mount));
    expectScriptError(() => parseListRestoreDirs(stdout.replace('CHATDB\tend\n', '')), 'incomplete_output');
    expectScriptError(() => parseListRestoreDirs(''), 'incomplete_output');
    expectScriptError(() => parseLocateDataDir(stdout), 'wrong_script');
  });

  it('rejects records it does not know or cannot read', () => {
    const frame = (body: string) => `CHATDB\tbegin\tlist-restore-dirs\t1\n${body}CHATDB\tend\n`;
    expectScriptError(() => parseListRestoreDirs(frame('CHATDB\tsurprise\tx\n')), 'malformed_output');
    expectScriptError(
      () => parseListRestoreDirs(frame(`CHATDB\tdir\t${B}\tyesterday\n`)),
      'malformed_output',
    );
    expectScriptError(() => parseListRestoreDirs(frame('CHATDB\tdir\t../etc\t1\n')), 'malformed_output');
    expectScriptError(() => parseListRestoreDirs(`${frame('')}CHATDB\tdir\t${B}\t1\n`), 'malformed_output');
  });

  it("passes on the script's own error code and message", () => {
    const error = expectScriptError(
      () =>
        parseListRestoreDirs(
          'CHATDB\tbegin\tlist-restore-dirs\t1\nCHATDB_ERROR\tsomething_new\tthe disk is on fire\n',
        ),
      'script_failed',
    );
    expect(error.message).toBe('the disk is on fire');
    expect(error.details.reportedCode).toBe('something_new');
  });

  it('reports a command failing anywhere in a script, with its line', () => {
    const built = listRestoreDirs(mount);
    const broken = { script: built.script.replace('emit end', 'false\nemit end') };
    const result = run(broken);
    expect(result.status).toBe(70);
    const error = expectScriptError(() => parseListRestoreDirs(result.stdout), 'script_failed');
    expect(error.message).toMatch(/status 1 at line \d+/);
  });
});

describe('prelude.sh', () => {
  it('checks names from the disk with the same loose patterns as the parsers (names.ts)', () => {
    const prelude = readFileSync(new URL('../../src/restore/scripts/prelude.sh', import.meta.url), 'utf8');
    const pattern = (name: string) => new RegExp(`^readonly ${name}='([^']*)'$`, 'm').exec(prelude)?.[1];
    expect(pattern('RESTORE_RE')).toBe(LOOSE_RESTORE_DIR_NAME.source);
    expect(pattern('FLAT_RE')).toBe(LOOSE_FLAT_DIR_NAME.source);
    expect(pattern('DRILL_RE')).toBe(LOOSE_DRILL_DIR_NAME.source);
    expect(pattern('NAME_RE')).toBe(PATH_COMPONENT.source);
  });
});
