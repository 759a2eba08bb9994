// The sandbox in a real browser: Debian's chromium driven by playwright-core, clicking through a
// whole rehearsal and a failed one as two engineers would, asserting on what the page shows.

import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
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
    viewport: { width: 1280, height: 1000 },
  });
  page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(30_000);
  // Confirm asks "are you sure?" in a browser dialog, as Slack does; the engineer accepts it.
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.accept();
  });
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

/** The bot's top-level messages (cards), newest last; each holds its thread. */
const cards = () => page.locator('#channel > .msg:not(.ephemeral)');

async function screenshot(name: string): Promise<string> {
  const path = join(tmpdir(), `chatdb-sandbox-${name}-${process.pid}.png`);
  await page.screenshot({ path, fullPage: true });
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
    await eventually(() => dialogs.length).toBe(1);
    const refusal = page.locator('#channel .ephemeral').filter({ hasText: 'your Confirm does not count' });
    await refusal.first().waitFor({ timeout: SLOW });
    await eventually(() => refusal.first().innerText()).toContain('Only visible to you');

    // Bob does not see Alice's private messages.
    await actAs('Bob');
    await eventually(() => refusal.count()).toBe(0);
    const bobsCard = cards().first();
    await bobsCard.locator(`button[data-action="${ACTION_IDS.confirm}"]`).click();
    await eventually(() => dialogs.length).toBe(2);

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

    await screenshot('rehearsal');
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
    await card.filter({ hasText: 'restore job failed' }).waitFor({ timeout: SLOW });
    const text = await card.innerText();
    expect(text).toContain('AWS Backup restore job failed.');
    expect(text).toContain('an internal error occurred while reading the recovery point');
    expect(text).toContain('Production: unchanged');
    expect(text).not.toContain('Total RTO');
    // The restore used the armed fault up: the menu says nothing is armed any more.
    await eventually(() => page.locator('#faults').innerText()).toBe('Armed: none');

    await screenshot('failed-rehearsal');
  }, 180_000);
});
