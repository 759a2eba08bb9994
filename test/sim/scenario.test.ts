import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LIVE_DB_DIR, loadScenario, ScenarioError } from '../../src/sim/scenario.js';

const dir = mkdtempSync(join(tmpdir(), 'chatdb-scenario-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const NOW = Date.parse('2026-11-24T12:00:00Z');

describe('the default scenario', () => {
  const s = loadScenario(undefined, NOW);

  it('describes the rocket-chat world the issue asks for', () => {
    expect(s).toMatchObject({
      region: 'eu-central-1',
      accountId: '123456789012',
      stackName: 'rocket-chat',
      backupVault: 'chat-backups',
      restoreRoleArn: 'arn:aws:iam::123456789012:role/chatdb-restore',
      inspector: { instanceId: 'i-0a1b2c3d4e5f60718', fileSystem: 'DbStorage' },
      speed: 1,
      latencyMs: 0,
      faults: {},
    });
    expect(s.fileSystems.DbStorage?.id).toBe('fs-0db0c4a7e1');
    expect(s.fileSystems.DumpStorage?.id).toBe('fs-0d0d0d0d01');
    expect(s.fileSystems.DbStorage?.tree.db).toBe(LIVE_DB_DIR);
    expect(s.durations).toEqual({
      restoreJobMs: 40 * 60_000,
      changeSetMs: 20_000,
      stackStepMs: 30_000,
      taskStartMs: 60_000,
      taskHealthyMs: 15_000,
      taskStopMs: 30_000,
      ssmCommandMs: 2_000,
      ssmInvocationDelayMs: 1_000,
      checkTaskMs: 120_000,
    });
  });

  it('has root-layout, nested-layout, unusable and other-volume recovery points', () => {
    const db = s.recoveryPoints.filter((p) => p.fileSystem === 'DbStorage');
    expect(s.recoveryPoints.length).toBeGreaterThanOrEqual(7);
    expect(db.filter((p) => p.tree.db === '/').length).toBeGreaterThanOrEqual(2);
    const nested = db.filter((p) => p.tree.db === LIVE_DB_DIR);
    expect(nested.length).toBeGreaterThanOrEqual(2);
    expect(
      nested.some((p) => p.tree.stale?.some((d) => d.startsWith(`${LIVE_DB_DIR}/aws-backup-restore_`))),
    ).toBe(true);
    expect(db.some((p) => p.status !== 'COMPLETED')).toBe(true);
    expect(s.recoveryPoints.some((p) => p.fileSystem === 'DumpStorage')).toBe(true);
    // Recent points are relative to now; the vault's newest is two hours old, an automatic
    // backup (in EFS's own vault) one hour.
    const inVault = db.filter((p) => p.vault === undefined);
    expect(Math.max(...inVault.map((p) => p.createdAt))).toBe(NOW - 2 * 3_600_000);
    expect(db.filter((p) => p.vault === 'aws/efs/automatic-backup-vault').map((p) => p.createdAt)).toContain(
      NOW - 3_600_000,
    );
    // Every root-layout point predates the move into LIVE_DB_DIR, every nested one follows it.
    const moved = Date.parse('2026-05-14T17:27:00Z');
    expect(db.filter((p) => p.tree.db === '/').every((p) => p.createdAt < moved)).toBe(true);
    expect(nested.every((p) => p.createdAt > moved)).toBe(true);
  });
});

describe('scenario files', () => {
  it('deep-merges a YAML file over the default; lists replace', () => {
    const file = join(dir, 'small.yaml');
    writeFileSync(
      file,
      [
        '# a small world',
        'durations:',
        '  restoreJobMs: 2m',
        'speed: 60',
        'latencyMs: 2000',
        'faults:',
        '  throttle: { backup: 0.25 }',
        'recoveryPoints:',
        '  - id: AAAAAAAA-0000-4000-8000-000000000001',
        '    createdAt: now-1d',
        '    tree: { db: /, files: { /notes.txt: hello } }',
      ].join('\n'),
    );
    const s = loadScenario(file, NOW);
    expect(s.durations.restoreJobMs).toBe(120_000);
    expect(s.durations.changeSetMs).toBe(20_000);
    expect(s.speed).toBe(60);
    expect(s.latencyMs).toBe(2000);
    expect(s.faults).toEqual({ throttle: { backup: 0.25 } });
    expect(s.recoveryPoints).toHaveLength(1);
    expect(s.recoveryPoints[0]).toMatchObject({
      fileSystem: 'DbStorage',
      status: 'COMPLETED',
      createdAt: NOW - 86_400_000,
    });
    expect(s.recoveryPoints[0]?.tree.files).toEqual({ '/notes.txt': 'hello' });
  });

  it('reads JSON and a templateFile next to it', () => {
    writeFileSync(join(dir, 'template.yaml'), 'Resources: {}\n');
    const file = join(dir, 'with-template.json');
    writeFileSync(file, JSON.stringify({ templateFile: 'template.yaml', stackName: 'chat-two' }));
    const s = loadScenario(file, NOW);
    expect(s.templateBody).toBe('Resources: {}\n');
    expect(s.stackName).toBe('chat-two');
  });

  it.each([
    [{ fileSystems: { DbStorage: { id: 'fs-xyz' } } }, 'fileSystems.DbStorage.id'],
    [{ inspector: { instanceId: 'i-0insp' } }, 'inspector.instanceId'],
    [{ durations: { restoreJobMs: 'forty minutes' } }, 'durations.restoreJobMs'],
    [{ durations: { restoreJob: '40m' } }, 'durations.restoreJob'],
    [{ recoveryPoints: [{ id: 'AAAAAAAA-1', createdAt: 'yesterday' }] }, 'recoveryPoints[0].createdAt'],
    [
      { recoveryPoints: [{ id: 'AAAAAAAA-1', createdAt: 'now', fileSystem: 'Nope' }] },
      'recoveryPoints[0].fileSystem',
    ],
    [
      { recoveryPoints: [{ id: 'AAAAAAAA-1', createdAt: 'now', tree: { db: '../etc' } }] },
      'recoveryPoints[0].tree.db',
    ],
    [{ faults: { throttle: { backup: 2 } } }, 'faults.throttle.backup'],
    [{ speed: 0 }, 'speed'],
    [{ pageSizes: { recoveryPoints: 0 } }, 'pageSizes.recoveryPoints'],
    [{ colour: 'blue' }, 'colour'],
  ])('rejects %j naming %s', (input, field) => {
    expect(() => loadScenario(input as Record<string, unknown>, NOW)).toThrow(ScenarioError);
    expect(() => loadScenario(input as Record<string, unknown>, NOW)).toThrow(field);
  });

  it('accepts a loaded Scenario back unchanged', () => {
    const s = loadScenario({ speed: 5 }, NOW);
    expect(loadScenario(s, NOW)).toEqual(s);
  });

  it('says which file could not be read or parsed', () => {
    expect(() => loadScenario(join(dir, 'missing.yaml'))).toThrow(
      /cannot read scenario file .*missing\.yaml/,
    );
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, '{"speed": ');
    expect(() => loadScenario(broken)).toThrow(/broken\.json is not valid JSON\/YAML/);
  });
});
