// Typed failures of the restore session's domain. Codes are stable: the Slack layer maps them to
// user text in one place (src/slack/errors.ts), logs and tests match on them.

/** Why the state machine refused an event. The session is unchanged whenever one is returned. */
export const REFUSAL_CODES = [
  /** The requester pressed Confirm on their own request. */
  'self_confirm',
  /** The requester pressed Reject on their own request (Cancel is theirs). */
  'self_reject',
  /** Outside CHATDB_APPROVERS. */
  'not_approver',
  /** The approvers group could not be read just now; nothing was decided. */
  'approvers_unavailable',
  /** Cancel by someone who neither asked nor may approve. */
  'not_requester_or_approver',
  /** Only the requester chooses what a cleanup deletes. */
  'not_requester',
  /** The confirmation window is over (even if the expiry timer has not fired yet). */
  'expired',
  /** `expire` before the session's expiresAt. */
  'not_expired',
  /** The plan on the card is not the plan the session would carry out. */
  'plan_changed',
  /** `plan_changed` with a plan whose hash equals the current one. */
  'plan_unchanged',
  'already_confirmed',
  /** Start restoring now, pressed again (or with nothing left to do before the cutover). */
  'already_staged',
  /** The session has ended (succeeded, failed, cancelled, rejected or expired). */
  'finished',
  /** The point of no return (the stack update, or a deletion) has begun. */
  'cancel_too_late',
  /** The plan is still being resolved; there is nothing to confirm yet. */
  'not_ready',
  /** A cleanup confirmed with nothing chosen. */
  'nothing_chosen',
  /** A cleanup choice naming a directory that is not a deletable candidate. */
  'invalid_choice',
  /** Confirm pressed on a data dir pick other than the current one. */
  'pick_changed',
  /** The requester picked the data dir that was already picked. */
  'pick_unchanged',
  /** Confirm pressed before the requester picked a data dir. */
  'nothing_picked',
  /** A stage event that does not name the stage the session is at. */
  'wrong_stage',
  /** A plan that fails its checks or does not fit the session. */
  'invalid_plan',
  /** AWS ids or paths reported by a stage that fail their patterns or contradict the plan. */
  'invalid_checkpoint',
  'unknown_notice',
  'already_posted',
  /** The event makes no sense in the session's status. */
  'unexpected_event',
] as const;

export type RefusalCode = (typeof REFUSAL_CODES)[number];

export interface Refusal {
  ok: false;
  code: RefusalCode;
  /** Plain English, fit for a log line or a fallback message. */
  reason: string;
  /** Structured facts behind the refusal (who confirmed and when, which status, …). */
  details?: Readonly<Record<string, string | number | boolean | readonly string[] | undefined>>;
}

export type RestoreErrorCode =
  | RefusalCode
  /** A session file that cannot be read back as a session. */
  | 'corrupt_session'
  /** A session file written by a newer build. */
  | 'unsupported_version'
  /** A save that would overwrite a newer revision of the same session. */
  | 'stale_write'
  | 'session_not_found'
  /** A value that fails its strict pattern (ids, ARNs, paths, names). */
  | 'invalid_value'
  /** The lock could not be settled in time (someone else kept reclaiming it). */
  | 'lock_busy'
  /** Another open session holds the file system (details: the holder). */
  | 'locked';

export class RestoreError extends Error {
  constructor(
    readonly code: RestoreErrorCode,
    message: string,
    readonly details: Readonly<Record<string, unknown>> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'RestoreError';
  }

  /** A refusal as a throwable, for callers that prefer exceptions to result values. */
  static fromRefusal(refusal: Refusal): RestoreError {
    return new RestoreError(refusal.code, refusal.reason, refusal.details ?? {});
  }
}

export function isRestoreError(error: unknown, ...codes: RestoreErrorCode[]): error is RestoreError {
  return error instanceof RestoreError && (codes.length === 0 || codes.includes(error.code));
}
