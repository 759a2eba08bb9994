import type { App, ViewSubmitAction } from '@slack/bolt';
import { requestLogger } from '../../log.js';
import type { RestoreSession } from '../../restore/session.js';
import type { SlackDeps } from '../deps.js';
import { refusalMessage } from '../errors.js';
import { REJECT_DIALOG } from '../ids.js';
import { replyPrivately } from '../reply.js';
import { rejectBinding, submittedReason } from '../views/reject-dialog.js';

/**
 * The Reject dialog's submission. What can be told from the dialog itself (not ours, the session
 * moved on, the plan changed) is shown in the dialog as an error under the reason; otherwise the
 * dialog closes at once and the session decides: a refusal then reaches the engineer privately.
 */
export function registerRejectDialog(app: App, deps: SlackDeps): void {
  app.view<ViewSubmitAction>(REJECT_DIALOG.callbackId, async ({ ack, body, view, client }) => {
    const user = body.user.id;
    const log = requestLogger(deps.logger, { user });
    const binding = rejectBinding(view.private_metadata);
    const session = binding === undefined ? undefined : deps.restore.get(binding.sessionId);
    const stale = whyStale(session, binding?.planHash);
    if (binding === undefined || session === undefined || stale !== undefined) {
      log.info({ session: binding?.sessionId, stale }, 'reject dialog refused');
      await ack({
        response_action: 'errors',
        errors: {
          [REJECT_DIALOG.reasonBlock]: stale ?? 'This dialog does not name a session of this bot; close it.',
        },
      });
      return;
    }
    await ack();
    // A payload without `state` has no reason typed, as far as the bot can tell.
    const reason = submittedReason((view.state as { values?: unknown } | undefined)?.values);
    const outcome = await deps.restore.reject(binding.sessionId, user, {
      planHash: binding.planHash,
      ...(reason === undefined ? {} : { reason }),
    });
    if (outcome.ok) return;
    log.info({ code: outcome.code, session: binding.sessionId }, 'reject refused');
    const text = refusalMessage(outcome, {
      approvers: deps.config.chatdb.approvers,
      requester: session.requester,
    });
    await replyPrivately({ client, channel: session.channel, user, log }, { text });
  });
}

/** Why a dialog opened for `planHash` no longer fits the session, in plain text; undefined if it does. */
function whyStale(s: RestoreSession | undefined, planHash: string | undefined): string | undefined {
  if (s === undefined) return undefined;
  if (s.status !== 'awaiting_confirmation' && s.status !== 'staging') {
    return `Session ${s.id} is ${s.status.replaceAll('_', ' ')} now, so there is nothing to reject. Close this dialog.`;
  }
  if (s.planHash !== planHash) {
    return 'The plan changed since this dialog opened. Close it and look at the card as it is now.';
  }
  return undefined;
}
