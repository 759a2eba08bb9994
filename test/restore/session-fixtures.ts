// Sessions in every status, reached by driving the real state machine (never hand-built), and
// the plans and AWS values they carry.

import type { CandidateEvidence } from '../../src/restore/data-evidence.js';
import { drillChangeSetName } from '../../src/restore/names.js';
import {
  buildCleanupPlan,
  buildDrillPlan,
  buildRestorePlan,
  buildRollbackPlan,
  type Plan,
  type PlanPoint,
  type PlanTarget,
  templateSha256,
} from '../../src/restore/plan.js';
import {
  type CleanupCandidate,
  createSession,
  type RestoreSession,
  SESSION_STATUSES,
  type SessionKind,
  type SessionStatus,
} from '../../src/restore/session.js';
import { type SessionEvent, type TransitionResult, transition } from '../../src/restore/transitions.js';

export const T0 = new Date('2026-05-20T10:00:00.000Z');
export const TTL_MS = 30 * 60_000;
export const SESSION = 'r20260520-7k2p9x';
export const REQUESTER = 'U0REQUESTER';
export const CONFIRMER = 'U0CONFIRMER';
export const OUTSIDER = 'U0OUTSIDER';
export const CHANNEL = 'C0INCIDENT';

export const LIVE_ROOT = '/aws-backup-restore_2026-05-14T17-27-00-417720408Z';
export const PREVIOUS_ROOT = '/chatdb-restore_2026-05-10T03-00-00Z_r20260510-abcdef';
export const RESTORE_DIR = 'aws-backup-restore_2026-05-20T10-05-00-123456789Z';
export const TASK_DEF_OLD = 'arn:aws:ecs:eu-central-1:123456789012:task-definition/chat-db:7';
export const TASK_DEF_NEW = 'arn:aws:ecs:eu-central-1:123456789012:task-definition/chat-db:8';
export const CHECK_TASK_DEF = 'arn:aws:ecs:eu-central-1:123456789012:task-definition/chat-db-check:1';
export const CHECK_TASK =
  'arn:aws:ecs:eu-central-1:123456789012:task/rocket-chat/0f1e2d3c4b5a69788796a5b4c3d2e1f0';
export const OLD_TASK =
  'arn:aws:ecs:eu-central-1:123456789012:task/rocket-chat/0123456789abcdef0123456789abcdef';

export const TARGET: PlanTarget = {
  stackName: 'rocket-chat',
  fileSystemId: 'fs-0db0c4a7e1',
  fileSystemArn: 'arn:aws:elasticfilesystem:eu-central-1:123456789012:file-system/fs-0db0c4a7e1',
  cluster: 'rocket-chat',
  service: 'chat-db',
  taskDefinitionArn: TASK_DEF_OLD,
  volumeName: 'chat-db',
  templateSha256: templateSha256('template v1'),
  currentRoot: LIVE_ROOT,
};

export const POINT: PlanPoint = {
  arn: 'arn:aws:backup:eu-central-1:123456789012:recovery-point:1F3B5D7E-9A2C-4D6E-B8F1-5162738495A6',
  id: '1F3B5D7E-9A2C-4D6E-B8F1-5162738495A6',
  vault: 'chat-db-vault',
  createdAt: '2026-05-18T08:00:00.000Z',
  sizeBytes: 2_000_000_000,
};

export const CANDIDATES: CleanupCandidate[] = [
  {
    path: '/aws-backup-restore_2026-02-03T09-12-44-120Z',
    sizeBytes: 5_000,
    kind: 'restore',
    deletable: true,
  },
  {
    path: PREVIOUS_ROOT,
    sizeBytes: 9_000,
    kind: 'retired',
    retiredAt: '2026-05-14T17:30:00.000Z',
    deletable: true,
  },
  { path: LIVE_ROOT, sizeBytes: 8_000, kind: 'restore', deletable: false, whyNot: 'it holds the live root' },
];

