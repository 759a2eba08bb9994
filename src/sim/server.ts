import { randomUUID } from 'node:crypto';
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createSimClock } from './clock.js';
import { createFaults, FaultSpecError, validateFaultPatch } from './faults.js';
import {
  createIamEnforcer,
  DEPLOY_POLICY_PATH,
  deployParameters,
  type IamEnforcer,
  readPolicyFile,
} from './iam.js';
import type { FaultSpec, ServiceName } from './kernel.js';
import { SimError } from './kernel.js';
import { AWS_JSON_CONTENT_TYPE, awsJsonErrorBody, encodeJson, restJsonErrorBody } from './protocol-json.js';
import { decodeQuery, queryError, queryResponse } from './protocol-query.js';
import { matchRest, restInput } from './protocol-rest.js';
import { loadScenario, type Scenario, type ScenarioInput } from './scenario.js';
import { createStackPart } from './stack-part.js';
import { createWorld } from './world.js';

export interface SimulatorOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  host?: '127.0.0.1';
  /** A scenario object (merged over the default) or the path of a JSON/YAML scenario file. */
  scenario?: ScenarioInput | string;
  /** Where file systems and snapshots live; default a fresh temporary directory, removed on close. */
  stateDir?: string;
  /** Overrides the scenario's speed. */
  speed?: number;
  /** One line per AWS call on stderr. */
  log?: boolean;
}

export interface SimState {
  endpoint: string;
  speed: number;
  faults: FaultSpec;
  /** Calls per `service:Operation`, throttled and failed ones included. */
  calls: Record<string, number>;
  /** Injected faults per `service:Operation` and kind (`throttle`, `5xx`). */
  faultsInjected: Record<string, { throttle: number; '5xx': number }>;
  restoreJobs: Record<string, unknown>[];
  /** Calls the bot's role was refused (implicit deny), with the action and resource; [] when IAM is off. */
  accessDenied: { action: string; resource: string }[];
  /** The CloudFormation + ECS world: stack status, template, task definitions, services, tasks. */
  stack: unknown;
  fileSystems: { logicalId: string; id: string; hostDir: string; tree: unknown }[];
  recoveryPoints: Record<string, unknown>[];
  inspector: { instanceId: string; mountPath: string; fileSystemId: string };
  ssmCommands: unknown[];
}

export interface Simulator {
  endpoint: string;
  port: number;
  stateDir: string;
  scenario: Scenario;
  state(): SimState;
  setFaults(faults: FaultSpec | Record<string, unknown>): void;
  setSpeed(speed: number): void;
  /** The `export` settings that point a shell or the bot at the simulator. */
  env(): Record<string, string>;
  close(): Promise<void>;
}

type Protocol = 'json' | 'rest' | 'query';

const JSON_TARGETS: Record<string, ServiceName> = {
  AmazonEC2ContainerServiceV20141113: 'ecs',
  AmazonSSM: 'ssm',
  Logs_20140328: 'logs',
};
const MAX_BODY = 16 * 1024 * 1024;
/**
 * Calls signed with this access key id are an operator's (an administrator outside the bot):
 * IAM lets them do anything, as a test or a sandbox user changing the world beside the bot.
 * Every other key is the bot's task role, held to deploy/iam-policy.json.
 */
export const OPERATOR_ACCESS_KEY_ID = 'operator';

