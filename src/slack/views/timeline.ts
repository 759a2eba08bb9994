// The session's story in UTC: each stage's start and end, and at the end a text timeline to paste
// into a postmortem (who asked, who confirmed, each stage, each AWS id). People are mentions, times
// are UTC, never raw ISO strings.

import type { RestoreSession, StageState } from '../../restore/session.js';
import { code, escapeText } from './blocks.js';
import { stageWindow, user, utc } from './format.js';
import { STAGE_LABELS, sessionTitle } from './session-text.js';

function stageIds(s: RestoreSession, stage: StageState): string[] {
  const ssm = (s.aws.ssmCommands ?? [])
    .filter((c) => c.stage === stage.name)
    .map((c) => `SSM command ${code(c.commandId)}`);
  return [...awsIds(s, stage), ...ssm];
}

function awsIds(s: RestoreSession, stage: StageState): string[] {
  const a = s.aws;
  switch (stage.name) {
    case 'restore':
      return a.restoreJobId === undefined ? [] : [`restore job ${code(a.restoreJobId)}`];
    case 'locate':
      return [
        ...(a.restoreDir === undefined ? [] : [`restored into ${code(`/${a.restoreDir}`)}`]),
        ...(a.dataDir === undefined ? [] : [`data dir ${code(a.dataDir)}`]),
      ];
    case 'flatten':
      return a.flatDir === undefined ? [] : [`flat dir ${code(a.flatDir)}`];
    case 'cutover':
      return [
        ...(a.changeSetName === undefined ? [] : [`change set ${code(a.changeSetName)}`]),
        ...(a.newTaskDefinitionArn === undefined ? [] : [`task definition ${code(a.newTaskDefinitionArn)}`]),
        ...a.stoppedTaskArns.map((t) => `stopped task ${code(t)}`),
      ];
    case 'verify':
      return a.newTaskArn === undefined ? [] : [`task ${code(a.newTaskArn)}`];
    case 'delete':
      return (a.deletedPaths ?? []).map((p) => `deleted ${code(p)}`);
    default:
      return [];
  }
}

function ending(s: RestoreSession): string {
  const by = s.ended?.by === undefined ? '' : ` by ${user(s.ended.by)}`;
  switch (s.status) {
    case 'failed':
      return `failed at ${s.failure === undefined ? 'a stage' : STAGE_LABELS[s.failure.stage]}`;
    case 'rejected':
      return `rejected${by}${s.ended?.reason === undefined ? '' : ` (“${escapeText(s.ended.reason)}”)`}`;
    case 'cancelled':
      return `cancelled${by}`;
    default:
      return s.status;
  }
}

/**
 * The copyable timeline, one event a line, for a session that has ended (mrkdwn, not a code
 * block: mentions must render as names).
 */
export function postmortemTimeline(s: RestoreSession): string {
  const lines = [
    `*Timeline (UTC), for the postmortem* — session ${code(s.id)}`,
    `${utc(s.createdAt, { seconds: true })} — ${user(s.requester)} asked: ${escapeText(sessionTitle(s))}`,
  ];
  if (s.confirmer !== undefined && s.confirmedAt !== undefined) {
    lines.push(`${utc(s.confirmedAt, { seconds: true })} — ${user(s.confirmer)} confirmed`);
  }
  for (const stage of s.stages) {
    if (stage.name === 'resolve' || stage.name === 'confirm' || stage.startedAt === undefined) continue;
    const ids = stageIds(s, stage);
    lines.push(
      `${stageWindow(stage)} — ${STAGE_LABELS[stage.name]}: ${stage.status}${ids.length === 0 ? '' : ` · ${ids.join(' · ')}`}`,
    );
  }
  if (s.ended !== undefined) lines.push(`${utc(s.ended.at, { seconds: true })} — ${ending(s)}`);
  return lines.join('\n');
}