/** What locate saw in a restore holding two data dirs written equally recently (and a broken one). */
export const TWINS: CandidateEvidence[] = [
  {
    path: `${RESTORE_DIR}/${LIVE_ROOT.slice(1)}`,
    depth: 1,
    sizeBytes: 1234,
    fileCount: 6,
    newestWrite: '2026-05-18T07:59:00.000Z',
    relation: 'in_window',
  },
  {
    path: `${RESTORE_DIR}/aws-backup-restore_2026-05-01T00-00-00-000Z`,
    depth: 1,
    sizeBytes: 2345,
    fileCount: 7,
    newestWrite: '2026-05-18T07:59:30.000Z',
    relation: 'in_window',
  },
  {
    path: `${RESTORE_DIR}/aws-backup-restore_2026-04-01T00-00-00-000Z`,
    depth: 1,
    sizeBytes: 99,
    fileCount: 2,
    relation: 'no_wiredtiger_files',
    problem: 'it lacks WiredTiger, storage.bson',
  },
];

export function at(ms: number): Date {
  return new Date(T0.getTime() + ms);
}

export function planFor(kind: SessionKind, sessionId = SESSION, target: PlanTarget = TARGET): Plan {
  switch (kind) {
    case 'restore':
      return buildRestorePlan({
        sessionId,
        target,
        requester: REQUESTER,
        point: POINT,
        restoreMode: { kind: 'item', path: LIVE_ROOT },
        expectedRelPath: LIVE_ROOT.slice(1),
        expectedDurationMinutes: 15,
      });
    case 'rollback':
      return buildRollbackPlan({
        target,
        requester: REQUESTER,
        targetRoot: PREVIOUS_ROOT,
        rollbackOf: 'r20260514-aaaaaa',
        expectedDurationMinutes: 8,
      });
    case 'cleanup':
      return buildCleanupPlan({ target, requester: REQUESTER, expectedDurationMinutes: 1 });
    case 'drill':
      return buildDrillPlan({
        sessionId,
        target,
        requester: REQUESTER,
        point: POINT,
        restoreMode: { kind: 'item', path: LIVE_ROOT },
        expectedRelPath: LIVE_ROOT.slice(1),
        expectedDurationMinutes: 12,
      });
  }
}

/** Applies an event that must be accepted. */
export function step(session: RestoreSession, event: SessionEvent, now: Date = at(1000)): RestoreSession {
  const result = transition(session, event, { now });
  if (!result.ok) throw new Error(`${event.type} refused: ${result.code}: ${result.reason}`);
  return result.session;
}

export function apply(session: RestoreSession, event: SessionEvent, now: Date = at(1000)): TransitionResult {
  return transition(session, event, { now });
}

export function created(kind: SessionKind = 'restore', id = SESSION): RestoreSession {
  return createSession({
    id,
    kind,
    channel: CHANNEL,
    requester: REQUESTER,
    ...(kind === 'restore' || kind === 'drill' ? { pointInput: 'latest' } : {}),
    now: T0,
    confirmTtlMs: TTL_MS,
  }).session;
}

export function resolving(kind: SessionKind = 'restore'): RestoreSession {
  return step(created(kind), { type: 'stage_started', stage: 'resolve' }, at(100));
}

export function awaiting(kind: SessionKind = 'restore', { choose = true } = {}): RestoreSession {
  let s = step(
    resolving(kind),
    {
      type: 'resolved',
      plan: planFor(kind),
      ...(kind === 'cleanup' ? { cleanupCandidates: CANDIDATES } : {}),
    },
    at(2000),
  );
  if (kind === 'cleanup' && choose) {
    s = step(s, { type: 'cleanup_choose', user: REQUESTER, paths: [CANDIDATES[0]?.path ?? ''] }, at(3000));
  }
  return s;
}

export function confirm(s: RestoreSession, now = at(60_000), user = CONFIRMER): RestoreSession {
  // A drill is never confirmed: once resolved it runs.
  if (s.kind === 'drill') return s;
  return step(s, { type: 'confirm', user, planHash: s.planHash ?? '', isApprover: true }, now);
}

