// The sandbox in a real browser: Debian's chromium driven by playwright-core, clicking through a
// whole rehearsal and a failed one as two engineers would, asserting on what the page shows.

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BrowserContext, chromium, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../../src/sandbox/sandbox.js';
import { ACTION_IDS } from '../../src/slack/ids.js';

const CHROMIUM = '/usr/bin/chromium';
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-quic',
  '--disable-sync',
];
// Stages run at speed 2000, but the shared 2-core machine can be slow under a full run.
const SLOW = 90_000;
const STAGES = [
  'Resolve the plan',
  'Second engineer confirms',
  'AWS Backup restore job',
  'Locate and check the data',
  'Flatten to a top-level directory',
  'Cut over (CloudFormation)',
  'Verify the new task',
];
// vitest's expect.poll gives up after 1 s by default: far too eager for a loaded 2-core machine.
const eventually = <T>(check: () => T | Promise<T>) => expect.poll(check, { timeout: SLOW, interval: 100 });
const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

let dir: string;
let profile: string;
let sandbox: Sandbox | undefined;
let context: BrowserContext | undefined;
let page: Page;
const dialogs: string[] = [];

// CI runs as root on a fresh Debian machine: install Debian's chromium when it is missing.
function ensureChromium(): void {
  if (existsSync(CHROMIUM)) return;
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['install', '-y', '--no-install-recommends', 'chromium'], {
    stdio: 'inherit',
    env,
  });
}

beforeAll(async () => {
  ensureChromium();
  dir = mkdtempSync(join(tmpdir(), 'chatdb-browser-test-'));
  profile = mkdtempSync(join(tmpdir(), 'chatdb-browser-profile-'));
  sandbox = await startSandbox({ port: 0, speed: 2000, dir });
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    viewport: { width: 1280, height: 1200 },
  });
  page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(30_000);
}, 600_000);

afterAll(async () => {
  await context?.close();
  await sandbox?.stop();
  for (const d of [profile, dir]) if (d !== undefined) rmSync(d, { recursive: true, force: true });
});

async function typeCommand(text: string): Promise<void> {
  const input = page.locator('#text');
  await input.fill(`/chatdb-restore ${text}`);
  await input.press('Enter');
}

const USERS = { Alice: 'U0SANDBOXA', Bob: 'U0SANDBOXB' } as const;
const actAs = (name: keyof typeof USERS) => page.locator(`input[name=user][value=${USERS[name]}]`).check();

/**
 * A button with a confirmation asks first in a dialog drawn in the page, as Slack does: waits for
 * it, records its title and text, and presses its confirm button.
 */
async function acceptDialog(): Promise<string> {
  const dialog = page.locator('dialog#confirm[open]');
  await dialog.waitFor({ timeout: SLOW });
  const text = await dialog.innerText();
  dialogs.push(text);
  await dialog.locator('.c-yes').click();
  await dialog.waitFor({ state: 'detached', timeout: SLOW }).catch(() => undefined);
  await eventually(() => page.locator('dialog#confirm[open]').count()).toBe(0);
  return text;
}

/** The private answers the current user sees, newest last. */
const ephemerals = () => page.locator('#channel .ephemeral');

/** The bot's top-level messages (cards), newest last; each holds its thread. */
const cards = () => page.locator('#channel > .msg:not(.ephemeral)');

/**
 * Why an element would not be seen in a screenshot of the viewport: outside it (the channel
 * scrolls inside the page), without size, or covered by something else (a dialog); 'ok' if seen.
 */
