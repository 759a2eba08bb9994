// What a stage is to the runner. A stage module exports one StageDefinition: its name, what
// production is when it fails in a way its activity did not classify, and `run`, which reads what
// it needs from the session, does its work over the activities, and returns what it records (the
// `stage_done` event's aws, roots and detail). The runner (orchestrator.ts) starts it, hands it
// the abort signal and the checkpoint hook (which persists AWS ids before the next mutation), and
// turns its outcome or its failure into the session's next event.

import type { Activities, RestoreTarget } from '../activities/index.js';
import type { Production, RestoreSession, StageName } from '../session.js';
import type { AwsPatch, RootsPatch, SessionEvent } from '../transitions.js';

/** What a stage records when it ends well. */
export type StageOutcome = Omit<Extract<SessionEvent, { type: 'stage_done' }>, 'type' | 'stage'>;

export interface StageHooks {
  /** Aborted on cancel, and on shutdown: stop before the next mutation. */
  signal: AbortSignal;
  /** Persists AWS ids (and roots) in the session; throws once the session moved on. */
  checkpoint(aws: AwsPatch, roots?: RootsPatch): Promise<void>;
}

export interface StageDefinition {
  readonly name: StageName;
  /** Where production stands when the stage fails in a way its activity did not classify. */
  readonly productionIfUnclassified: Production;
  run(
    activities: Activities,
    session: RestoreSession,
    target: RestoreTarget,
    hooks: StageHooks,
  ): Promise<StageOutcome>;
}
