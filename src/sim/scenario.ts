import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { durationMs, parseInstant } from './duration.js';
import { validateFaultPatch } from './faults.js';
import type { FaultSpec } from './kernel.js';
import type { SnapshotData } from './mongod.js';

/** How a point's copy of the data dir can come back torn (mongod.ts's tearDataDir). */
export const TEAR_KINDS = ['no-turtle', 'no-journal', 'truncated-messages'] as const;
export type TearKind = (typeof TEAR_KINDS)[number];

/**
 * What a file system holds, as directories of generated content:
 * - `db`: where the live MongoDB data dir sits (`/` or `/aws-backup-restore_…`);
 * - `stale`: older copies of a data dir left behind by earlier restores (`/` too: the database
 *   files a first move away from the volume root leaves there);
 * - `fresh`: more data dirs written as recently as the live one (a second mongod, a copy taken
 *   while it ran), which no evidence can tell from the live one;
 * - `writtenAt`: when the live mongod last wrote its WiredTiger files (an instant; default one
 *   minute before the tree's time: a point's creation, or the simulator's start);
 * - `staleWrittenAt`: when the stale copies were last written (default 30 days before that);
 * - `awsLeftovers`: directories AWS Backup leaves at the volume root after failed restores
 *   (`aws-backup-failed-restore_<time>`, `aws-backup-lost+found`), each holding one file;
 * - `dumps`: how many dump archives under `/dumps`;
 * - `files`: any extra files, path → text.
 */
export interface TreeSpec {
  db?: string;
  stale?: string[];
  fresh?: string[];
  writtenAt?: number;
  staleWrittenAt?: number;
  awsLeftovers?: string[];
  dumps?: number;
  files?: Record<string, string>;
}

/**
 * Earlier revisions of a task definition family, before the one the stack's template registers:
 * cutovers made by hand or by other tools, which the bot never saw. `root` is the RootDirectory of
 * the EFS volume `volume` in that revision; a revision with `deregisteredAt` is INACTIVE.
 * `currentRegisteredAt` is when the template's own revision was registered (default: the stack's
 * creation).
 */
export interface TaskDefinitionHistorySpec {
  family: string;
  volume: string;
  revisions: { root: string; registeredAt: number; deregisteredAt?: number }[];
  currentRegisteredAt?: number;
}

export interface FileSystemSpec {
  id: string;
  name: string;
  /** The tree the file system holds when the simulator starts. */
  tree: TreeSpec;
}

export interface RecoveryPointSpec {
  /** The last segment of the recovery point ARN (an upper-case UUID for EFS). */
  id: string;
  /** Logical id of the file system it was taken from (`DbStorage`, `DumpStorage`). */
  fileSystem: string;
  /** Its vault; default the scenario's backupVault. EFS automatic backups use AUTOMATIC_BACKUP_VAULT. */
  vault?: string;
  /** Epoch ms; in a scenario file an ISO timestamp or `now-26h`. */
  createdAt: number;
  status: 'COMPLETED' | 'AVAILABLE' | 'PARTIAL' | 'CREATING' | 'DELETING' | 'EXPIRED';
  statusMessage?: string;
  /** What the file system held when the point was taken. */
  tree: TreeSpec;
  /**
   * What the point's database holds, as the check's mongod reads it (default: Rocket.Chat-sized
   * counts and a newest message shortly before the point's time). `newestMessageAt` is an instant
   * or null; `invalid` names collections that fail validate, with validate's errors.
   */
  check?: SnapshotData;
  /** The point's copy of the data dir is torn this way (an EFS backup of a running mongod). */
  torn?: TearKind;
}

export interface Durations {
  restoreJobMs: number;
  changeSetMs: number;
  stackStepMs: number;
  taskStartMs: number;
  /** How long a RUNNING task of a task definition with a health check takes to report HEALTHY. */
  taskHealthyMs: number;
  taskStopMs: number;
  ssmCommandMs: number;
  /** How long after SendCommand GetCommandInvocation still answers InvocationDoesNotExist. */
  ssmInvocationDelayMs: number;
  /** The least time a one-off check task's container runs (mongod's recovery and validate). */
  checkTaskMs: number;
}

