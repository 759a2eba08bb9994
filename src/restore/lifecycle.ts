// The session's lifecycle as data: for every status, what each event does. An event the status
// lets through lands in one of the statuses listed (`to`), unless its own checks refuse it (the
// wrong user, a stale plan hash, a stage that is not the one running, a deadline not reached);
// an event the status refuses is refused with the code given, whatever it carries.
// transition() reads its status refusals from here (statusRefusal, which a view can ask too), and
// test/restore/transitions-table.test.ts drives every status × event through transition() against
// it, for every kind of session.
//
//   resolving ─resolved→ awaiting_confirmation ─confirm→ running ─the last stage_done→ succeeded
//   resolving ─resolved→ running (a drill: nobody confirms it, production does not change)
//   running ─stage_failed→ running (a drill's failure: its teardown runs, then it ends failed)
//   resolving, running ─take_over→ cancelled (a drill, when a restore needs the file system)
//   running ─pick_needed→ awaiting_pick ─confirm_pick→ running (locate could not tell data dirs apart)
//   resolving ─resolve_failed, stage_failed→ failed;   running ─stage_failed→ failed
//   awaiting_confirmation ─reject→ rejected;   resolving, awaiting_confirmation, awaiting_pick ─expire→ expired
//   running ─plan_changed→ awaiting_confirmation (before the cutover executes its change set)
//   every open status ─cancel→ cancelled (a running one until its point of no return)
//   awaiting_confirmation ─start_staged→ staging ─confirm→ running; staging ─the stage before the
//   cutover done→ awaiting_confirmation (staged.ts: restoring while the confirmation is pending)
//
// Four checks on the event itself come before the status's: `stage_done` for resolve is always
// wrong_stage (resolve ends with `resolved` or `resolve_failed`), `cleanup_choose` on a session
// that is not a cleanup is always unexpected_event, so is `take_over` on one that is not a drill,
// and `pick` or `confirm_pick` outside awaiting_pick is already_confirmed once the pick was
// confirmed (it names who confirmed it).

import type { RefusalCode } from './errors.js';
import type { SessionStatus } from './session.js';
import type { SessionEventType } from './transitions.js';

export type LifecycleCell = { readonly to: readonly SessionStatus[] } | { readonly refuse: RefusalCode };

type Row = Readonly<Record<SessionEventType, LifecycleCell>>;

const to = (...statuses: SessionStatus[]): LifecycleCell => ({ to: statuses });
const refuse = (code: RefusalCode): LifecycleCell => ({ refuse: code });

/** Once a session has ended only Slack's delivery receipts land: the summary is posted after the end. */
function ended(status: SessionStatus): Row {
  const done = refuse('finished');
  return {
    resolved: done,
    resolve_failed: done,
    confirm: done,
    reject: done,
    cancel: done,
    take_over: done,
    expire: done,
    cleanup_choose: done,
    stage_started: done,
    stage_progress: done,
    stage_checkpoint: done,
    stage_done: done,
    stage_failed: done,
    pick_needed: done,
    pick: done,
    confirm_pick: done,
    plan_changed: done,
    resumed: done,
    notice_posted: to(status),
    card_posted: to(status),
    start_staged: done,
    // A staged session that ended before its cutover records its teardown afterwards.
    teardown_done: to(status),
  };
}

