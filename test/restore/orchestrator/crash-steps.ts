import type { RestoreSession } from '../../../src/restore/session.js';
import { LIVE_DB_DIR, type ScenarioInput } from '../../../src/sim/scenario.js';

const stage = (s: RestoreSession, name: string) => s.stages.find((x) => x.name === name)?.status;

/**
 * Persisted steps of a restore, in the order a run passes them, each with a test of the session
 * file that holds at that step and no later one. The crash suites kill the bot right after each.
 */
export const CRASH_STEPS: [string, (s: RestoreSession) => boolean][] = [
  ['after confirm', (s) => s.status === 'running' && stage(s, 'restore') === 'pending'],
  ['after the restore stage started', (s) => stage(s, 'restore') === 'running' && !s.aws.restoreDirsBefore],
  [
    'after listing before StartRestoreJob',
    (s) => s.aws.restoreDirsBefore !== undefined && !s.aws.restoreJobId,
  ],
  ['after StartRestoreJob', (s) => s.aws.restoreJobId !== undefined && s.progress === undefined],
  [
    'mid-poll',
    (s) =>
      s.progress?.percentDone !== undefined &&
      s.progress.percentDone > 0 &&
      stage(s, 'restore') === 'running',
  ],
  ['after the restore job', (s) => stage(s, 'restore') === 'done' && stage(s, 'locate') === 'pending'],
  ['after locate', (s) => stage(s, 'locate') === 'done' && stage(s, 'flatten') !== 'done'],
  ['after flatten', (s) => stage(s, 'flatten') === 'done' && stage(s, 'check') === 'pending'],
  ['after the check stage started', (s) => stage(s, 'check') === 'running' && !s.aws.checkTaskDefinitionArn],
  [
    'after registering the check revision',
    (s) => s.aws.checkTaskDefinitionArn !== undefined && !s.aws.checkTaskArn,
  ],
  ['during the check task', (s) => s.aws.checkTaskArn !== undefined && stage(s, 'check') === 'running'],
  ['after the check', (s) => stage(s, 'check') === 'done' && s.aws.templateDiff === undefined],
  ['after the template diff', (s) => s.aws.templateDiff !== undefined && !s.aws.changeSetId],
  [
    'after CreateChangeSet',
    (s) => s.aws.changeSetId !== undefined && !s.aws.executeCalledAt && !s.aws.executedAt,
  ],
  ['before ExecuteChangeSet', (s) => s.aws.executeCalledAt !== undefined && !s.aws.executedAt],
  ['after ExecuteChangeSet', (s) => s.aws.executedAt !== undefined && !s.aws.stoppingTaskArn],
  ['before StopTask', (s) => s.aws.stoppingTaskArn !== undefined && s.aws.stoppedTaskArns.length === 0],
  ['after StopTask', (s) => s.aws.stoppedTaskArns.length > 0 && stage(s, 'cutover') === 'running'],
  ['during verify', (s) => stage(s, 'verify') === 'running'],
];

/** A recovery point older than every task definition revision, holding two equally fresh data dirs. */
export const PICK_POINT = '0A1B2C3D-0000-4000-8000-00000000000F';
/** The copy that is not the point's live database, beside the live one in the same point. */
export const PICK_TWIN = '/aws-backup-restore_2026-09-01T00-00-00-000Z';

/** A world whose restore stops for a pick: where the DB lived is unproven, and the data cannot tell. */
export const PICK_SCENARIO: ScenarioInput = {
  recoveryPoints: [{ id: PICK_POINT, createdAt: 'now-41d', tree: { db: LIVE_DB_DIR, fresh: [PICK_TWIN] } }],
};

/** The steps of a restore that waits for a pick, after the restore job, in the order a run passes them. */
export const PICK_CRASH_STEPS: [string, (s: RestoreSession) => boolean][] = [
  ['awaiting the pick', (s) => s.status === 'awaiting_pick' && s.pick?.picked === undefined],
  ['after the pick', (s) => s.status === 'awaiting_pick' && s.pick?.picked !== undefined],
  [
    'after the pick was confirmed',
    (s) => s.pick?.confirmedAt !== undefined && stage(s, 'flatten') === 'pending',
  ],
  [
    'after flatten of the picked dir',
    (s) => s.pick?.confirmedAt !== undefined && stage(s, 'flatten') === 'done',
  ],
];

/** The candidate that holds the point's live database (what the engineers pick). */
export function livePick(s: RestoreSession): string | undefined {
  return s.pick?.candidates.find((c) => c.path.endsWith(LIVE_DB_DIR))?.path;
}

/** Persisted steps of a drill past its restore job (which it shares with a restore), in order. */
export const DRILL_CRASH_STEPS: [string, (s: RestoreSession) => boolean][] = [
  [
    'after the drill resolved',
    (s) => s.kind === 'drill' && s.status === 'running' && stage(s, 'restore') === 'pending',
  ],
  ['after StartRestoreJob', (s) => s.aws.restoreJobId !== undefined && stage(s, 'restore') === 'running'],
  [
    'after flatten into the drill directory',
    (s) => stage(s, 'flatten') === 'done' && stage(s, 'check') === 'pending',
  ],
  ['during the check task', (s) => s.aws.checkTaskArn !== undefined && stage(s, 'check') === 'running'],
  ['after the template diff', (s) => s.aws.templateDiff !== undefined && !s.aws.changeSetId],
  ['after CreateChangeSet', (s) => s.aws.changeSetId !== undefined && !s.aws.changeSetDeletedAt],
  [
    'after DeleteChangeSet',
    (s) => s.aws.changeSetDeletedAt !== undefined && stage(s, 'rehearse') === 'running',
  ],
  [
    'during the teardown',
    (s) => stage(s, 'teardown') === 'running' && s.aws.ssmCommands?.at(-1)?.stage === 'teardown',
  ],
];

/**
 * Persisted steps of a restore its requester started before the confirmation (staged.ts), in the
 * order a run passes them: each kill is followed by a restart and a second engineer's confirmation.
 */
export const STAGED_CRASH_STEPS: [string, (s: RestoreSession) => boolean][] = [
  ['after Start restoring now', (s) => s.status === 'staging' && stage(s, 'restore') === 'pending'],
  [
    'after StartRestoreJob, unconfirmed',
    (s) => s.status === 'staging' && s.aws.restoreJobId !== undefined && s.progress === undefined,
  ],
  ['after locate, unconfirmed', (s) => s.status === 'staging' && stage(s, 'locate') === 'done'],
  [
    'all staged, waiting for the confirmation',
    (s) => s.status === 'awaiting_confirmation' && s.staged !== undefined && stage(s, 'check') === 'done',
  ],
];