export interface PageSizes {
  recoveryPoints: number;
  restoreJobs: number;
  fileSystems: number;
  commandInvocations: number;
}

export interface Scenario {
  region: string;
  accountId: string;
  stackName: string;
  /** The stack's template; absent means the stack world's default template. */
  templateBody?: string;
  /**
   * The stack's service role (DescribeStacks' RoleARN), which CloudFormation uses for the stack's
   * operations instead of the caller's credentials; absent: none, as in the default world.
   */
  stackRoleArn?: string;
  /**
   * The stack is nested in a stack of this name: DescribeStacks gives that stack's id as ParentId
   * and RootId. The parent itself is not modelled.
   */
  parentStackName?: string;
  backupVault: string;
  restoreRoleArn: string;
  /** Keyed by the template's logical id. */
  fileSystems: Record<string, FileSystemSpec>;
  inspector: { instanceId: string; fileSystem: string };
  recoveryPoints: RecoveryPointSpec[];
  /** Simulated milliseconds; a scenario file may write `40m`, `20s`, `250ms`. */
  durations: Durations;
  speed: number;
  /** Real milliseconds added to every AWS call. */
  latencyMs: number;
  pageSizes: PageSizes;
  /** Seed of the random draws behind throttling, so a run can be repeated. */
  seed: number;
  faults: FaultSpec;
  /**
   * Whether restored files keep the modification times they had in the recovery point (default
   * true). AWS's restore guide does not say; false gives every restored file the restore job's
   * completion time, the other reading.
   */
  restoreKeepsMtimes: boolean;
  /**
   * Fractional digits of the seconds in `aws-backup-restore_<time>` names: 3 (older restores), 6,
   * 9 (default; what restores write now) or 0 (none).
   */
  restoreDirDigits: 0 | 3 | 6 | 9;
  taskDefinitionHistory?: TaskDefinitionHistorySpec;
  iam: IamSettings;
}

/**
 * The bot's role: deploy/iam-policy.json is enforced on every call unless `enforce` is false (the
 * sandbox's "open" mode only). `parameters` override the deploy template parameters the simulator
 * derives from the world (ChatStackName, ChatDbClusterName, …).
 */
export interface IamSettings {
  enforce: boolean;
  parameters: Record<string, string>;
}

/**
 * What a caller or a scenario file gives: any part of a Scenario (durations may be written `40m`,
 * times `now-26h`), plus `templateFile`, a template path relative to the scenario file.
 */
export type ScenarioInput = { [K in keyof Scenario]?: unknown } & { templateFile?: string };

export class ScenarioError extends Error {
  readonly code = 'InvalidScenario';
  constructor(message: string) {
    super(message);
    this.name = 'ScenarioError';
  }
}

/** Where EFS automatic backups (BackupPolicy ENABLED) go; its default access policy denies restores. */
export const AUTOMATIC_BACKUP_VAULT = 'aws/efs/automatic-backup-vault';

export const LIVE_DB_DIR = '/aws-backup-restore_2026-05-14T17-27-00-417720408Z';
const STALE_DIR = '/aws-backup-restore_2026-02-03T09-12-44-120Z';

/**
 * The default world. The DB lived at the volume root until a whole-volume restore on 2026-05-14
 * moved it into LIVE_DB_DIR, carrying along the stale February restore that was at the root then;
 * backups after that hold the DB one level down. Recent points are relative to now.
 */
