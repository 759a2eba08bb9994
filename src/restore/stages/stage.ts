// What a stage is to the runner. A stage module exports one StageDefinition: its name, what
// production is when it fails in a way its activity did not classify, what it must have recorded
// when it ends, what its 'started' notice says, and `run`, which reads what it needs from the
// session, does its work over the activities, and returns what it records (the `stage_done`
// event's aws, roots and detail). The runner (runner/stage-runner.ts) starts it, hands it the
// abort signal, the checkpoint hook (which persists AWS ids before the next mutation) and the
// progress hook, and turns its outcome or its failure into the session's next event. The
// transitions (transitions/) read `requires` and `startData`; a stage with no definition
// (resolve, confirm) ends through its own events.

import type { Activities, RestoreTarget, SsmCommandRef } from '../activities/index.js';
import type {
  JsonObject,
  Production,
  RestoreSession,
  SessionAws,
  SessionFailure,
  StageName,
} from '../session.js';
import type { AwsPatch, RootsPatch, SessionEvent } from '../transitions.js';

/** What a stage records when it ends well. */
export type StageOutcome = Omit<Extract<SessionEvent, { type: 'stage_done' }>, 'type' | 'stage'>;

/** What the runner hands a running stage. */
export interface StageHooks {
  /** Aborted on cancel, and on shutdown: stop before the next mutation. */
  signal: AbortSignal;
  /** Persists AWS ids (and roots) in the session; throws once the session moved on. */
  checkpoint(aws: AwsPatch, roots?: RootsPatch): Promise<void>;
  /** Records progress (`stage_progress`); not awaited: a lost tick is harmless. */
  progress(report: { percentDone?: number; etaMinutes?: number }): void;
  /** Records an SSM command before its wait, so even a command that hangs gets its link. */
  commandSent(command: SsmCommandRef): Promise<void>;
  /** The template's path in the infra repo, for the diff's headers. */
  templateFile?: string;
}

export interface StageDefinition {
  readonly name: StageName;
  /** Where production stands when the stage fails in a way its activity did not classify. */
  readonly productionIfUnclassified: Production;
  /** What `stage_done` must leave recorded, for the stages after it. */
  readonly requires?: readonly (keyof SessionAws)[];
  /** What the stage's 'started' notice carries. */
  startData?(session: RestoreSession): JsonObject;
  run(
    activities: Activities,
    session: RestoreSession,
    target: RestoreTarget,
    hooks: StageHooks,
  ): Promise<StageOutcome>;
  /** What the failure card adds, read after the stage failed (the cutover: the service's health). */
  onFailure?(activities: Activities, target: RestoreTarget): Promise<SessionFailure['service'] | undefined>;
}
