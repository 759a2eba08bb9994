// The next step after a failure is worded in the Slack layer (src/slack/views/next-step.ts) from
// what the session records. Every text below is copied from the NEXT constants the activities
// carried before the move (and transitions.ts's defaultNext), so each stage × code keeps exactly
// the words it had.

import { describe, expect, it } from 'vitest';
import { type Production, parseSession, type RestoreSession } from '../../src/restore/session.js';
import { activityNextStep, nextStep } from '../../src/slack/views/next-step.js';
import { awaiting, confirm, RESTORE_DIR, resolving, runUntil, step } from '../restore/session-fixtures.js';

// The old constants, verbatim.
const RESOLVE_TARGET =
  'Nothing was changed. Check CHATDB_STACK_NAME and the volume name, and that the stack is the one running chat-db.';
const RESOLVE_TARGET_DRIFT =
  'Nothing was changed. Someone changed the stack or the service outside CloudFormation, or an update is half done: find out which root the database really uses before restoring.';
const RESOLVE_POINT =
  'Nothing was changed. Run `/chatdb-restore list` and start again with one of the points it shows.';
const ROOT_HISTORY =
  'Nothing was changed. Check that the bot may call ecs:ListTaskDefinitions and try again.';
const PREFLIGHT =
  'Nothing was changed and no restore job was started. Fix what the reason names, then start again.';
const CLEANUP = 'Nothing was deleted. Check the inspection host and try `/chatdb-restore cleanup` again.';
const RESTORE_JOB =
  'Production is unchanged. Start a new restore (`/chatdb-restore start …`); if it fails again, check the restore job in the AWS Backup console.';
const LOCATE =
  'Production is unchanged. Look at the new aws-backup-restore_* directory on the inspection host before trying again; `/chatdb-restore cleanup` removes it.';
const locateUnproven = (restoreDir: string) =>
  `Production is unchanged; nothing was moved. The data dirs found in /${restoreDir} are listed with their evidence, and none is complete; check them on the inspection host, and \`/chatdb-restore cleanup\` removes the restore dir.`;
const FLATTEN =
  'Production is unchanged. Check the restore dir and the flat dir on the inspection host; run the restore again or clean up with `/chatdb-restore cleanup`.';
