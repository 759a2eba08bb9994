// What a stage's error becomes in the session: the activity's own classification (StageFailure),
// a RestoreError's code, or, for anything else, where the stage leaves production when it fails
// unclassified and whether AWS was merely unavailable.

import { isTransient, StageFailure } from '../activities/index.js';
import { isRestoreError } from '../errors.js';
import type { JsonObject, JsonValue, Production, StageName } from '../session.js';
import { stageDefinition } from '../stages/index.js';

/** Where production stands when a stage fails in a way its activity did not classify. */
export function productionIfUnclassified(stage: StageName): Production {
  return stageDefinition(stage)?.productionIfUnclassified ?? 'unchanged';
}

export interface FailureFields {
  reason: string;
  production: Production;
  activity?: string;
  code?: string;
  detail?: JsonObject;
}

export function asFailure(stage: StageName, error: unknown): FailureFields {
  if (error instanceof StageFailure) {
    return {
      reason: error.reason,
      production: error.production,
      activity: error.activity,
      code: error.code,
      ...(error.candidates === undefined && error.detail === undefined
        ? {}
        : {
            detail: {
              ...(error.candidates === undefined
                ? {}
                : { candidates: structuredClone(error.candidates) as unknown as JsonValue }),
              ...structuredClone(error.detail),
            },
          }),
    };
  }
  if (isRestoreError(error)) {
    return { reason: error.message, production: productionIfUnclassified(stage), code: error.code };
  }
  const message = error instanceof Error ? error.message : String(error);
  return {
    reason: message,
    production: productionIfUnclassified(stage),
    code: isTransient(error) ? 'aws_unavailable' : 'internal',
  };
}
