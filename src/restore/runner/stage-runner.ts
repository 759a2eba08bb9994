// The stage runner: starts a stage's activity once its `run_stage` effect is persisted, hands it
// the hooks that persist its checkpoints (and stop it when a checkpoint is refused: the session
// moved on), and turns how it ended into the session's next event: stage_done, stage_failed, a
// new plan to confirm (the stack changed), or a pick for the engineers (locate could not choose).
// One stage runs per session; a stage asked for while the previous one is still unwinding starts
// as soon as that one has.

import { isAbort } from '../activities/errors.js';
import { PickNeeded, PlanChanged } from '../activities/index.js';
import { type Plan, pickTarget } from '../plan.js';
import { type JsonObject, type JsonValue, type StageName, stageState } from '../session.js';
import { stageDefinition } from '../stages/index.js';
import type { AwsPatch } from '../transitions.js';
import type { Runner, Running } from './context.js';
import { asFailure, productionIfUnclassified } from './failure.js';
import { targetFromPlan } from './plan-target.js';
import { apply } from './session-loop.js';
import { stageHooks } from './stage-hooks.js';

export function startStage(rt: Runner, id: string, stage: StageName): void {
  if (rt.closed) return;
  if (rt.running.has(id)) {
    // A stage that just ended asked for the next one from inside its own runner.
    rt.wanted.set(id, stage);
    return;
  }
  const abort = new AbortController();
  const entry: Running = { stage, abort, done: Promise.resolve() };
  rt.running.set(id, entry);
  entry.done = runStage(rt, id, stage, abort.signal)
    .catch((error: unknown) => {
      rt.deps.log.error({ err: error, session: id, stage }, 'stage runner failed');
    })
    .finally(() => {
      if (rt.running.get(id) === entry) rt.running.delete(id);
      const next = rt.wanted.get(id);
      rt.wanted.delete(id);
      if (next !== undefined) startStage(rt, id, next);
    });
}

export function abortStage(rt: Runner, id: string): void {
  rt.running.get(id)?.abort.abort();
}

async function runStage(rt: Runner, id: string, stage: StageName, signal: AbortSignal): Promise<void> {
  const { activities, log } = rt.deps;
  let session = rt.sessions.get(id);
  if (session === undefined) return;
  if (stageState(session, stage)?.status === 'pending') {
    const started = await apply(rt, id, { type: 'stage_started', stage });
    if (!started.ok) {
      log.warn({ session: id, stage, code: started.code }, 'stage did not start');
      return;
    }
    session = started.session;
  }
  if (stageState(session, stage)?.status !== 'running') return;
  const plan = session.plan;
  if (plan === undefined) return;
  const target = targetFromPlan(plan);
  const definition = stageDefinition(stage);

  try {
    if (definition === undefined) throw new Error(`stage ${stage} has no activity`);
    const done = await definition.run(activities, session, target, stageHooks(rt, id, stage, signal));
    if (signal.aborted) return;
    const outcome = await apply(rt, id, { type: 'stage_done', stage, ...done });
    if (!outcome.ok && outcome.code !== 'finished') {
      // An outcome the session cannot accept ends it, saying what was seen: never a silent hang.
      log.warn({ session: id, stage, code: outcome.code, reason: outcome.reason }, 'stage_done refused');
      await apply(rt, id, {
        type: 'stage_failed',
        stage,
        code: 'unacceptable_outcome',
        reason: `The stage reported an outcome the session cannot accept: ${outcome.reason} It saw: ${describeOutcome(done)}.`,
        production: productionIfUnclassified(stage),
      });
    }
  } catch (error) {
    if (signal.aborted || isAbort(error)) return;
    if (error instanceof PlanChanged) {
      await replan(rt, id, error);
      return;
    }
    if (error instanceof PickNeeded) {
      await askForPick(rt, id, error);
      return;
    }
    const failure = asFailure(stage, error);
    log.warn({ session: id, stage, code: failure.code, reason: failure.reason }, 'stage failed');
    // What the failure card adds (after a failed cutover: whether chat-db runs and is healthy).
    const service = await definition?.onFailure?.(activities, target);
    await apply(rt, id, {
      type: 'stage_failed',
      stage,
      ...failure,
      ...(service === undefined ? {} : { service }),
    });
  }
}

/** The stack moved since the confirmation: build the plan afresh and ask again. */
async function replan(rt: Runner, id: string, change: PlanChanged): Promise<void> {
  const session = rt.sessions.get(id);
  if (session?.plan === undefined) return;
  try {
    const fresh = await rt.deps.activities.resolveTarget();
    const target = pickTarget(fresh);
    const plan: Plan = { ...session.plan, ...target };
    const outcome = await apply(rt, id, {
      type: 'plan_changed',
      plan,
      changes: change.changes.map(describeChange),
    });
    if (!outcome.ok) {
      await apply(rt, id, {
        type: 'stage_failed',
        stage: 'cutover',
        reason: `The stack changed since the confirmation (${change.message}) and the plan could not be renewed: ${outcome.reason}`,
        production: 'unchanged',
        code: 'plan_changed',
      });
    }
  } catch (error) {
    const failure = asFailure('cutover', error);
    await apply(rt, id, { type: 'stage_failed', stage: 'cutover', ...failure, production: 'unchanged' });
  }
}

/** Locate could not choose: the session waits for the engineers' pick, or fails saying why not. */
async function askForPick(rt: Runner, id: string, ask: PickNeeded): Promise<void> {
  const outcome = await apply(rt, id, {
    type: 'pick_needed',
    stage: 'locate',
    restoreDir: ask.restoreDir,
    code: ask.unproven,
    why: ask.why,
    candidates: [...ask.candidates],
  });
  if (outcome.ok || outcome.code === 'finished') return;
  await apply(rt, id, {
    type: 'stage_failed',
    stage: 'locate',
    code: 'data_dir_unproven',
    reason: `${ask.why} The engineers could not be asked to pick: ${outcome.reason}`,
    production: 'unchanged',
    detail: { candidates: structuredClone(ask.candidates) as unknown as JsonValue },
  });
}

function describeOutcome(done: { aws?: AwsPatch; detail?: JsonObject }): string {
  const shown = JSON.stringify(done.aws ?? done.detail ?? {});
  return shown.length > 600 ? `${shown.slice(0, 600)}…` : shown;
}

function describeChange(change: unknown): string {
  if (typeof change === 'string') return change;
  const c = change as { what?: string; field?: string; expected?: string; actual?: string };
  const what = c.what ?? c.field ?? 'stack';
  return c.expected !== undefined
    ? `${what}: was ${c.expected}, now ${c.actual ?? '?'}`
    : JSON.stringify(change);
}