export async function startSimulator(opts: SimulatorOptions = {}): Promise<Simulator> {
  const scenario = loadScenario(opts.scenario);
  if (opts.speed !== undefined) scenario.speed = opts.speed;
  const ownsStateDir = opts.stateDir === undefined;
  const stateDir = realpathSync(
    opts.stateDir === undefined ? mkdtempSync(join(tmpdir(), 'chatdb-sim-')) : resolve(opts.stateDir),
  );
  const clock = createSimClock(scenario.speed);
  const faults = createFaults(scenario.faults);
  const world = createWorld({ scenario, stateDir, clock, faults, stack: createStackPart });
  const iam = scenario.iam.enforce ? createRole(scenario, world) : undefined;
  const random = mulberry32(scenario.seed);
  const calls: Record<string, number> = {};
  const faultsInjected: Record<string, { throttle: number; '5xx': number }> = {};
  let burstFlip = false;
  let endpoint = '';

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const requestId = randomUUID();
    const started = performance.now();
    const body = await readBody(req);
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname.startsWith('/_sim/')) {
      admin(req.method ?? 'GET', url.pathname, body, res);
      return;
    }

    // Work out protocol, service and operation before anything can fail, so errors take the right shape.
    let protocol: Protocol;
    let service: ServiceName | undefined;
    let op: string;
    let input: () => Record<string, unknown>;
    const target = header(req, 'x-amz-target');
    const contentType = header(req, 'content-type') ?? '';
    if (target !== undefined) {
      protocol = 'json';
      const dot = target.lastIndexOf('.');
      service = JSON_TARGETS[target.slice(0, dot)];
      op = target.slice(dot + 1);
      input = () => parseJsonObject(body);
      if (!service) {
        send(res, 'json', undefined, requestId, errorFor('json', unknownOp(target)));
        return;
      }
    } else if (req.method === 'POST' && contentType.startsWith('application/x-www-form-urlencoded')) {
      protocol = 'query';
      service = 'cloudformation';
      const decoded = decodeQuery(body);
      op = decoded.action;
      input = () => decoded.input;
    } else {
      protocol = 'rest';
      const call = matchRest(req.method ?? 'GET', url.pathname, signingService(req));
      if (!call) {
        const error = unknownOp(`${req.method} ${url.pathname}`);
        res.writeHead(404, {
          'content-type': 'application/json',
          'x-amzn-ErrorType': error.code,
          'x-amzn-RequestId': requestId,
        });
        res.end(JSON.stringify({ Code: error.code, Message: error.message }));
        return;
      }
      service = call.service;
      op = call.op;
      input = () => (call.route ? restInput(call, url.searchParams, body) : {});
    }

    const key = `${service}:${op}`;
    calls[key] = (calls[key] ?? 0) + 1;
    let status = 200;
    try {
      if (scenario.latencyMs > 0) await sleep(scenario.latencyMs);
      if (faults.takeBurst(service)) {
        faultsInjected[key] = { throttle: 0, '5xx': 0, ...faultsInjected[key] };
        faultsInjected[key]['5xx']++;
        burstFlip = !burstFlip;
        throw burstFlip
          ? new SimError(
              'InternalFailure',
              'The request processing has failed because of an unknown error.',
              500,
            )
          : new SimError('ServiceUnavailable', 'The service is unavailable. Please try again later.', 503);
      }
      if (faults.throttled(service, random())) {
        faultsInjected[key] = { throttle: 0, '5xx': 0, ...faultsInjected[key] };
        faultsInjected[key].throttle++;
        throw throttle(service);
      }
      const handler = world.services[service]?.ops[op];
      if (!handler) throw unknownOp(key);
      const decoded = input();
      if (accessKeyId(req) !== OPERATOR_ACCESS_KEY_ID) iam?.authorize(service, op, decoded);
      const result = await handler(decoded);
      send(res, protocol, op, requestId, { status: 200, result });
    } catch (error) {
      const rendered = errorFor(protocol, error, service);
      status = rendered.status;
      if (!(error instanceof SimError)) {
        process.stderr.write(`simulator: ${key} failed: ${(error as Error).stack ?? String(error)}\n`);
      }
      send(res, protocol, op, requestId, rendered);
    } finally {
      if (opts.log) {
        process.stderr.write(`sim ${key} ${status} ${Math.round(performance.now() - started)}ms\n`);
      }
    }
  };

  const admin = (method: string, path: string, body: string, res: ServerResponse) => {
    const reply = (status: number, value: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(value, null, 2));
    };
    try {
      if (path === '/_sim/state' && method === 'GET') return reply(200, sim.state());
      if (path === '/_sim/faults' && method === 'GET') return reply(200, faults.get());
      if (path === '/_sim/faults' && method === 'POST') {
        sim.setFaults(body.trim() === '' ? {} : (JSON.parse(body) as Record<string, unknown>));
        return reply(200, faults.get());
      }
      if (path === '/_sim/speed' && method === 'POST') {
        const speed = (JSON.parse(body) as { speed?: unknown }).speed;
        if (typeof speed !== 'number')
          return reply(400, { error: 'body must be {"speed": <positive number>}' });
        sim.setSpeed(speed);
        return reply(200, { speed: clock.speed });
      }
      return reply(404, { error: `no such simulator endpoint: ${method} ${path}` });
    } catch (error) {
      const message =
        error instanceof SyntaxError ? `invalid JSON: ${error.message}` : (error as Error).message;
      const status =
        error instanceof SyntaxError || error instanceof FaultSpecError || error instanceof RangeError;
      return reply(status ? 400 : 500, { error: message });
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`simulator error: ${(error as Error).message}`);
    });
  });
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolveListen();
    });
  });
  const port = (server.address() as AddressInfo).port;
  endpoint = `http://${host}:${port}`;

  const sim: Simulator = {
    endpoint,
    port,
    stateDir,
    scenario,
    state() {
      const w = world.state() as Omit<
        SimState,
        'endpoint' | 'speed' | 'faults' | 'calls' | 'faultsInjected' | 'accessDenied'
      >;
      return {
        endpoint,
        speed: clock.speed,
        faults: { ...faults.get() },
        calls: { ...calls },
        faultsInjected: structuredClone(faultsInjected),
        accessDenied: iam?.denials() ?? [],
        ...w,
      };
    },
    setFaults(patch) {
      faults.set(validateFaultPatch(patch));
    },
    setSpeed(speed) {
      clock.setSpeed(speed);
    },
    env() {
      return {
        AWS_ENDPOINT_URL: endpoint,
        AWS_ACCESS_KEY_ID: 'simulator',
        AWS_SECRET_ACCESS_KEY: 'simulator',
        AWS_REGION: scenario.region,
        // The SDK must never look for an instance metadata service: nothing here may reach AWS.
        AWS_EC2_METADATA_DISABLED: 'true',
        CHATDB_STACK_NAME: scenario.stackName,
        CHATDB_BACKUP_VAULT: scenario.backupVault,
        CHATDB_RESTORE_ROLE_ARN: scenario.restoreRoleArn,
        CHATDB_INSPECTOR_INSTANCE_ID: scenario.inspector.instanceId,
        CHATDB_INSPECTOR_MOUNT: world.inspectorMount,
      };
    },
    async close() {
      world.close();
      clock.close();
      await new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
      });
      if (ownsStateDir) rmSync(stateDir, { recursive: true, force: true });
    },
  };
  return sim;
}

