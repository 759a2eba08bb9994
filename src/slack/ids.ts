// Every identifier Slack echoes back to us, in one place: the slash command and the action_ids.
// Button values carry only a session id (or, on a list row, the recovery point's ARN); the plan a
// Confirm is bound to travels in its block_id (views/card.ts).

export const COMMAND = '/chatdb-restore';

export const ACTION_IDS = {
  /** A Start button on a `list` row; its value is the recovery point's ARN. */
  startFromList: 'chatdb_list_start',
  confirm: 'chatdb_session_confirm',
  /** "Start restoring now": the requester restores before the confirmation; in the confirmation row. */
  startStaged: 'chatdb_session_start_staged',
  reject: 'chatdb_session_reject',
  cancel: 'chatdb_session_cancel',
  rollback: 'chatdb_session_rollback',
  cleanup: 'chatdb_session_cleanup',
  /** On a card whose restore job failed: restore the same point again, as a new session. */
  retryRestore: 'chatdb_session_retry',
  /** On a card whose cut-over or verify failed: cut over to the same restored directory again. */
  retryCutover: 'chatdb_session_retry_cutover',
  /** The cleanup card's menu of deletable directories; its block_id names the session. */
  cleanupChoose: 'chatdb_cleanup_choose',
  /** "Use this one" beside a data dir locate could not choose; its block_id names the candidate. */
  pickDataDir: 'chatdb_pick_data_dir',
  /** "Confirm pick": a second engineer confirms the pick; its block_id carries the pick's hash. */
  confirmPick: 'chatdb_pick_confirm',
} as const;

export type ActionId = (typeof ACTION_IDS)[keyof typeof ACTION_IDS];

/** The Reject button's dialog: its callback_id, and the block and action of its reason input. */
export const REJECT_DIALOG = {
  callbackId: 'chatdb_reject_dialog',
  reasonBlock: 'reject_reason',
  reasonAction: 'reject_reason_text',
} as const;
