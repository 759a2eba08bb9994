// Requests exactly as Slack sends them to a bot's request URL: form-encoded strings, for the tests
// and the sandbox. Fields left out get the stand-in workspace's defaults below.

export interface SlashCommandFields {
  command?: string;
  text?: string;
  user_id?: string;
  user_name?: string;
  channel_id?: string;
  channel_name?: string;
  team_id?: string;
  team_domain?: string;
  response_url?: string;
  trigger_id?: string;
  api_app_id?: string;
  [extra: string]: string | undefined;
}

export const DEFAULT_USER = 'U0REQUESTER';
export const SECOND_USER = 'U0CONFIRMER';
export const DEFAULT_CHANNEL = 'C0INCIDENT';
export const DEFAULT_TEAM = 'T0FAKETEAM';
const TEAM_DOMAIN = 'fake-team';
const APP_ID = 'A0CHATDBRESTORE';

let triggerCounter = 0;

function nextTrigger(): string {
  triggerCounter += 1;
  return `${Date.now()}.${triggerCounter}.fake-trigger`;
}

/** A slash command's fields as an object: what a Socket Mode `slash_commands` envelope carries. */
export function slashCommandPayload(fields: SlashCommandFields = {}): Record<string, string> {
  const all: Record<string, string> = {
    token: 'legacy-verification-token-unused',
    team_id: DEFAULT_TEAM,
    team_domain: TEAM_DOMAIN,
    channel_id: DEFAULT_CHANNEL,
    channel_name: 'incident',
    user_id: DEFAULT_USER,
    user_name: 'requester',
    command: '/chatdb-restore',
    text: '',
    api_app_id: APP_ID,
    is_enterprise_install: 'false',
    response_url: 'https://hooks.slack.invalid/commands/unused',
    trigger_id: nextTrigger(),
  };
  for (const [key, value] of Object.entries(fields)) if (value !== undefined) all[key] = value;
  return all;
}

/** A slash command as Slack POSTs it to the request URL: form-encoded. */
export function slashCommandBody(fields: SlashCommandFields = {}): string {
  return new URLSearchParams(slashCommandPayload(fields)).toString();
}

export interface BlockActionFields {
  action_id: string;
  /** A button's value. */
  value?: string;
  /** What was clicked: a button unless told otherwise; for a menu, the option values chosen. */
  element?: { type: string; text?: string; selected?: readonly string[] };
  block_id?: string;
  user_id?: string;
  user_name?: string;
  channel_id?: string;
  channel_name?: string;
  /** The message the button sits on; its ts is what the bot later updates. */
  message_ts?: string;
  message?: Record<string, unknown>;
  /** The message is an ephemeral one, seen by the clicking engineer alone. */
  is_ephemeral?: boolean;
  response_url?: string;
  trigger_id?: string;
  team_id?: string;
  /** Anything else to merge into the payload object. */
  extra?: Record<string, unknown>;
}

/** What every interaction payload carries: the app, a trigger, the team and who acted. */
function interactionCommon(fields: {
  trigger_id?: string;
  team_id?: string;
  user_id?: string;
  user_name?: string;
}): Record<string, unknown> {
  return {
    api_app_id: APP_ID,
    token: 'legacy-verification-token-unused',
    trigger_id: fields.trigger_id ?? nextTrigger(),
    team: { id: fields.team_id ?? DEFAULT_TEAM, domain: TEAM_DOMAIN },
    user: {
      id: fields.user_id ?? DEFAULT_USER,
      username: fields.user_name ?? 'requester',
      name: fields.user_name ?? 'requester',
      team_id: fields.team_id ?? DEFAULT_TEAM,
    },
  };
}

/** A `block_actions` interaction's payload: what a Socket Mode `interactive` envelope carries. */
export function blockActionPayload(fields: BlockActionFields): Record<string, unknown> {
  const channel = fields.channel_id ?? DEFAULT_CHANNEL;
  const messageTs = fields.message_ts ?? '1700000000.000100';
  return {
    type: 'block_actions',
    ...interactionCommon(fields),
    channel: { id: channel, name: fields.channel_name ?? 'incident' },
    container: {
      type: 'message',
      message_ts: messageTs,
      channel_id: channel,
      is_ephemeral: fields.is_ephemeral ?? false,
    },
    message: fields.message ?? { type: 'message', ts: messageTs, text: '', blocks: [] },
    response_url: fields.response_url ?? 'https://hooks.slack.invalid/actions/unused',
    actions: [clickedAction(fields)],
    ...fields.extra,
  };
}

/** A `block_actions` interaction: `payload=<JSON>` form-encoded, as Slack posts a button click. */
export function blockActionBody(fields: BlockActionFields): string {
  return new URLSearchParams({ payload: JSON.stringify(blockActionPayload(fields)) }).toString();
}

/** The action a click reports: a button's value, or the options chosen in a menu. */
function clickedAction(fields: BlockActionFields): Record<string, unknown> {
  const type = fields.element?.type ?? 'button';
  const action = {
    type,
    action_id: fields.action_id,
    block_id: fields.block_id ?? 'block-1',
    action_ts: (Date.now() / 1000).toFixed(6),
  };
  if (type === 'button') {
    const text = { type: 'plain_text', text: fields.element?.text ?? 'button' };
    return { ...action, value: fields.value ?? '', text };
  }
  const options = (fields.element?.selected ?? []).map((value) => ({
    text: { type: 'plain_text', text: value },
    value,
  }));
  if (type === 'static_select') return { ...action, selected_option: options[0] ?? { value: '' } };
  return { ...action, selected_options: options };
}

export interface ViewSubmissionFields {
  /** The submitted view as the stand-in builds it (views.ts `submittedView`). */
  view: Record<string, unknown>;
  user_id?: string;
  user_name?: string;
  team_id?: string;
  trigger_id?: string;
}

/** A `view_submission` interaction's payload: the engineer pressed the modal's submit button. */
export function viewSubmissionPayload(fields: ViewSubmissionFields): Record<string, unknown> {
  return {
    type: 'view_submission',
    ...interactionCommon(fields),
    view: { team_id: fields.team_id ?? DEFAULT_TEAM, app_id: APP_ID, ...fields.view },
    response_urls: [],
    is_enterprise_install: false,
  };
}

/** A `view_submission` as Slack posts it: `payload=<JSON>`, form-encoded. */
export function viewSubmissionBody(fields: ViewSubmissionFields): string {
  return new URLSearchParams({ payload: JSON.stringify(viewSubmissionPayload(fields)) }).toString();
}
