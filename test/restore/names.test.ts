import { describe, expect, it } from 'vitest';
import {
  CHANGE_SET_NAME,
  changeSetName,
  checkSessionId,
  FILE_SYSTEM_ID,
  flatDirName,
  isDataDirPath,
  isFlatDirName,
  isRelativeDirPath,
  isRestoreDirName,
  isRootDirectory,
  LOOSE_FLAT_DIR_NAME,
  newSessionId,
  RECOVERY_POINT_ARN,
  RECOVERY_POINT_ID,
  restoreIdempotencyToken,
  SESSION_ID,
  TASK_ARN,
  TASK_DEFINITION_ARN,
} from '../../src/restore/names.js';

const ID = 'r20261124-7k2p9x';
const fixed = (bytes: number[]) => () => Uint8Array.from(bytes);

// Text that must never get past a check on its way to a shell script or an AWS call.
const HOSTILE = [
  '',
  ' ',
  '$(id)',
  '`id`',
  'a;b',
  'a b',
  'a\nb',
  '../etc',
  '..',
  '.',
  '-rf',
  "it's",
  'a"b',
  'naïve',
  'a\u0000b',
  'a/../b',
  '/',
  '//',
];

describe('session ids', () => {
  it('are r<date>-<6 base32> and follow the random bytes given', () => {
    const id = newSessionId(new Date('2026-11-24T23:59:59Z'), fixed([7, 19, 2, 22, 9, 29]));
    expect(id).toBe('r20261124-7k2p9x');
    expect(SESSION_ID.test(id)).toBe(true);
  });

  it('use only unambiguous letters, whatever the bytes', () => {
    for (let b = 0; b < 256; b++) {
      const id = newSessionId(new Date('2026-01-01T00:00:00Z'), fixed([b, b, b, b, b, b]));
      expect(id).toMatch(SESSION_ID);
      expect(id.slice(10)).not.toMatch(/[ilou]/);
    }
  });

  it('are random by default', () => {
    const ids = new Set(Array.from({ length: 50 }, () => newSessionId(new Date())));
    expect(ids.size).toBeGreaterThan(45);
  });

  it('are checked strictly', () => {
    expect(checkSessionId(ID)).toBe(ID);
    for (const bad of [
      ...HOSTILE,
      'r2026112-7k2p9x',
      'R20261124-7k2p9x',
      'r20261124-7k2p9',
      'r20261124-7k2p9X',
      `${ID}\n`,
    ]) {
      expect(() => checkSessionId(bad), bad).toThrow(expect.objectContaining({ code: 'invalid_value' }));
    }
  });
});

describe('derived names', () => {
  it('flat directory: the point time, compact, and the session id', () => {
    expect(flatDirName('2026-05-14T08:00:00.000Z', ID)).toBe(
      '/chatdb-restore_2026-05-14T08-00-00Z_r20261124-7k2p9x',
    );
    expect(flatDirName(new Date('2026-05-14T08:00:00.999Z'), ID)).toBe(
      '/chatdb-restore_2026-05-14T08-00-00Z_r20261124-7k2p9x',
    );
    const name = flatDirName('2026-05-14T08:00:00Z', ID);
    expect(name.startsWith('/') && isFlatDirName(name.slice(1))).toBe(true);
    // The SSM scripts accept it too.
    expect(LOOSE_FLAT_DIR_NAME.test(name.slice(1))).toBe(true);
    expect(() => flatDirName('yesterday', ID)).toThrow(expect.objectContaining({ code: 'invalid_value' }));
    expect(() => flatDirName('2026-05-14T08:00:00Z', '../x')).toThrow(
      expect.objectContaining({ code: 'invalid_value' }),
    );
  });

  it('change set names follow CloudFormation’s rule and grow with the attempt', () => {
    expect(changeSetName(ID)).toBe('chatdb-restore-r20261124-7k2p9x-1');
    expect(changeSetName(ID, 2)).toBe('chatdb-restore-r20261124-7k2p9x-2');
    const longest = changeSetName(ID, 999);
    expect(CHANGE_SET_NAME.test(longest)).toBe(true);
    expect(longest.length).toBeLessThanOrEqual(128);
    for (const attempt of [0, 1000, 1.5, Number.NaN]) {
      expect(() => changeSetName(ID, attempt)).toThrow(expect.objectContaining({ code: 'invalid_value' }));
    }
  });

  it('the restore job idempotency token is one per session', () => {
    expect(restoreIdempotencyToken(ID)).toBe('chatdb-restore-r20261124-7k2p9x');
    expect(restoreIdempotencyToken(ID)).toBe(restoreIdempotencyToken(ID));
    expect(restoreIdempotencyToken('r20261124-aaaaaa')).not.toBe(restoreIdempotencyToken(ID));
  });
});

