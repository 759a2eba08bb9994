// A small client for the GitLab REST API (v4): just the calls a merge request with one changed
// file needs. The token goes in the PRIVATE-TOKEN header and nowhere else.

import type { Secret } from '../config.js';
import { GitLabError } from './errors.js';

export interface GitLabClientOptions {
  /** The GitLab base URL (`https://gitlab.example.com/`); the API is under `api/v4/`. */
  url: string;
  token: Secret;
  /** A numeric project id or a `group/project` path. */
  project: string;
  fetch?: typeof fetch;
  timeoutMs?: number;
}

export interface GitLabProject {
  id: number;
  defaultBranch: string;
  webUrl?: string;
}

export interface GitLabMergeRequest {
  iid: number;
  webUrl: string;
}

export interface GitLabClient {
  project(): Promise<GitLabProject>;
  /** The file's content at a ref; undefined when it does not exist there. */
  fileRaw(path: string, ref: string): Promise<string | undefined>;
  /** Creates a branch; false when it exists already. */
  createBranch(branch: string, ref: string): Promise<boolean>;
  commitUpdate(input: { branch: string; message: string; path: string; content: string }): Promise<void>;
  openMergeRequests(sourceBranch: string): Promise<GitLabMergeRequest[]>;
  createMergeRequest(input: {
    sourceBranch: string;
    targetBranch: string;
    title: string;
    description: string;
  }): Promise<GitLabMergeRequest>;
}

export function createGitLabClient(opts: GitLabClientOptions): GitLabClient {
  const doFetch = opts.fetch ?? fetch;
  const base = new URL('api/v4/', opts.url.endsWith('/') ? opts.url : `${opts.url}/`);
  const projectPath = `projects/${encodeURIComponent(opts.project)}`;
  const timeoutMs = opts.timeoutMs ?? 15_000;

  async function request(
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
  ): Promise<{ status: number; text: string }> {
    const url = new URL(path, base);
    const headers: Record<string, string> = {
      'PRIVATE-TOKEN': opts.token.reveal(),
      accept: 'application/json',
    };
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await doFetch(url, {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(timeoutMs),
        redirect: 'error',
      });
    } catch (error) {
      throw new GitLabError(
        'unreachable',
        `GitLab at ${base.origin} could not be reached: ${(error as Error).message}`,
        undefined,
        { cause: error },
      );
    }
    return { status: res.status, text: await res.text() };
  }

  function fail(what: string, res: { status: number; text: string }): GitLabError {
    return new GitLabError(
      'http_error',
      `${what}: GitLab answered ${res.status}: ${gitlabMessage(res.text)}`,
      res.status,
    );
  }

  function json<T>(what: string, text: string): T {
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new GitLabError('bad_response', `${what}: GitLab's answer is not JSON`);
    }
  }

  return {
    async project() {
      const res = await request('GET', projectPath);
      if (res.status !== 200) throw fail(`reading project ${opts.project}`, res);
      const p = json<{ id?: number; default_branch?: string; web_url?: string }>('project', res.text);
      if (typeof p.id !== 'number' || typeof p.default_branch !== 'string') {
        throw new GitLabError(
          'bad_response',
          `project ${opts.project}: no id or default branch in GitLab's answer`,
        );
      }
      return {
        id: p.id,
        defaultBranch: p.default_branch,
        ...(p.web_url === undefined ? {} : { webUrl: p.web_url }),
      };
    },

    async fileRaw(path, ref) {
      const res = await request(
        'GET',
        `${projectPath}/repository/files/${encodeURIComponent(path)}/raw?ref=${encodeURIComponent(ref)}`,
      );
      if (res.status === 404) return undefined;
      if (res.status !== 200) throw fail(`reading ${path} at ${ref}`, res);
      return res.text;
    },

    async createBranch(branch, ref) {
      const res = await request('POST', `${projectPath}/repository/branches`, { branch, ref });
      if (res.status === 201 || res.status === 200) return true;
      if (res.status === 400 && /already exists/i.test(res.text)) return false;
      throw fail(`creating branch ${branch}`, res);
    },

    async commitUpdate({ branch, message, path, content }) {
      const res = await request('POST', `${projectPath}/repository/commits`, {
        branch,
        commit_message: message,
        actions: [{ action: 'update', file_path: path, content }],
      });
      if (res.status !== 201 && res.status !== 200) throw fail(`committing ${path} to ${branch}`, res);
    },

    async openMergeRequests(sourceBranch) {
      const res = await request(
        'GET',
        `${projectPath}/merge_requests?state=opened&source_branch=${encodeURIComponent(sourceBranch)}`,
      );
      if (res.status !== 200) throw fail(`listing merge requests of ${sourceBranch}`, res);
      const list = json<unknown>('merge requests', res.text);
      if (!Array.isArray(list)) throw new GitLabError('bad_response', 'merge requests: not a list');
      return list.flatMap((mr) => {
        const m = mr as { iid?: unknown; web_url?: unknown };
        return typeof m.iid === 'number' && typeof m.web_url === 'string'
          ? [{ iid: m.iid, webUrl: m.web_url }]
          : [];
      });
    },

    async createMergeRequest({ sourceBranch, targetBranch, title, description }) {
      const res = await request('POST', `${projectPath}/merge_requests`, {
        source_branch: sourceBranch,
        target_branch: targetBranch,
        title,
        description,
        remove_source_branch: true,
      });
      if (res.status !== 201 && res.status !== 200) throw fail('opening the merge request', res);
      const m = json<{ iid?: unknown; web_url?: unknown }>('merge request', res.text);
      if (typeof m.iid !== 'number' || typeof m.web_url !== 'string') {
        throw new GitLabError('bad_response', "merge request: no iid or web_url in GitLab's answer");
      }
      return { iid: m.iid, webUrl: m.web_url };
    },
  };
}

/** GitLab's `message` (a string, a list, or a map of lists), shortened for a Slack line. */
function gitlabMessage(text: string): string {
  let message: unknown = text;
  try {
    const parsed = JSON.parse(text) as { message?: unknown; error?: unknown };
    message = parsed.message ?? parsed.error ?? text;
  } catch {
    // Not JSON: GitLab's HTML error pages say little; the status says more.
  }
  const flat = typeof message === 'string' ? message : JSON.stringify(message);
  return flat.length > 300 ? `${flat.slice(0, 300)}…` : flat;
}
