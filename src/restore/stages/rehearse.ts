// rehearse (a drill's): the cutover's template edit pointed at the drill's directory, a change set
// created from it (named chatdb-drill-<session>), checked to change only the chat-db task
// definition and service, its diff recorded for the report, then deleted; never executed. It
// records the diff and the change set's name before CreateChangeSet, its id after, its deletion
// last; a restart finds the change set by name. Production is never touched.

import type { RehearseCheckpoint } from '../activities/index.js';
import { drillChangeSetName } from '../names.js';
import type { DrillPlan } from '../plan.js';
import type { StageDefinition } from './stage.js';

export const rehearseStage: StageDefinition = {
  name: 'rehearse',
  productionIfUnclassified: 'unchanged',
  requires: ['templateDiff', 'changeSetDeletedAt'],
  async run(activities, session, target, { signal, checkpoint, templateFile }) {
    const plan = session.plan as DrillPlan;
    const { aws } = session;
    const changeSetName = drillChangeSetName(session.id);
    const result = await activities.rehearseCutover(
      {
        target,
        newRoot: aws.flatDir ?? plan.targetRoot,
        changeSetName,
        sessionId: session.id,
        expectedTemplateSha256: plan.templateSha256,
        ...(templateFile === undefined ? {} : { templateFile }),
        state: {
          ...(aws.templateDiff === undefined ? {} : { templateDiff: aws.templateDiff }),
          ...(aws.changeSetId === undefined ? {} : { changeSetId: aws.changeSetId }),
          ...(aws.changeSetDeletedAt === undefined ? {} : { deleted: true }),
        },
      },
      {
        signal,
        checkpoint: (patch: RehearseCheckpoint) => {
          if ('templateDiff' in patch) return checkpoint({ templateDiff: patch.templateDiff, changeSetName });
          if ('changeSetId' in patch) return checkpoint({ changeSetId: patch.changeSetId });
          return checkpoint({ changeSetDeletedAt: patch.deletedAt.toISOString() });
        },
      },
    );
    return {
      aws: {
        templateDiff: result.templateDiff,
        changeSetName,
        changeSetDeletedAt: result.deletedAt.toISOString(),
        ...(result.changeSetId === undefined ? {} : { changeSetId: result.changeSetId }),
      },
      detail: {
        changeSetName,
        previousRoot: result.previousRoot,
        ...(result.changes === undefined
          ? {}
          : { changes: result.changes.map((c) => `${c.action} ${c.logicalId} (${c.resourceType})`) }),
        templateChanged: result.templateChanged,
        executed: false,
      },
    };
  },
};
