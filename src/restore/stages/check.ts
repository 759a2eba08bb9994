// The check stage as the session sees it: what it needs (the flattened directory, the plan's
// point and target, the ids an earlier run recorded), what it records (the revision and the task
// before each next step, the report when it ends), and what production is if it fails
// (unchanged: nothing here touches the stack or the service).

import type { CheckCheckpoint } from '../activities/index.js';
import type { RestorePlan } from '../plan.js';
import type { JsonObject } from '../session.js';
import { stageState } from '../session.js';
import type { StageDefinition } from './stage.js';

export const checkStage: StageDefinition = {
  name: 'check',
  productionIfUnclassified: 'unchanged',
  requires: ['checkTaskArn'],
  async run(activities, session, target, hooks) {
    const plan = session.plan as RestorePlan;
    const startedAt = stageState(session, 'check')?.startedAt;
    const result = await activities.checkRestoredData(
      {
        target,
        flatDir: session.aws.flatDir ?? plan.targetRoot,
        sessionId: session.id,
        startedAt: startedAt === undefined ? new Date() : new Date(startedAt),
        point: { arn: plan.recoveryPoint.arn, createdAt: new Date(plan.recoveryPoint.createdAt) },
        state: {
          ...(session.aws.checkTaskDefinitionArn === undefined
            ? {}
            : { taskDefinitionArn: session.aws.checkTaskDefinitionArn }),
          ...(session.aws.checkTaskArn === undefined ? {} : { taskArn: session.aws.checkTaskArn }),
        },
      },
      {
        signal: hooks.signal,
        checkpoint: (patch: CheckCheckpoint) =>
          hooks.checkpoint(
            'taskArn' in patch
              ? { checkTaskArn: patch.taskArn }
              : { checkTaskDefinitionArn: patch.taskDefinitionArn },
          ),
      },
    );
    const { report } = result;
    const detail: JsonObject = {
      taskArn: result.taskArn,
      taskDefinitionArn: result.taskDefinitionArn,
      deregistered: result.deregistered,
      database: report.database,
      ...(report.mongodbVersion === undefined ? {} : { mongodbVersion: report.mongodbVersion }),
      newestMessageAt: report.newestMessageAt === null ? null : report.newestMessageAt.toISOString(),
      counts: { ...report.counts },
      warnings: report.collections.flatMap((c) => c.warnings.map((w) => `${c.name}: ${w}`)).slice(0, 10),
    };
    return {
      aws: { checkTaskDefinitionArn: result.taskDefinitionArn, checkTaskArn: result.taskArn },
      detail,
    };
  },
};