export function defaultScenarioInput(): Record<string, unknown> {
  const rootLayout: TreeSpec = { db: '/', stale: [STALE_DIR] };
  const nestedLayout: TreeSpec = { db: LIVE_DB_DIR, stale: [STALE_DIR, `${LIVE_DB_DIR}${STALE_DIR}`] };
  return {
    region: 'eu-central-1',
    accountId: '123456789012',
    stackName: 'rocket-chat',
    backupVault: 'chat-backups',
    restoreRoleArn: 'arn:aws:iam::123456789012:role/chatdb-restore',
    fileSystems: {
      DbStorage: { id: 'fs-0db0c4a7e1', name: 'rocket-chat-db', tree: nestedLayout },
      DumpStorage: { id: 'fs-0d0d0d0d01', name: 'rocket-chat-dump', tree: { dumps: 3 } },
    },
    inspector: { instanceId: 'i-0a1b2c3d4e5f60718', fileSystem: 'DbStorage' },
    recoveryPoints: [
      { id: '3C1F6E2A-8B4D-4F0E-9A7C-1D2E3F405161', createdAt: '2026-05-11T03:05:12Z', tree: rootLayout },
      { id: '7A9E0B3C-2D4F-4A6B-8C1D-2E3F40516273', createdAt: '2026-05-12T03:04:48Z', tree: rootLayout },
      { id: 'B5D2C8E1-4F6A-4B3C-9D2E-3F4051627384', createdAt: '2026-05-13T03:06:01Z', tree: rootLayout },
      {
        id: 'E2A4F6B8-6C1D-4E5F-8A3B-405162738495',
        createdAt: 'now-98h',
        status: 'PARTIAL',
        statusMessage: 'Backup job completed with partial data: some files could not be read.',
        tree: nestedLayout,
      },
      { id: '1F3B5D7E-9A2C-4D6E-B8F1-5162738495A6', createdAt: 'now-74h', tree: nestedLayout },
      { id: '4C6E8A1B-3D5F-4B7A-9C2E-62738495A6B7', createdAt: 'now-50h', tree: nestedLayout },
      { id: '8E1A3C5F-7B9D-4F2A-A4C6-738495A6B7C8', createdAt: 'now-26h', tree: nestedLayout },
      { id: 'C9B7D5F3-1E2A-4C4B-8D6F-8495A6B7C8D9', createdAt: 'now-2h', tree: nestedLayout },
      // EFS automatic backups (the template's BackupPolicy is ENABLED), newer than the vault's.
      {
        id: 'A7E5C3B1-9F8D-4E6C-B4A2-0F1E2D3C4B5A',
        vault: AUTOMATIC_BACKUP_VAULT,
        createdAt: 'now-1h',
        tree: nestedLayout,
      },
      {
        id: 'B8F6D4C2-0A9E-4F7D-85B3-1A2B3C4D5E6F',
        vault: AUTOMATIC_BACKUP_VAULT,
        createdAt: 'now-25h',
        tree: nestedLayout,
      },
      {
        id: 'D4F2B6A8-5C3E-4A1F-9B7D-95A6B7C8D9EA',
        fileSystem: 'DumpStorage',
        createdAt: 'now-26h',
        tree: { dumps: 2 },
      },
    ],
    durations: {
      restoreJobMs: '40m',
      changeSetMs: '20s',
      stackStepMs: '30s',
      taskStartMs: '60s',
      taskHealthyMs: '15s',
      taskStopMs: '30s',
      ssmCommandMs: '2s',
      ssmInvocationDelayMs: '1s',
      checkTaskMs: '2m',
    },
    speed: 1,
    latencyMs: 0,
    pageSizes: { recoveryPoints: 3, restoreJobs: 3, fileSystems: 1, commandInvocations: 3 },
    seed: 1,
    faults: {},
    restoreKeepsMtimes: true,
    restoreDirDigits: 9,
    iam: { enforce: true, parameters: {} },
  };
}

/**
 * The scenario: the built-in default, deep-merged with `input` (a file path to JSON or YAML, or an
 * object). Objects merge key by key; arrays (recovery points, stale dirs) replace the default's.
 */
