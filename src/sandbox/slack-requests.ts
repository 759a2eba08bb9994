import { createHmac, randomBytes } from 'node:crypto';

// Requests exactly as Slack sends them to a bot's request URL: form-encoded, signed with v0
// HMAC-SHA256 of `v0:<timestamp>:<body>` under the app's signing secret.

export const SANDBOX_TEAM = { id: 'T0SANDBOX', domain: 'sandbox' } as const;
export const SANDBOX_APP_ID = 'A0CHATDBSANDBOX';

export interface SandboxUser {
  id: string;
  name: string;
}

export interface SandboxChannel {
  id: string;
  name: string;
}

export function signRequest(
  secret: string,
  body: string,
  timestamp = Math.floor(Date.now() / 1000),
): Record<string, string> {
  const digest = createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex');
  return { 'x-slack-request-timestamp': String(timestamp), 'x-slack-signature': `v0=${digest}` };
}

export function triggerId(): string {
  return `${Date.now()}.${randomBytes(6).toString('hex')}`;
}

export function slashCommandBody(input: {
  command: string;
  text: string;
  user: SandboxUser;
  channel: SandboxChannel;
  responseUrl: string;
}): string {
  return new URLSearchParams({
    token: 'sandbox-legacy-verification-token',
    team_id: SANDBOX_TEAM.id,
    team_domain: SANDBOX_TEAM.domain,
    channel_id: input.channel.id,
    channel_name: input.channel.name,
    user_id: input.user.id,
    user_name: input.user.name,
    command: input.command,
    text: input.text,
    api_app_id: SANDBOX_APP_ID,
    is_enterprise_install: 'false',
    response_url: input.responseUrl,
    trigger_id: triggerId(),
  }).toString();
}

export interface ClickedElement {
  type: string;
  actionId: string;
  blockId: string;
  value?: string;
  /** For menus: the chosen option values. */
  selected?: string[];
  text?: string;
}

export function blockActionBody(input: {
  user: SandboxUser;
  channel: SandboxChannel;
  message: { ts: string; text?: string; blocks?: unknown; isEphemeral: boolean };
  element: ClickedElement;
  responseUrl: string;
}): string {
  const { element } = input;
  const action: Record<string, unknown> = {
    type: element.type,
    action_id: element.actionId,
    block_id: element.blockId,
    action_ts: `${(Date.now() / 1000).toFixed(6)}`,
  };
  if (element.type === 'button') {
    action.value = element.value ?? '';
    action.text = { type: 'plain_text', text: element.text ?? '' };
  } else if (element.type === 'static_select') {
    const value = element.selected?.[0] ?? '';
    action.selected_option = { text: { type: 'plain_text', text: value }, value };
  } else {
    action.selected_options = (element.selected ?? []).map((value) => ({
      text: { type: 'plain_text', text: value },
      value,
    }));
  }
  const payload = {
    type: 'block_actions',
    api_app_id: SANDBOX_APP_ID,
    token: 'sandbox-legacy-verification-token',
    trigger_id: triggerId(),
    team: SANDBOX_TEAM,
    user: { id: input.user.id, username: input.user.name, name: input.user.name, team_id: SANDBOX_TEAM.id },
    channel: input.channel,
    container: {
      type: 'message',
      message_ts: input.message.ts,
      channel_id: input.channel.id,
      is_ephemeral: input.message.isEphemeral,
    },
    message: {
      type: 'message',
      ts: input.message.ts,
      text: input.message.text ?? '',
      blocks: input.message.blocks ?? [],
    },
    response_url: input.responseUrl,
    actions: [action],
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}
