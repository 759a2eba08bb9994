// An in-memory RestoreService for the Slack handler tests: the real session state machine
// (createSession + transition) with no AWS behind it. Plans come from fixtures; the test drives
// the stages. It keeps the service's promises: one event at a time per session, every accepted
// change reaches the subscribers, refusals leave the session as it was.

import type { RecoveryPoint } from '../../../src/aws/ports.js';
import { RestoreError } from '../../../src/restore/errors.js';
import { newSessionId } from '../../../src/restore/names.js';
import {
  buildCleanupPlan,
  buildDrillPlan,
  buildRestorePlan,
  buildRollbackPlan,
  type PlanTarget,
  planPoint,
} from '../../../src/restore/plan.js';
import type {
  Actor,
  ListResult,
  LockHolder,
  Outcome,
  PointSpec,
  RestoreService,
  SessionListener,
} from '../../../src/restore/service.js';
import {
  type CleanupCandidate,
  createSession,
  isOpen,
  type Production,
  type RestoreSession,
  type SessionKind,
  type StageName,
} from '../../../src/restore/session.js';
import { type SessionEvent, transition } from '../../../src/restore/transitions.js';
import { CANDIDATES, PREVIOUS_ROOT, stageReport, TARGET } from '../../restore/session-fixtures.js';

export const FIXTURE_TARGET: PlanTarget = TARGET;

/** Ten points, newest first, an hour apart; the fourth is PARTIAL. */
export function fixturePoints(now: Date, count = 10): RecoveryPoint[] {
  return Array.from({ length: count }, (_, i) => {
    const id = `0000000${i}-AAAA-4BBB-8CCC-${String(i).padStart(12, '0')}`;
    return {
      arn: `arn:aws:backup:eu-central-1:123456789012:recovery-point:${id}`,
      id,
      vault: 'chat-backups',
      resourceArn: TARGET.fileSystemArn,
      resourceType: 'EFS',
      status: i === 3 ? 'PARTIAL' : 'COMPLETED',
      ...(i === 3 ? { statusMessage: 'Backup job expired before it finished' } : {}),
      createdAt: new Date(now.getTime() - (i + 2) * 3_600_000),
      sizeBytes: 2_000_000_000 + i,
    };
  });
}

export interface FakeRestoreOptions {
  now?: () => Date;
  confirmTtlMs?: number;
  /** Who counts as an approver; default everyone. */
  isApprover?: (user: string) => boolean | 'unknown';
  points?: RecoveryPoint[];
  /** Sessions held from the start, as a restarted bot loads them from its state directory. */
  sessions?: RestoreSession[];
}

export class FakeRestore implements RestoreService {
  readonly sessions = new Map<string, RestoreSession>();
  readonly calls: { method: string; args: unknown[] }[] = [];
  private readonly listeners = new Set<SessionListener>();
  private readonly now: () => Date;
  /** The confirmation window of sessions opened from now on. */
  confirmTtlMs: number;
  isApprover: (user: string) => boolean | 'unknown';
  points: RecoveryPoint[];
  /** Makes the next resolve fail with these words (AWS's). */
  resolveFailure: string | undefined;
  /** Makes listPoints throw this. */
  listError: Error | undefined;

  constructor(opts: FakeRestoreOptions = {}) {
    this.now = opts.now ?? (() => new Date());
    this.confirmTtlMs = opts.confirmTtlMs ?? 30 * 60_000;
    this.isApprover = opts.isApprover ?? (() => true);
    this.points = opts.points ?? fixturePoints(this.now());
    for (const s of opts.sessions ?? []) this.sessions.set(s.id, structuredClone(s));
  }

  async listPoints(limit: number): Promise<ListResult> {
    this.calls.push({ method: 'listPoints', args: [limit] });
    if (this.listError !== undefined) throw this.listError;
    return {
      stackName: TARGET.stackName,
      fileSystemId: TARGET.fileSystemId,
      fileSystemArn: TARGET.fileSystemArn,
      currentRoot: TARGET.currentRoot,
      points: this.points.slice(0, limit).map((point, i) => ({
        index: i + 1,
        point,
        restorable: point.status === 'COMPLETED',
        ...(point.status === 'COMPLETED' ? {} : { whyNot: `its status is ${point.status}` }),
      })),
    };
  }

