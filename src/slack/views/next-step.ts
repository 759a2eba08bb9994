// What the on-call engineer should do next after a failure: the one place these words live. The
// restore machinery records what failed (the stage, the code, the activity that classified it,
// where production stands) and the facts the words need (what is left on the volume, the next
// older point); the words are chosen here from those.

import type { Production, RestoreSession } from '../../restore/session.js';
import { leftOnVolume } from '../../restore/transitions.js';
import { drillNext } from './drill.js';

/** What a failure says about itself; a session's `failure`, or a StageFailure a command caught. */
export interface FailureFacts {
  code?: string;
  production: Production;
  /** The activity that classified the failure (`ActivityName`); absent when none did. */
  activity?: string;
}

/**
 * The next step after `s` failed ('' when it did not fail). A session stored by a version that
 * wrote its next step keeps showing that text.
 */
export function nextStep(s: RestoreSession): string {
  const f = s.failure;
  if (f === undefined) return '';
  if (typeof f.next === 'string') return f.next;
  // A drill changed nothing and tears down whatever failed: its own words.
  if (s.kind === 'drill') return drillNext(s);
  return activityNextStep(f, s) ?? defaultNextStep(f.production, s);
}

/**
 * The next step an activity's failure calls for, or undefined when the activity has no words of
 * its own (then the production state's default applies). `s`, where there is a session, gives
 * the facts some steps name (the restore dir, the flat dir, the next older point).
 */
export function activityNextStep(f: FailureFacts, s?: RestoreSession): string | undefined {
  switch (f.activity) {
    case 'resolve_target':
      return f.code === 'drift'
        ? 'Nothing was changed. Someone changed the stack or the service outside CloudFormation, or an update is half done: find out which root the database really uses before restoring.'
        : 'Nothing was changed. Check CHATDB_STACK_NAME and the volume name, and that the stack is the one running chat-db.';
    case 'recovery_points':
      return 'Nothing was changed. Run `/chatdb-restore list` and start again with one of the points it shows.';
    case 'root_history':
      return 'Nothing was changed. Check that the bot may call ecs:ListTaskDefinitions and try again.';
    case 'preflight':
      return 'Nothing was changed and no restore job was started. Fix what the reason names, then start again.';
    case 'cleanup_candidates':
    case 'delete':
      return 'Nothing was deleted. Check the inspection host and try `/chatdb-restore cleanup` again.';
    case 'restore_job':
      return 'Production is unchanged. Start a new restore (`/chatdb-restore start …`); if it fails again, check the restore job in the AWS Backup console.';
    case 'locate':
      return locateNextStep(f, s);
    case 'flatten':
      return 'Production is unchanged. Check the restore dir and the flat dir on the inspection host; run the restore again or clean up with `/chatdb-restore cleanup`.';
    case 'check':
      return checkNextStep(s);
    case 'change_set':
      return f.code === 'change_set_scope'
        ? 'Production is unchanged. Someone changed the stack outside its template, or the template has changes beyond the root: deploy those first, then restore again.'
        : 'Production is unchanged. Read the reason, fix what it names, and start the restore again.';
    case 'stack_update':
      return stackUpdateNextStep(f);
    case 'verify':
      return 'The service runs on the new root. Check the chat-db task and Rocket.Chat now; `/chatdb-restore rollback` returns to the previous root.';
    default:
      return undefined;
  }
}

/** A plain default for what to do next, from where production stands, when no activity said. */
function defaultNextStep(production: Production, s: Pick<RestoreSession, 'aws'>): string {
  const left = leftOnVolume(s);
  const leftover = left === undefined ? '' : ` ${left} is left on the volume for cleanup.`;
  switch (production) {
    case 'unchanged':
      return `Production is unchanged. Fix the cause and start a new session.${leftover}`;
    case 'rolled_back':
      return `CloudFormation rolled the stack back; production runs on its previous root. Read the reason, fix it and start again.${leftover}`;
    case 'cut_over':
      return 'Production now runs on the new root but did not verify. Check the service, or roll back with `rollback`.';
    case 'unknown':
      return 'The state of production could not be confirmed: check the stack and the chat-db service in the console before anything else.';
  }
}

function locateNextStep(f: FailureFacts, s: RestoreSession | undefined): string {
  if (f.code !== 'data_dir_unproven') {
    return 'Production is unchanged. Look at the new aws-backup-restore_* directory on the inspection host before trying again; `/chatdb-restore cleanup` removes it.';
  }
  const restoreDir = stageDetail(s, 'locate').restoreDir;
  return `Production is unchanged; nothing was moved. The data dirs found in /${typeof restoreDir === 'string' ? restoreDir : 'the restore dir'} are listed with their evidence, and none is complete; check them on the inspection host, and \`/chatdb-restore cleanup\` removes the restore dir.`;
}

function checkNextStep(s: RestoreSession | undefined): string {
  const planned = s?.plan?.kind === 'restore' ? s.plan.targetRoot : undefined;
  const flatDir = s?.aws.flatDir ?? planned ?? 'its flat directory';
  const older = stageDetail(s, 'check').olderPoint as Record<string, unknown> | null | undefined;
  const olderId = typeof older?.id === 'string' ? older.id : undefined;
  const point =
    olderId === undefined
      ? ''
      : ` Try the next older point, ${olderId}: \`/chatdb-restore start ${olderId}\`.`;
  return `Production is unchanged. The restored copy stays at ${flatDir} for \`/chatdb-restore cleanup\`.${point}`;
}

/** After ExecuteChangeSet: what production is on decides, with the code. */
function stackUpdateNextStep(f: FailureFacts): string {
  if (f.code === 'service_unstable' && f.production === 'cut_over') {
    return 'The service runs on the new root but did not become stable. Check the chat-db task; `/chatdb-restore rollback` returns to the previous root.';
  }
  if (f.code === 'stack_update_failed' && f.production === 'rolled_back') {
    return 'CloudFormation rolled the stack back and the service is on its previous root. Read the reason (often the new task could not mount or start), fix it, and restore again.';
  }
  return 'Check the stack and the chat-db service in the AWS console now: production may be down. If the service is on the new root but unhealthy, run `/chatdb-restore rollback`.';
}

function stageDetail(s: RestoreSession | undefined, stage: string): Record<string, unknown> {
  return s?.stages.find((st) => st.name === stage)?.detail ?? {};
}
