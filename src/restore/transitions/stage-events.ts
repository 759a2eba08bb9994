// A stage's events from the runner: started, progress, checkpoint, done, failed, and resumed
// after a restart. The next stage to run is an effect of the one before ending.

import type { Refusal } from '../errors.js';
import {
  nextPendingStage,
  POINT_OF_NO_RETURN,
  PRODUCTIONS,
  type RestoreSession,
  stageState,
} from '../session.js';
import { stagedReady, workingStage } from '../staged.js';
import { stageDefinition } from '../stages/index.js';
import { endStage, fail, finish, notify, stageStartData, startStage } from './draft.js';
import { activeStage, awaitingSomeone, refuse, runnable } from './gates.js';
import { mergeReports } from './reports.js';
import type { EventOf, Step } from './step.js';

export function onStageStarted(
  d: RestoreSession,
  e: EventOf<'stage_started'>,
  { now, effects }: Step,
): Refusal | undefined {
  if (d.status === 'resolving') {
    if (e.stage !== 'resolve' || stageState(d, 'resolve')?.status !== 'pending') {
      return refuse('wrong_stage', `The session is resolving; ${e.stage} cannot start now.`, {
        stage: e.stage,
      });
    }
    startStage(d, 'resolve', now);
    return undefined;
  }
  const running = workingStage(d);
  const next = nextPendingStage(d);
  if (running !== undefined || e.stage !== next || !runnable(e.stage)) {
    return refuse('wrong_stage', `The next stage is ${running ?? next ?? 'none'}, not ${e.stage}.`, {
      stage: e.stage,
      expected: running ?? next,
    });
  }
  startStage(d, e.stage, now);
  delete d.progress;
  notify(d, effects, now, e.stage, 'started', stageStartData(d, e.stage));
  return undefined;
}

export function onStageProgress(
  d: RestoreSession,
  e: EventOf<'stage_progress'>,
  { now }: Step,
): Refusal | undefined {
  const stage = activeStage(d, e.stage);
  if (typeof stage !== 'string') return stage;
  const percentOk =
    e.percentDone === undefined ||
    (Number.isFinite(e.percentDone) && e.percentDone >= 0 && e.percentDone <= 100);
  const etaOk = e.etaMinutes === undefined || (Number.isFinite(e.etaMinutes) && e.etaMinutes >= 0);
  if (!percentOk || !etaOk) return refuse('invalid_checkpoint', 'Progress is a percentage and minutes.');
  d.progress = { at: now };
  if (e.percentDone !== undefined) d.progress.percentDone = e.percentDone;
  if (e.etaMinutes !== undefined) d.progress.etaMinutes = e.etaMinutes;
  return undefined;
}

export function onStageCheckpoint(d: RestoreSession, e: EventOf<'stage_checkpoint'>): Refusal | undefined {
  const stage = activeStage(d, e.stage);
  if (typeof stage !== 'string') return stage;
  return mergeReports(d, e.aws, e.roots);
}

export function onStageDone(
  d: RestoreSession,
  e: EventOf<'stage_done'>,
  { now, effects }: Step,
): Refusal | undefined {
  const stage = activeStage(d, e.stage);
  if (typeof stage !== 'string') return stage;
  const merged = mergeReports(d, e.aws ?? {}, e.roots);
  if (merged !== undefined) return merged;
  const missing = (stageDefinition(stage)?.requires ?? []).filter((key) => d.aws[key] === undefined);
  if (missing.length > 0) {
    return refuse('invalid_checkpoint', `The stage ${stage} ended without recording ${missing.join(', ')}.`, {
      missing,
    });
  }
  endStage(d, stage, 'done', now, undefined, e.detail);
  delete d.progress;
  notify(d, effects, now, stage, 'done', e.detail ?? {});
  const next = nextPendingStage(d);
  if (next !== undefined && d.status === 'staging' && next === POINT_OF_NO_RETURN[d.kind]) {
    // Staged: everything before the cutover is done; the cutover waits for the confirmation.
    stagedReady(d, effects, (at, kind, data) => notify(d, effects, now, at, kind, data));
  } else if (next !== undefined) {
    effects.push({ type: 'run_stage', stage: next });
  } else {
    // A drill that failed before its teardown ends failed once the teardown is done.
    finish(d, effects, d.failure === undefined ? 'succeeded' : 'failed', now);
    notify(d, effects, now, undefined, 'summary', {});
  }
  return undefined;
}

export function onStageFailed(
  d: RestoreSession,
  e: EventOf<'stage_failed'>,
  { now, effects }: Step,
): Refusal | undefined {
  const stage = e.stage === 'resolve' && d.status === 'resolving' ? 'resolve' : activeStage(d, e.stage);
  if (typeof stage !== 'string') return stage;
  if (!PRODUCTIONS.includes(e.production)) {
    return refuse('invalid_checkpoint', 'production is unchanged, rolled_back, cut_over or unknown.');
  }
  fail(d, effects, now, {
    stage,
    reason: e.reason,
    production: e.production,
    ...(e.activity === undefined ? {} : { activity: e.activity }),
    ...(e.code === undefined ? {} : { code: e.code }),
    ...(e.detail === undefined ? {} : { detail: e.detail }),
  });
  if (e.service !== undefined && d.failure !== undefined) d.failure.service = structuredClone(e.service);
  return undefined;
}

export function onResumed(
  d: RestoreSession,
  _e: EventOf<'resumed'>,
  { now, effects }: Step,
): Refusal | undefined {
  if (awaitingSomeone(d)) {
    effects.push({ type: 'await_confirmation', expiresAt: d.expiresAt });
    return undefined;
  }
  // Staging waits for the confirmation while its work runs: both go on.
  if (d.status === 'staging') effects.push({ type: 'await_confirmation', expiresAt: d.expiresAt });
  const stage = workingStage(d) ?? nextPendingStage(d);
  if (stage === undefined) return refuse('wrong_stage', 'There is no stage left to resume.');
  effects.push({ type: 'run_stage', stage });
  notify(d, effects, now, stage, 'resumed', {});
  return undefined;
}
