import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A fake GitLab REST API (v4) on 127.0.0.1 with one project: the calls a merge request with one
 * changed file needs. It checks the PRIVATE-TOKEN header, keeps branches and their files, and
 * records every request.
 */

export interface FakeGitLabRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
  token: string | undefined;
  /** Every header, to check that the token travels nowhere else. */
  rawUrl: string;
}

export interface FakeMergeRequest {
  iid: number;
  source_branch: string;
  target_branch: string;
  title: string;
  description: string;
  state: 'opened';
  web_url: string;
}

export interface FakeGitLab {
  /** CHATDB_GITLAB_URL */
  url: string;
  readonly requests: FakeGitLabRequest[];
  readonly mergeRequests: FakeMergeRequest[];
  /** Files per branch. */
  branches: Map<string, Map<string, string>>;
  commits: { branch: string; message: string; actions: unknown[] }[];
  /** The next request (of this method) whose path includes this answers with this status and message. */
  failNext(pathIncludes: string, status: number, message: string, method?: string): void;
  close(): Promise<void>;
}

export interface FakeGitLabOptions {
  token: string;
  /** `group/project` as CHATDB_GITLAB_PROJECT names it. */
  project: string;
  projectId?: number;
  defaultBranch?: string;
  files: Record<string, string>;
}

export async function startFakeGitLab(opts: FakeGitLabOptions): Promise<FakeGitLab> {
  const requests: FakeGitLabRequest[] = [];
  const mergeRequests: FakeMergeRequest[] = [];
  const commits: FakeGitLab['commits'] = [];
  const defaultBranch = opts.defaultBranch ?? 'main';
  const projectId = opts.projectId ?? 42;
  const branches = new Map<string, Map<string, string>>([
    [defaultBranch, new Map(Object.entries(opts.files))],
  ]);
  const failures: { includes: string; status: number; message: string; method?: string }[] = [];
  let url = '';

  const send = (res: ServerResponse, status: number, body: unknown) => {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(status, { 'content-type': typeof body === 'string' ? 'text/plain' : 'application/json' });
    res.end(text);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    // GitLab takes encoded slashes in ids and file paths; read the path undecoded.
    const rawUrl = req.url ?? '/';
    const [rawPath = '/', search = ''] = rawUrl.split('?');
    const query = Object.fromEntries(new URLSearchParams(search));
    const token = req.headers['private-token'];
    let body: unknown;
    try {
      body = raw === '' ? undefined : JSON.parse(raw);
    } catch {
      body = raw;
    }
    requests.push({
      method: req.method ?? 'GET',
      path: rawPath,
      query,
      body,
      token: typeof token === 'string' ? token : undefined,
      rawUrl,
    });
    if (token !== opts.token) return send(res, 401, { message: '401 Unauthorized' });
    const failure = failures.findIndex(
      (f) => rawPath.includes(f.includes) && (f.method === undefined || f.method === req.method),
    );
    if (failure >= 0) {
      const [f] = failures.splice(failure, 1);
      if (f !== undefined) return send(res, f.status, { message: f.message });
    }

    const prefix = '/api/v4/projects/';
    if (!rawPath.startsWith(prefix)) return send(res, 404, { message: '404 Not Found' });
    const rest = rawPath.slice(prefix.length);
    const [idPart = '', ...segments] = rest.split('/');
    const id = decodeURIComponent(idPart);
    if (id !== opts.project && id !== String(projectId))
      return send(res, 404, { message: '404 Project Not Found' });
    const route = segments.join('/');

    if (req.method === 'GET' && route === '') {
      return send(res, 200, {
        id: projectId,
        default_branch: defaultBranch,
        web_url: `${url}/${opts.project}`,
        path_with_namespace: opts.project,
      });
    }
    const file = /^repository\/files\/([^/]+)\/raw$/.exec(route);
    if (req.method === 'GET' && file) {
      const path = decodeURIComponent(file[1] ?? '');
      const content = branches.get(query.ref ?? defaultBranch)?.get(path);
      return content === undefined
        ? send(res, 404, { message: '404 File Not Found' })
        : send(res, 200, content);
    }
    if (req.method === 'POST' && route === 'repository/branches') {
      const b = body as { branch?: string; ref?: string };
      if (!b.branch || !b.ref) return send(res, 400, { message: 'branch and ref are required' });
      if (branches.has(b.branch)) return send(res, 400, { message: 'Branch already exists' });
      const from = branches.get(b.ref);
      if (!from) return send(res, 400, { message: 'Invalid reference name' });
      branches.set(b.branch, new Map(from));
      return send(res, 201, { name: b.branch });
    }
    if (req.method === 'POST' && route === 'repository/commits') {
      const c = body as {
        branch?: string;
        commit_message?: string;
        actions?: { action: string; file_path: string; content: string }[];
      };
      const files = branches.get(c.branch ?? '');
      if (!files)
        return send(res, 400, { message: 'You can only create or edit files when you are on a branch' });
      for (const a of c.actions ?? []) {
        if (a.action !== 'update') return send(res, 400, { message: `unsupported action ${a.action}` });
        if (!files.has(a.file_path))
          return send(res, 400, { message: "A file with this name doesn't exist" });
        files.set(a.file_path, a.content);
      }
      commits.push({ branch: c.branch ?? '', message: c.commit_message ?? '', actions: c.actions ?? [] });
      return send(res, 201, { id: `c0ffee${commits.length}`, title: c.commit_message });
    }
    if (req.method === 'GET' && route === 'merge_requests') {
      return send(
        res,
        200,
        mergeRequests.filter(
          (m) =>
            (!query.source_branch || m.source_branch === query.source_branch) &&
            (!query.state || m.state === query.state),
        ),
      );
    }
    if (req.method === 'POST' && route === 'merge_requests') {
      const m = body as {
        source_branch?: string;
        target_branch?: string;
        title?: string;
        description?: string;
      };
      if (!m.source_branch || !m.target_branch || !m.title)
        return send(res, 400, { message: 'missing fields' });
      if (mergeRequests.some((x) => x.source_branch === m.source_branch)) {
        return send(res, 409, {
          message: ['Another open merge request already exists for this source branch'],
        });
      }
      const iid = mergeRequests.length + 1;
      const mr: FakeMergeRequest = {
        iid,
        source_branch: m.source_branch,
        target_branch: m.target_branch,
        title: m.title,
        description: m.description ?? '',
        state: 'opened',
        web_url: `${url}/${opts.project}/-/merge_requests/${iid}`,
      };
      mergeRequests.push(mr);
      return send(res, 201, mr);
    }
    return send(res, 404, { message: '404 Not Found' });
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => send(res, 500, { message: String(error) }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    requests,
    mergeRequests,
    branches,
    commits,
    failNext(pathIncludes, status, message, method) {
      failures.push({ includes: pathIncludes, status, message, ...(method === undefined ? {} : { method }) });
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