function notOnScreen(locator: Locator): Promise<string> {
  // Runs in the page; the test's own TypeScript has no DOM types, so the few used are named here.
  type Shown = { tagName: string; className: string; contains(other: unknown): boolean };
  type PageWindow = {
    innerWidth: number;
    innerHeight: number;
    document: { elementFromPoint(x: number, y: number): Shown | null };
  };
  return locator.evaluate((el: Shown & { getBoundingClientRect(): DOMRectLike }) => {
    const w = globalThis as unknown as PageWindow;
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) return 'it has no size';
    if (r.top < 0 || r.left < 0 || r.top >= w.innerHeight || r.left >= w.innerWidth) {
      return `it is outside the viewport (top ${Math.round(r.top)}, left ${Math.round(r.left)})`;
    }
    const x = r.left + Math.min(r.width, w.innerWidth - r.left) / 2;
    const y = r.top + Math.min(r.height, w.innerHeight - r.top) / 2;
    const hit = w.document.elementFromPoint(x, y);
    if (hit !== null && (hit === el || el.contains(hit))) return 'ok';
    return `it is covered by <${hit?.tagName.toLowerCase()} class="${hit?.className}">`;
  });
}

interface DOMRectLike {
  top: number;
  left: number;
  width: number;
  height: number;
}

/**
 * Saves a screenshot of what the browser shows under test-results/sandbox/ (kept after the run,
 * unlike the run's temporary directory), after checking that each of `shown` is in it: inside
 * the viewport and not covered. The first is scrolled to the top of the channel.
 */
