import type { NoticeKind } from '../../../src/restore/session.js';

/** Every notice kind the state machine emits; a new kind must get its words and a test. */
export const NOTICE_KINDS_FOR_TEST = [
  'started',
  'done',
  'failed',
  'resumed',
  'confirm_requested',
  'confirmed',
  'rejected',
  'cancelled',
  'expired',
  'plan_changed',
  'pick_requested',
  'picked',
  'pick_confirmed',
  'staged',
  'staged_ready',
  'staged_teardown',
  'summary',
] as const satisfies readonly NoticeKind[];

// Fails to compile when NoticeKind gains a member this list lacks.
type Missing = Exclude<NoticeKind, (typeof NOTICE_KINDS_FOR_TEST)[number]>;
export const NO_MISSING_KIND: [Missing] extends [never] ? true : never = true;
