import type { App, BlockAction } from '@slack/bolt';
import { requestLogger } from '../../log.js';
import type { SlackDeps } from '../deps.js';
import { userMessage } from '../errors.js';
import { COMMAND } from '../ids.js';
import { replyPrivately } from '../reply.js';
import { yieldToPendingRequests } from '../yield.js';
import { cancelAction } from './cancel.js';
import { cleanupAction } from './cleanup.js';
import { cleanupChooseAction } from './cleanup-choose.js';
import { confirmAction } from './confirm.js';
import { listStartAction } from './list-start.js';
import { confirmPickAction, pickDataDirAction } from './pick.js';
import { rejectAction } from './reject.js';
import { retryCutoverAction, retryRestoreAction } from './retry.js';
import { rollbackAction } from './rollback.js';
import { startStagedAction } from './start-staged.js';
import type { ActionContext, ActionHandler } from './types.js';

const ACTIONS: readonly ActionHandler[] = [
  confirmAction,
  rejectAction,
  cancelAction,
  listStartAction,
  rollbackAction,
  cleanupAction,
  cleanupChooseAction,
  retryRestoreAction,
  retryCutoverAction,
  pickDataDirAction,
  confirmPickAction,
  startStagedAction,
];

/**
 * Registers every button and menu as one listener, which acks first, then hands the click to its
 * handler. One, not one per action_id: Bolt runs every listener's filters on every request, and
 * eleven of them cost each slash command about 60 µs of CPU (issue 17).
 */
export function registerActions(app: App, deps: SlackDeps): void {
  const handlers = new Map<string, ActionHandler>(ACTIONS.map((h) => [h.actionId, h]));
  const actionIds = new RegExp(`^(?:${ACTIONS.map((h) => escapeRegExp(h.actionId)).join('|')})$`);
  app.action<BlockAction>(actionIds, async ({ ack, body, action, client, respond, context }) => {
    const handler = handlers.get(action.action_id);
    if (handler === undefined) return;
    await ack();
    const channel = body.channel?.id ?? body.container?.channel_id;
    const log = requestLogger(deps.logger, { user: body.user.id, channel });
    const element = action as {
      value?: string;
      block_id?: string;
      selected_options?: { value?: string }[];
    };
    const ctx: ActionContext = {
      user: body.user.id,
      commandName: COMMAND,
      channel: typeof channel === 'string' ? channel : undefined,
      value: typeof element.value === 'string' ? element.value : '',
      selected: (element.selected_options ?? []).flatMap((o) =>
        typeof o.value === 'string' ? [o.value] : [],
      ),
      blockId: element.block_id,
      messageTs: body.message?.ts ?? body.container?.message_ts,
      triggerId: typeof body.trigger_id === 'string' ? body.trigger_id : undefined,
      respond,
      client,
      log,
      deps,
      ...(context.botUserId === undefined ? {} : { botUserId: context.botUserId }),
    };
    log.info({ action: handler.actionId, value: ctx.value.slice(0, 80) }, 'action');
    await yieldToPendingRequests();
    try {
      await handler.run(ctx);
    } catch (error) {
      log.error({ err: error, action: handler.actionId }, 'action failed');
      await replyPrivately(ctx, { text: userMessage(error) });
    }
  });
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