export function loadScenario(input?: string | ScenarioInput, now = Date.now()): Scenario {
  let override: unknown = {};
  let baseDir = process.cwd();
  if (typeof input === 'string') {
    let text: string;
    try {
      text = readFileSync(input, 'utf8');
    } catch (error) {
      throw new ScenarioError(`cannot read scenario file ${input}: ${(error as Error).message}`);
    }
    try {
      override = /\.json$/i.test(input) ? JSON.parse(text) : parseYaml(text);
    } catch (error) {
      throw new ScenarioError(`scenario file ${input} is not valid JSON/YAML: ${(error as Error).message}`);
    }
    baseDir = dirname(resolve(input));
  } else if (input !== undefined) {
    override = input;
  }
  if (override === null || override === undefined) override = {};
  if (!isRecord(override)) throw new ScenarioError('a scenario must be an object');
  const merged = deepMerge(defaultScenarioInput(), override);
  if (typeof merged.templateFile === 'string') {
    try {
      merged.templateBody = readFileSync(resolve(baseDir, merged.templateFile), 'utf8');
    } catch (error) {
      throw new ScenarioError(`cannot read templateFile ${merged.templateFile}: ${(error as Error).message}`);
    }
    delete merged.templateFile;
  }
  return validateScenario(merged, now);
}

export function deepMerge(
  base: Record<string, unknown>,
  over: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const current = out[key];
    out[key] = isRecord(current) && isRecord(value) ? deepMerge(current, value) : value;
  }
  return out;
}

const KNOWN_KEYS = new Set([
  'region',
  'accountId',
  'stackName',
  'templateBody',
  'stackRoleArn',
  'parentStackName',
  'backupVault',
  'restoreRoleArn',
  'fileSystems',
  'inspector',
  'recoveryPoints',
  'durations',
  'speed',
  'latencyMs',
  'pageSizes',
  'seed',
  'faults',
  'restoreKeepsMtimes',
  'restoreDirDigits',
  'taskDefinitionHistory',
  'iam',
]);

