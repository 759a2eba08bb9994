// A pass-through HTTP proxy between the bot and the simulator. Before it forwards each AWS call it
// names the call (`ssm:SendCommand`) and awaits a hook, so a test can arm or clear a simulator
// fault at the exact call a stage makes first, with the session file read at that instant, rather
// than racing the bot by watching the file from outside.

import { createServer, type IncomingMessage, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ServiceName } from '../../../src/sim/kernel.js';
import { matchRest } from '../../../src/sim/protocol-rest.js';

export interface ProxiedCall {
  service: ServiceName | 'unknown';
  op: string;
}

export interface SimProxy {
  /** Give this to the bot as AWS_ENDPOINT_URL. */
  url: string;
  close(): Promise<void>;
}

const JSON_TARGETS: Record<string, ServiceName> = {
  AmazonEC2ContainerServiceV20141113: 'ecs',
  AmazonSSM: 'ssm',
  Logs_20140328: 'logs',
};

/** The call as the simulator's protocol layer will route it (JSON target, query Action or REST route). */
export function nameCall(req: IncomingMessage, body: string): ProxiedCall {
  const target = header(req, 'x-amz-target');
  if (target !== undefined) {
    const dot = target.lastIndexOf('.');
    return { service: JSON_TARGETS[target.slice(0, dot)] ?? 'unknown', op: target.slice(dot + 1) };
  }
  const type = header(req, 'content-type') ?? '';
  if (req.method === 'POST' && type.startsWith('application/x-www-form-urlencoded')) {
    return { service: 'cloudformation', op: new URLSearchParams(body).get('Action') ?? 'unknown' };
  }
  const signing = /Credential=[^/]+\/[^/]+\/[^/]+\/([^/]+)\//.exec(header(req, 'authorization') ?? '')?.[1];
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  const rest = matchRest(req.method ?? 'GET', path, signing);
  return rest === undefined ? { service: 'unknown', op: path } : { service: rest.service, op: rest.op };
}

/** `upstream` is asked at each call, so the simulator behind the proxy can be replaced. */
export async function startSimProxy(
  upstream: () => string,
  before: (call: ProxiedCall) => Promise<void>,
): Promise<SimProxy> {
  // Hooks run one at a time, in arrival order: parallel calls (a precheck's Promise.all) must not
  // both see a fault as not armed yet.
  let queue: Promise<void> = Promise.resolve();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const call = nameCall(req, body.toString('utf8'));
      const turn = queue.then(() => before(call));
      queue = turn.catch(() => undefined);
      turn
        .then(
          () =>
            new Promise<void>((done, fail) => {
              const to = new URL(upstream());
              const out = request(
                {
                  host: to.hostname,
                  port: to.port,
                  method: req.method,
                  path: req.url,
                  headers: req.headers,
                },
                (up) => {
                  res.writeHead(up.statusCode ?? 502, up.headers);
                  up.pipe(res);
                  up.on('end', done);
                  up.on('error', fail);
                },
              );
              out.on('error', fail);
              out.end(body);
            }),
        )
        .catch((error: unknown) => {
          if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
          res.end(`sim proxy: ${(error as Error).message}`);
        });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
