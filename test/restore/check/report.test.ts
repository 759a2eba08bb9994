import { describe, expect, it } from 'vitest';
import { mongodErrors, parseCheckOutput } from '../../../src/restore/check/report.js';

const CLEAN = {
  v: 1,
  stage: 'check',
  ok: true,
  db: 'rocketchat',
  mongodb: '6.0.19',
  collections: [
    { name: 'rocketchat_message', exists: true, valid: true, count: 5231, errors: [], warnings: [] },
    { name: 'rocketchat_room', exists: true, valid: true, count: 48, errors: [], warnings: [] },
    { name: 'rocketchat_subscription', exists: true, valid: true, count: 610, errors: [], warnings: [] },
    {
      name: 'users',
      exists: true,
      valid: true,
      count: 97,
      errors: [],
      warnings: ['Could not complete validation of table:collection-6. This is a transient issue.'],
    },
    { name: 'rocketchat_settings', exists: true, valid: true, count: 1204, errors: [], warnings: [] },
  ],
  newestMessageAt: '2026-05-13T03:12:44.000Z',
  failures: [],
};

const line = (report: unknown) => `CHATDB_CHECK ${JSON.stringify(report)}`;

// mongod 6.0's structured log, as it writes it when WiredTiger cannot find a journal file.
const JOURNAL_GONE = [
  '{"t":{"$date":"2026-05-14T10:00:01.100+00:00"},"s":"I","c":"STORAGE","id":22315,"ctx":"initandlisten","msg":"Opening WiredTiger","attr":{"config":"create,cache_size=256M"}}',
  '{"t":{"$date":"2026-05-14T10:00:01.200+00:00"},"s":"E","c":"WT","id":22435,"ctx":"initandlisten","msg":"WiredTiger error message","attr":{"error":2,"message":{"ts_sec":1778752801,"ts_usec":200000,"thread":"1:0x7f","session_name":"connection","category":"WT_VERB_DEFAULT","category_id":9,"verbose_level":"ERROR","verbose_level_id":-3,"msg":"__posix_open_file:815:/data/db/journal/WiredTigerLog.0000000001: handle-open: open","error_str":"No such file or directory","error_code":2}}}',
  '{"t":{"$date":"2026-05-14T10:00:01.300+00:00"},"s":"F","c":"STORAGE","id":28595,"ctx":"initandlisten","msg":"Terminating.","attr":{"reason":"2: No such file or directory"}}',
  '{"t":{"$date":"2026-05-14T10:00:01.300+00:00"},"s":"F","c":"ASSERT","id":23091,"ctx":"initandlisten","msg":"Fatal assertion","attr":{"msgid":28595,"file":"src/mongo/db/storage/wiredtiger/wiredtiger_kv_engine.cpp","line":708}}',
];