function validateScenario(raw: Record<string, unknown>, now: number): Scenario {
  for (const key of Object.keys(raw)) {
    if (!KNOWN_KEYS.has(key)) throw new ScenarioError(`unknown scenario key "${key}"`);
  }
  const region = str(raw, 'region', /^[a-z]{2}(-[a-z]+)+-\d$/, 'a region such as eu-central-1');
  const accountId = str(raw, 'accountId', /^\d{12}$/, 'twelve digits');
  const stackName = str(raw, 'stackName', /^[A-Za-z][A-Za-z0-9-]{0,127}$/, 'a CloudFormation stack name');
  const backupVault = str(raw, 'backupVault', /^[a-zA-Z0-9\-_]{2,50}$/, 'a backup vault name');
  const restoreRoleArn = str(
    raw,
    'restoreRoleArn',
    /^arn:aws:iam::\d{12}:role\/[\w+=,.@/-]+$/,
    'an IAM role ARN (arn:aws:iam::<account>:role/<name>)',
  );
  let templateBody: string | undefined;
  if (raw.templateBody !== undefined) {
    if (typeof raw.templateBody !== 'string' || raw.templateBody.trim() === '') {
      throw new ScenarioError('templateBody must be a non-empty string');
    }
    templateBody = raw.templateBody;
  }
  const stackRoleArn =
    raw.stackRoleArn === undefined
      ? undefined
      : str(raw, 'stackRoleArn', /^arn:aws:iam::\d{12}:role\/[\w+=,.@/-]+$/, 'an IAM role ARN');
  const parentStackName =
    raw.parentStackName === undefined
      ? undefined
      : str(raw, 'parentStackName', /^[A-Za-z][A-Za-z0-9-]{0,127}$/, 'a CloudFormation stack name');

  if (!isRecord(raw.fileSystems) || Object.keys(raw.fileSystems).length === 0) {
    throw new ScenarioError('fileSystems must map logical ids to { id, name, tree }');
  }
  const fileSystems: Record<string, FileSystemSpec> = {};
  const fsIds = new Set<string>();
  for (const [logicalId, value] of Object.entries(raw.fileSystems)) {
    const where = `fileSystems.${logicalId}`;
    if (!/^[A-Za-z][A-Za-z0-9]*$/.test(logicalId)) throw new ScenarioError(`${where}: not a logical id`);
    if (!isRecord(value)) throw new ScenarioError(`${where} must be an object`);
    const id = str(value, 'id', /^fs-[0-9a-f]{8,40}$/, 'an EFS id (fs- and 8 to 40 hex digits)', where);
    if (fsIds.has(id)) throw new ScenarioError(`${where}.id ${id} is used twice`);
    fsIds.add(id);
    const name = value.name === undefined ? logicalId : str(value, 'name', /^.{1,256}$/, 'a name', where);
    fileSystems[logicalId] = { id, name, tree: treeSpec(value.tree ?? {}, `${where}.tree`, now) };
  }

  if (!isRecord(raw.inspector)) throw new ScenarioError('inspector must be { instanceId, fileSystem }');
  const inspector = {
    instanceId: str(
      raw.inspector,
      'instanceId',
      /^i-[0-9a-f]{8,17}$/,
      'an instance id (i- and 8 to 17 hex digits)',
      'inspector',
    ),
    fileSystem: str(raw.inspector, 'fileSystem', /^\w+$/, 'a file system logical id', 'inspector'),
  };
  if (!fileSystems[inspector.fileSystem]) {
    throw new ScenarioError(`inspector.fileSystem "${inspector.fileSystem}" is not one of fileSystems`);
  }

  if (!Array.isArray(raw.recoveryPoints)) throw new ScenarioError('recoveryPoints must be a list');
  const pointIds = new Set<string>();
  const recoveryPoints = raw.recoveryPoints.map((value, i): RecoveryPointSpec => {
    const where = `recoveryPoints[${i}]`;
    if (!isRecord(value)) throw new ScenarioError(`${where} must be an object`);
    const id = str(
      value,
      'id',
      /^[A-Za-z0-9-]{8,64}$/,
      'a recovery point id (letters, digits, dashes)',
      where,
    );
    if (pointIds.has(id)) throw new ScenarioError(`${where}.id ${id} is used twice`);
    pointIds.add(id);
    const fileSystem = value.fileSystem === undefined ? 'DbStorage' : value.fileSystem;
    if (typeof fileSystem !== 'string' || !fileSystems[fileSystem]) {
      throw new ScenarioError(`${where}.fileSystem must be one of ${Object.keys(fileSystems).join(', ')}`);
    }
    const createdAt = parseInstant(value.createdAt, now);
    if (createdAt === undefined) {
      throw new ScenarioError(`${where}.createdAt must be an ISO timestamp or now-<duration> (e.g. now-26h)`);
    }
    const status = value.status ?? 'COMPLETED';
    if (
      !['COMPLETED', 'AVAILABLE', 'PARTIAL', 'CREATING', 'DELETING', 'EXPIRED'].includes(status as string)
    ) {
      throw new ScenarioError(
        `${where}.status must be COMPLETED, AVAILABLE, PARTIAL, CREATING, DELETING or EXPIRED`,
      );
    }
    if (value.statusMessage !== undefined && typeof value.statusMessage !== 'string') {
      throw new ScenarioError(`${where}.statusMessage must be a string`);
    }
    if (
      value.vault !== undefined &&
      (typeof value.vault !== 'string' || !/^[\w/-]{2,50}$/.test(value.vault))
    ) {
      throw new ScenarioError(`${where}.vault must be a backup vault name`);
    }
    return {
      id,
      fileSystem,
      ...(value.vault !== undefined ? { vault: value.vault as string } : {}),
      createdAt,
      status: status as RecoveryPointSpec['status'],
      ...(value.statusMessage !== undefined ? { statusMessage: value.statusMessage as string } : {}),
      tree: treeSpec(value.tree ?? {}, `${where}.tree`, now),
      ...(value.check === undefined ? {} : { check: checkSpec(value.check, `${where}.check`, now) }),
      ...(value.torn === undefined ? {} : { torn: tornSpec(value.torn, `${where}.torn`) }),
    };
  });

  if (!isRecord(raw.durations)) throw new ScenarioError('durations must be an object');
  const durationKeys: (keyof Durations)[] = [
    'restoreJobMs',
    'changeSetMs',
    'stackStepMs',
    'taskStartMs',
    'taskHealthyMs',
    'taskStopMs',
    'ssmCommandMs',
    'ssmInvocationDelayMs',
    'checkTaskMs',
  ];
  const durations = {} as Durations;
  for (const key of Object.keys(raw.durations)) {
    if (!durationKeys.includes(key as keyof Durations))
      throw new ScenarioError(`unknown duration "durations.${key}"`);
  }
  for (const key of durationKeys) {
    const ms = durationMs(raw.durations[key]);
    if (ms === undefined)
      throw new ScenarioError(`durations.${key} must be milliseconds or a duration like 40m, 20s, 250ms`);
    durations[key] = ms;
  }

  const speed = raw.speed;
  if (typeof speed !== 'number' || !Number.isFinite(speed) || speed <= 0) {
    throw new ScenarioError('speed must be a positive number');
  }
  const latencyMs = durationMs(raw.latencyMs);
  if (latencyMs === undefined)
    throw new ScenarioError('latencyMs must be a non-negative number of milliseconds');

  if (!isRecord(raw.pageSizes)) throw new ScenarioError('pageSizes must be an object');
  const pageSizes = {} as PageSizes;
  for (const key of ['recoveryPoints', 'restoreJobs', 'fileSystems', 'commandInvocations'] as const) {
    const n = raw.pageSizes[key];
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 1000) {
      throw new ScenarioError(`pageSizes.${key} must be a whole number from 1 to 1000`);
    }
    pageSizes[key] = n;
  }
  const seed = raw.seed;
  if (typeof seed !== 'number' || !Number.isInteger(seed)) throw new ScenarioError('seed must be an integer');

  let faults: FaultSpec;
  try {
    faults = validateFaultPatch(raw.faults) as FaultSpec;
  } catch (error) {
    throw new ScenarioError((error as Error).message);
  }

  if (typeof raw.restoreKeepsMtimes !== 'boolean')
    throw new ScenarioError('restoreKeepsMtimes must be true or false');
  const digits = raw.restoreDirDigits;
  if (digits !== 0 && digits !== 3 && digits !== 6 && digits !== 9) {
    throw new ScenarioError('restoreDirDigits must be 0, 3, 6 or 9');
  }
  const history =
    raw.taskDefinitionHistory === undefined ? undefined : historySpec(raw.taskDefinitionHistory, now);
  const iam = iamSettings(raw.iam);

  return {
    region,
    accountId,
    stackName,
    ...(templateBody !== undefined ? { templateBody } : {}),
    ...(stackRoleArn !== undefined ? { stackRoleArn } : {}),
    ...(parentStackName !== undefined ? { parentStackName } : {}),
    backupVault,
    restoreRoleArn,
    fileSystems,
    inspector,
    recoveryPoints,
    durations,
    speed,
    latencyMs,
    pageSizes,
    seed,
    faults,
    iam,
    restoreKeepsMtimes: raw.restoreKeepsMtimes,
    restoreDirDigits: digits,
    ...(history === undefined ? {} : { taskDefinitionHistory: history }),
  };
}

