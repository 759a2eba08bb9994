import { RECOVERY_POINT_ARN } from '../../restore/names.js';
import { ACTION_IDS } from '../ids.js';
import { replyPrivately } from '../reply.js';
import { happenedSince, supersededText } from '../superseded.js';
import { code } from '../views/blocks.js';
import { listTimeFromBlockId } from '../views/list.js';
import { openFromClick } from './open-from-click.js';
import type { ActionHandler } from './types.js';

export const listStartAction: ActionHandler = {
  actionId: ACTION_IDS.startFromList,
  async run(ctx) {
    const arn = ctx.value;
    if (!RECOVERY_POINT_ARN.test(arn)) {
      await replyPrivately(ctx, {
        text: 'That Start button does not carry a recovery point ARN; nothing was started. Run `list` again.',
      });
      return;
    }
    const listedAt = listTimeFromBlockId(ctx.blockId);
    const since = listedAt === undefined ? [] : happenedSince(ctx.deps.restore, listedAt);
    if (listedAt !== undefined && since.length > 0) {
      await replyPrivately(ctx, {
        text: supersededText(
          'This list',
          listedAt,
          since,
          `Run \`${ctx.commandName} list\` again for the points as they are now.`,
        ),
      });
      return;
    }
    const id = arn.slice(arn.lastIndexOf(':') + 1);
    await openFromClick(ctx, `restore chat-db from ${code(id)}`, (actor) =>
      ctx.deps.restore.start(actor, { kind: 'arn', arn }, arn),
    );
  },
};
