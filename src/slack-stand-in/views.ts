// Modals on the Slack stand-in, as Slack's reference describes them: views.open exchanges a
// trigger_id from an interaction (once; invalid_trigger_id, exchanged_trigger_id otherwise) for a
// view shown to the engineer who caused it; a submission carries the view with `state.values`;
// the app's answer to it closes the view (an empty 200) or shows `response_action: "errors"`
// under the named input blocks.
// https://docs.slack.dev/reference/methods/views.open, https://docs.slack.dev/surfaces/modals
// Not modelled: a trigger's 3-second expiry (a loaded test machine would make it flaky).

import { randomBytes } from 'node:crypto';

export interface StandInView {
  id: string;
  /** The engineer it is shown to: whoever caused the trigger. */
  user: string;
  /** The view as the app sent it. */
  view: Record<string, unknown>;
  open: boolean;
  /** The app's `response_action: "errors"` to the last submission, by block_id. */
  errors?: Record<string, string>;
}

export interface ViewsState {
  readonly views: StandInView[];
  readonly triggers: Map<string, { user: string; exchanged: boolean }>;
}

type Answer = Record<string, unknown>;

/** Limits from the view object reference: a modal's title and buttons are plain_text of ≤ 24 chars. */
const TITLE_MAX = 24;
const METADATA_MAX = 3000;
const BLOCKS_MAX = 100;

let viewCounter = 0;

/** A trigger_id for an interaction `user` caused, in Slack's "132456.7890123.abcdef" shape. */
export function issueTrigger(state: ViewsState, user: string): string {
  const trigger = `${Math.floor(Date.now() / 1000)}.${Date.now() % 10_000_000}.${randomBytes(8).toString('hex')}`;
  state.triggers.set(trigger, { user, exchanged: false });
  return trigger;
}

export function openView(state: ViewsState, args: Answer, teamId: string): Answer {
  const trigger = typeof args.trigger_id === 'string' ? args.trigger_id : undefined;
  const view = args.view;
  if (trigger === undefined || view === null || typeof view !== 'object' || Array.isArray(view)) {
    return { ok: false, error: 'invalid_arguments' };
  }
  const issued = state.triggers.get(trigger);
  if (issued === undefined) return { ok: false, error: 'invalid_trigger_id' };
  if (issued.exchanged) return { ok: false, error: 'exchanged_trigger_id' };
  const problems = modalProblems(view as Answer);
  if (problems.length > 0) {
    return { ok: false, error: 'invalid_arguments', response_metadata: { messages: problems } };
  }
  issued.exchanged = true;
  viewCounter += 1;
  const id = `V${String(viewCounter).padStart(10, '0')}`;
  state.views.push({ id, user: issued.user, view: structuredClone(view as Answer), open: true });
  return {
    ok: true,
    view: { ...(view as Answer), id, team_id: teamId, state: { values: {} }, root_view_id: id },
  };
}

function modalProblems(view: Answer): string[] {
  const problems: string[] = [];
  const plain = (key: string, required: boolean) => {
    const t = view[key] as { type?: unknown; text?: unknown } | undefined;
    if (t === undefined) {
      if (required) problems.push(`[ERROR] missing required field: ${key}`);
      return;
    }
    if (t.type !== 'plain_text' || typeof t.text !== 'string' || t.text.length > TITLE_MAX) {
      problems.push(`[ERROR] ${key} must be plain_text of at most ${TITLE_MAX} characters`);
    }
  };
  if (view.type !== 'modal') problems.push('[ERROR] type must be modal');
  plain('title', true);
  plain('close', false);
  const blocks = Array.isArray(view.blocks) ? (view.blocks as Answer[]) : undefined;
  if (blocks === undefined || blocks.length > BLOCKS_MAX) problems.push('[ERROR] blocks: 1 to 100 blocks');
  plain(
    'submit',
    (blocks ?? []).some((b) => b.type === 'input'),
  );
  const metadata = view.private_metadata;
  if (metadata !== undefined && (typeof metadata !== 'string' || metadata.length > METADATA_MAX)) {
    problems.push(`[ERROR] private_metadata: a string of at most ${METADATA_MAX} characters`);
  }
  return problems;
}

/**
 * The `view` of a view_submission as Slack sends it: the view with its id and `state.values`,
 * each input block's element keyed by block_id and action_id. `typed`: the text typed, by block_id.
 */
export function submittedView(v: StandInView, typed: Record<string, string>): Answer {
  const values: Record<string, Record<string, Answer>> = {};
  for (const block of (v.view.blocks as Answer[] | undefined) ?? []) {
    if (block.type !== 'input' || typeof block.block_id !== 'string') continue;
    const element = block.element as { type?: string; action_id?: string } | undefined;
    if (element?.action_id === undefined) continue;
    const text = typed[block.block_id];
    values[block.block_id] = {
      [element.action_id]: {
        type: element.type ?? 'plain_text_input',
        value: text === '' ? null : (text ?? null),
      },
    };
  }
  return { ...v.view, id: v.id, root_view_id: v.id, state: { values } };
}

/** What Slack does with the app's answer to a submission: close the view, or show its errors. */
export function viewAnswered(v: StandInView, answer: unknown): void {
  const a = answer !== null && typeof answer === 'object' ? (answer as Answer) : {};
  if (a.response_action === 'errors' && a.errors !== null && typeof a.errors === 'object') {
    v.errors = structuredClone(a.errors as Record<string, string>);
    return;
  }
  if (a.response_action === 'update' && a.view !== null && typeof a.view === 'object') {
    v.view = structuredClone(a.view as Answer);
    delete v.errors;
    return;
  }
  v.open = false;
  delete v.errors;
}