function historySpec(value: unknown, now: number): TaskDefinitionHistorySpec {
  const where = 'taskDefinitionHistory';
  if (!isRecord(value)) throw new ScenarioError(`${where} must be { family, volume, revisions }`);
  const family = str(value, 'family', /^[A-Za-z0-9_-]{1,255}$/, 'a task definition family', where);
  const volume =
    value.volume === undefined
      ? 'chat-db'
      : str(value, 'volume', /^[A-Za-z0-9_-]{1,255}$/, 'a volume name', where);
  if (!Array.isArray(value.revisions)) throw new ScenarioError(`${where}.revisions must be a list`);
  const instant = (v: unknown, at: string): number => {
    const t = parseInstant(v, now);
    if (t === undefined) throw new ScenarioError(`${at} must be an ISO timestamp or now-<duration>`);
    return t;
  };
  const revisions = value.revisions.map((r, i) => {
    const at = `${where}.revisions[${i}]`;
    if (!isRecord(r)) throw new ScenarioError(`${at} must be { root, registeredAt, deregisteredAt? }`);
    if (typeof r.root !== 'string' || !PATH_RE.test(r.root)) {
      throw new ScenarioError(`${at}.root must be an absolute path`);
    }
    return {
      root: r.root,
      registeredAt: instant(r.registeredAt, `${at}.registeredAt`),
      ...(r.deregisteredAt === undefined
        ? {}
        : { deregisteredAt: instant(r.deregisteredAt, `${at}.deregisteredAt`) }),
    };
  });
  return {
    family,
    volume,
    revisions,
    ...(value.currentRegisteredAt === undefined
      ? {}
      : { currentRegisteredAt: instant(value.currentRegisteredAt, `${where}.currentRegisteredAt`) }),
  };
}

