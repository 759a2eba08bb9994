// The Reject button's dialog: a modal that asks for an optional reason. Its private_metadata binds
// the submission to the session and the plan the card showed, as the Confirm button's block_id
// does; the submission is checked against both again.

import type { types } from '@slack/bolt';
import { isSessionId } from '../../restore/names.js';
import type { RestoreSession } from '../../restore/session.js';
import { MAX_REJECT_REASON } from '../../restore/transitions.js';
import { REJECT_DIALOG } from '../ids.js';
import { clip } from './blocks.js';
import { sessionTitle } from './session-text.js';

export interface RejectBinding {
  sessionId: string;
  planHash: string;
}

const PLAN_HASH = /^[0-9a-f]{64}$/;

/** The modal (views.open's `view`); every text in it is plain_text, so nothing needs escaping. */
export function rejectDialog(s: RestoreSession, planHash: string): types.ModalView {
  const binding: RejectBinding = { sessionId: s.id, planHash };
  return {
    type: 'modal',
    callback_id: REJECT_DIALOG.callbackId,
    private_metadata: JSON.stringify(binding),
    title: { type: 'plain_text', text: 'Reject this plan?' },
    submit: { type: 'plain_text', text: 'Reject' },
    close: { type: 'plain_text', text: 'Keep it' },
    blocks: [
      {
        type: 'section',
        text: {
          type: 'plain_text',
          text: clip(`${sessionTitle(s)} ends here and nothing is changed.`, 3000),
        },
      },
      {
        type: 'input',
        block_id: REJECT_DIALOG.reasonBlock,
        optional: true,
        // Slack adds "(optional)" to an optional input's label itself.
        label: { type: 'plain_text', text: 'Reason, shown on the card' },
        element: {
          type: 'plain_text_input',
          action_id: REJECT_DIALOG.reasonAction,
          multiline: true,
          max_length: MAX_REJECT_REASON,
          placeholder: { type: 'plain_text', text: 'e.g. wrong point: the corruption started before it' },
        },
      },
    ],
  };
}

/** The session and plan a submitted dialog was bound to; undefined for anything else. */
export function rejectBinding(privateMetadata: string | undefined): RejectBinding | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(privateMetadata ?? '');
  } catch {
    return undefined;
  }
  const b = parsed as Partial<RejectBinding> | null;
  if (typeof b?.sessionId !== 'string' || !isSessionId(b.sessionId)) return undefined;
  if (typeof b.planHash !== 'string' || !PLAN_HASH.test(b.planHash)) return undefined;
  return { sessionId: b.sessionId, planHash: b.planHash };
}

/** The typed reason, from a submission's `view.state.values`; undefined when left empty. */
export function submittedReason(values: unknown): string | undefined {
  const block = (values as Record<string, Record<string, { value?: unknown }>> | undefined)?.[
    REJECT_DIALOG.reasonBlock
  ];
  const value = block?.[REJECT_DIALOG.reasonAction]?.value;
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}
