// Block Kit builders that enforce Slack's limits where blocks are made, so no view can produce a
// message Slack rejects with `invalid_blocks` in the middle of an incident. Every text is cut to
// its limit (with an ellipsis), never rejected.

import type { types } from '@slack/bolt';

export type Block = types.KnownBlock;
export type Button = types.Button;

/** Slack's documented limits for the blocks these views use. */
export const LIMITS = {
  blocksPerMessage: 50,
  sectionText: 3000,
  fields: 10,
  fieldText: 2000,
  headerText: 150,
  buttonText: 75,
  buttonValue: 2000,
  actionId: 255,
  blockId: 255,
  contextElements: 10,
  contextText: 3000,
  actionsElements: 25,
  optionText: 75,
  optionValue: 150,
  options: 100,
  confirmTitle: 100,
  confirmText: 300,
  confirmButton: 30,
  placeholder: 150,
  /** The top-level `text` of a message: Slack truncates past 40,000; notifications show far less. */
  messageText: 3000,
} as const;

/** A rendered message: `text` is the notification and screen-reader fallback. */
export interface SlackMessage {
  text: string;
  blocks: Block[];
}

/**
 * Cuts text to `max` characters with an ellipsis. An HTML entity (`&amp;`) or a Slack link
 * (`<@U…>`, `<!subteam^…>`) cut in half would show as garbage, so the cut backs off before it.
 */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = backOff(text.slice(0, Math.max(0, max - 1)));
  // A code block left open would swallow the ellipsis and everything after it; close it.
  if (fenceCount(cut) % 2 === 1) {
    cut = backOff(cut.slice(0, Math.max(0, max - 4)));
    if (fenceCount(cut) % 2 === 1) return `${cut}…\`\`\``;
  }
  return `${cut}…`;
}

function backOff(cut: string): string {
  let out = cut;
  const amp = out.lastIndexOf('&');
  if (amp >= 0 && amp > out.length - 8 && !out.slice(amp).includes(';')) out = out.slice(0, amp);
  const lt = out.lastIndexOf('<');
  if (lt >= 0 && !out.slice(lt).includes('>')) out = out.slice(0, lt);
  return out;
}

function fenceCount(text: string): number {
  return text.split('```').length - 1;
}

/** Text that Slack must show as typed: `&`, `<` and `>` would otherwise start entities and links. */
export function escapeText(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

/** A value shown as inline code (a path, an id, an ARN): escaped, with backticks neutralised. */
export function code(text: string): string {
  return `\`${escapeText(text.replaceAll('`', "'"))}\``;
}

/** A multi-line quote of someone else's words (AWS's, a script's), as a code block. */
export function codeBlock(text: string, max = 1500): string {
  const body = clip(escapeText(text.replaceAll('```', "'''")), max);
  return `\`\`\`${body}\`\`\``;
}

export function blockId(...parts: (string | number)[]): string {
  return clip(parts.join(':'), LIMITS.blockId);
}

export function section(text: string, opts: { blockId?: string; accessory?: Button } = {}): Block {
  const block: types.SectionBlock = {
    type: 'section',
    text: { type: 'mrkdwn', text: clip(text === '' ? ' ' : text, LIMITS.sectionText) },
  };
  if (opts.blockId !== undefined) block.block_id = clip(opts.blockId, LIMITS.blockId);
  if (opts.accessory !== undefined) block.accessory = opts.accessory;
  return block;
}

/** Label/value pairs as section fields, ten to a block (more pairs make more blocks). */
export function fields(pairs: readonly (readonly [string, string])[], idPrefix?: string): Block[] {
  const blocks: Block[] = [];
  for (let i = 0; i < pairs.length; i += LIMITS.fields) {
    const chunk = pairs.slice(i, i + LIMITS.fields);
    const block: types.SectionBlock = {
      type: 'section',
      fields: chunk.map(([label, value]) => ({
        type: 'mrkdwn',
        text: clip(`*${label}*\n${value === '' ? ' ' : value}`, LIMITS.fieldText),
      })),
    };
    if (idPrefix !== undefined) block.block_id = blockId(idPrefix, i / LIMITS.fields);
    blocks.push(block);
  }
  return blocks;
}

export function header(text: string): Block {
  return { type: 'header', text: { type: 'plain_text', text: clip(text, LIMITS.headerText), emoji: true } };
}

export function context(texts: readonly string[]): Block {
  return {
    type: 'context',
    elements: texts
      .filter((t) => t !== '')
      .slice(0, LIMITS.contextElements)
      .map((t) => ({ type: 'mrkdwn' as const, text: clip(t, LIMITS.contextText) })),
  };
}

export function divider(): Block {
  return { type: 'divider' };
}

export interface ButtonSpec {
  text: string;
  actionId: string;
  value: string;
  style?: 'primary' | 'danger';
  /** A confirmation dialog Slack shows before sending the click; its text is plain, never mrkdwn. */
  confirm?: { title: string; text: string; confirm: string; deny: string; style?: 'primary' | 'danger' };
}

export function button(spec: ButtonSpec): Button {
  if (spec.value.length > LIMITS.buttonValue) {
    // A cut value would name something else; a button must carry its whole value or not exist.
    throw new RangeError(`button value longer than ${LIMITS.buttonValue} characters`);
  }
  const b: Button = {
    type: 'button',
    text: { type: 'plain_text', text: clip(spec.text, LIMITS.buttonText), emoji: true },
    action_id: clip(spec.actionId, LIMITS.actionId),
    value: spec.value,
  };
  if (spec.style !== undefined) b.style = spec.style;
  if (spec.confirm !== undefined) {
    b.confirm = {
      title: { type: 'plain_text', text: clip(spec.confirm.title, LIMITS.confirmTitle) },
      // Slack's reference: a confirmation dialog's `text` is a plain_text object.
      text: { type: 'plain_text', text: clip(spec.confirm.text, LIMITS.confirmText) },
      confirm: { type: 'plain_text', text: clip(spec.confirm.confirm, LIMITS.confirmButton) },
      deny: { type: 'plain_text', text: clip(spec.confirm.deny, LIMITS.confirmButton) },
    };
    if (spec.confirm.style !== undefined) b.confirm.style = spec.confirm.style;
  }
  return b;
}

export function actions(id: string, elements: types.ActionsBlockElement[]): Block {
  return {
    type: 'actions',
    block_id: clip(id, LIMITS.blockId),
    elements: elements.slice(0, LIMITS.actionsElements),
  };
}

export interface OptionSpec {
  text: string;
  value: string;
}

export function option(spec: OptionSpec): types.PlainTextOption {
  if (spec.value.length > LIMITS.optionValue) {
    throw new RangeError(`option value longer than ${LIMITS.optionValue} characters`);
  }
  return { text: { type: 'plain_text', text: clip(spec.text, LIMITS.optionText) }, value: spec.value };
}

/**
 * At most 50 blocks: when a view would exceed them, blocks before the last `keepLast` (the
 * buttons, mostly) are dropped from the end and one block says how many were left out.
 */
export function fitBlocks(blocks: Block[], note: (omitted: number) => string, keepLast = 0): Block[] {
  if (blocks.length <= LIMITS.blocksPerMessage) return blocks;
  const tail = keepLast > 0 ? blocks.slice(-keepLast) : [];
  const room = LIMITS.blocksPerMessage - 1 - tail.length;
  const omitted = blocks.length - tail.length - room;
  return [...blocks.slice(0, room), context([note(omitted)]), ...tail];
}

/** The message's fallback text, within what Slack shows in a notification. */
export function messageText(text: string): string {
  return clip(text, LIMITS.messageText);
}
