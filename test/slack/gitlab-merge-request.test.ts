import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Secret } from '../../src/config.js';
import { createGitLabClient } from '../../src/gitlab/client.js';
import { GitLabError } from '../../src/gitlab/errors.js';
import { branchFor, openTemplateMergeRequest } from '../../src/gitlab/merge-request.js';
import { DEFAULT_TEMPLATE } from '../../src/sim/default-template.js';
import { type FakeGitLab, startFakeGitLab } from '../helpers/fake-gitlab.js';

const TOKEN = 'glpat-test-token-do-not-log';
const PROJECT = 'infra/chat';
const PATH = 'roles/rocket-chat/files/chat.cf.yaml';
const OLD_ROOT = '/aws-backup-restore_2026-05-14T17-27-00-417720408Z';
const NEW_ROOT = '/chatdb-restore_2026-05-18T08-00-00Z_r20260520-7k2p9x';
const SESSION = 'r20260520-7k2p9x';

let gitlab: FakeGitLab;

beforeEach(async () => {
  gitlab = await startFakeGitLab({ token: TOKEN, project: PROJECT, files: { [PATH]: DEFAULT_TEMPLATE } });
});

afterEach(async () => {
  await gitlab.close();
});

function client(token = TOKEN) {
  return createGitLabClient({ url: gitlab.url, token: new Secret(token), project: PROJECT });
}

const change = {
  sessionId: SESSION,
  templatePath: PATH,
  volumeName: 'chat-db',
  newRoot: NEW_ROOT,
  title: `chat-db: RootDirectory ${NEW_ROOT}`,
  description: 'Restored by chatdb-restore.',
};

describe('openTemplateMergeRequest against a fake GitLab', () => {
  it('branches, commits the edited template with an update action and opens the merge request', async () => {
    const result = await openTemplateMergeRequest(client(), change);
    expect(result).toEqual({
      kind: 'opened',
      url: `${gitlab.url}/${PROJECT}/-/merge_requests/1`,
      iid: 1,
      reused: false,
    });
    const branch = branchFor(SESSION);
    const edited = gitlab.branches.get(branch)?.get(PATH) ?? '';
    expect(edited).toBe(DEFAULT_TEMPLATE.replace(OLD_ROOT, NEW_ROOT));
    // Only the root changed; the comment and the short tags on the same volume are kept.
    expect(edited).toContain('FilesystemId: !Ref DbStorage   # the database volume');
    expect(gitlab.commits).toEqual([
      { branch, message: change.title, actions: [{ action: 'update', file_path: PATH, content: edited }] },
    ]);
    expect(gitlab.mergeRequests[0]).toMatchObject({
      source_branch: branch,
      target_branch: 'main',
      title: change.title,
    });
    expect(gitlab.branches.get('main')?.get(PATH)).toBe(DEFAULT_TEMPLATE);
    // The project path is sent encoded, as GitLab wants it.
    expect(gitlab.requests.every((r) => r.path.startsWith('/api/v4/projects/infra%2Fchat'))).toBe(true);
  });

  it('sends the token only in the PRIVATE-TOKEN header', async () => {
    await openTemplateMergeRequest(client(), change);
    expect(gitlab.requests.length).toBeGreaterThan(3);
    for (const r of gitlab.requests) {
      expect(r.token).toBe(TOKEN);
      expect(r.rawUrl).not.toContain(TOKEN);
      expect(JSON.stringify(r.body ?? '')).not.toContain(TOKEN);
    }
  });

  it('run again for the same session, finds the merge request instead of opening another', async () => {
    await openTemplateMergeRequest(client(), change);
    const again = await openTemplateMergeRequest(client(), change);
    expect(again).toMatchObject({ kind: 'opened', iid: 1, reused: true });
    expect(gitlab.mergeRequests).toHaveLength(1);
    expect(gitlab.commits).toHaveLength(1);
  });

  it('resumes after a failure between the commit and the merge request without committing twice', async () => {
    gitlab.failNext('/merge_requests', 500, 'Internal Server Error', 'POST');
    await expect(openTemplateMergeRequest(client(), change)).rejects.toThrow(GitLabError);
    expect(gitlab.commits).toHaveLength(1);
    const result = await openTemplateMergeRequest(client(), change);
    expect(result).toMatchObject({ kind: 'opened', reused: false });
    expect(gitlab.commits).toHaveLength(1);
  });

  it('reports a template that already has the new root as unchanged', async () => {
    gitlab.branches.get('main')?.set(PATH, DEFAULT_TEMPLATE.replace(OLD_ROOT, NEW_ROOT));
    expect(await openTemplateMergeRequest(client(), change)).toEqual({ kind: 'unchanged', path: PATH });
    expect(gitlab.commits).toEqual([]);
  });

  it('says what GitLab said when it refuses, without the token', async () => {
    const error = await openTemplateMergeRequest(client('glpat-wrong-token-xyz'), change).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(GitLabError);
    expect((error as GitLabError).code).toBe('http_error');
    expect((error as GitLabError).status).toBe(401);
    expect((error as Error).message).toContain('401 Unauthorized');
    expect((error as Error).message).not.toContain('glpat-wrong-token-xyz');
  });

  it('refuses a template file that is missing in the repository', async () => {
    const error = await openTemplateMergeRequest(client(), { ...change, templatePath: 'no/such.yaml' }).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: 'edit_failed', message: 'no/such.yaml does not exist on main' });
  });

  it('says GitLab is unreachable when nothing listens', async () => {
    await gitlab.close();
    const error = await openTemplateMergeRequest(client(), change).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'unreachable' });
    gitlab = await startFakeGitLab({ token: TOKEN, project: PROJECT, files: {} });
  });
});
