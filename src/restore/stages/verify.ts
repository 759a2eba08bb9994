// verify: the service runs the new task definition, its task is healthy (and the optional health
// URL answers), with the root the cutover set. It reads only, so a restart runs it again. It
// records the new task; a failure it did not classify leaves production cut over, unverified.

import { targetRootOf } from '../plan.js';
import type { StageDefinition } from './stage.js';

export const verifyStage: StageDefinition = {
  name: 'verify',
  productionIfUnclassified: 'cut_over',
  async run(activities, session, target, { signal }) {
    const plan = session.plan;
    if (plan === undefined) throw new Error('verify runs only once the session has a plan');
    const result = await activities.verify(
      {
        target,
        newTaskDefinitionArn: session.aws.newTaskDefinitionArn ?? '',
        expectRoot: session.roots.next ?? targetRootOf(plan),
      },
      { signal },
    );
    return {
      aws: { newTaskArn: result.taskArn },
      detail: {
        taskArn: result.taskArn,
        healthStatus: result.healthStatus,
        ...(result.healthUrlStatus === undefined ? {} : { healthUrlStatus: result.healthUrlStatus }),
      },
    };
  },
};
