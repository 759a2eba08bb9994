// `list`: the recovery points of the chat-db volume as `start <n>` numbers them, with the point
// chat-db runs on now where a session of this bot restored it.

import type { RecoveryPoint } from '../../aws/ports.js';
import type { Activities } from '../activities/index.js';
import type { ListResult } from '../service.js';
import { livePoint } from '../session.js';
import type { Runner } from './context.js';
import { allSessions } from './session-loop.js';

export function listPoints(rt: Runner, limit: number): Promise<ListResult> {
  // During an outage several engineers run `list` at once; they share one read of the stack
  // and the vault instead of each costing a template parse and a round of AWS calls.
  let flight = rt.listFlights.get(limit);
  if (flight === undefined) {
    flight = readPoints(rt, limit).finally(() => rt.listFlights.delete(limit));
    rt.listFlights.set(limit, flight);
  }
  return flight;
}

async function readPoints(rt: Runner, limit: number): Promise<ListResult> {
  const { activities } = rt.deps;
  const target = await activities.resolveTarget();
  const points = await activities.listPoints(target, limit);
  const live = livePoint(await allSessions(rt), target.fileSystemId, target.currentRoot);
  return {
    ...(live === undefined ? {} : { livePoint: live }),
    stackName: target.stackName,
    fileSystemId: target.fileSystemId,
    fileSystemArn: target.fileSystemArn,
    currentRoot: target.currentRoot,
    points: numberPoints(points, activities),
  } satisfies ListResult;
}

/**
 * The list as `start <n>` counts it: only points of the configured vault get a number; another
 * vault's point is shown, unnumbered, with the reason it cannot be restored.
 */
function numberPoints(
  points: readonly RecoveryPoint[],
  rules: Pick<Activities, 'whyNotRestorable' | 'inConfiguredVault'>,
): ListResult['points'] {
  let n = 0;
  return points.map((point) => {
    const whyNot = rules.whyNotRestorable(point);
    const index = rules.inConfiguredVault(point) ? ++n : undefined;
    return {
      ...(index === undefined ? {} : { index }),
      point,
      restorable: whyNot === undefined,
      ...(whyNot ? { whyNot } : {}),
    };
  });
}