describe('strict patterns', () => {
  it('restore directories in their millisecond and nanosecond forms', () => {
    expect(isRestoreDirName('aws-backup-restore_2022-01-17T08-53-32-695Z')).toBe(true);
    expect(isRestoreDirName('aws-backup-restore_2026-05-14T17-27-00-417720408Z')).toBe(true);
    for (const bad of [
      ...HOSTILE,
      'aws-backup-restore_',
      'aws-backup-restore_2022-01-17T08:53:32.695Z',
      'aws-backup-restore_2022-01-17T08-53-32-69Z',
      'aws-backup-restore_2022-01-17T08-53-32-695Z/..',
      'aws-backup-restore_$(id)',
      '/aws-backup-restore_2022-01-17T08-53-32-695Z',
    ]) {
      expect(isRestoreDirName(bad), bad).toBe(false);
    }
  });

  it('root directories are / or plain absolute paths', () => {
    expect(isRootDirectory('/')).toBe(true);
    expect(isRootDirectory('/data/db')).toBe(true);
    for (const bad of [
      ...HOSTILE.filter((h) => h !== '/'),
      'data',
      '/data/',
      '/data//db',
      '/-rf',
      '/a/./b',
    ]) {
      expect(isRootDirectory(bad), bad).toBe(false);
    }
  });

  it('data dirs sit inside a restore directory', () => {
    const dir = 'aws-backup-restore_2026-05-20T08-53-32-695Z';
    expect(isDataDirPath(dir)).toBe(true);
    expect(isDataDirPath(`${dir}/aws-backup-restore_2026-05-14T17-27-00-417720408Z`)).toBe(true);
    expect(isDataDirPath(`${dir}/mongo/data`)).toBe(true);
    for (const bad of [...HOSTILE, `/${dir}`, `${dir}/..`, `${dir}/a b`, 'mongo/data', `${dir}/`]) {
      expect(isDataDirPath(bad), bad).toBe(false);
    }
    expect(isRelativeDirPath('')).toBe(true);
    expect(isRelativeDirPath('a/b')).toBe(true);
    expect(isRelativeDirPath('a/../b')).toBe(false);
  });

  it('AWS identifiers', () => {
    const arn =
      'arn:aws:backup:eu-central-1:123456789012:recovery-point:1EB3B5E7-9EB0-435A-A80B-108B488B0D45';
    expect(RECOVERY_POINT_ARN.test(arn)).toBe(true);
    expect(
      RECOVERY_POINT_ARN.test('arn:aws-us-gov:backup:us-gov-west-1:123456789012:recovery-point:abcdef12'),
    ).toBe(true);
    for (const bad of [
      ...HOSTILE,
      'arn:aws:backup:eu-central-1:12345:recovery-point:abcdef12',
      'arn:aws:elasticfilesystem:eu-central-1:123456789012:file-system/fs-0db0c4a7e1',
      `${arn};id`,
    ]) {
      expect(RECOVERY_POINT_ARN.test(bad), bad).toBe(false);
    }
    expect(RECOVERY_POINT_ID.test('1EB3B5E7-9EB0-435A-A80B-108B488B0D45')).toBe(true);
    expect(RECOVERY_POINT_ID.test('short')).toBe(false);
    expect(FILE_SYSTEM_ID.test('fs-0db0c4a7e1')).toBe(true);
    for (const bad of [...HOSTILE, 'fs-XYZ12345', 'fs-0db0c4a', 'fs-0db0c4a7e1 ']) {
      expect(FILE_SYSTEM_ID.test(bad), bad).toBe(false);
    }
    expect(
      TASK_ARN.test(
        'arn:aws:ecs:eu-central-1:123456789012:task/rocket-chat/0123456789abcdef0123456789abcdef',
      ),
    ).toBe(true);
    expect(TASK_ARN.test('arn:aws:ecs:eu-central-1:123456789012:task/0123456789abcdef')).toBe(true);
    expect(TASK_ARN.test('arn:aws:ecs:eu-central-1:123456789012:task/rocket-chat/$(id)')).toBe(false);
    expect(TASK_DEFINITION_ARN.test('arn:aws:ecs:eu-central-1:123456789012:task-definition/chat-db:12')).toBe(
      true,
    );
    expect(TASK_DEFINITION_ARN.test('arn:aws:ecs:eu-central-1:123456789012:task-definition/chat-db')).toBe(
      false,
    );
  });
});
