import {
  OPERATOR_ACCESS_KEY_ID,
  type Simulator,
  type SimulatorOptions,
  startSimulator,
} from '../../src/sim/server.js';

export const REGION = 'eu-central-1';
export const DB_FS = 'fs-0db0c4a7e1';
export const DUMP_FS = 'fs-0d0d0d0d01';
export const DB_FS_ARN = `arn:aws:elasticfilesystem:${REGION}:123456789012:file-system/${DB_FS}`;
export const VAULT = 'chat-backups';
export const ROLE = 'arn:aws:iam::123456789012:role/chatdb-restore';
export const INSPECTOR = 'i-0a1b2c3d4e5f60718';

/**
 * Client config for the real SDK clients pointed at the simulator, signed as an operator: these
 * tests exercise the services themselves, not the bot's role (test/sim/iam.test.ts does that).
 */
export function clientConfig(sim: Simulator, maxAttempts = 3, accessKeyId = OPERATOR_ACCESS_KEY_ID) {
  return {
    endpoint: sim.endpoint,
    region: REGION,
    credentials: { accessKeyId, secretAccessKey: 'y' },
    maxAttempts,
  };
}

/** Starts a simulator fast enough that a 40-minute restore takes one second. */
export async function withSim(opts: SimulatorOptions = {}): Promise<Simulator> {
  return startSimulator({ speed: 2400, ...opts });
}

export function pointArn(id: string): string {
  return `arn:aws:backup:${REGION}:123456789012:recovery-point:${id}`;
}

/** Polls `check` until it returns a value, or fails after `timeoutMs`. */
export async function eventually<T>(
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 20_000,
  intervalMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `condition not met within ${timeoutMs} ms${last ? `: ${(last as Error).message}` : ''}`,
      );
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

// The default scenario's recovery points (see src/sim/scenario.ts).
export const POINTS = {
  rootOldest: '3C1F6E2A-8B4D-4F0E-9A7C-1D2E3F405161',
  rootNewest: 'B5D2C8E1-4F6A-4B3C-9D2E-3F4051627384',
  partial: 'E2A4F6B8-6C1D-4E5F-8A3B-405162738495',
  nested26h: '8E1A3C5F-7B9D-4F2A-A4C6-738495A6B7C8',
  newest: 'C9B7D5F3-1E2A-4C4B-8D6F-8495A6B7C8D9',
  dump: 'D4F2B6A8-5C3E-4A1F-9B7D-95A6B7C8D9EA',
} as const;
