// Edits of the session draft that several handlers make: the plan, a stage's start and end, the
// session's end (and a failure's record), and the notices the Slack layer delivers.

import { type Plan, planHash } from '../plan.js';
import {
  type JsonObject,
  type Notice,
  type NoticeKind,
  type RestoreSession,
  releaseLockEffect,
  type SessionEffect,
  type SessionStatus,
  type StageName,
  stageState,
} from '../session.js';
import { stageDefinition } from '../stages/index.js';
import type { EventOf } from './step.js';

export function setPlan(d: RestoreSession, plan: Plan): void {
  d.plan = structuredClone(plan);
  d.planHash = planHash(plan);
  if (plan.kind === 'drill') {
    // Production stays on its root; nothing is ever cut over to the drill's directory.
    d.roots.previous = plan.currentRoot;
  } else if (plan.kind !== 'cleanup') {
    d.roots.previous = plan.currentRoot;
    d.roots.next = plan.targetRoot;
  }
}

/** A retried cut-over: the data is already restored and flattened, so only cutover and verify run. */
export function reuseRestored(d: RestoreSession, flatDir: string, from: string): void {
  d.aws.flatDir = flatDir;
  for (const name of ['restore', 'locate', 'flatten'] as const) {
    const stage = stageState(d, name);
    if (stage === undefined) continue;
    stage.status = 'skipped';
    stage.detail = { reusedFrom: from };
  }
}

export function startStage(d: RestoreSession, name: StageName, now: string): void {
  const stage = stageState(d, name);
  if (stage === undefined) return;
  stage.status = 'running';
  stage.startedAt = now;
  delete stage.endedAt;
  delete stage.error;
}

export function endStage(
  d: RestoreSession,
  name: StageName,
  status: 'done' | 'failed' | 'skipped',
  now: string,
  error?: string,
  detail?: JsonObject,
): void {
  const stage = stageState(d, name);
  if (stage === undefined) return;
  stage.status = status;
  stage.endedAt = now;
  if (error !== undefined) stage.error = error;
  if (detail !== undefined) stage.detail = structuredClone(detail);
}

/** Ends the session: pending stages become skipped, the lock is to be released. */
export function finish(
  d: RestoreSession,
  effects: SessionEffect[],
  status: SessionStatus,
  now: string,
  by?: string,
): void {
  d.status = status;
  d.ended = by === undefined ? { at: now } : { at: now, by };
  for (const stage of d.stages) if (stage.status === 'pending') stage.status = 'skipped';
  // A staged session that fails while its confirmation still waits: the wait ends too.
  for (const stage of d.stages) if (stage.status === 'running') endStage(d, stage.name, 'skipped', now);
  delete d.progress;
  effects.push(releaseLockEffect(d));
}

export function fail(
  d: RestoreSession,
  effects: SessionEffect[],
  now: string,
  f: Omit<EventOf<'stage_failed'>, 'type' | 'service'>,
): void {
  const reason = typeof f.reason === 'string' && f.reason !== '' ? f.reason : 'No reason was given.';
  endStage(d, f.stage, 'failed', now, reason, f.detail);
  d.failure = { stage: f.stage, reason, production: f.production };
  if (f.code !== undefined) d.failure.code = f.code;
  if (f.activity !== undefined) d.failure.activity = f.activity;
  if (d.kind === 'drill' && d.status === 'running' && stageState(d, 'teardown')?.status === 'pending') {
    // A drill never leaves anything behind: the stages after the failure are skipped and its
    // teardown runs; the drill ends (failed) when the teardown has.
    for (const stage of d.stages)
      if (stage.status === 'pending' && stage.name !== 'teardown') stage.status = 'skipped';
    delete d.progress;
    effects.push({ type: 'run_stage', stage: 'teardown' });
  } else {
    finish(d, effects, 'failed', now);
  }
  notify(d, effects, now, f.stage, 'failed', {
    reason,
    production: f.production,
    ...(f.code === undefined ? {} : { code: f.code }),
  });
}

/** What a session ending now leaves for cleanup: a staged one's teardown says it instead. */
export function staysOnVolume(d: RestoreSession): string | undefined {
  return d.staged?.teardown === undefined ? leftOnVolume(d) : undefined;
}

/** What a session that stops early leaves on the volume for cleanup. */
export function leftOnVolume(d: Pick<RestoreSession, 'aws'>): string | undefined {
  return d.aws.flatDir ?? (d.aws.restoreDir === undefined ? undefined : `/${d.aws.restoreDir}`);
}

/** Adds a notice with a deterministic id and asks for its delivery. */
export function notify(
  d: RestoreSession,
  effects: SessionEffect[],
  now: string,
  stage: StageName | undefined,
  kind: NoticeKind,
  data: JsonObject,
): void {
  const base = `${stage ?? 'session'}:${kind}`;
  let id = base;
  for (let n = 2; d.notices.some((notice) => notice.id === id); n++) id = `${base}#${n}`;
  const notice: Notice = { id, at: now, kind, data };
  if (stage !== undefined) notice.stage = stage;
  d.notices.push(notice);
  effects.push({ type: 'notify', noticeId: id });
}

export function stageStartData(d: RestoreSession, stage: StageName): JsonObject {
  return stageDefinition(stage)?.startData?.(d) ?? {};
}