const checkNext = (flatDir: string, olderId?: string) =>
  `Production is unchanged. The restored copy stays at ${flatDir} for \`/chatdb-restore cleanup\`.${
    olderId === undefined
      ? ''
      : ` Try the next older point, ${olderId}: \`/chatdb-restore start ${olderId}\`.`
  }`;
const CUTOVER_BEFORE =
  'Production is unchanged. Read the reason, fix what it names, and start the restore again.';
const CUTOVER_SCOPE =
  'Production is unchanged. Someone changed the stack outside its template, or the template has changes beyond the root: deploy those first, then restore again.';
const CUTOVER_ROLLED_BACK =
  'CloudFormation rolled the stack back and the service is on its previous root. Read the reason (often the new task could not mount or start), fix it, and restore again.';
const CUTOVER_UNKNOWN =
  'Check the stack and the chat-db service in the AWS console now: production may be down. If the service is on the new root but unhealthy, run `/chatdb-restore rollback`.';
const CUTOVER_CUT_OVER =
  'The service runs on the new root but did not become stable. Check the chat-db task; `/chatdb-restore rollback` returns to the previous root.';
const VERIFY =
  'The service runs on the new root. Check the chat-db task and Rocket.Chat now; `/chatdb-restore rollback` returns to the previous root.';

const running = (stage: string, kind: 'restore' | 'cleanup' = 'restore') =>
  runUntil(confirm(awaiting(kind)), stage);

/** A session that failed at `stage` the way an activity's StageFailure makes the runner record it. */
function failedAt(
  stage: string,
  f: { activity?: string; code?: string; production: Production; detail?: Record<string, unknown> },
  kind: 'restore' | 'cleanup' = 'restore',
): RestoreSession {
  return step(running(stage, kind), {
    type: 'stage_failed',
    stage: stage as 'restore',
    reason: 'what AWS said',
    production: f.production,
    ...(f.activity === undefined ? {} : { activity: f.activity }),
    ...(f.code === undefined ? {} : { code: f.code }),
    ...(f.detail === undefined ? {} : { detail: f.detail as never }),
  });
}

describe('the next step of a failed stage, as the activities worded it', () => {
  const SCRIPT_CODES = ['ssm_timeout', 'ssm_failed', 'script_error', 'invalid_value', 'aws_error'];
  const rows: [stage: string, activity: string, code: string, production: Production, text: string][] = [
    ['restore', 'restore_job', 'restore_job_failed', 'unchanged', RESTORE_JOB],
    ...SCRIPT_CODES.map(
      (code) =>
        ['restore', 'restore_job', code, 'unchanged', RESTORE_JOB] as [
          string,
          string,
          string,
          Production,
          string,
        ],
    ),
    ...SCRIPT_CODES.map(
      (code) =>
        ['locate', 'locate', code, 'unchanged', LOCATE] as [string, string, string, Production, string],
    ),
    ...SCRIPT_CODES.map(
      (code) =>
        ['flatten', 'flatten', code, 'unchanged', FLATTEN] as [string, string, string, Production, string],
    ),
    ['cutover', 'change_set', 'aws_error', 'unchanged', CUTOVER_BEFORE],
    ['cutover', 'change_set', 'template_edit_failed', 'unchanged', CUTOVER_BEFORE],
    ['cutover', 'change_set', 'change_set_failed', 'unchanged', CUTOVER_BEFORE],
    ['cutover', 'change_set', 'change_set_scope', 'unchanged', CUTOVER_SCOPE],
    ['cutover', 'stack_update', 'stack_update_failed', 'rolled_back', CUTOVER_ROLLED_BACK],
    ['cutover', 'stack_update', 'stack_update_failed', 'unknown', CUTOVER_UNKNOWN],
    ['cutover', 'stack_update', 'service_unstable', 'cut_over', CUTOVER_CUT_OVER],
    ['cutover', 'stack_update', 'service_unstable', 'unknown', CUTOVER_UNKNOWN],
    ['cutover', 'stack_update', 'service_unstable', 'rolled_back', CUTOVER_UNKNOWN],
    ['cutover', 'stack_update', 'service_unstable', 'unchanged', CUTOVER_UNKNOWN],
    ['cutover', 'stack_update', 'unexpected_root', 'rolled_back', CUTOVER_UNKNOWN],
    ['cutover', 'stack_update', 'unexpected_root', 'unknown', CUTOVER_UNKNOWN],
    ['cutover', 'stack_update', 'stack_timeout', 'unknown', CUTOVER_UNKNOWN],
    ['cutover', 'stack_update', 'aws_error', 'cut_over', CUTOVER_UNKNOWN],
    ['cutover', 'stack_update', 'aws_error', 'unchanged', CUTOVER_UNKNOWN],
    ...['no_running_task', 'unhealthy', 'health_url_failed', 'unexpected_root', 'aws_error'].map(
      (code) =>
        ['verify', 'verify', code, 'cut_over', VERIFY] as [string, string, string, Production, string],
    ),
  ];
  it.each(rows)('%s (%s) %s, production %s', (stage, activity, code, production, text) => {
    expect(nextStep(failedAt(stage, { activity, code, production }))).toBe(text);
  });

  it.each(SCRIPT_CODES)('delete %s', (code) => {
    expect(
      nextStep(failedAt('delete', { activity: 'delete', code, production: 'unchanged' }, 'cleanup')),
    ).toBe(CLEANUP);
  });

  it('locate without a complete data dir names the restore dir it looked in', () => {
    const f = failedAt('locate', {
      activity: 'locate',
      code: 'data_dir_unproven',
      production: 'unchanged',
      detail: { restoreDir: RESTORE_DIR, candidates: [] },
    });
    expect(nextStep(f)).toBe(locateUnproven(RESTORE_DIR));
  });

  it('a failed check names the copy left for cleanup and, when there is one, the next older point', () => {
    const flatDir = running('check').aws.flatDir as string;
    expect(flatDir).toMatch(/^\/chatdb-restore_/);
    const older = { id: 'B5D2C8E1-4F6A-4B3C-9D2E-3F4051627384', createdAt: '2026-05-13T03:06:01.000Z' };
    const bad = failedAt('check', {
      activity: 'check',
      code: 'check_failed',
      production: 'unchanged',
      detail: { check: { code: 'check_failed' }, olderPoint: older },
    });
    expect(nextStep(bad)).toBe(checkNext(flatDir, older.id));
    for (const code of ['check_failed', 'check_task_failed', 'check_timeout', 'aws_error']) {
      const f = failedAt('check', { activity: 'check', code, production: 'unchanged' });
      expect(nextStep(f)).toBe(checkNext(flatDir));
    }
  });
});

describe('the next step of a resolve failure a command catches (StageFailure)', () => {
  const rows: [activity: string, code: string, text: string][] = [
    ['resolve_target', 'target_not_found', RESOLVE_TARGET],
    ['resolve_target', 'ambiguous_target', RESOLVE_TARGET],
    ['resolve_target', 'aws_error', RESOLVE_TARGET],
    ['resolve_target', 'drift', RESOLVE_TARGET_DRIFT],
    ['recovery_points', 'point_not_found', RESOLVE_POINT],
    ['recovery_points', 'wrong_resource', RESOLVE_POINT],
    ['recovery_points', 'not_restorable', RESOLVE_POINT],
    ['recovery_points', 'aws_error', RESOLVE_POINT],
    ['root_history', 'aws_error', ROOT_HISTORY],
    ['preflight', 'stack_not_updatable', PREFLIGHT],
    ['preflight', 'nested_stack', PREFLIGHT],
    ['preflight', 'template_too_large', PREFLIGHT],
    ['preflight', 'stack_policy_denies', PREFLIGHT],
    ['preflight', 'aws_error', PREFLIGHT],
    ['cleanup_candidates', 'ssm_failed', CLEANUP],
    ['cleanup_candidates', 'script_error', CLEANUP],
    ['cleanup_candidates', 'aws_error', CLEANUP],
  ];
  it.each(rows)('%s %s', (activity, code, text) => {
    expect(activityNextStep({ activity, code, production: 'unchanged' })).toBe(text);
  });
});

describe('the next step when no activity classified the failure', () => {
  it('follows where production stands, naming what is left on the volume', () => {
    const flatDir = running('check').aws.flatDir as string;
    expect(nextStep(failedAt('check', { production: 'unchanged', code: 'internal' }))).toBe(
      `Production is unchanged. Fix the cause and start a new session. ${flatDir} is left on the volume for cleanup.`,
    );
    expect(nextStep(failedAt('restore', { production: 'unchanged', code: 'aws_unavailable' }))).toBe(
      'Production is unchanged. Fix the cause and start a new session.',
    );
    expect(nextStep(failedAt('cutover', { production: 'rolled_back' }))).toBe(
      `CloudFormation rolled the stack back; production runs on its previous root. Read the reason, fix it and start again. ${flatDir} is left on the volume for cleanup.`,
    );
    expect(nextStep(failedAt('verify', { production: 'cut_over' }))).toBe(
      'Production now runs on the new root but did not verify. Check the service, or roll back with `rollback`.',
    );
    expect(nextStep(failedAt('cutover', { production: 'unknown' }))).toBe(
      'The state of production could not be confirmed: check the stack and the chat-db service in the console before anything else.',
    );
  });

  it('of a resolve (refused, locked, interrupted) is the plain default', () => {
    const r = step(resolving(), { type: 'resolve_failed', code: 'interrupted', reason: 'restarted' });
    expect(nextStep(r)).toBe('Production is unchanged. Fix the cause and start a new session.');
  });

  it('is empty for a session that did not fail', () => {
    expect(nextStep(running('restore'))).toBe('');
  });
});

describe('a session stored by the version that wrote its next step in words', () => {
  it('is still accepted and shows that text', () => {
    const failed = failedAt('verify', { activity: 'verify', code: 'unhealthy', production: 'cut_over' });
    const stored = JSON.parse(JSON.stringify(failed)) as Record<string, unknown> & RestoreSession;
    const failure = stored.failure as unknown as Record<string, unknown>;
    delete failure.activity;
    failure.next = 'Roll back with `/chatdb-restore rollback` now.';
    const read = parseSession(stored);
    expect(nextStep(read)).toBe('Roll back with `/chatdb-restore rollback` now.');
  });
});
