// A drill's plan: the point and its restore outline exactly as a restore of it would have them,
// the drill's own directory as the flatten target, what earlier drills left behind to sweep, and
// the expected duration from this volume's measured restores and drills (without the cutover).

import type { Activities, RestoreTarget } from './activities/index.js';
import { drillLeftovers } from './drill-leftovers.js';
import { cutoverVerifyMs, estimateRestore, restoreSamples } from './estimate.js';
import { buildDrillPlan } from './plan.js';
import { outlinePoint } from './point-outline.js';
import type { Actor, PointSpec } from './service.js';
import type { RestoreSession } from './session.js';
import type { SessionEvent } from './transitions.js';

export async function drillPlanEvent(
  activities: Activities,
  session: RestoreSession,
  target: RestoreTarget,
  actor: Actor,
  spec: PointSpec,
  sessions: readonly RestoreSession[],
): Promise<SessionEvent> {
  const { point, outline, basis } = await outlinePoint(activities, target, spec, sessions);
  const estimate = estimateRestore(restoreSamples(sessions, target.fileSystemId), point.sizeBytes);
  const plan = buildDrillPlan({
    ...basis,
    sessionId: session.id,
    requester: actor.user,
    expectedDurationMinutes: estimate?.totalMinutes ?? outline.expectedDurationMinutes,
    sweep: drillLeftovers(sessions, target.fileSystemId),
    cutoverEstimateMs: cutoverVerifyMs(sessions, target.fileSystemId),
  });
  return { type: 'resolved', plan };
}
