// Every identifier Slack echoes back to us, in one place: the slash command, action_ids and
// callback ids. Button values carry only a session id (or a list position), never a plan.

export const COMMAND = '/chatdb-restore';

export const ACTION_IDS = {
  /** A Start button on a `list` row; its value is the recovery point's ARN. */
  startFromList: 'chatdb_list_start',
  confirm: 'chatdb_session_confirm',
  reject: 'chatdb_session_reject',
  cancel: 'chatdb_session_cancel',
  rollback: 'chatdb_session_rollback',
  cleanup: 'chatdb_session_cleanup',
  cleanupChoose: 'chatdb_cleanup_choose',
} as const;

export type ActionId = (typeof ACTION_IDS)[keyof typeof ACTION_IDS];

export const CALLBACK_IDS = {
  cleanupModal: 'chatdb_cleanup_modal',
} as const;

export type CallbackId = (typeof CALLBACK_IDS)[keyof typeof CALLBACK_IDS];
