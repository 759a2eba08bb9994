// What a restore or a drill of a point starts from: the point as AWS Backup describes it, and the
// outline of its restore (item-level or whole volume, where the data dir should be, the evidence)
// drawn from the task definition revisions and this bot's own cutovers.

import type { Activities, RecoveryPoint, RestorePlanOutline, RestoreTarget } from './activities/index.js';
import type { PointSpec } from './service.js';
import { cutoverHistory, type RestoreSession } from './session.js';

export async function outlinePoint(
  activities: Activities,
  target: RestoreTarget,
  spec: PointSpec,
  sessions: readonly RestoreSession[],
): Promise<{ point: RecoveryPoint; outline: RestorePlanOutline }> {
  const point = await activities.resolvePoint(target, spec);
  const history = cutoverHistory(sessions, target.fileSystemId).map((c) => ({
    root: c.to,
    cutAt: new Date(c.cutAt),
    from: c.from,
    ...(c.startedAt === undefined ? {} : { startedAt: new Date(c.startedAt) }),
  }));
  const revisions = await activities.readRootHistory(target);
  return { point, outline: activities.planRestore(target, point, revisions, history) };
}
