// `/chatdb-restore status`: this channel's open session, or every open one, with the stage it is
// at and the state production is in.

import { type RestoreSession, runningStage } from '../../restore/session.js';
import {
  type Block,
  blockId,
  code,
  context,
  fitBlocks,
  messageText,
  type SlackMessage,
  section,
} from './blocks.js';
import { channel, user, utcShort } from './format.js';
import { productionLine, STAGE_LABELS, STATUS_EMOJI, sessionTitle } from './session-text.js';

export interface StatusInput {
  /** The channel the command came from. */
  channel: string;
  /** Open sessions, every channel. */
  open: RestoreSession[];
  /** This channel's newest session, open or not, for when nothing is open. */
  latestHere?: RestoreSession;
}

export function statusMessage(input: StatusInput, now: Date, command = '/chatdb-restore'): SlackMessage {
  const here = input.open.filter((s) => s.channel === input.channel);
  const shown = here.length > 0 ? here : input.open;
  const blocks: Block[] = [];
  if (shown.length === 0) {
    blocks.push(
      section(
        `No restore session is open. \`${command} start &lt;point&gt;\` starts one; \`${command} list\` shows the recovery points.`,
        { blockId: 'status:none' },
      ),
    );
    const last = input.latestHere;
    if (last !== undefined) {
      blocks.push(
        section(`The last one in this channel: ${sessionLine(last, now)}`, {
          blockId: blockId('status', last.id),
        }),
      );
      blocks.push(context([productionLine(last)]));
    }
    return { text: 'No restore session is open.', blocks };
  }
  if (here.length === 0) {
    blocks.push(context(['Nothing is open in this channel; these are open elsewhere.']));
  }
  for (const s of shown) {
    blocks.push(section(sessionLine(s, now), { blockId: blockId('status', s.id) }));
    blocks.push(context([productionLine(s)]));
  }
  const first = shown[0];
  const text =
    first === undefined
      ? 'No restore session is open.'
      : `${shown.length} open: ${sessionTitle(first)} (${doing(first)}).`;
  return { text: messageText(text), blocks: fitBlocks(blocks, (n) => `${n} more blocks not shown.`) };
}

function doing(s: RestoreSession): string {
  switch (s.status) {
    case 'resolving':
      return 'working out the plan';
    case 'awaiting_confirmation':
      return 'waiting for a second engineer to confirm';
    case 'awaiting_pick':
      return 'waiting for the engineers to pick the data dir';
    case 'staging':
      return 'restoring before the confirmation (production untouched), waiting for a second engineer to confirm';
    case 'running': {
      const stage = runningStage(s);
      return stage === undefined ? 'running' : `running: ${STAGE_LABELS[stage]}`;
    }
    default:
      return s.status;
  }
}

function sessionLine(s: RestoreSession, now: Date): string {
  const where = `in ${channel(s.channel)}`;
  const who = `requested by ${user(s.requester)} ${utcShort(s.createdAt, now)}`;
  const confirmed = s.confirmer === undefined ? '' : `, confirmed by ${user(s.confirmer)}`;
  const stage = `*${doing(s)}*`;
  const waiting =
    s.status === 'awaiting_confirmation' || s.status === 'awaiting_pick' || s.status === 'staging';
  const expires = waiting ? `; expires ${utcShort(s.expiresAt, now)}` : '';
  const failure = s.failure === undefined ? '' : `; failed at: ${STAGE_LABELS[s.failure.stage]}`;
  return `${STATUS_EMOJI[s.status]} *${sessionTitle(s).replaceAll('*', '')}* — session ${code(s.id)} ${where}\n${stage}${expires}${failure}; ${who}${confirmed}.`;
}
