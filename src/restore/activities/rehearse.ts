// A drill's rehearsal of the cutover: the same template edit a real cutover makes (the chat-db
// volume's RootDirectory, here the drill's directory), a change set created from it and checked
// to change only the chat-db task definition and its services, its diff recorded, then the change
// set deleted. Nothing here executes a change set, and the deploy's policy lets the bot execute
// none named chatdb-drill-*. Re-runnable: the change set is found again by its name.

import type { ChangeSet } from '../../aws/ports.js';
import { diffTemplate } from '../template-diff.js';
import { servicesOfTaskDefinition, setVolumeRootDirectory } from '../template-edit.js';
import { asStage, StageFailure } from './errors.js';
import { throwIfAborted } from './poll.js';
import { sha256 } from './resolve-target.js';
import type { ActivityDeps, ActivityHooks, RestoreTarget } from './types.js';

export interface RehearseInput {
  target: RestoreTarget;
  /** The drill's directory: what a real cutover's edit would name instead of the new root. */
  newRoot: string;
  changeSetName: string;
  sessionId: string;
  /** The template as resolve read it: a different one is rehearsed too, and the report says so. */
  expectedTemplateSha256: string;
  templateFile?: string;
  state: { templateDiff?: string; changeSetId?: string; deleted?: boolean };
}

export type RehearseCheckpoint =
  | { templateDiff: string; previousRoot: string }
  | { changeSetId: string }
  | { deletedAt: Date };

export interface RehearseResult {
  templateDiff: string;
  previousRoot: string;
  changeSetId?: string;
  /** What CloudFormation said the change set would change; undefined when a resumed run found it deleted. */
  changes: ChangeSet['changes'] | undefined;
  templateChanged: boolean;
  deletedAt: Date;
}

export async function rehearseCutover(
  deps: ActivityDeps,
  input: RehearseInput,
  hooks: ActivityHooks<RehearseCheckpoint>,
): Promise<RehearseResult> {
  const { ports } = deps;
  const { target, changeSetName } = input;
  return asStage('rehearse', 'unchanged', 'rehearse', async () => {
    const template = await ports.stack.getTemplate(target.stackName);
    const edit = setVolumeRootDirectory(template, target.volumeName, input.newRoot);
    const templateDiff =
      input.state.templateDiff ?? diffTemplate(template, edit.text, input.templateFile ?? 'chat.cf.yaml');
    if (input.state.templateDiff === undefined) {
      await hooks.checkpoint({ templateDiff, previousRoot: edit.previousRoot });
    }
    let changeSet: ChangeSet | undefined;
    try {
      // A change set recorded but gone was deleted by an earlier run that stopped before saying so:
      // it is not created a second time.
      const gone =
        input.state.deleted === true ||
        (input.state.changeSetId !== undefined &&
          (await ports.stack.describeChangeSet(target.stackName, changeSetName)) === undefined);
      if (!gone) {
        throwIfAborted(hooks.signal);
        // Found again by its name when an earlier run created it (waited for, not created again).
        changeSet = await ports.stack.createChangeSet({
          stackName: target.stackName,
          changeSetName,
          templateBody: edit.text,
          description: `chatdb-restore drill ${input.sessionId}: rehearsal only, never executed`,
        });
        if (input.state.changeSetId === undefined) await hooks.checkpoint({ changeSetId: changeSet.id });
      }
    } finally {
      // Deleted whatever the outcome: a drill leaves no change set that anyone could execute.
      await ports.stack.deleteChangeSet(target.stackName, changeSetName);
    }
    const deletedAt = new Date();
    await hooks.checkpoint({ deletedAt });
    if (changeSet !== undefined) {
      if (changeSet.status === 'FAILED') {
        throw new StageFailure({
          stage: 'rehearse',
          code: 'change_set_failed',
          reason: `Change set ${changeSetName} FAILED: ${changeSet.statusReason ?? 'no reason given'}`,
          production: 'unchanged',
          activity: 'rehearse',
        });
      }
      const allowed = new Set([
        edit.taskDefinition,
        ...servicesOfTaskDefinition(template, edit.taskDefinition),
      ]);
      const other = changeSet.changes.filter((c) => c.action !== 'Modify' || !allowed.has(c.logicalId));
      if (other.length > 0) {
        throw new StageFailure({
          stage: 'rehearse',
          code: 'change_set_scope',
          reason: `A cutover's change set would also change ${other
            .map((c) => `${c.action} ${c.logicalId} (${c.resourceType})`)
            .join(', ')}; only ${[...allowed].join(' and ')} may change, so a real cutover would stop there.`,
          production: 'unchanged',
          activity: 'rehearse',
        });
      }
    }
    return {
      templateDiff,
      previousRoot: edit.previousRoot,
      ...(changeSet === undefined ? {} : { changeSetId: changeSet.id }),
      changes: changeSet?.changes,
      templateChanged: sha256(template) !== input.expectedTemplateSha256,
      deletedAt,
    };
  });
}

/**
 * Deletes change sets by name (a drill's own, and those earlier drills left); `absent` for those
 * already gone. Never executes anything.
 */
export async function deleteChangeSets(
  deps: ActivityDeps,
  target: RestoreTarget,
  names: readonly string[],
): Promise<{ deleted: string[]; absent: string[] }> {
  return asStage('teardown', 'unchanged', 'teardown', async () => {
    const deleted: string[] = [];
    const absent: string[] = [];
    for (const name of names) {
      const outcome = await deps.ports.stack.deleteChangeSet(target.stackName, name);
      (outcome === 'deleted' ? deleted : absent).push(name);
    }
    return { deleted, absent };
  });
}
