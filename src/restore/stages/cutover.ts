// cutover: edits the template's chat-db volume RootDirectory, creates and executes a change set
// (named from the session id and attempt) and waits for the ECS deployment, stopping a stalled
// task. It records the template diff before CreateChangeSet, the change set id before
// ExecuteChangeSet, the execution, and each task it stops before StopTask, so a restart finds its
// own change set and never executes twice. A stack that changed since the confirmation makes its
// activity throw PlanChanged (the runner renews the plan); after a failure the card shows the
// service's health. A failure it did not classify leaves production unknown.

import type { CutoverCheckpoint } from '../activities/index.js';
import { changeSetName } from '../names.js';
import { targetRootOf } from '../plan.js';
import type { JsonObject } from '../session.js';
import type { StageDefinition } from './stage.js';

export const cutoverStage: StageDefinition = {
  name: 'cutover',
  productionIfUnclassified: 'unknown',
  requires: ['executedAt', 'newTaskDefinitionArn'],
  startData(session): JsonObject {
    const plan = session.plan;
    if (plan === undefined || plan.kind === 'cleanup') return {};
    return { from: plan.currentRoot, to: plan.targetRoot, attempt: session.attempt };
  },
  async run(activities, session, target, { signal, checkpoint, templateFile }) {
    const plan = session.plan;
    if (plan === undefined || plan.kind === 'cleanup')
      throw new Error('cutover runs only in a restore or rollback');
    const { aws } = session;
    const newRoot = plan.kind === 'restore' ? (aws.flatDir ?? plan.targetRoot) : targetRootOf(plan);
    const name = aws.changeSetName ?? changeSetName(session.id, session.attempt);
    const result = await activities.cutover(
      {
        target,
        expectedTemplateSha256: plan.templateSha256,
        expectedTaskDefinitionArn: plan.taskDefinitionArn,
        newRoot,
        changeSetName: name,
        sessionId: session.id,
        ...(templateFile === undefined ? {} : { templateFile }),
        state: {
          ...(aws.changeSetId === undefined ? {} : { changeSetId: aws.changeSetId }),
          ...(aws.executedAt === undefined ? {} : { executed: true, executedAt: new Date(aws.executedAt) }),
          stoppedTaskArns: [...aws.stoppedTaskArns],
          ...(aws.templateDiff === undefined ? {} : { templateDiff: aws.templateDiff }),
          ...(session.roots.previous === undefined ? {} : { previousRoot: session.roots.previous }),
        },
      },
      {
        signal,
        checkpoint: (patch: CutoverCheckpoint) => {
          if ('templateDiff' in patch) {
            return checkpoint(
              {
                templateDiff: patch.templateDiff,
                changeSetName: name,
                oldTaskDefinitionArn: plan.taskDefinitionArn,
              },
              { previous: patch.previousRoot, next: newRoot },
            );
          }
          if ('changeSetId' in patch) return checkpoint({ changeSetId: patch.changeSetId });
          if ('executing' in patch) return checkpoint({ executeCalledAt: patch.executing.toISOString() });
          if ('executed' in patch) return checkpoint({ executedAt: patch.executedAt.toISOString() });
          if ('stopping' in patch) return checkpoint({ stoppingTaskArn: patch.stopping });
          return checkpoint({ stoppedTaskArns: [...patch.stoppedTaskArns] });
        },
      },
    );
    return {
      aws: {
        changeSetName: name,
        ...(result.changeSetId === undefined ? {} : { changeSetId: result.changeSetId }),
        executedAt: result.executedAt.toISOString(),
        newTaskDefinitionArn: result.newTaskDefinitionArn,
        stoppedTaskArns: result.stoppedTaskArns,
        templateDiff: result.templateDiff,
        oldTaskDefinitionArn: plan.taskDefinitionArn,
      },
      roots: { previous: result.previousRoot, next: newRoot },
      detail: {
        previousRoot: result.previousRoot,
        newRoot,
        newTaskDefinitionArn: result.newTaskDefinitionArn,
        stoppedTasks: result.stoppedTaskArns.length,
        deploymentCase: result.deploymentCase,
      },
    };
  },
  onFailure: (activities, target) => activities.serviceHealth(target),
};
