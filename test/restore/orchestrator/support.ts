import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../../src/config.js';
import { createLogger } from '../../../src/log.js';
import { createRestoreRuntime, type RestoreRuntime } from '../../../src/restore/runtime.js';
import type { PointSpec } from '../../../src/restore/service.js';
import type { RestoreSession } from '../../../src/restore/session.js';
import { botEnv } from '../../helpers/bot-env.js';
import { captureLogs, type LogCapture } from '../../helpers/log-capture.js';
import type { SimWithPorts } from '../../helpers/sim-ports.js';
import { waitFor } from '../../helpers/wait.js';

export const REQUESTER = 'U0REQUESTER';
export const CONFIRMER = 'U0CONFIRMER';
export const CHANNEL = 'C0INCIDENT';

export interface Harness {
  runtime: RestoreRuntime;
  logs: LogCapture;
  stateDir: string;
}

/** The restore service as main.ts builds it, from a config whose AWS settings name the simulator. */
export function harness(
  env: SimWithPorts,
  opts: { stateDir?: string; overrides?: Record<string, string>; members?: string[] } = {},
): Harness {
  const stateDir = opts.stateDir ?? mkdtempSync(join(tmpdir(), 'chatdb-orch-'));
  const config = loadConfig({
    ...botEnv(),
    ...env.sim.env(),
    CHATDB_STATE_DIR: stateDir,
    CHATDB_POLL_INTERVAL: '20ms',
    CHATDB_POLL_MAX_INTERVAL: '200ms',
    CHATDB_STACK_TIMEOUT: '60s',
    ...opts.overrides,
  });
  const logs = captureLogs();
  const log = createLogger({ level: 'debug', pretty: false, destination: logs.stream });
  const runtime = createRestoreRuntime({
    config,
    log,
    groupMembers: async () => opts.members ?? [],
    ports: env.ports,
  });
  return { runtime, logs, stateDir };
}

export async function settled(
  runtime: RestoreRuntime,
  id: string,
  timeoutMs = 60_000,
): Promise<RestoreSession> {
  await waitFor(
    () => {
      const s = runtime.service.get(id);
      return s !== undefined && !['resolving', 'running'].includes(s.status);
    },
    { timeoutMs },
  );
  await runtime.service.idle();
  return runtime.service.get(id) as RestoreSession;
}

/** A restore of `point` by REQUESTER, confirmed by CONFIRMER, run to its end (expected: success). */
export async function restoreConfirmed(
  runtime: RestoreRuntime,
  point: PointSpec = { kind: 'latest' },
  pointInput = 'latest',
): Promise<RestoreSession> {
  const s = runtime.service;
  const session = await s.start({ channel: CHANNEL, user: REQUESTER }, point, pointInput);
  const confirmed = await s.confirm(session.id, CONFIRMER, session.planHash as string);
  if (!confirmed.ok) throw new Error(`the restore could not be confirmed: ${confirmed.reason}`);
  const done = await settled(runtime, session.id);
  if (done.status !== 'succeeded')
    throw new Error(`the restore ended ${done.status}: ${JSON.stringify(done.failure)}`);
  return done;
}
