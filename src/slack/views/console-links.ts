// Links into the AWS console for what a session touched, built from the region and ids it already
// recorded (no AWS call). These are the console's own deep links; AWS does not promise their
// shape, so each is a convenience beside the id, never instead of it.

import type { RestoreSession } from '../../restore/session.js';

export interface ConsoleLink {
  label: string;
  url: string;
}

const MAX_SSM_LINKS = 8;
const REGION = /^[a-z]{2}(?:-[a-z]+)+-\d$/;

/** The session's region, from the file system ARN in its plan. */
export function sessionRegion(s: RestoreSession): string | undefined {
  const region = s.plan?.fileSystemArn.split(':')[3];
  return region !== undefined && REGION.test(region) ? region : undefined;
}

function lastSegment(nameOrArn: string): string {
  return nameOrArn.split('/').at(-1) ?? nameOrArn;
}

/** Every link the session's recorded ids allow, in the order the stages use them. */
export function consoleLinks(s: RestoreSession): ConsoleLink[] {
  const region = sessionRegion(s);
  const plan = s.plan;
  if (region === undefined || plan === undefined) return [];
  const host = `https://${region}.console.aws.amazon.com`;
  const q = `region=${region}`;
  const e = encodeURIComponent;
  const links: ConsoleLink[] = [];
  const job = s.aws.restoreJobId;
  if (job !== undefined) {
    links.push({ label: 'restore job', url: `${host}/backup/home?${q}#/jobs/restore/details/${e(job)}` });
  }
  links.push(...ssmLinks(s, host, q));
  if (s.aws.changeSetId !== undefined) {
    links.push({
      label: `change set ${s.aws.changeSetName ?? ''}`.trim(),
      url: `${host}/cloudformation/home?${q}#/stacks/changesets/changes?stackId=${e(plan.stackName)}&changeSetId=${e(s.aws.changeSetId)}`,
    });
  }
  if (s.aws.changeSetId !== undefined || s.aws.executedAt !== undefined) {
    links.push({
      label: 'stack events',
      url: `${host}/cloudformation/home?${q}#/stacks/events?stackId=${e(plan.stackName)}`,
    });
  }
  if (plan.kind !== 'cleanup' && (s.aws.executedAt !== undefined || s.failure !== undefined)) {
    const service = `${host}/ecs/v2/clusters/${e(lastSegment(plan.cluster))}/services/${e(lastSegment(plan.service))}`;
    links.push({ label: 'chat-db service', url: `${service}/health?${q}` });
    links.push({ label: 'its tasks', url: `${service}/tasks?${q}` });
  }
  return links;
}

/**
 * One link per SSM command the session's scripts were sent as, to its output on the inspection
 * host: Run Command's page for that command on that node. The SSM docs show the console's path
 * to it (Command history, the command, Targets and outputs, View output) but not its URL; the
 * shape is the one the console itself uses. A session stored before the ids were recorded
 * links the command history instead (its commands carry the comment `chatdb-restore`).
 */
function ssmLinks(s: RestoreSession, host: string, q: string): ConsoleLink[] {
  const commands = s.aws.ssmCommands ?? [];
  if (commands.length === 0) {
    const ran = s.aws.restoreDirsBefore !== undefined || s.aws.restoreDir !== undefined;
    return ran
      ? [{ label: 'SSM command output', url: `${host}/systems-manager/run-command/complete-commands?${q}` }]
      : [];
  }
  const e = encodeURIComponent;
  const links = commands.map((c, i) => {
    const nth = commands.slice(0, i + 1).filter((o) => o.stage === c.stage).length;
    const many = commands.some((o, j) => j !== i && o.stage === c.stage);
    return {
      label: `SSM ${c.stage} output${many ? ` ${nth}` : ''}`,
      url: `${host}/systems-manager/run-command/${e(c.commandId)}/${e(c.instanceId)}?${q}`,
    };
  });
  // A stage resumed many times sent many commands: the newest stay within Slack's text limit.
  return links.slice(-MAX_SSM_LINKS);
}

/** The links as mrkdwn (`<url|label>`), one line; '' when there are none. */
export function consoleLinksLine(s: RestoreSession): string {
  const links = consoleLinks(s);
  if (links.length === 0) return '';
  return `:link: AWS console: ${links.map((l) => `<${l.url}|${l.label.replaceAll(/[<>|&]/g, '')}>`).join(' · ')}`;
}
