import type { RestoreSession } from '../../../src/restore/session.js';

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
  ['after CreateChangeSet', (s) => s.aws.changeSetId !== undefined && !s.aws.executedAt],
  ['after ExecuteChangeSet', (s) => s.aws.executedAt !== undefined && !s.aws.stoppingTaskArn],
  ['before StopTask', (s) => s.aws.stoppingTaskArn !== undefined && s.aws.stoppedTaskArns.length === 0],
  ['after StopTask', (s) => s.aws.stoppedTaskArns.length > 0 && stage(s, 'cutover') === 'running'],
  ['during verify', (s) => stage(s, 'verify') === 'running'],
];
