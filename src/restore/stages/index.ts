// The stages that run as activities, one module each. The order they run in, per kind of session,
// is session.ts's STAGES_BY_KIND; resolve and confirm have no module: the opener and the `confirm`
// event end them. Adding a stage: its module here, its place in STAGES_BY_KIND, and its views.

import type { StageName } from '../session.js';
import { checkStage } from './check.js';
import { cutoverStage } from './cutover.js';
import { deleteStage } from './delete.js';
import { flattenStage } from './flatten.js';
import { locateStage } from './locate.js';
import { rehearseStage } from './rehearse.js';
import { restoreStage } from './restore.js';
import type { StageDefinition } from './stage.js';
import { teardownStage } from './teardown.js';
import { verifyStage } from './verify.js';

export const STAGES: Readonly<Partial<Record<StageName, StageDefinition>>> = {
  restore: restoreStage,
  locate: locateStage,
  flatten: flattenStage,
  check: checkStage,
  cutover: cutoverStage,
  verify: verifyStage,
  delete: deleteStage,
  rehearse: rehearseStage,
  teardown: teardownStage,
};

/** The module of a stage that runs as an activity; undefined for resolve and confirm. */
export function stageDefinition(name: StageName): StageDefinition | undefined {
  return STAGES[name];
}
