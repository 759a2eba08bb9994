// One handler per event type: the table transition() dispatches on, once the event's own checks
// and the lifecycle table (lifecycle.ts) have let the event through. Handlers edit the draft and
// push effects; a handler that refuses leaves the caller to discard the draft.

import type { SessionEventType } from '../transitions.js';
import { onCleanupChoose } from './cleanup.js';
import { onCancel, onConfirm, onExpire, onReject, onStartStaged, onTakeOver } from './decisions.js';
import { askForPick, confirmPick, pickDataDir } from './pick-events.js';
import { onPlanChanged, onResolved, onResolveFailed } from './plan-events.js';
import { onCardPosted, onNoticePosted, onTeardownDone } from './records.js';
import {
  onResumed,
  onStageCheckpoint,
  onStageDone,
  onStageFailed,
  onStageProgress,
  onStageStarted,
} from './stage-events.js';
import type { Handler } from './step.js';

export const HANDLERS: { readonly [T in SessionEventType]: Handler<T> } = {
  resolved: onResolved,
  resolve_failed: onResolveFailed,
  confirm: onConfirm,
  reject: onReject,
  cancel: onCancel,
  take_over: onTakeOver,
  expire: onExpire,
  cleanup_choose: onCleanupChoose,
  stage_started: onStageStarted,
  stage_progress: onStageProgress,
  stage_checkpoint: onStageCheckpoint,
  stage_done: onStageDone,
  stage_failed: onStageFailed,
  pick_needed: askForPick,
  pick: pickDataDir,
  confirm_pick: confirmPick,
  plan_changed: onPlanChanged,
  resumed: onResumed,
  start_staged: onStartStaged,
  teardown_done: onTeardownDone,
  notice_posted: onNoticePosted,
  card_posted: onCardPosted,
};
