import type { IncomingMessage, ServerResponse } from 'node:http';
import { VERSION } from '../version.js';

export interface HealthBody {
  status: 'ok';
  version: string;
  uptimeSeconds: number;
}

/** `GET /healthz`: the process is up and serving. Deliberately no Slack or AWS call in it. */
export function healthHandler(startedAtMs: number, now: () => number) {
  return (_req: IncomingMessage, res: ServerResponse): void => {
    const body: HealthBody = {
      status: 'ok',
      version: VERSION,
      uptimeSeconds: Math.max(0, Math.floor((now() - startedAtMs) / 1000)),
    };
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(JSON.stringify(body));
  };
}
