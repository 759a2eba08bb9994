// `/chatdb-restore list`: the chat-db volume's recovery points, newest first, each with a Start
// button (or why it cannot be restored).

import type { ListResult, PointListing } from '../../restore/service.js';
import { ACTION_IDS } from '../ids.js';
import {
  type Block,
  blockId,
  button,
  code,
  context,
  escapeText,
  fitBlocks,
  LIMITS,
  messageText,
  type SlackMessage,
  section,
} from './blocks.js';
import { age, bytes, utc } from './format.js';

export function listMessage(result: ListResult, now: Date, command = '/chatdb-restore'): SlackMessage {
  const blocks: Block[] = [];
  const intro =
    `*Recovery points of chat-db* (${code(result.fileSystemId)}, stack ${code(result.stackName)}), newest first. ` +
    `chat-db runs on ${code(result.currentRoot)} now.`;
  blocks.push(section(intro, { blockId: 'list:intro' }));
  if (result.points.length === 0) {
    blocks.push(
      section(
        'AWS Backup has no recovery points for this file system. Check the backup plan and the vault in the AWS console; nothing can be restored until a backup exists.',
        { blockId: 'list:empty' },
      ),
    );
    return { text: 'No recovery points of chat-db were found.', blocks };
  }
  blocks.push(
    context([
      `*Start* opens a restore session in this channel; nothing changes until a second engineer confirms. Or type \`${command} start &lt;n&gt;\`.`,
    ]),
  );
  // Every row is a block; leave room for the note that says how many did not fit.
  const room = LIMITS.blocksPerMessage - blocks.length - 1;
  for (const listing of result.points.slice(0, room)) {
    blocks.push(
      pointRow(listing, now, listing.point.arn === result.livePoint?.arn ? result.livePoint : undefined),
    );
  }
  const hidden = result.points.length - Math.min(room, result.points.length);
  const fitted =
    hidden > 0
      ? [
          ...blocks,
          context([
            `${hidden} more not shown. Start an older point by its id: \`${command} start &lt;id&gt;\`.`,
          ]),
        ]
      : blocks;
  const restorable = result.points.filter((p) => p.restorable).length;
  const newest = result.points[0];
  const text = `${result.points.length} recovery points of chat-db (${restorable} restorable)${newest === undefined ? '' : `; the newest from ${utc(newest.point.createdAt)}`}.`;
  return { text: messageText(text), blocks: fitBlocks(fitted, (n) => `${n} more not shown.`) };
}

/** A row's block id carries the list's time, so a Start on an old list can tell what happened since. */
function rowBlockId(index: number, now: Date): string {
  return blockId('list', index, now.getTime());
}

/** The time the list a Start button sat on was made; undefined for any other block. */
export function listTimeFromBlockId(id: string | undefined): Date | undefined {
  const m = /^list:\d{1,3}:(\d{12,14})$/.exec(id ?? '');
  return m?.[1] === undefined ? undefined : new Date(Number(m[1]));
}

function pointRow(listing: PointListing, now: Date, live?: { sessionId: string }): Block {
  const p = listing.point;
  const liveNow =
    live === undefined
      ? ''
      : ` · :large_green_circle: *live now* (restored by session ${code(live.sessionId)})`;
  const line1 = `*${listing.index === undefined ? '–' : `${listing.index}.`}* ${utc(p.createdAt)} · ${age(p.createdAt, now)} · ${bytes(p.sizeBytes)} · ${escapeText(p.status)} · vault ${code(p.vault)}${liveNow}`;
  const line2 = code(p.id);
  const id = listing.index === undefined ? blockId('list', p.id) : rowBlockId(listing.index, now);
  if (!listing.restorable) {
    return section(
      `${line1}\n${line2}\n:no_entry: Cannot be restored: ${escapeText(listing.whyNot ?? 'AWS Backup does not offer it for restore')}.`,
      {
        blockId: id,
      },
    );
  }
  if (p.arn.length > LIMITS.buttonValue) {
    return section(`${line1}\n${line2}\nIts ARN is too long for a button; start it by its id.`, {
      blockId: id,
    });
  }
  return section(`${line1}\n${line2}`, {
    blockId: id,
    accessory: button({ text: 'Start', actionId: ACTION_IDS.startFromList, value: p.arn, style: 'primary' }),
  });
}
