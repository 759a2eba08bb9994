// The target a running stage acts on, from the plan its session persisted: no AWS reads, so a
// stage resumed after a restart acts on what was confirmed, not on what the stack says now.

import type { RestoreTarget } from '../activities/index.js';
import type { Plan } from '../plan.js';

/** What the activities need of the target, rebuilt from the persisted plan (no AWS reads). */
export function targetFromPlan(plan: Plan): RestoreTarget {
  const [, , , region = '', accountId = ''] = plan.fileSystemArn.split(':');
  return {
    stackName: plan.stackName,
    stackStatus: 'UNKNOWN',
    templateSha256: plan.templateSha256,
    fileSystemId: plan.fileSystemId,
    fileSystemArn: plan.fileSystemArn,
    fileSystemLogicalId: 'DbStorage',
    cluster: plan.cluster,
    service: plan.service,
    serviceArn: plan.service,
    taskDefinitionArn: plan.taskDefinitionArn,
    volumeName: plan.volumeName,
    currentRoot: plan.currentRoot,
    region,
    accountId,
  };
}
