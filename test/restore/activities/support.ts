import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLogger } from '../../../src/log.js';
import { createActivities } from '../../../src/restore/activities/index.js';
import type { ActivitySettings, RestoreTarget } from '../../../src/restore/activities/types.js';
import { LIVE_DB_DIR } from '../../../src/sim/scenario.js';
import { captureLogs, type LogCapture } from '../../helpers/log-capture.js';
import type { SimWithPorts } from '../../helpers/sim-ports.js';

export { LIVE_DB_DIR };

// The default scenario's recovery points (src/sim/scenario.ts).
export const POINTS = {
  /** Taken while the DB lived at the volume root. */
  rootNewest: 'B5D2C8E1-4F6A-4B3C-9D2E-3F4051627384',
  partial: 'E2A4F6B8-6C1D-4E5F-8A3B-405162738495',
  /** Taken while the DB lived in LIVE_DB_DIR. */
  nested26h: '8E1A3C5F-7B9D-4F2A-A4C6-738495A6B7C8',
  newest: 'C9B7D5F3-1E2A-4C4B-8D6F-8495A6B7C8D9',
  dump: 'D4F2B6A8-5C3E-4A1F-9B7D-95A6B7C8D9EA',
} as const;

/** The day the default scenario's DB moved into LIVE_DB_DIR. */
export const MOVED_AT = new Date('2026-05-14T18:00:00Z');

export function activitiesFor(env: SimWithPorts, settings: Partial<ActivitySettings> = {}) {
  const logs: LogCapture = captureLogs();
  const log = createLogger({ level: 'debug', pretty: false, destination: logs.stream });
  const activities = createActivities({ ports: env.ports, settings: { ...env.settings, ...settings }, log });
  return { activities, logs };
}

/**
 * The chat-db target as resolveTarget reads it from the default stack, for tests of the Backup and
 * SSM activities that need no CloudFormation.
 */
export function defaultTarget(env: SimWithPorts): RestoreTarget {
  const { scenario } = env.sim;
  const fsId = scenario.fileSystems.DbStorage?.id as string;
  return {
    stackName: scenario.stackName,
    stackStatus: 'UPDATE_COMPLETE',
    templateSha256: '',
    fileSystemId: fsId,
    fileSystemArn: `arn:aws:elasticfilesystem:${scenario.region}:${scenario.accountId}:file-system/${fsId}`,
    fileSystemLogicalId: 'DbStorage',
    cluster: '',
    service: 'chat-db',
    serviceArn: '',
    taskDefinitionArn: '',
    volumeName: 'chat-db',
    currentRoot: LIVE_DB_DIR,
    region: scenario.region,
    accountId: scenario.accountId,
  };
}

export function pointArn(env: SimWithPorts, id: string): string {
  const { region, accountId } = env.sim.scenario;
  return `arn:aws:backup:${region}:${accountId}:recovery-point:${id}`;
}

/** The point id the simulator wrote into a data dir's storage.bson (`chatdbSimSnapshot`). */
export function markerOf(env: SimWithPorts, relDir: string): string {
  const bson = readFileSync(join(env.settings.inspectorMount, relDir, 'storage.bson')).toString('latin1');
  return /chatdbSimSnapshot\0[\s\S]{4}([^\0]*)\0/.exec(bson)?.[1] ?? '';
}

/** Hooks that record every checkpoint and progress report; abort through `controller`. */
export function recordingHooks<P>(onCheckpoint?: (patch: P) => void) {
  const checkpoints: P[] = [];
  const progress: object[] = [];
  const controller = new AbortController();
  return {
    checkpoints,
    progress,
    controller,
    hooks: {
      signal: controller.signal,
      async checkpoint(patch: P) {
        checkpoints.push(patch);
        onCheckpoint?.(patch);
      },
      progress(p: object) {
        progress.push(p);
      },
    },
  };
}
