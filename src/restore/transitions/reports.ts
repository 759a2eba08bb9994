// What a stage reports (checkpoints, stage_done, a pick's data dir) is checked field by field
// before it is merged into the session's record: each AWS id against its pattern, each name
// against what the session already recorded.

import type { Refusal } from '../errors.js';
import {
  CHANGE_SET_NAME,
  changeSetName,
  drillChangeSetName,
  isDataDirPath,
  isRestoreDirName,
  isRootDirectory,
  LOOSE_RESTORE_DIR_NAME,
  RESTORE_JOB_ID,
  SSM_COMMAND_ID,
  SSM_INSTANCE_ID,
  TASK_ARN,
  TASK_DEFINITION_ARN,
} from '../names.js';
import { isIsoTime } from '../plan.js';
import { type RestoreSession, type SessionAws, STAGE_NAMES, type StageName } from '../session.js';
import type { AwsPatch, RootsPatch } from '../transitions.js';
import { refuse } from './gates.js';

export function mergeReports(
  d: RestoreSession,
  aws: AwsPatch,
  roots: RootsPatch | undefined,
): Refusal | undefined {
  const problems = awsPatchProblems(d, aws);
  if (roots !== undefined) {
    for (const key of ['previous', 'next'] as const) {
      const v = roots[key];
      if (v !== undefined && !isRootDirectory(v)) problems.push(`roots.${key}`);
    }
  }
  if (problems.length > 0) {
    return refuse(
      'invalid_checkpoint',
      `The stage reported values that fail their checks: ${problems.join(', ')}.`,
      {
        problems,
      },
    );
  }
  for (const [key, value] of Object.entries(aws) as [keyof SessionAws, unknown][]) {
    if (value === undefined) {
      if (key !== 'stoppedTaskArns') delete d.aws[key];
    } else {
      (d.aws as unknown as Record<string, unknown>)[key] = structuredClone(value);
    }
  }
  if (roots?.previous !== undefined) d.roots.previous = roots.previous;
  if (roots?.next !== undefined) d.roots.next = roots.next;
  return undefined;
}

/** A resumed stage sends its scripts again; a bound keeps a looping one from growing the session. */
const MAX_SSM_COMMANDS = 100;

function isSsmCommandRecord(v: unknown): boolean {
  if (typeof v !== 'object' || v === null) return false;
  const r = v as Record<string, unknown>;
  return (
    typeof r.commandId === 'string' &&
    SSM_COMMAND_ID.test(r.commandId) &&
    typeof r.instanceId === 'string' &&
    SSM_INSTANCE_ID.test(r.instanceId) &&
    STAGE_NAMES.includes(r.stage as StageName) &&
    Object.keys(r).length === 3
  );
}

const MAX_DIFF = 1_000_000;

function awsPatchProblems(d: RestoreSession, aws: AwsPatch): string[] {
  const problems: string[] = [];
  if (typeof aws !== 'object' || aws === null) return ['aws'];
  const str = (v: unknown, re: RegExp) => typeof v === 'string' && re.test(v);
  const count = (v: unknown) => Number.isSafeInteger(v) && (v as number) >= 0;
  const restoreDir = aws.restoreDir ?? d.aws.restoreDir;
  for (const [key, v] of Object.entries(aws)) {
    if (v === undefined) continue;
    let ok: boolean;
    switch (key as keyof SessionAws) {
      case 'restoreJobId':
        ok = str(v, RESTORE_JOB_ID);
        break;
      case 'restoreDirsBefore':
        // Listed from the disk: the scripts' own pattern, odd timestamps included.
        ok = Array.isArray(v) && v.every((name) => str(name, LOOSE_RESTORE_DIR_NAME));
        break;
      case 'fullFallback':
        ok = v === true && d.plan?.kind === 'restore' && d.plan.restoreMode.kind === 'item';
        break;
      case 'restoreJobCompletedAt':
      case 'executeCalledAt':
      case 'executedAt':
        ok = isIsoTime(v);
        break;
      case 'restoreDir':
        ok = isRestoreDirName(v) && !(d.aws.restoreDirsBefore ?? []).includes(v as string);
        break;
      case 'dataDir':
        ok = isDataDirPath(v) && restoreDir !== undefined && `${v as string}/`.startsWith(`${restoreDir}/`);
        break;
      case 'dataSizeBytes':
      case 'dataFileCount':
        ok = count(v);
        break;
      case 'flatDir':
        ok = (d.plan?.kind === 'restore' || d.plan?.kind === 'drill') && v === d.plan.targetRoot;
        break;
      case 'changeSetName':
        ok =
          str(v, CHANGE_SET_NAME) &&
          v === (d.kind === 'drill' ? drillChangeSetName(d.id) : changeSetName(d.id, d.attempt));
        break;
      case 'changeSetDeletedAt':
        ok = d.kind === 'drill' && isIsoTime(v);
        break;
      case 'changeSetId':
        ok = typeof v === 'string' && v.length > 0 && v.length <= 2048 && !/\p{Cc}/u.test(v);
        break;
      case 'oldTaskDefinitionArn':
      case 'newTaskDefinitionArn':
      case 'checkTaskDefinitionArn':
        ok = str(v, TASK_DEFINITION_ARN);
        break;
      case 'stoppingTaskArn':
      case 'newTaskArn':
      case 'checkTaskArn':
        ok = str(v, TASK_ARN);
        break;
      case 'stoppedTaskArns':
        ok = Array.isArray(v) && v.every((arn) => str(arn, TASK_ARN));
        break;
      case 'templateDiff':
        ok = typeof v === 'string' && v.length <= MAX_DIFF;
        break;
      case 'ssmCommands':
        ok = Array.isArray(v) && v.length <= MAX_SSM_COMMANDS && v.every(isSsmCommandRecord);
        break;
      case 'deletedPaths':
        ok =
          Array.isArray(v) &&
          (d.plan?.kind === 'cleanup'
            ? v.every((p) => (d.plan as { paths: unknown[] }).paths.includes(p))
            : d.plan?.kind === 'drill' && v.every((p) => isDrillDeletable(d, p)));
        break;
      default:
        ok = false;
    }
    if (!ok) problems.push(`aws.${key}`);
  }
  return problems;
}

/** What a drill's teardown may report deleted: its own directories and those it sweeps. */
function isDrillDeletable(d: RestoreSession, path: unknown): boolean {
  if (d.plan?.kind !== 'drill' || typeof path !== 'string' || !path.startsWith('/')) return false;
  const name = path.slice(1);
  const own = [d.plan.targetRoot.slice(1), d.aws.restoreDir];
  const swept = (d.plan.sweep ?? []).flatMap((left) => left.dirs);
  // An earlier drill's job directory found by elimination is named only by the teardown.
  const unlocated = (d.plan.sweep ?? []).some((left) => left.unlocatedJob !== undefined);
  return [...own, ...swept].includes(name) || (unlocated && isRestoreDirName(name));
}
