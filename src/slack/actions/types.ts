import type { ActionId } from '../ids.js';
import type { RequestContext } from '../request-context.js';

/** One click (or selection), already acknowledged, as an action handler sees it. */
export interface ActionContext extends RequestContext {
  channel: string | undefined;
  /** The click's element: a button's value, a menu's selected option values. */
  value: string;
  selected: string[];
  /** The block the element sat in (the confirmation row binds the plan hash here). */
  blockId: string | undefined;
  /** The message the element sat on. */
  messageTs: string | undefined;
  /** The click's trigger_id: views.open exchanges it for a dialog. */
  triggerId: string | undefined;
}

/**
 * One button or menu. Bolt's listener acks before calling `run` (Slack wants the ack within 3 s);
 * `run` asks the restore service and answers the clicker privately when nothing happened.
 */
export interface ActionHandler {
  actionId: ActionId;
  run(ctx: ActionContext): Promise<void>;
}
