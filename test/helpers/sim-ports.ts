import { createAwsPorts } from '../../src/aws/index.js';
import type { AwsPorts } from '../../src/aws/ports.js';
import type { ActivitySettings } from '../../src/restore/activities/types.js';
import { type Simulator, type SimulatorOptions, startSimulator } from '../../src/sim/server.js';

export interface SimWithPorts {
  sim: Simulator;
  ports: AwsPorts;
  /** Activity settings pointing at the simulator, with fast polling. */
  settings: ActivitySettings;
  /** The simulator's world as `GET /_sim/state` returns it. */
  state(): Promise<SimStateJson>;
  close(): Promise<void>;
}

export interface SimStateJson {
  restoreJobs: { id?: string; RestoreJobId?: string; [key: string]: unknown }[];
  calls: Record<string, number>;
  stack: Record<string, unknown>;
  [key: string]: unknown;
}

/**
 * Starts the simulator and builds the real SDK ports against it. The SDK clients find their
 * endpoint, region and credentials only through the environment (the default chain), read lazily
 * on the first call, so the variables stay set until close(). Vitest gives every test file its
 * own worker; within a file, run one simulator at a time.
 */
export async function startSimWithPorts(
  opts: SimulatorOptions & { maxAttempts?: number } = {},
): Promise<SimWithPorts> {
  const { maxAttempts, ...simOpts } = opts;
  const sim = await startSimulator({ speed: 2000, ...simOpts });
  const saved = new Map<string, string | undefined>();
  const env: Record<string, string> = {
    AWS_ENDPOINT_URL: sim.endpoint,
    AWS_REGION: sim.scenario.region,
    AWS_ACCESS_KEY_ID: 'simulator',
    AWS_SECRET_ACCESS_KEY: 'simulator',
    AWS_EC2_METADATA_DISABLED: 'true',
  };
  for (const key of [...Object.keys(env), 'AWS_PROFILE', 'AWS_SESSION_TOKEN', 'AWS_DEFAULT_REGION']) {
    saved.set(key, process.env[key]);
    delete process.env[key];
  }
  Object.assign(process.env, env);
  const ports = createAwsPorts({
    waitTiming: { minDelaySeconds: 0.05, maxDelaySeconds: 0.2 },
    ...(maxAttempts !== undefined ? { maxAttempts } : {}),
  });
  const simEnv = sim.env();
  const settings: ActivitySettings = {
    stackName: sim.scenario.stackName,
    volumeName: 'chat-db',
    backupVault: sim.scenario.backupVault,
    restoreRoleArn: sim.scenario.restoreRoleArn,
    inspectorInstanceId: sim.scenario.inspector.instanceId,
    inspectorMount: simEnv.CHATDB_INSPECTOR_MOUNT as string,
    pollMinMs: 20,
    pollMaxMs: 200,
    stackTimeoutMs: 60_000,
    healthWaitMs: 20_000,
  };
  return {
    sim,
    ports,
    settings,
    async state() {
      const res = await fetch(`${sim.endpoint}/_sim/state`);
      return (await res.json()) as SimStateJson;
    },
    async close() {
      ports.close();
      await sim.close();
      for (const [key, value] of saved) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    },
  };
}
