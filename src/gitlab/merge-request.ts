// Opens the merge request that checks the cutover's template change into the infra repo. The repo's
// copy of the template is edited exactly as the stack's was (the volume's RootDirectory, every
// other byte kept), committed on a branch named after the session, and proposed for merging.
// Running it again for the same session finds the branch and the merge request instead of
// duplicating them.

import { setVolumeRootDirectory, TemplateEditError } from '../restore/template-edit.js';
import type { GitLabClient } from './client.js';
import { GitLabError } from './errors.js';

export interface TemplateChange {
  sessionId: string;
  /** The template's path in the repository (CHATDB_GITLAB_TEMPLATE_PATH). */
  templatePath: string;
  volumeName: string;
  newRoot: string;
  title: string;
  description: string;
}

export type MergeRequestResult =
  | { kind: 'opened'; url: string; iid: number; reused: boolean }
  /** The repository's template already has the new root: nothing to merge. */
  | { kind: 'unchanged'; path: string };

export function branchFor(sessionId: string): string {
  return `chatdb-restore/${sessionId}`;
}

export async function openTemplateMergeRequest(
  gitlab: GitLabClient,
  change: TemplateChange,
): Promise<MergeRequestResult> {
  const branch = branchFor(change.sessionId);
  const [existing] = await gitlab.openMergeRequests(branch);
  if (existing !== undefined)
    return { kind: 'opened', url: existing.webUrl, iid: existing.iid, reused: true };

  const project = await gitlab.project();
  const target = project.defaultBranch;
  const current = await gitlab.fileRaw(change.templatePath, target);
  if (current === undefined) {
    throw new GitLabError('edit_failed', `${change.templatePath} does not exist on ${target}`);
  }
  let edited: string;
  try {
    const edit = setVolumeRootDirectory(current, change.volumeName, change.newRoot);
    if (!edit.changed) return { kind: 'unchanged', path: change.templatePath };
    edited = edit.text;
  } catch (error) {
    if (!(error instanceof TemplateEditError)) throw error;
    throw new GitLabError('edit_failed', `${change.templatePath} on ${target}: ${error.message}`, undefined, {
      cause: error,
    });
  }

  await gitlab.createBranch(branch, target);
  // A retry after a commit that went through must not commit the same change again.
  if ((await gitlab.fileRaw(change.templatePath, branch)) !== edited) {
    await gitlab.commitUpdate({ branch, message: change.title, path: change.templatePath, content: edited });
  }
  const mr = await gitlab.createMergeRequest({
    sourceBranch: branch,
    targetBranch: target,
    title: change.title,
    description: change.description,
  });
  return { kind: 'opened', url: mr.webUrl, iid: mr.iid, reused: false };
}
