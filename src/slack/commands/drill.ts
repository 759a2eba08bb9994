import { openSession } from '../open-session.js';
import { code } from '../views/blocks.js';
import { pointInput, pointSpec } from './start.js';
import { type CommandHandler, type CommandOf, ephemeral } from './types.js';

export const drillCommand: CommandHandler<CommandOf<'drill'>> = {
  ack: (ctx) =>
    ephemeral(
      `Starting a drill of recovery point ${code(pointInput(ctx.command.point))}… Its card will appear in this channel. Production is not touched, and a real \`start\` takes over at once.`,
    ),
  async run(ctx) {
    const now = new Date(ctx.deps.now?.() ?? Date.now());
    const input = pointInput(ctx.command.point);
    await openSession(ctx, `rehearse a restore of chat-db from ${code(input)}`, (actor) =>
      ctx.deps.restore.drill(actor, pointSpec(ctx.command.point, now), input),
    );
  },
};
