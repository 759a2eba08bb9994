// What a restore or a drill of a point starts from: the point as AWS Backup describes it, and the
// outline of its restore (item-level or whole volume, where the data dir should be, the evidence)
// drawn from the task definition revisions and this bot's own cutovers.

import type { Activities, RecoveryPoint, RestorePlanOutline, RestoreTarget } from './activities/index.js';
import { type PlanPoint, planPoint, type RestorePlan } from './plan.js';
import type { PointSpec } from './service.js';
import { cutoverHistory, type RestoreSession } from './session.js';

export async function outlinePoint(
  activities: Activities,
  target: RestoreTarget,
  spec: PointSpec,
  sessions: readonly RestoreSession[],
): Promise<{ point: RecoveryPoint; outline: RestorePlanOutline; basis: PlanBasis }> {
  const point = await activities.resolvePoint(target, spec);
  const history = cutoverHistory(sessions, target.fileSystemId).map((c) => ({
    root: c.to,
    cutAt: new Date(c.cutAt),
    from: c.from,
    ...(c.startedAt === undefined ? {} : { startedAt: new Date(c.startedAt) }),
  }));
  const revisions = await activities.readRootHistory(target);
  const outline = activities.planRestore(target, point, revisions, history);
  const basis: PlanBasis = {
    target,
    point: planPoint(point),
    restoreMode: outline.restoreMode,
    ...(outline.expectedRelPath === undefined ? {} : { expectedRelPath: outline.expectedRelPath }),
    rootEvidence: outline.evidence,
  };
  return { point, outline, basis };
}

/** What a restore plan and a drill plan of the point are both built from. */
export interface PlanBasis {
  target: RestoreTarget;
  point: PlanPoint;
  restoreMode: RestorePlan['restoreMode'];
  expectedRelPath?: string;
  rootEvidence: NonNullable<RestorePlan['rootEvidence']>;
}