/** AWS values each stage records before it may end. */
export function stageReport(stage: string, s: RestoreSession): SessionEvent & { type: 'stage_done' } {
  switch (stage) {
    case 'restore':
      return {
        type: 'stage_done',
        stage,
        aws: { restoreJobId: 'rj-0001', restoreDirsBefore: [LIVE_ROOT.slice(1)] },
      };
    case 'locate':
      return {
        type: 'stage_done',
        stage,
        aws: {
          restoreDir: RESTORE_DIR,
          dataDir: `${RESTORE_DIR}/${LIVE_ROOT.slice(1)}`,
          dataSizeBytes: 1234,
          dataFileCount: 6,
        },
        detail: { sizeBytes: 1234, fileCount: 6 },
      };
    case 'flatten':
      return {
        type: 'stage_done',
        stage,
        aws: { flatDir: s.plan?.kind === 'restore' || s.plan?.kind === 'drill' ? s.plan.targetRoot : '' },
      };
    case 'rehearse':
      return {
        type: 'stage_done',
        stage,
        aws: {
          templateDiff: '-      RootDirectory: /a\n+      RootDirectory: /b\n',
          changeSetName: drillChangeSetName(s.id),
          changeSetDeletedAt: at(400_000).toISOString(),
        },
        detail: { changes: ['Modify ChatDbTask (AWS::ECS::TaskDefinition)'], executed: false },
      };
    case 'teardown':
      return {
        type: 'stage_done',
        stage,
        aws: {
          deletedPaths: [
            ...(s.plan?.kind === 'drill' ? [s.plan.targetRoot] : []),
            ...(s.aws.restoreDir === undefined ? [] : [`/${s.aws.restoreDir}`]),
          ],
          changeSetDeletedAt: s.aws.changeSetDeletedAt ?? at(450_000).toISOString(),
        },
        detail: { deleted: [], absent: [] },
      };
    case 'check':
      return {
        type: 'stage_done',
        stage,
        aws: { checkTaskDefinitionArn: CHECK_TASK_DEF, checkTaskArn: CHECK_TASK },
        detail: {
          database: 'rocketchat',
          mongodbVersion: '7.0.14',
          newestMessageAt: '2026-05-18T07:59:13.000Z',
          counts: { messages: 182_311, rooms: 431, subscriptions: 9_204, users: 318 },
        },
      };
    case 'cutover':
      return {
        type: 'stage_done',
        stage,
        aws: {
          executedAt: at(500_000).toISOString(),
          newTaskDefinitionArn: TASK_DEF_NEW,
          stoppedTaskArns: [OLD_TASK],
          oldTaskDefinitionArn: TASK_DEF_OLD,
        },
      };
    case 'delete':
      return {
        type: 'stage_done',
        stage,
        aws: { deletedPaths: s.plan?.kind === 'cleanup' ? [...s.plan.paths] : [] },
      };
    default:
      return { type: 'stage_done', stage: stage as 'verify', detail: { healthStatus: 'HEALTHY' } };
  }
}

/** Drives a confirmed session until `stopAt` is running (or to the end). */
export function runUntil(s: RestoreSession, stopAt?: string, t = 100_000): RestoreSession {
  let session = s;
  for (let i = 0; session.status === 'running' && i < 10; i++) {
    const next = session.stages.find((stage) => stage.status === 'pending')?.name;
    if (next === undefined) break;
    session = step(session, { type: 'stage_started', stage: next }, at(t + i * 10_000));
    if (next === stopAt) return session;
    session = step(session, stageReport(next, session), at(t + i * 10_000 + 5_000));
  }
  return session;
}

/** A restore whose locate found TWINS: waiting for the requester's pick. */
export function awaitingPick(): RestoreSession {
  return step(
    runUntil(confirm(awaiting('restore')), 'locate'),
    {
      type: 'pick_needed',
      stage: 'locate',
      restoreDir: RESTORE_DIR,
      code: 'several_in_window',
      why: "2 data dirs were written within the backup's window; nothing says which one held the database.",
      candidates: TWINS,
    },
    at(150_000),
  );
}

/** The requester's pick of a candidate (by default the second twin). */
export function picked(s = awaitingPick(), path = TWINS[1]?.path ?? '', now = at(160_000)): RestoreSession {
  return step(s, { type: 'pick', user: REQUESTER, path }, now);
}