function iamSettings(raw: unknown): IamSettings {
  if (!isRecord(raw)) throw new ScenarioError('iam must be { enforce, parameters }');
  for (const key of Object.keys(raw)) {
    if (key !== 'enforce' && key !== 'parameters') throw new ScenarioError(`unknown key "iam.${key}"`);
  }
  if (typeof raw.enforce !== 'boolean') throw new ScenarioError('iam.enforce must be true or false');
  const parameters = raw.parameters ?? {};
  if (!isRecord(parameters) || Object.values(parameters).some((v) => typeof v !== 'string')) {
    throw new ScenarioError('iam.parameters must map deploy template parameter names to strings');
  }
  return { enforce: raw.enforce, parameters: parameters as Record<string, string> };
}

function checkSpec(value: unknown, where: string, now: number): SnapshotData {
  if (!isRecord(value)) throw new ScenarioError(`${where} must be { newestMessageAt, counts, invalid? }`);
  for (const key of Object.keys(value)) {
    if (!['newestMessageAt', 'counts', 'invalid'].includes(key)) {
      throw new ScenarioError(`${where}: unknown key "${key}"`);
    }
  }
  let newestMessageAt: number | null = null;
  if (value.newestMessageAt !== null) {
    const t = parseInstant(value.newestMessageAt, now);
    if (t === undefined) {
      throw new ScenarioError(`${where}.newestMessageAt must be null, an ISO timestamp or now-<duration>`);
    }
    newestMessageAt = t;
  }
  const counts = value.counts;
  if (
    !isRecord(counts) ||
    !Object.values(counts).every((n) => Number.isSafeInteger(n) && (n as number) >= 0)
  ) {
    throw new ScenarioError(`${where}.counts must map collection names to whole numbers`);
  }
  const invalid = value.invalid;
  if (
    invalid !== undefined &&
    (!isRecord(invalid) ||
      !Object.values(invalid).every((e) => Array.isArray(e) && e.every((m) => typeof m === 'string')))
  ) {
    throw new ScenarioError(`${where}.invalid must map collection names to lists of validate errors`);
  }
  return {
    newestMessageAt,
    counts: counts as Record<string, number>,
    ...(invalid === undefined ? {} : { invalid: invalid as Record<string, string[]> }),
  };
}

function tornSpec(value: unknown, where: string): TearKind {
  if (!TEAR_KINDS.includes(value as TearKind)) {
    throw new ScenarioError(`${where} must be one of ${TEAR_KINDS.join(', ')}`);
  }
  return value as TearKind;
}

