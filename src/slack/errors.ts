import { AwsCallError } from '../aws/errors.js';
import type { ApproversSetting } from '../config.js';
import { StageFailure } from '../restore/activities/errors.js';
import { isRestoreError, type Refusal } from '../restore/errors.js';
import type { LockHolder } from '../restore/service.js';
import { COMMAND } from './ids.js';
import {
  INDEX_MAX,
  LIST_MAX,
  MAX_COMMAND_TEXT,
  MAX_REJECT_REASON,
  nearestSubcommand,
  ParseError,
} from './parse-command.js';
import { codeBlock, escapeText } from './views/blocks.js';
import { reasonIntro } from './views/failure.js';
import { approversMention, channel, user, utc } from './views/format.js';
import { activityNextStep } from './views/next-step.js';

/**
 * User text shows what the user typed. Slack would turn `<…>` into links or mentions and
 * backticks would break our code spans, so those are neutralised and long words cut short.
 */
export function quoteUserText(text: string, max = 60): string {
  const cut = text.length > max ? `${text.slice(0, max)}…` : text;
  const safe = cut
    .replace(/\p{Cc}/gu, '?')
    .replaceAll('`', "'")
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;');
  return `\`${safe}\``;
}

const POINT_FORMS =
  'a list index (`1` is the newest), a recovery point id or ARN, `latest`, or `before &lt;time&gt;` ' +
  '(`before 2026-05-14T08:00Z`, `before 2h`)';

/** The one place where error codes become what a user reads. Every text says what to do next. */
export function userMessage(error: unknown, command: string = COMMAND): string {
  if (error instanceof ParseError) return parseErrorText(error, command);
  if (isRestoreError(error, 'locked')) return lockedMessage(error.details as Partial<LockHolder>, command);
  if (isRestoreError(error, 'lock_busy')) {
    return 'Another request was taking the chat-db lock at the same moment, so this one was not started; nothing was changed. Try again in a few seconds.';
  }
  if (error instanceof StageFailure) {
    return `${reasonIntro(error.code)} ${quoteAws(error.reason)}\nNothing was changed. ${escapeText(activityNextStep(error) ?? '')}`;
  }
  if (error instanceof AwsCallError) {
    return `AWS said: ${quoteAws(error.message)}\nNothing was changed. Check the bot's AWS credentials and the stack, then try again.`;
  }
  return (
    'Something went wrong on the bot’s side and this request was not carried out; nothing was changed. ' +
    'The details are in the bot’s log.'
  );
}

function parseErrorText(error: ParseError, command: string): string {
  const arg = error.argument === undefined ? '' : quoteUserText(error.argument);
  const sub = error.subcommand;
  switch (error.code) {
    case 'too_long':
      return `That is more than ${MAX_COMMAND_TEXT} characters; no command here needs that many. \`${command} help\` shows the forms.`;
    case 'unknown_subcommand': {
      const near = nearestSubcommand(error.argument ?? '');
      return near === undefined
        ? `${arg} is not a subcommand of \`${command}\`.`
        : `${arg} is not a subcommand of \`${command}\`; did you mean \`${near}\`? (\`${command} help\` lists them all.)`;
    }
    case 'missing_argument':
      if (error.argument === 'before') {
        return `\`${sub ?? 'start'} before\` needs a time: an ISO time like \`2026-05-14T08:00Z\` (UTC if no zone), or how long ago, like \`2h\`, \`30m\` or \`1d\`.`;
      }
      return `\`${sub}\` needs a recovery point: ${POINT_FORMS}.`;
    case 'unexpected_argument':
      if (sub === 'start' || sub === 'drill')
        return `\`${sub}\` takes one recovery point; ${arg} is one word too many.`;
      if (sub === 'list') return `\`list\` takes at most one number; ${arg} is one word too many.`;
      return `\`${sub}\` takes no arguments; remove ${arg}.`;
    case 'invalid_argument':
      if (sub === 'reject')
        return `A reason is at most ${MAX_REJECT_REASON} characters; say the rest in the channel.`;
      if (sub === 'list')
        return `${arg} is not a number of recovery points; use 1 to ${LIST_MAX}, like \`${command} list 20\`.`;
      return `${arg} is not a recovery point. Use ${POINT_FORMS}; list indexes go up to ${INDEX_MAX}.`;
    case 'unsafe_argument':
      return (
        `${arg} contains characters that never appear in a recovery point (shell, path or markup characters), ` +
        `so it was refused and nothing was run. Use ${POINT_FORMS}.`
      );
  }
}