async function screenshot(name: string, shown: Locator[]): Promise<string> {
  expect(shown.length).toBeGreaterThan(0);
  // The first at the top of the channel, so what follows it in the card is in view below it.
  await shown[0]?.evaluate((el: { scrollIntoView(opts: { block: string }): void }) =>
    el.scrollIntoView({ block: 'start' }),
  );
  for (const locator of shown) expect(await notOnScreen(locator), `${name}: ${locator}`).toBe('ok');
  const dir = fileURLToPath(new URL('../../test-results/sandbox/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name}.png`);
  await page.screenshot({ path });
  expect(statSync(path).size).toBeGreaterThan(10_000);
  console.log(`screenshot: ${path}`);
  return path;
}

describe('the sandbox in a real browser', () => {
  it('rehearses a restore: Alice starts and cannot confirm her own, Bob confirms, the card walks to the summary', async () => {
    if (sandbox === undefined) throw new Error('no sandbox');
    await page.goto(sandbox.url);
    await eventually(() => page.locator('header.top').innerText()).toBe('# incident');
    // The speed menu shows the speed the sandbox was started with, not a default.
    await eventually(() => page.locator('#speed').inputValue()).toBe('2000');

    await actAs('Alice');
    await typeCommand('start latest');
    const card = cards()
      .filter({ hasText: /Waiting for a second engineer/ })
      .first();
    await card.waitFor({ timeout: SLOW });
    await eventually(() => card.innerText()).toMatch(/Production: unchanged/);

    await card.locator(`button[data-action="${ACTION_IDS.confirm}"]`).click();
    expect(await acceptDialog()).toContain('Confirm this plan?');
    const refusal = page.locator('#channel .ephemeral').filter({ hasText: 'your Confirm does not count' });
    await refusal.first().waitFor({ timeout: SLOW });
    await eventually(() => refusal.first().innerText()).toContain('Only visible to you');

    // Bob does not see Alice's private messages.
    await actAs('Bob');
    await eventually(() => refusal.count()).toBe(0);
    const bobsCard = cards().first();
    await bobsCard.locator(`button[data-action="${ACTION_IDS.confirm}"]`).click();
    await acceptDialog();
    expect(dialogs).toHaveLength(2);

    const done = cards().filter({ hasText: 'Done.' }).first();
    await done.waitFor({ timeout: SLOW });
    // The summary and the uploaded diff arrive in the thread after the card says Done.
    const thread = done.locator('.thread');
    await thread.filter({ hasText: 'chat-db restored from' }).waitFor({ timeout: SLOW });
    const diff = thread.locator('details.file').first();
    await diff.waitFor({ timeout: SLOW });
    // The card itself (its thread is rendered inside it, below).
    const body = (await done.locator(':scope > div:not(.thread)').allInnerTexts()).join('\n');
    expect(body).toMatch(/✅ Done\. chat-db runs on \/chatdb-restore_\S+ and its task is healthy/);
    expect(body).toMatch(/🔵 Production: cut over to \/chatdb-restore_/);
    expect(body).toMatch(/Confirmed by\s+@Bob/);
    for (const stage of STAGES) expect(body).toMatch(new RegExp(`✅ ${escapeRegExp(stage)} · \\d`));
    expect(body).toMatch(/Total RTO\s+\d.* \(confirmation to verified\)/);
    expect(body).toContain('Data-loss window');
    expect(body).not.toMatch(/:(white_check_mark|large_blue_circle|large_green_circle):/);

    const notices = await thread.innerText();
    expect(notices).toMatch(/Restore job done in \d/);
    expect(notices).toMatch(/Cut over in \d/);
    expect(notices).toMatch(/Verified in \d/);
    expect(notices).toMatch(/✅ chat-db restored from .* and its task is healthy/);

    // The uploaded template diff, in the thread: open it as a person would.
    await diff.locator('summary').click();
    await eventually(() => diff.locator('pre').isVisible()).toBe(true);
    await diff.scrollIntoViewIfNeeded();
    expect(await diff.locator('pre').innerText()).toMatch(/\+\s+RootDirectory: \/chatdb-restore_/);

    await screenshot('rehearsal', [diff.locator('summary'), diff.locator('pre')]);
  }, 180_000);

  it('rehearses a failure: the restore job failure armed from the fault menu ends the card in AWS’s words, production unchanged', async () => {
    if (sandbox === undefined) throw new Error('no sandbox');
    await page.getByRole('button', { name: 'Restore job fails' }).click();
    await eventually(() => page.locator('#faults').innerText()).toBe('Armed: restoreJob');

    await actAs('Alice');
    const before = await cards().count();
    await typeCommand('start latest');
    const card = cards().nth(before);
    await card.filter({ hasText: /Waiting for a second engineer/ }).waitFor({ timeout: SLOW });

    await actAs('Bob');
    await card.locator(`button[data-action="${ACTION_IDS.confirm}"]`).click();
    await acceptDialog();
    await card.filter({ hasText: 'restore job failed' }).waitFor({ timeout: SLOW });
    const text = await card.innerText();
    expect(text).toContain('AWS Backup restore job failed.');
    expect(text).toContain('an internal error occurred while reading the recovery point');
    expect(text).toContain('Production: unchanged');
    expect(text).not.toContain('Total RTO');
    // The restore used the armed fault up: the menu says nothing is armed any more.
    await eventually(() => page.locator('#faults').innerText()).toBe('Armed: none');

    await screenshot('failed-rehearsal', [
      card.getByText(/Production: unchanged/).first(),
      card.getByText('AWS Backup restore job failed.').first(),
    ]);
  }, 180_000);

  it('rehearses an outage: a typo answered privately, the cancel dialog, a reason given in the reject dialog, a failed cutover retried on the same directory, the timeline and links, an old button refused', async () => {
    if (sandbox === undefined) throw new Error('no sandbox');
    await page.getByRole('button', { name: 'Clear faults' }).click();
    await eventually(() => page.locator('#faults').innerText()).toBe('Armed: none');
    const oldRollback = cards()
      .filter({ hasText: 'Done.' })
      .first()
      .locator(`:scope > div:not(.thread) button[data-action="${ACTION_IDS.rollback}"]`);
    await oldRollback.waitFor({ timeout: SLOW });

    // A typo and a point that does not exist: answered to Alice alone, nothing in the channel.
    await actAs('Alice');
    const before = await cards().count();
    await typeCommand('strat latest');
    const typo = ephemerals().filter({ hasText: 'did you mean start?' });
    await typo.first().waitFor({ timeout: SLOW });
    await typeCommand('start 99');
    const missing = ephemerals().filter({ hasText: 'Not started' });
    await missing.first().waitFor({ timeout: SLOW });
    await eventually(() => missing.first().innerText()).toContain('Only visible to you');
    expect(await missing.first().innerText()).not.toContain('AWS said');
    expect(await cards().count()).toBe(before);
    expect(await typo.first().isVisible()).toBe(true);
    await screenshot('typo-private', [typo.first(), missing.first()]);
    await actAs('Bob');
    await eventually(() => typo.count()).toBe(0);
    await eventually(() => missing.count()).toBe(0);

    // Cancel asks first, in a dialog that says what is thrown away.
    await actAs('Alice');
    await typeCommand('start latest');
    const toCancel = cards().nth(before);
    await toCancel.filter({ hasText: /Waiting for a second engineer/ }).waitFor({ timeout: SLOW });
    await eventually(() => toCancel.innerText()).toMatch(
      /only @Alice or any engineer can Cancel|any engineer can Cancel/,
    );
    await toCancel.locator(`button[data-action="${ACTION_IDS.cancel}"]`).click();
    const dialog = page.locator('dialog#confirm[open]');
    await dialog.waitFor({ timeout: SLOW });
    expect(await dialog.innerText()).toContain('Cancel this session?');
    expect(await dialog.innerText()).toContain('Production is not changed by cancelling.');
    expect(await dialog.locator('.c-yes').innerText()).toBe('Cancel it');
    expect(await dialog.locator('.c-no').innerText()).toBe('Keep going');
    await screenshot('cancel-dialog', [
      dialog.locator('.c-title'),
      dialog.locator('.c-yes'),
      dialog.locator('.c-no'),
    ]);
    await acceptDialog();
    await toCancel.filter({ hasText: 'Cancelled by' }).waitFor({ timeout: SLOW });

    // Reject asks for a reason in a dialog, opened for Bob alone; the reason ends on the card.
    await typeCommand('start latest');
    const toReject = cards().nth(before + 1);
    await toReject.filter({ hasText: /Waiting for a second engineer/ }).waitFor({ timeout: SLOW });
    await actAs('Bob');
    await toReject.locator(`button[data-action="${ACTION_IDS.reject}"]`).click();
    const modal = page.locator('dialog#modal[open]');
    await modal.waitFor({ timeout: SLOW });
    expect(await modal.locator('.m-title').innerText()).toBe('Reject this plan?');
    expect(await modal.innerText()).toContain('ends here and nothing is changed');
    const reason = modal.getByLabel('Reason, shown on the card (optional)');
    expect(await reason.getAttribute('maxlength')).toBe('500');
    await reason.fill('Wrong point: the corruption started before 08:00 <!here>');
    await screenshot('reject-dialog', [
      modal.locator('.m-title'),
      reason,
      modal.locator('.m-submit'),
      modal.locator('.m-close'),
    ]);
    await modal.locator('.m-submit').click();
    await eventually(() => page.locator('dialog#modal[open]').count()).toBe(0);
    await toReject.filter({ hasText: 'Rejected by' }).waitFor({ timeout: SLOW });
    const rejectedText = await toReject.innerText();
    expect(rejectedText).toMatch(/Rejected by\s+@Bob/);
    expect(rejectedText).toContain('Reason: “Wrong point: the corruption started before 08:00 <!here>”');
    expect(await toReject.locator('.mention', { hasText: '@here' }).count()).toBe(0);
    await screenshot('rejected-with-reason', [
      toReject.getByText(/Reason: “Wrong point/).first(),
      toReject.getByText(/Rejected by/).first(),
    ]);
    await actAs('Alice');

    // The stack update fails and CloudFormation rolls back: the card says where chat-db stands
    // and offers Retry cut-over on the directory already restored.
    await page.getByRole('button', { name: 'Stack update fails and rolls back' }).click();
    await eventually(() => page.locator('#faults').innerText()).toBe('Armed: stackUpdateFails');
    await typeCommand('start latest');
    const failed = cards().nth(before + 2);
    await failed.filter({ hasText: /Waiting for a second engineer/ }).waitFor({ timeout: SLOW });
    await actAs('Bob');
    await failed.locator(`button[data-action="${ACTION_IDS.confirm}"]`).click();
    await acceptDialog();
    await failed.filter({ hasText: 'Cut over (CloudFormation) failed.' }).waitFor({ timeout: SLOW });
    const failedText = await failed.innerText();
    expect(failedText).toMatch(/Production: rolled back by CloudFormation to/);
    expect(failedText).toMatch(/chat-db runs 1 of 1 task, \d healthy \(task definition chat-db:\d+\)/);
    expect(failedText).toContain('Timeline (UTC), for the postmortem');
    const jobLink = failed.locator('a', { hasText: 'restore job' });
    expect(await jobLink.getAttribute('href')).toMatch(
      /^https:\/\/[a-z0-9-]+\.console\.aws\.amazon\.com\/backup\/home\?region=[a-z0-9-]+#\/jobs\/restore\/details\//,
    );
    const flatDir = /flat dir (\/chatdb-restore_\S+)/.exec(failedText)?.[1];
    expect(flatDir).toBeDefined();
    const retry = failed.locator(`button[data-action="${ACTION_IDS.retryCutover}"]`);
    expect(await retry.isVisible()).toBe(true);
    await screenshot('failed-cutover', [
      failed.getByText(/Production: rolled back by CloudFormation/).first(),
      failed.getByText(/chat-db runs 1 of 1 task/).first(),
      retry,
    ]);

    await retry.click();
    expect(await acceptDialog()).toContain(`cuts chat-db over to ${flatDir}`);
    const retried = cards().nth(before + 3);
    await retried.filter({ hasText: /Waiting for a second engineer/ }).waitFor({ timeout: SLOW });
    const plan = await retried.innerText();
    expect(plan).toContain(`→ ${flatDir}`);
    expect(plan).toMatch(/AWS Backup restore job · skipped.*already done by session/);
    await actAs('Alice');
    await retried.locator(`button[data-action="${ACTION_IDS.confirm}"]`).click();
    await acceptDialog();
    await retried.filter({ hasText: 'Done.' }).waitFor({ timeout: SLOW });
    const doneText = (await retried.locator(':scope > div:not(.thread)').allInnerTexts()).join('\n');
    expect(doneText).toContain(`Production: cut over to ${flatDir}`);
    expect(doneText).toMatch(/Timeline \(UTC\), for the postmortem/);
    expect(doneText).toMatch(/UTC — @Bob asked: Restore chat-db from/);
    expect(doneText).toMatch(/UTC — @Alice confirmed/);
    expect(doneText).toMatch(
      /\d{2}:\d{2}:\d{2}–\d{2}:\d{2}:\d{2} UTC — Cut over \(CloudFormation\): done · change set chatdb-restore-/,
    );
    expect(doneText).not.toMatch(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/);
    expect(doneText).not.toMatch(/U0SANDBOX[AB]/);
    for (const label of ['stack events', 'chat-db service', 'its tasks']) {
      expect(
        await retried.locator(':scope > div:not(.thread) a', { hasText: label }).first().getAttribute('href'),
      ).toMatch(/^https:\/\/[a-z0-9-]+\.console\.aws\.amazon\.com\//);
    }
    const cardLink = (label: string | RegExp) =>
      retried.locator(':scope > div:not(.thread) a', { hasText: label }).first();
    await screenshot('timeline-and-links', [
      cardLink(/^change set chatdb-restore-/),
      cardLink('stack events'),
      cardLink('chat-db service'),
      cardLink('SSM cutover output').or(cardLink('its tasks')).first(),
    ]);

    // The first rehearsal's Rollback is an old button now: refused privately, naming what happened.
    const cardsBefore = await cards().count();
    await oldRollback.click();
    const refused = ephemerals().filter({ hasText: 'chat-db moved on since, so nothing was started' });
    await refused.first().waitFor({ timeout: SLOW });
    const refusedText = await refused.first().innerText();
    expect(refusedText).toContain('Only visible to you');
    expect(refusedText).toContain('The Rollback of session');
    expect(refusedText).toMatch(/asked by @Bob .*: cut over at .* UTC, succeeded/);
    expect(await cards().count()).toBe(cardsBefore);
    await screenshot('old-button-refused', [refused.first()]);
  }, 300_000);
});