const PATH_RE = /^\/([A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*)?$/;

const TREE_KEYS = ['db', 'stale', 'fresh', 'writtenAt', 'staleWrittenAt', 'awsLeftovers', 'dumps', 'files'];
/** What AWS Backup leaves at the volume root: failed restores' directories and its lost+found. */
const LEFTOVER_RE = /^(?:aws-backup-failed-restore_[A-Za-z0-9][A-Za-z0-9._-]{0,200}|aws-backup-lost\+found)$/;

function treeSpec(value: unknown, where: string, now: number): TreeSpec {
  if (!isRecord(value)) throw new ScenarioError(`${where} must be an object`);
  const out: TreeSpec = {};
  for (const key of Object.keys(value)) {
    if (!TREE_KEYS.includes(key)) throw new ScenarioError(`${where}: unknown key "${key}"`);
  }
  for (const key of ['writtenAt', 'staleWrittenAt'] as const) {
    if (value[key] === undefined) continue;
    const t = parseInstant(value[key], now);
    if (t === undefined)
      throw new ScenarioError(`${where}.${key} must be an ISO timestamp or now-<duration>`);
    out[key] = t;
  }
  if (value.fresh !== undefined) {
    if (!Array.isArray(value.fresh)) throw new ScenarioError(`${where}.fresh must be a list of paths`);
    out.fresh = value.fresh.map((p, i) => checkPathOf(p, `${where}.fresh[${i}]`));
  }
  if (value.awsLeftovers !== undefined) {
    const names = value.awsLeftovers;
    if (!Array.isArray(names) || !names.every((n) => typeof n === 'string' && LEFTOVER_RE.test(n))) {
      throw new ScenarioError(
        `${where}.awsLeftovers must list aws-backup-failed-restore_<time> or aws-backup-lost+found names`,
      );
    }
    out.awsLeftovers = names as string[];
  }
  const checkPath = checkPathOf;
  if (value.db !== undefined) out.db = checkPath(value.db, `${where}.db`);
  if (value.stale !== undefined) {
    if (!Array.isArray(value.stale)) throw new ScenarioError(`${where}.stale must be a list of paths`);
    out.stale = value.stale.map((p, i) => checkPath(p, `${where}.stale[${i}]`));
  }
  if (value.dumps !== undefined) {
    if (
      typeof value.dumps !== 'number' ||
      !Number.isInteger(value.dumps) ||
      value.dumps < 0 ||
      value.dumps > 100
    ) {
      throw new ScenarioError(`${where}.dumps must be a whole number from 0 to 100`);
    }
    out.dumps = value.dumps;
  }
  if (value.files !== undefined) {
    if (!isRecord(value.files)) throw new ScenarioError(`${where}.files must map paths to text`);
    const files: Record<string, string> = {};
    for (const [p, text] of Object.entries(value.files)) {
      checkPath(p, `${where}.files key`);
      if (p === '/') throw new ScenarioError(`${where}.files: "/" is not a file path`);
      if (typeof text !== 'string') throw new ScenarioError(`${where}.files["${p}"] must be text`);
      files[p] = text;
    }
    out.files = files;
  }
  return out;
}

function checkPathOf(p: unknown, at: string): string {
  if (typeof p !== 'string' || !PATH_RE.test(p) || p.split('/').some((s) => s === '..' || s === '.')) {
    throw new ScenarioError(`${at} must be an absolute path without . or .. (e.g. /aws-backup-restore_X)`);
  }
  return p;
}

function str(obj: Record<string, unknown>, key: string, re: RegExp, what: string, where?: string): string {
  const value = obj[key];
  const name = where ? `${where}.${key}` : key;
  if (typeof value !== 'string' || !re.test(value)) {
    throw new ScenarioError(`${name} must be ${what}, got ${JSON.stringify(value)}`);
  }
  return value;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
