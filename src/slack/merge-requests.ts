// The merge request that checks a cutover's template change into the infra repo: a follow-up of
// a session that changed the stack. The notifier asks for it once per session, before the
// summary, and the summary shows the outcome. GitLab is reached through the client main.ts builds
// (src/gitlab); this module only says what to propose and turns the answer into the summary's words.

import type { GitLabClient } from '../gitlab/client.js';
import { openTemplateMergeRequest } from '../gitlab/merge-request.js';
import type { Logger } from '../log.js';
import type { RestoreSession } from '../restore/session.js';
import type { MergeRequestOutcome } from './views/summary.js';

export interface MergeRequests {
  /** The template's path in the infra repository (CHATDB_GITLAB_TEMPLATE_PATH), for the summary. */
  readonly templatePath: string;
  /** Opens the session's merge request, or finds the one an earlier run opened; never throws. */
  open(s: RestoreSession): Promise<MergeRequestOutcome>;
}

export function createMergeRequests(
  gitlab: GitLabClient,
  templatePath: string,
  logger: Logger,
): MergeRequests {
  const log = logger.child({ component: 'notifier' });
  return {
    templatePath,
    async open(s) {
      const newRoot = s.roots.next;
      const plan = s.plan;
      if (newRoot === undefined || plan === undefined) {
        return { kind: 'failed', reason: 'the session does not record the new root' };
      }
      try {
        const result = await openTemplateMergeRequest(gitlab, {
          sessionId: s.id,
          templatePath,
          volumeName: plan.volumeName,
          newRoot,
          title: `chat-db: RootDirectory ${newRoot} (chatdb-restore ${s.id})`,
          description: mergeRequestDescription(s, newRoot),
        });
        if (result.kind === 'unchanged') return { kind: 'unchanged', path: result.path };
        log.info({ session: s.id, url: result.url, reused: result.reused }, 'merge request opened');
        return { kind: 'opened', url: result.url, reused: result.reused };
      } catch (error) {
        log.warn({ err: error, session: s.id }, 'could not open the merge request');
        return { kind: 'failed', reason: (error as Error).message };
      }
    },
  };
}

function mergeRequestDescription(s: RestoreSession, newRoot: string): string {
  const lines = [
    `chatdb-restore session \`${s.id}\` (${s.kind}) pointed the chat-db volume's RootDirectory at \`${newRoot}\`.`,
    '',
    `- Requested by Slack user ${s.requester}${s.confirmer === undefined ? '' : `, confirmed by ${s.confirmer}`}.`,
    `- Previous root: \`${s.roots.previous ?? '?'}\`.`,
  ];
  if (s.plan?.kind === 'restore') {
    lines.push(`- Recovery point: \`${s.plan.recoveryPoint.arn}\` (${s.plan.recoveryPoint.createdAt}).`);
  }
  lines.push('', 'The stack already runs this template; merging keeps the repository in step with it.');
  if (s.aws.templateDiff !== undefined) lines.push('', '```diff', s.aws.templateDiff.trimEnd(), '```');
  return lines.join('\n');
}