  drill(actor: Actor, spec: PointSpec, pointInput: string): Promise<RestoreSession> {
    this.calls.push({ method: 'drill', args: [actor, spec, pointInput] });
    return this.openSession(actor, 'drill', pointInput, (id) => {
      const point = this.pick(spec);
      if (point === undefined)
        return { type: 'resolve_failed', reason: 'No recovery point matches.', code: 'point_not_found' };
      return {
        type: 'resolved',
        plan: buildDrillPlan({
          sessionId: id,
          target: TARGET,
          requester: actor.user,
          point: planPoint(point),
          restoreMode: { kind: 'item', path: TARGET.currentRoot },
          expectedRelPath: TARGET.currentRoot.slice(1),
          expectedDurationMinutes: 12,
        }),
      };
    });
  }

  start(actor: Actor, spec: PointSpec, pointInput: string): Promise<RestoreSession> {
    this.calls.push({ method: 'start', args: [actor, spec, pointInput] });
    return this.openSession(actor, 'restore', pointInput, (id) => {
      const point = this.pick(spec);
      if (point === undefined)
        return { type: 'resolve_failed', reason: 'No recovery point matches.', code: 'point_not_found' };
      return {
        type: 'resolved',
        plan: buildRestorePlan({
          sessionId: id,
          target: TARGET,
          requester: actor.user,
          point: planPoint(point),
          restoreMode: { kind: 'item', path: TARGET.currentRoot },
          expectedRelPath: TARGET.currentRoot.slice(1),
          expectedDurationMinutes: 15,
        }),
      };
    });
  }

  rollback(actor: Actor, of?: string): Promise<RestoreSession> {
    this.calls.push({ method: 'rollback', args: [actor, of] });
    return this.openSession(actor, 'rollback', undefined, () => ({
      type: 'resolved',
      plan: buildRollbackPlan({
        target: TARGET,
        requester: actor.user,
        targetRoot: PREVIOUS_ROOT,
        rollbackOf: 'r20260514-aaaaaa',
        expectedDurationMinutes: 8,
      }),
    }));
  }

  retryRestore(actor: Actor, of: string): Promise<RestoreSession> {
    this.calls.push({ method: 'retryRestore', args: [actor, of] });
    const failed = this.sessions.get(of);
    const arn = failed?.plan?.kind === 'restore' ? failed.plan.recoveryPoint.arn : '';
    return this.start(actor, { kind: 'arn', arn }, failed?.pointInput ?? arn);
  }

  retryCutover(actor: Actor, of: string): Promise<RestoreSession> {
    this.calls.push({ method: 'retryCutover', args: [actor, of] });
    const failed = this.sessions.get(of);
    return this.openSession(actor, 'restore', failed?.pointInput, (id) => {
      if (failed?.plan?.kind !== 'restore' || failed.aws.flatDir === undefined)
        return { type: 'resolve_failed', reason: `Session ${of} cannot be retried.`, code: 'retry_refused' };
      return {
        type: 'resolved',
        plan: buildRestorePlan({
          sessionId: id,
          target: TARGET,
          requester: actor.user,
          point: failed.plan.recoveryPoint,
          restoreMode: failed.plan.restoreMode,
          expectedDurationMinutes: 10,
          reuses: failed.id,
        }),
      };
    });
  }