export const LIFECYCLE: Readonly<Record<SessionStatus, Row>> = {
  resolving: {
    // A drill has no confirmation: its stages start at once.
    resolved: to('awaiting_confirmation', 'running'),
    resolve_failed: to('failed'),
    confirm: refuse('not_ready'),
    reject: refuse('not_ready'),
    cancel: to('cancelled'),
    take_over: to('cancelled'),
    expire: to('expired'),
    cleanup_choose: refuse('not_ready'),
    // Only the stage resolve starts, runs and fails here.
    stage_started: to('resolving'),
    stage_progress: refuse('unexpected_event'),
    stage_checkpoint: refuse('unexpected_event'),
    stage_done: refuse('unexpected_event'),
    stage_failed: to('failed'),
    pick_needed: refuse('unexpected_event'),
    pick: refuse('unexpected_event'),
    confirm_pick: refuse('unexpected_event'),
    plan_changed: refuse('unexpected_event'),
    resumed: to('resolving'),
    notice_posted: to('resolving'),
    card_posted: to('resolving'),
    start_staged: refuse('not_ready'),
    teardown_done: refuse('unexpected_event'),
  },
  awaiting_confirmation: {
    resolved: refuse('unexpected_event'),
    resolve_failed: refuse('unexpected_event'),
    confirm: to('running'),
    reject: to('rejected'),
    cancel: to('cancelled'),
    take_over: refuse('unexpected_event'),
    expire: to('expired'),
    cleanup_choose: to('awaiting_confirmation'),
    stage_started: refuse('unexpected_event'),
    stage_progress: refuse('unexpected_event'),
    stage_checkpoint: refuse('unexpected_event'),
    stage_done: refuse('unexpected_event'),
    stage_failed: refuse('unexpected_event'),
    pick_needed: refuse('unexpected_event'),
    pick: refuse('unexpected_event'),
    confirm_pick: refuse('unexpected_event'),
    plan_changed: to('awaiting_confirmation'),
    resumed: to('awaiting_confirmation'),
    notice_posted: to('awaiting_confirmation'),
    card_posted: to('awaiting_confirmation'),
    // The requester restores before the confirmation (once; a restore only).
    start_staged: to('staging'),
    teardown_done: refuse('unexpected_event'),
  },
  // Locate found complete data dirs the evidence cannot tell apart: the plan is confirmed, nothing
  // has moved; the requester picks one, a second engineer confirms the pick.
  // A staged restore's plan may still await its confirmation here: confirm and reject go through
  // until it is confirmed (then already_confirmed, checked on the event).
  awaiting_pick: {
    resolved: refuse('unexpected_event'),
    resolve_failed: refuse('unexpected_event'),
    confirm: to('awaiting_pick'),
    reject: to('rejected'),
    cancel: to('cancelled'),
    take_over: refuse('unexpected_event'),
    expire: to('expired'),
    cleanup_choose: refuse('already_confirmed'),
    stage_started: refuse('unexpected_event'),
    stage_progress: refuse('unexpected_event'),
    stage_checkpoint: refuse('unexpected_event'),
    stage_done: refuse('unexpected_event'),
    stage_failed: refuse('unexpected_event'),
    pick_needed: refuse('unexpected_event'),
    pick: to('awaiting_pick'),
    // Back to staging when the plan itself still awaits its confirmation.
    confirm_pick: to('running', 'staging'),
    plan_changed: refuse('unexpected_event'),
    resumed: to('awaiting_pick'),
    notice_posted: to('awaiting_pick'),
    card_posted: to('awaiting_pick'),
    start_staged: refuse('already_staged'),
    teardown_done: refuse('unexpected_event'),
  },
  // Restoring before the confirmation: the stages before the cutover run while the confirmation
  // waits. A confirm lets them run on into the cutover; reject, expiry and cancel end the session
  // and its teardown deletes what it restored.
  staging: {
    resolved: refuse('unexpected_event'),
    resolve_failed: refuse('unexpected_event'),
    confirm: to('running'),
    reject: to('rejected'),
    cancel: to('cancelled'),
    take_over: refuse('unexpected_event'),
    expire: to('expired'),
    cleanup_choose: refuse('unexpected_event'),
    stage_started: to('staging'),
    stage_progress: to('staging'),
    stage_checkpoint: to('staging'),
    // The stage before the cutover done: the cutover waits for the confirmation.
    stage_done: to('staging', 'awaiting_confirmation'),
    stage_failed: to('failed'),
    pick_needed: to('awaiting_pick'),
    pick: refuse('unexpected_event'),
    confirm_pick: refuse('unexpected_event'),
    plan_changed: to('staging'),
    resumed: to('staging'),
    notice_posted: to('staging'),
    card_posted: to('staging'),
    start_staged: refuse('already_staged'),
    teardown_done: refuse('unexpected_event'),
  },
  running: {
    resolved: refuse('unexpected_event'),
    resolve_failed: refuse('unexpected_event'),
    confirm: refuse('already_confirmed'),
    reject: refuse('already_confirmed'),
    // Until the point of no return (the cutover's stack update, a cleanup's deletion).
    cancel: to('cancelled'),
    // A drill gives way to a restore at any stage, its teardown included.
    take_over: to('cancelled'),
    expire: refuse('already_confirmed'),
    cleanup_choose: refuse('already_confirmed'),
    stage_started: to('running'),
    stage_progress: to('running'),
    stage_checkpoint: to('running'),
    // The last stage's done ends the session (a drill that failed before its teardown: failed).
    stage_done: to('running', 'succeeded', 'failed'),
    // A drill's failure before its teardown runs the teardown first.
    stage_failed: to('failed', 'running'),
    // Only locate asks, when it cannot tell complete data dirs apart.
    pick_needed: to('awaiting_pick'),
    pick: refuse('unexpected_event'),
    confirm_pick: refuse('unexpected_event'),
    // A stack that changed before the cutover executes its change set: confirm again.
    plan_changed: to('awaiting_confirmation'),
    resumed: to('running'),
    notice_posted: to('running'),
    card_posted: to('running'),
    start_staged: refuse('already_confirmed'),
    teardown_done: refuse('unexpected_event'),
  },
  succeeded: ended('succeeded'),
  failed: ended('failed'),
  cancelled: ended('cancelled'),
  rejected: ended('rejected'),
  expired: ended('expired'),
};

/** The code the status refuses the event with, or undefined when the status lets it through. */
export function statusRefusal(status: SessionStatus, type: SessionEventType): RefusalCode | undefined {
  const cell = LIFECYCLE[status][type];
  return 'refuse' in cell ? cell.refuse : undefined;
}
