import type { PointSpec } from '../../restore/service.js';
import { openSession } from '../open-session.js';
import type { PointRef } from '../parse-command.js';
import { code } from '../views/blocks.js';
import { type CommandHandler, type CommandOf, ephemeral } from './types.js';

export const startCommand: CommandHandler<CommandOf<'start'>> = {
  ack: (ctx) =>
    ephemeral(
      `Resolving recovery point ${code(pointInput(ctx.command.point))}… The session card will appear in this channel; nothing changes until a second engineer confirms.`,
    ),
  async run(ctx) {
    const now = new Date(ctx.deps.now?.() ?? Date.now());
    const input = pointInput(ctx.command.point);
    await openSession(ctx, `restore chat-db from ${code(input)}`, (actor) =>
      ctx.deps.restore.start(actor, pointSpec(ctx.command.point, now), input),
    );
  },
};

/** The parsed point as the service takes it; `before 2h` is fixed to a time now. */
export function pointSpec(point: PointRef, now: Date): PointSpec {
  switch (point.kind) {
    case 'index':
      return { kind: 'index', n: point.index };
    case 'id':
      return { kind: 'id', id: point.id };
    case 'arn':
      return { kind: 'arn', arn: point.arn };
    case 'latest':
      return { kind: 'latest' };
    case 'before':
      return { kind: 'before', time: 'at' in point ? point.at : new Date(now.getTime() - point.agoMs) };
  }
}

/** The point as the user named it, for the card and the session record. */
export function pointInput(point: PointRef): string {
  switch (point.kind) {
    case 'index':
      return String(point.index);
    case 'id':
      return point.id;
    case 'arn':
      return point.arn;
    case 'latest':
      return 'latest';
    case 'before':
      return 'at' in point ? `before ${point.at.toISOString()}` : `before ${point.text}`;
  }
}
