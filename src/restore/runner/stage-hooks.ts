// What a running stage's activity may do to its session (StageHooks, stages/stage.ts): each call
// is an event through the session loop, persisted before the activity goes on.

import type { SsmCommandRef } from '../activities/index.js';
import type { StageName } from '../session.js';
import type { StageHooks } from '../stages/stage.js';
import type { AwsPatch } from '../transitions.js';
import type { Runner } from './context.js';
import { apply } from './session-loop.js';

/** What a stage's activity may do to its session: each persisted before the activity goes on. */
export function stageHooks(rt: Runner, id: string, stage: StageName, signal: AbortSignal): StageHooks {
  const checkpoint = async (aws: AwsPatch, roots?: { previous?: string; next?: string }) => {
    const outcome = await apply(rt, id, {
      type: 'stage_checkpoint',
      stage,
      aws,
      ...(roots === undefined ? {} : { roots }),
    });
    // A refused checkpoint means the session moved on (cancelled, expired): stop before the
    // activity's next mutation.
    if (!outcome.ok) throw abortError(`checkpoint refused: ${outcome.reason}`);
  };
  const progress = (report: { percentDone?: number; etaMinutes?: number }) => {
    apply(rt, id, { type: 'stage_progress', stage, ...report }).catch((error: unknown) =>
      rt.deps.log.warn({ err: error, session: id }, 'could not record progress'),
    );
  };
  // Each SSM command is recorded before its wait, so even a command that hangs gets its link.
  const commandSent = async (command: SsmCommandRef) => {
    const sent = rt.sessions.get(id)?.aws.ssmCommands ?? [];
    await checkpoint({ ssmCommands: [...sent, { ...command, stage }] });
  };
  const { templateFile } = rt.deps;
  return {
    signal,
    checkpoint,
    progress,
    commandSent,
    ...(templateFile === undefined ? {} : { templateFile }),
  };
}

function abortError(message: string): Error {
  const error = new Error(message);
  error.name = 'AbortError';
  return error;
}