/** AWS's words, verbatim but safe in mrkdwn. */
function quoteAws(text: string): string {
  return codeBlock(text, 1500);
}

/** Another session holds chat-db: who, since when, where, and what to do. */
export function lockedMessage(holder: Partial<LockHolder>, command: string = COMMAND): string {
  const who = holder.requester === undefined ? 'someone' : user(holder.requester);
  const where = holder.channel === undefined ? 'another channel' : channel(holder.channel);
  const since = holder.since === undefined ? '' : ` since ${utc(holder.since)}`;
  const id = holder.sessionId === undefined ? '' : ` \`${holder.sessionId}\``;
  return (
    `:lock: *Not started:* chat-db is held by session${id} of ${who}${since}, in ${where}. ` +
    'Only one session at a time may change chat-db, so nothing was started and production is unchanged by this request.\n' +
    `Next: follow that session's card in ${where}, or ask ${who} to cancel it there (\`${command} cancel\`). \`${command} status\` shows where it stands.`
  );
}

/** Slack's errors for a message the bot cannot post in a channel, and what the caller can do. */
const CANNOT_POST = new Set([
  'not_in_channel',
  'channel_not_found',
  'is_archived',
  'access_denied',
  'restricted_action',
  'team_access_not_granted',
  'ekm_access_denied',
]);

export function isCannotPost(code: string | undefined): boolean {
  return code !== undefined && CANNOT_POST.has(code);
}

export function cannotPostMessage(code: string, botUserId?: string): string {
  const bot = botUserId === undefined ? '' : ` (${user(botUserId)})`;
  const invite = `Invite me${bot} with \`/invite @chatdb-restore\` in this channel, then run the command again.`;
  const start =
    'I cannot post in this channel, so the session card has nowhere to live and nothing was started; production is unchanged.';
  switch (code) {
    case 'not_in_channel':
      return `${start} I am not a member here (\`not_in_channel\`). ${invite}`;
    case 'channel_not_found':
      return `${start} Slack says \`channel_not_found\`: this is a private channel or a direct message I was never invited to. ${invite} In a DM, use an incident channel instead.`;
    case 'is_archived':
      return `${start} This channel is archived (\`is_archived\`). Run the command in an open incident channel.`;
    default:
      return `${start} Slack refused with \`${escapeText(code)}\`: the channel may restrict who can post. Ask a workspace admin, or use another incident channel. ${invite}`;
  }
}

export interface RefusalContext {
  approvers: ApproversSetting;
  command?: string;
  /** The session's requester, when known. */
  requester?: string;
}

/**
 * Why a click or a command on a session did nothing, told privately to whoever did it. Every
 * refusal code of the state machine has its words here.
 */
