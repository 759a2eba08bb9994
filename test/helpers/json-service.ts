// One awsJson1_1 service on loopback, for a simulator module that server.ts does not route yet
// (CloudWatch Logs) or for a port's wire format against recorded answers. Real SDK clients reach
// it through `endpoint`; every call's operation and decoded input is recorded.

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SimError } from '../../src/sim/kernel.js';
import { AWS_JSON_CONTENT_TYPE, awsJsonErrorBody, encodeJson } from '../../src/sim/protocol-json.js';

export interface JsonService {
  endpoint: string;
  calls: { op: string; input: Record<string, unknown> }[];
  close(): Promise<void>;
}

export async function serveJsonService(
  targetPrefix: string,
  ops: Readonly<Record<string, (input: Record<string, unknown>) => unknown>>,
): Promise<JsonService> {
  const calls: JsonService['calls'] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const target = String(req.headers['x-amz-target'] ?? '');
      const op = target.startsWith(`${targetPrefix}.`) ? target.slice(targetPrefix.length + 1) : '';
      const input = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
      calls.push({ op, input });
      try {
        const handler = ops[op];
        if (!handler) throw new SimError('UnknownOperationException', `no ${target}`);
        const body = encodeJson(handler(input));
        res.writeHead(200, { 'content-type': AWS_JSON_CONTENT_TYPE });
        res.end(body);
      } catch (error) {
        const e = error instanceof SimError ? error : new SimError('InternalFailure', String(error), 500);
        res.writeHead(e.status, { 'content-type': AWS_JSON_CONTENT_TYPE, 'x-amzn-ErrorType': e.code });
        res.end(awsJsonErrorBody(e.code, e.message));
      }
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    close: () =>
      new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
      }),
  };
}