describe('reading the check task output', () => {
  it('turns a clean report and exit code 0 into the counts and the newest message', () => {
    const outcome = parseCheckOutput({
      lines: [
        '{"t":{"$date":"x"},"s":"I","c":"NETWORK","id":23016,"msg":"Waiting for connections"}',
        line(CLEAN),
      ],
      exitCode: 0,
    });
    expect(outcome).toEqual({
      ok: true,
      report: {
        database: 'rocketchat',
        mongodbVersion: '6.0.19',
        newestMessageAt: new Date('2026-05-13T03:12:44.000Z'),
        counts: { messages: 5231, rooms: 48, subscriptions: 610, users: 97 },
        collections: expect.arrayContaining([
          {
            name: 'users',
            count: 97,
            warnings: ['Could not complete validation of table:collection-6. This is a transient issue.'],
          },
        ]),
      },
    });
  });

  it('accepts a database without messages', () => {
    const outcome = parseCheckOutput({ lines: [line({ ...CLEAN, newestMessageAt: null })], exitCode: 0 });
    expect(outcome.ok && outcome.report.newestMessageAt).toBeNull();
  });

  it("quotes what the check found in MongoDB's words", () => {
    const failures = ['rocketchat_room: Detected one or more invalid documents. See logs.'];
    const outcome = parseCheckOutput({ lines: [line({ ...CLEAN, ok: false, failures })], exitCode: 1 });
    expect(outcome).toEqual({ ok: false, code: 'check_failed', failures, mongodSays: [], exitCode: 1 });
  });

  it("gives mongod's own error and fatal messages when it could not start", () => {
    const outcome = parseCheckOutput({
      lines: [
        ...JOURNAL_GONE,
        'CHATDB_CHECK {"v":1,"stage":"start","ok":false,"code":"mongod_exited","detail":14}',
      ],
      exitCode: 2,
    });
    expect(outcome).toEqual({
      ok: false,
      code: 'mongod_exited',
      failures: [],
      mongodSays: [
        'WiredTiger error message: __posix_open_file:815:/data/db/journal/WiredTigerLog.0000000001: handle-open: open',
        'Terminating.: 2: No such file or directory',
        'Fatal assertion',
      ],
      exitCode: 2,
      wrapper: { code: 'mongod_exited', value: 14 },
    });
  });

  it('reads the text log of mongod before 4.4', () => {
    expect(
      mongodErrors([
        '2019-06-11T07:26:15.109+0000 I CONTROL  [initandlisten] MongoDB starting',
        '2019-06-11T07:26:15.109+0000 E STORAGE  [initandlisten] WiredTiger error (13) [1560237975:109941][1:0x7f62fb0d9a80], wiredtiger_open: __posix_open_file, 715: /data/db/WiredTiger.turtle: handle-open: open: Permission denied',
        '2019-06-11T07:26:15.110+0000 F -        [initandlisten] Fatal Assertion 28595 at src/mongo/db/storage/wiredtiger/wiredtiger_kv_engine.cpp 789',
      ]),
    ).toEqual([
      'WiredTiger error (13) [1560237975:109941][1:0x7f62fb0d9a80], wiredtiger_open: __posix_open_file, 715: /data/db/WiredTiger.turtle: handle-open: open: Permission denied',
      'Fatal Assertion 28595 at src/mongo/db/storage/wiredtiger/wiredtiger_kv_engine.cpp 789',
    ]);
  });

  it('maps the wrapper codes, and bad input to one code with the wrapper code kept', () => {
    const wrapped = (code: string, detail: number) =>
      parseCheckOutput({
        lines: [`CHATDB_CHECK {"v":1,"stage":"start","ok":false,"code":"${code}","detail":${detail}}`],
      });
    expect(wrapped('not_ready', 900)).toMatchObject({
      code: 'not_ready',
      wrapper: { code: 'not_ready', value: 900 },
    });
    expect(wrapped('no_mongo_shell', 0)).toMatchObject({ code: 'no_mongo_shell' });
    expect(wrapped('bad_dbpath', 0)).toMatchObject({ code: 'bad_input', wrapper: { code: 'bad_dbpath' } });
  });

  it('fails a clean check when mongod then did not shut down cleanly', () => {
    const outcome = parseCheckOutput({
      lines: [
        line(CLEAN),
        'CHATDB_CHECK {"v":1,"stage":"shutdown","ok":false,"code":"unclean_shutdown","detail":137}',
      ],
      exitCode: 6,
    });
    expect(outcome).toMatchObject({ ok: false, code: 'unclean_shutdown', wrapper: { value: 137 } });
  });

  it('fails without a report, with a broken one, or with one the exit code contradicts', () => {
    expect(parseCheckOutput({ lines: JOURNAL_GONE, exitCode: 137 })).toMatchObject({
      ok: false,
      code: 'no_report',
      exitCode: 137,
    });
    expect(parseCheckOutput({ lines: ['CHATDB_CHECK {"v":1,"stage":"che'], exitCode: 0 })).toMatchObject({
      code: 'malformed_report',
    });
    const noUsers = { ...CLEAN, collections: CLEAN.collections.filter((c) => c.name !== 'users') };
    expect(parseCheckOutput({ lines: [line(noUsers)], exitCode: 0 })).toMatchObject({
      code: 'malformed_report',
    });
    const badTime = { ...CLEAN, newestMessageAt: 'soon' };
    expect(parseCheckOutput({ lines: [line(badTime)], exitCode: 0 })).toMatchObject({
      code: 'malformed_report',
    });
    expect(parseCheckOutput({ lines: [line(CLEAN)], exitCode: 1 })).toMatchObject({
      code: 'exit_code_mismatch',
    });
    expect(parseCheckOutput({ lines: [line(CLEAN)] })).toMatchObject({ code: 'exit_code_mismatch' });
  });
});