export function refusalMessage(
  refusal: Pick<Refusal, 'code' | 'reason' | 'details'>,
  ctx: RefusalContext,
): string {
  const d = refusal.details ?? {};
  const command = ctx.command ?? COMMAND;
  const detail = (key: string) => {
    const v = d[key];
    return typeof v === 'string' && v !== '' ? v : undefined;
  };
  const requester = ctx.requester === undefined ? 'the requester' : user(ctx.requester);
  const approvers = ctx.approvers.kind === 'anyone' ? 'another engineer' : approversMention(ctx.approvers);
  switch (refusal.code) {
    case 'self_confirm':
      return `You asked for this session, so your Confirm does not count: a second engineer must confirm it. Ask ${approvers} in the channel. Nothing has changed.`;
    case 'self_reject':
      return 'You asked for this session; to withdraw it, press *Cancel*. Nothing has changed.';
    case 'not_approver':
      return `Only ${ctx.approvers.kind === 'group' ? `members of ${approversMention(ctx.approvers)}` : ctx.approvers.kind === 'users' ? `${approversMention(ctx.approvers)}` : 'approvers'} can confirm or reject this session; your click did not count and nothing has changed.`;
    case 'approvers_unavailable':
      return 'The approvers group could not be read from Slack just now, so nothing was decided and nothing has changed. Try again in a minute.';
    case 'not_requester_or_approver':
      return `Only ${requester} or an approver can cancel this session. Nothing has changed.`;
    case 'not_requester':
      if (d.what === 'staged')
        return `Only ${requester}, who asked for this restore, can start restoring before the confirmation; a second engineer confirms the cutover with *Confirm*. Nothing has changed.`;
      return d.what === 'pick'
        ? `Only ${requester}, who asked for this restore, picks the data dir; a second engineer then confirms the pick. Nothing has changed.`
        : `Only ${requester}, who asked for this cleanup, chooses what it deletes. Nothing has changed.`;
    case 'pick_changed':
      return 'The pick changed since this card was shown, so your Confirm does not count: look at the card as it is now and confirm the current pick. Nothing has changed.';
    case 'pick_unchanged':
      return 'That data dir is already the pick; a second engineer confirms it on the card. Nothing has changed.';
    case 'nothing_picked':
      return `No data dir is picked yet: ${requester} presses *Use this one* on the card first. Nothing has changed.`;
    case 'expired': {
      const at = detail('expiresAt');
      return `This request expired${at === undefined ? '' : ` at ${utc(at)}`} without a confirmation, so nothing was changed. Start a new session with \`${command} start &lt;point&gt;\` if still needed.`;
    }
    case 'plan_changed':
      return 'The plan changed since this card was shown, so your click does not count: look at the card as it is now (the plan and its buttons were renewed) and decide on that. Nothing has changed.';
    case 'already_confirmed': {
      const by = detail('confirmer');
      const at = detail('confirmedAt');
      return `${by === undefined ? 'Someone' : user(by)} already confirmed this session${at === undefined ? '' : ` at ${utc(at)}`}; it is running. Your click changed nothing.`;
    }
    case 'already_staged': {
      const by = detail('by');
      return by === undefined
        ? 'There is nothing left to restore before the cutover; a second engineer confirms it with *Confirm*. Nothing has changed.'
        : `${user(by)} already started restoring before the confirmation; the card shows how far it got. Nothing has changed.`;
    }
    case 'finished': {
      const status = detail('status');
      return `This session has already ended${status === undefined ? '' : ` (${escapeText(status)})`}; your click changed nothing. \`${command} status\` shows what is open.`;
    }
    case 'cancel_too_late':
      return detail('stage') === 'delete'
        ? 'The deletion has started; it cannot be cancelled.'
        : 'The stack update has started; it cannot be cancelled. Once it ends, `rollback` points chat-db back at the previous root.';
    case 'not_ready':
      return 'The plan is still being worked out; wait for the card to show it, then confirm.';
    case 'nothing_chosen':
      return `Nothing is chosen for deletion yet: ${requester} picks directories in the menu on the card first.`;
    case 'invalid_choice': {
      if (d.what === 'pick') {
        return 'That data dir cannot be picked: only the complete data dirs listed on the card can. Nothing has changed.';
      }
      const paths = d.paths;
      const list = Array.isArray(paths)
        ? paths.map((p) => `\n• ${quoteUserText(String(p), 200)}`).join('')
        : '';
      return `That choice was refused: these directories may not be deleted now.${list}\nNothing has changed.`;
    }
    case 'unexpected_event':
      return `This card belongs to a session the bot does not know or that cannot take this action now; nothing has changed. \`${command} status\` shows what is open.`;
    default:
      return `That did not go through: ${escapeText(refusal.reason)} Nothing has changed.`;
  }
}