  since(at: Date): RestoreSession[] {
    return [...this.sessions.values()]
      .filter((s) => Date.parse(s.createdAt) > at.getTime())
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  cleanup(actor: Actor): Promise<RestoreSession> {
    this.calls.push({ method: 'cleanup', args: [actor] });
    return this.openSession(actor, 'cleanup', undefined, () => ({
      type: 'resolved',
      plan: buildCleanupPlan({ target: TARGET, requester: actor.user, expectedDurationMinutes: 1 }),
      cleanupCandidates: structuredClone(CANDIDATES) as CleanupCandidate[],
    }));
  }

  async startStaged(sessionId: string, user: string, planHash: string): Promise<Outcome> {
    this.calls.push({ method: 'startStaged', args: [sessionId, user, planHash] });
    return this.apply(sessionId, { type: 'start_staged', user, planHash });
  }

  async confirm(sessionId: string, user: string, planHash: string): Promise<Outcome> {
    this.calls.push({ method: 'confirm', args: [sessionId, user, planHash] });
    return this.apply(sessionId, { type: 'confirm', user, planHash, isApprover: this.isApprover(user) });
  }

  async reject(sessionId: string, user: string, opts: { reason?: string; planHash?: string } = {}) {
    this.calls.push({ method: 'reject', args: [sessionId, user, opts] });
    return this.apply(sessionId, {
      type: 'reject',
      user,
      isApprover: this.isApprover(user),
      ...(opts.reason === undefined ? {} : { reason: opts.reason }),
      ...(opts.planHash === undefined ? {} : { planHash: opts.planHash }),
    });
  }

  async mayReject(sessionId: string, user: string, planHash: string): Promise<Outcome> {
    this.calls.push({ method: 'mayReject', args: [sessionId, user, planHash] });
    const current = this.sessions.get(sessionId);
    if (current === undefined) return { ok: false, code: 'unexpected_event', reason: 'no such session' };
    const event = { type: 'reject' as const, user, isApprover: this.isApprover(user), planHash };
    const result = transition(current, event, { now: this.now() });
    return result.ok ? { ok: true, session: current } : { ...result, session: current };
  }

  async cancel(sessionId: string, user: string): Promise<Outcome> {
    this.calls.push({ method: 'cancel', args: [sessionId, user] });
    return this.apply(sessionId, { type: 'cancel', user, isApprover: this.isApprover(user) });
  }

  async chooseCleanup(sessionId: string, user: string, paths: string[]): Promise<Outcome> {
    this.calls.push({ method: 'chooseCleanup', args: [sessionId, user, paths] });
    return this.apply(sessionId, { type: 'cleanup_choose', user, paths });
  }

  async pickDataDir(sessionId: string, user: string, path: string): Promise<Outcome> {
    this.calls.push({ method: 'pickDataDir', args: [sessionId, user, path] });
    return this.apply(sessionId, { type: 'pick', user, path });
  }

  async confirmPick(sessionId: string, user: string, pickHash: string): Promise<Outcome> {
    this.calls.push({ method: 'confirmPick', args: [sessionId, user, pickHash] });
    return this.apply(sessionId, {
      type: 'confirm_pick',
      user,
      pickHash,
      isApprover: this.isApprover(user),
    });
  }

  get(sessionId: string): RestoreSession | undefined {
    return this.sessions.get(sessionId);
  }

  open(channel?: string): RestoreSession[] {
    return [...this.sessions.values()]
      .filter((s) => isOpen(s) && (channel === undefined || s.channel === channel))
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  recent(channel: string, limit: number): RestoreSession[] {
    return [...this.sessions.values()]
      .filter((s) => s.channel === channel)
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
      .slice(0, limit);
  }

  async setCard(sessionId: string, ts: string): Promise<void> {
    this.calls.push({ method: 'setCard', args: [sessionId, ts] });
    const outcome = this.apply(sessionId, { type: 'card_posted', ts });
    if (!outcome.ok && outcome.code !== 'already_posted') throw RestoreError.fromRefusal(outcome);
  }

  async markNoticePosted(sessionId: string, noticeId: string, ts: string): Promise<void> {
    this.calls.push({ method: 'markNoticePosted', args: [sessionId, noticeId, ts] });
    const outcome = this.apply(sessionId, { type: 'notice_posted', id: noticeId, ts });
    if (!outcome.ok && outcome.code !== 'already_posted') throw RestoreError.fromRefusal(outcome);
  }

  subscribe(listener: SessionListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async resumeAll(): Promise<RestoreSession[]> {
    return [];
  }

  async close(): Promise<void> {}

  // ---------------------------------------------------------------------------------------------
  // Test controls

  /** Applies an event as the orchestrator would (synchronously: exactly one of two racing clicks wins). */
  apply(sessionId: string, event: SessionEvent): Outcome {
    const current = this.sessions.get(sessionId);
    if (current === undefined)
      return { ok: false, code: 'unexpected_event', reason: `There is no session ${sessionId}.` };
    const result = transition(current, event, { now: this.now() });
    if (!result.ok) return { ...result, session: current };
    this.sessions.set(sessionId, result.session);
    for (const listener of this.listeners) listener(result.session);
    return { ok: true, session: result.session };
  }

  /** Runs the next pending stage to its end with plausible AWS values; returns the session. */
  advance(sessionId: string): RestoreSession {
    const s = this.must(sessionId);
    const next = s.stages.find((st) => st.status === 'running' || st.status === 'pending');
    if (next === undefined) throw new Error('no stage left');
    if (next.status === 'pending') this.ok(sessionId, { type: 'stage_started', stage: next.name });
    const report = stageReport(next.name, this.must(sessionId));
    const withDiff =
      next.name === 'cutover' ? { ...report, aws: { ...report.aws, templateDiff: TEMPLATE_DIFF } } : report;
    return this.ok(sessionId, withDiff);
  }

  /** Runs stages until `stage` is running (it is started, not finished) or the session ends. */
  runUntil(sessionId: string, stage?: StageName): RestoreSession {
    for (;;) {
      const s = this.must(sessionId);
      if (s.status !== 'running') return s;
      const next = s.stages.find((st) => st.status === 'running' || st.status === 'pending');
      if (next === undefined) return s;
      if (next.name === stage) {
        if (next.status === 'pending') this.ok(sessionId, { type: 'stage_started', stage: next.name });
        return this.must(sessionId);
      }
      this.advance(sessionId);
    }
  }

  failStage(
    sessionId: string,
    stage: StageName,
    reason: string,
    production: Production,
    next?: string,
  ): RestoreSession {
    return this.ok(sessionId, {
      type: 'stage_failed',
      stage,
      reason,
      production,
      ...(next === undefined ? {} : { next }),
    });
  }

  must(sessionId: string): RestoreSession {
    const s = this.sessions.get(sessionId);
    if (s === undefined) throw new Error(`no session ${sessionId}`);
    return s;
  }

  private ok(sessionId: string, event: SessionEvent): RestoreSession {
    const outcome = this.apply(sessionId, event);
    if (!outcome.ok) throw new Error(`${event.type} refused: ${outcome.code}: ${outcome.reason}`);
    return outcome.session;
  }

  private pick(spec: PointSpec): RecoveryPoint | undefined {
    const ok = this.points.filter((p) => p.status === 'COMPLETED');
    switch (spec.kind) {
      case 'index':
        return this.points[spec.n - 1];
      case 'id':
        return this.points.find((p) => p.id === spec.id);
      case 'arn':
        return this.points.find((p) => p.arn === spec.arn);
      case 'latest':
        return ok[0];
      case 'before':
        return ok.find((p) => p.createdAt < spec.time);
    }
  }

  private async openSession(
    actor: Actor,
    kind: SessionKind,
    pointInput: string | undefined,
    resolve: (id: string) => SessionEvent,
  ): Promise<RestoreSession> {
    const at = this.now();
    const id = newSessionId(at);
    const { session } = createSession({
      id,
      kind,
      channel: actor.channel,
      requester: actor.user,
      now: at,
      confirmTtlMs: this.confirmTtlMs,
      ...(pointInput === undefined ? {} : { pointInput }),
      ...(actor.cardTs === undefined ? {} : { cardTs: actor.cardTs }),
    });
    // As the service does: a refusal is told by the caller that posted the card.
    const told = actor.cardTs === undefined ? {} : { told: true };
    this.sessions.set(id, session);
    for (const listener of this.listeners) listener(session);
    this.ok(id, { type: 'stage_started', stage: 'resolve' });
    const holder = [...this.sessions.values()].find((s) => s.id !== id && isOpen(s));
    if (holder !== undefined) {
      const held: LockHolder = {
        sessionId: holder.id,
        requester: holder.requester,
        channel: holder.channel,
        since: holder.createdAt,
      };
      this.ok(id, {
        type: 'resolve_failed',
        code: 'locked',
        reason: `Session ${holder.id} of <@${holder.requester}> has held ${TARGET.fileSystemId} since ${holder.createdAt}.`,
        ...told,
      });
      throw new RestoreError('locked', `Another session (${holder.id}) holds ${TARGET.fileSystemId}.`, {
        ...held,
        fileSystemId: TARGET.fileSystemId,
      });
    }
    // Resolving takes a moment in real life: the caller must not rely on it being instant.
    await new Promise((r) => setTimeout(r, 5));
    if (this.resolveFailure !== undefined) {
      const reason = this.resolveFailure;
      this.resolveFailure = undefined;
      return this.ok(id, { type: 'resolve_failed', reason, code: 'aws_error', ...told });
    }
    const event = resolve(id);
    return this.ok(id, event.type === 'resolve_failed' ? { ...event, ...told } : event);
  }
}

export const TEMPLATE_DIFF = [
  '--- a/chat.cf.yaml',
  '+++ b/chat.cf.yaml',
  '@@ -10,3 +10,4 @@',
  '         EFSVolumeConfiguration:',
  '           FilesystemId: !Ref DbStorage',
  '+          RootDirectory: /chatdb-restore_x',
  '',
].join('\n');
