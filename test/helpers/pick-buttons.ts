// The buttons of a card waiting for a pick, as a test clicks them (the ids and values the bot put there).

import { ACTION_IDS } from '../../src/slack/ids.js';
import { allText, interactiveElements } from '../slack/support/block-limits.js';

export interface Clickable {
  action_id: string;
  value: unknown;
  block_id: unknown;
}

interface CardLike {
  text?: string | undefined;
  blocks?: unknown;
}

/** The "Use this one" beside the data dir whose path ends with `suffix`; undefined when absent. */
export function findPickButton(card: CardLike, suffix: string): Clickable | undefined {
  const blocks = (card.blocks as { accessory?: unknown; text?: { text?: string } }[] | undefined) ?? [];
  const block = blocks.find((b) => b.accessory !== undefined && (b.text?.text ?? '').includes(`${suffix}\``));
  const button = interactiveElements(block === undefined ? [] : [block]).find(
    (e) => e.action_id === ACTION_IDS.pickDataDir,
  );
  return button === undefined
    ? undefined
    : { action_id: ACTION_IDS.pickDataDir, value: button.value, block_id: button.block_id };
}

/** The "Confirm pick" on the card; undefined when absent. */
export function findConfirmPickButton(card: CardLike): Clickable | undefined {
  const button = interactiveElements((card.blocks as unknown[] | undefined) ?? []).find(
    (e) => e.action_id === ACTION_IDS.confirmPick,
  );
  return button === undefined
    ? undefined
    : { action_id: ACTION_IDS.confirmPick, value: button.value, block_id: button.block_id };
}

/** Like the finders, but a card without the button fails the test, showing the card. */
export function pickButton(card: CardLike, suffix: string): Clickable {
  const found = findPickButton(card, suffix);
  if (found === undefined) throw new Error(`no Use this one for ${suffix}:\n${allText(card)}`);
  return found;
}

export function confirmPickButton(card: CardLike): Clickable {
  const found = findConfirmPickButton(card);
  if (found === undefined) throw new Error(`no Confirm pick on the card:\n${allText(card)}`);
  return found;
}