/** The bot's task role: the deploy's policy with this world's parameters, as a deployer would give them. */
function createRole(scenario: Scenario, world: ReturnType<typeof createWorld>): IamEnforcer {
  const stackState = world.state().stack as { stack?: { id?: string } } | null;
  const parameters = deployParameters(scenario, stackState, scenario.iam.parameters);
  const stackArn = stackState?.stack?.id;
  return createIamEnforcer({
    policy: readPolicyFile(DEPLOY_POLICY_PATH, parameters),
    world: {
      region: scenario.region,
      accountId: scenario.accountId,
      stackArn: (ref) => (ref === scenario.stackName || ref === stackArn ? stackArn : undefined),
    },
    principal: `arn:aws:sts::${scenario.accountId}:assumed-role/chatdb-restore-TaskRole/chatdb-restore`,
  });
}

interface Rendered {
  status: number;
  result?: unknown;
  error?: { code: string; message: string };
  service?: ServiceName;
}

function errorFor(protocol: Protocol, error: unknown, service?: ServiceName): Rendered {
  if (error instanceof SimError) {
    return {
      status: error.status,
      error: { code: error.code, message: error.message },
      ...(service ? { service } : {}),
    };
  }
  if (protocol === 'json' && error instanceof SyntaxError) {
    return {
      status: 400,
      error: { code: 'SerializationException', message: 'The request body is not valid JSON.' },
    };
  }
  return {
    status: 500,
    error: {
      code: 'InternalFailure',
      message: `The simulator failed: ${(error as Error)?.message ?? String(error)}`,
    },
    ...(service ? { service } : {}),
  };
}

function send(
  res: ServerResponse,
  protocol: Protocol,
  op: string | undefined,
  requestId: string,
  r: Rendered,
): void {
  const headers: Record<string, string> = { 'x-amzn-RequestId': requestId };
  let payload: string;
  if (protocol === 'query') {
    headers['content-type'] = 'text/xml';
    payload = r.error
      ? queryError(r.error.code, r.error.message, requestId, r.status)
      : queryResponse(op ?? '', r.result, requestId);
  } else {
    headers['content-type'] = protocol === 'json' ? AWS_JSON_CONTENT_TYPE : 'application/json';
    if (r.error) {
      headers['x-amzn-ErrorType'] = r.error.code;
      payload =
        protocol === 'json'
          ? awsJsonErrorBody(r.error.code, r.error.message)
          : restJsonErrorBody(r.service === 'efs' ? 'efs' : 'backup', r.error.code, r.error.message);
    } else {
      payload = encodeJson(r.result);
    }
  }
  res.writeHead(r.status, headers);
  res.end(payload);
}

/** Each protocol's throttling error, under the name the SDK's standard retry strategy retries. */
function throttle(service: ServiceName): SimError {
  if (service === 'cloudformation') return new SimError('Throttling', 'Rate exceeded', 400);
  return new SimError('ThrottlingException', 'Rate exceeded', service === 'efs' ? 429 : 400);
}

function unknownOp(what: string): SimError {
  return new SimError('UnknownOperationException', `The simulator does not implement ${what}`);
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The access key id in the SigV4 credential scope: whose call this is. */
function accessKeyId(req: IncomingMessage): string | undefined {
  return /Credential=([^/]+)\//.exec(header(req, 'authorization') ?? '')?.[1];
}

/** The service name in the SigV4 credential scope (`Credential=AKID/date/region/service/aws4_request`). */
function signingService(req: IncomingMessage): string | undefined {
  return /Credential=[^/]+\/[^/]+\/[^/]+\/([^/]+)\//.exec(header(req, 'authorization') ?? '')?.[1];
}

function parseJsonObject(body: string): Record<string, unknown> {
  if (body.trim() === '') return {};
  const parsed: unknown = JSON.parse(body);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new SimError('SerializationException', 'The request body must be a JSON object.');
  }
  return parsed as Record<string, unknown>;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolveBody, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        reject(new Error('request body too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolveBody(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}

/** A small seeded PRNG, so that a scenario's throttling draws repeat from run to run. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