/**
 * Only a restore locates data (so only a restore can wait for a pick) or restores before its
 * confirmation; a drill never waits for anyone (no confirmation, so nothing to reject or let expire).
 */
export function statusesOf(kind: SessionKind): readonly SessionStatus[] {
  if (kind === 'drill') {
    const never: readonly SessionStatus[] = [
      'awaiting_confirmation',
      'awaiting_pick',
      'staging',
      'rejected',
      'expired',
    ];
    return SESSION_STATUSES.filter((s) => !never.includes(s));
  }
  return kind === 'restore'
    ? SESSION_STATUSES
    : SESSION_STATUSES.filter((s) => s !== 'awaiting_pick' && s !== 'staging');
}

/** A restore whose requester pressed Start restoring now: its restore stage runs, unconfirmed. */
export function staging(now = at(30_000)): RestoreSession {
  const s = awaiting('restore');
  const started = step(s, { type: 'start_staged', user: REQUESTER, planHash: s.planHash ?? '' }, now);
  return step(started, { type: 'stage_started', stage: 'restore' }, at(now.getTime() - T0.getTime() + 1000));
}

/** A fully staged restore, rejected: its teardown asked for, then (with `done`) recorded as done. */
export function stagedRejected({ done = false } = {}): RestoreSession {
  const ready = stageUntil(staging());
  const rejected = step(ready, { type: 'reject', user: CONFIRMER, isApprover: true }, at(200_000));
  if (!done) return rejected;
  const names = rejected.staged?.teardown?.names ?? [];
  return step(rejected, { type: 'teardown_done', deleted: names, absent: [], left: [] }, at(210_000));
}

/** Drives a staging session's stages until `stopAt` is running, or until all before the cutover are done. */
export function stageUntil(s: RestoreSession, stopAt?: string, t = 40_000): RestoreSession {
  let session = s;
  for (let i = 0; i < 10; i++) {
    const running = session.stages.findLast((stage) => stage.status === 'running')?.name;
    if (running !== undefined && running !== 'confirm') {
      if (running === stopAt) return session;
      session = step(session, stageReport(running, session), at(t + i * 10_000 + 5_000));
      continue;
    }
    const next = session.stages.find((stage) => stage.status === 'pending')?.name;
    if (session.status !== 'staging' || next === undefined) break;
    session = step(session, { type: 'stage_started', stage: next }, at(t + i * 10_000));
  }
  return session;
}

/** A representative session of each kind in each status. */
export function sessionIn(status: SessionStatus, kind: SessionKind = 'restore'): RestoreSession {
  const firstWork =
    kind === 'restore' || kind === 'drill' ? 'restore' : kind === 'rollback' ? 'cutover' : 'delete';
  switch (status) {
    case 'resolving':
      return resolving(kind);
    case 'awaiting_confirmation':
      return awaiting(kind);
    case 'awaiting_pick':
      if (kind !== 'restore') throw new Error(`a ${kind} session never waits for a pick`);
      return awaitingPick();
    case 'staging':
      if (kind !== 'restore') throw new Error(`a ${kind} session never restores before its confirmation`);
      return staging();
    case 'running':
      return runUntil(confirm(awaiting(kind)), firstWork);
    case 'succeeded':
      return runUntil(confirm(awaiting(kind)));
    case 'failed': {
      const failed = step(runUntil(confirm(awaiting(kind)), firstWork), {
        type: 'stage_failed',
        stage: firstWork,
        reason: 'Access Denied',
        production: 'unchanged',
      });
      // A drill tears down before it ends.
      return kind === 'drill' ? runUntil(failed) : failed;
    }
    case 'cancelled':
      return step(
        kind === 'drill' ? runUntil(awaiting(kind), firstWork) : awaiting(kind),
        { type: 'cancel', user: REQUESTER, isApprover: false },
        at(kind === 'drill' ? 200_000 : 5000),
      );
    case 'rejected':
      return step(awaiting(kind), { type: 'reject', user: CONFIRMER, isApprover: true }, at(5000));
    case 'expired':
      return step(awaiting(kind), { type: 'expire' }, at(TTL_MS));
  }
}
