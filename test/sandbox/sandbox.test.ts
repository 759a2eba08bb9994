// The sandbox driven over HTTP as its page drives it: the real simulator, the real bot process and
// the Slack stand-in, two engineers typing commands and clicking buttons.

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SandboxError } from '../../src/sandbox/errors.js';
import type { PageMessage, PageState } from '../../src/sandbox/incident-channel.js';
import { sandboxOptions } from '../../src/sandbox/main.js';
import { type Sandbox, startSandbox } from '../../src/sandbox/sandbox.js';
import { wantsBot } from '../../src/sandbox/wants-bot.js';
import { ACTION_IDS, REJECT_DIALOG } from '../../src/slack/ids.js';
import { waitFor } from '../helpers/wait.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ALICE = 'U0SANDBOXA';
const BOB = 'U0SANDBOXB';
const SLOW = { timeoutMs: 90_000, intervalMs: 200 };

let dir: string;
let sandbox: Sandbox;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'chatdb-sandbox-test-'));
  sandbox = await startSandbox({ port: 0, speed: 2000, dir });
}, 90_000);

afterAll(async () => {
  await sandbox?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function post(path: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${sandbox.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

async function pageState(): Promise<PageState> {
  return (await (await fetch(`${sandbox.url}/sandbox/state`)).json()) as PageState;
}

const textOf = (m: { text?: string | undefined; blocks?: unknown }) =>
  `${m.text ?? ''}\n${JSON.stringify(m.blocks ?? [])}`;

interface Button {
  type: string;
  action_id: string;
  value?: string;
  block_id: string;
}

function buttons(message: PageMessage): Button[] {
  const found: Button[] = [];
  for (const block of (message.blocks as Array<Record<string, unknown>> | undefined) ?? []) {
    const elements = [...((block.elements as unknown[]) ?? []), block.accessory].filter(Boolean);
    for (const e of elements as Array<Record<string, unknown>>) {
      if (e.type === 'button') found.push({ ...(e as unknown as Button), block_id: String(block.block_id) });
    }
  }
  return found;
}

async function clickAs(user: string, message: PageMessage, actionId: string) {
  const button = buttons(message).find((b) => b.action_id === actionId);
  if (button === undefined) throw new Error(`no ${actionId} button on:\n${textOf(message)}`);
  const res = await post('/sandbox/click', {
    user,
    ts: message.ts,
    element: { type: 'button', actionId, blockId: button.block_id, value: button.value },
  });
  expect(res.status).toBe(200);
  expect(res.json.status).toBe(200);
}

/** Alice starts a restore of the latest point; the new card, once it waits for a second engineer. */
async function newCard(): Promise<PageMessage> {
  const before = (await pageState()).messages.length;
  await post('/sandbox/command', { user: ALICE, text: 'start latest' });
  return waitFor(
    async () =>
      (await pageState()).messages
        .slice(before)
        .find((m) => m.threadTs === undefined && textOf(m).includes('Waiting for a second engineer')),
    { ...SLOW, what: 'the new card' },
  );
}

describe('the sandbox', () => {
  it('serves the page: the channel, the command input and the switch between Alice and Bob', async () => {
    const res = await fetch(`${sandbox.url}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    const html = await res.text();
    expect(html).toContain('<input id="text"');
    expect(html).toContain('Alice (U0SANDBOXA)');
    expect(html).toContain('Bob (U0SANDBOXB)');
    expect(html).toContain('data-fault="restore-job-fails"');
    expect(html).not.toMatch(/(src|href)="https?:/);
  });

  it('rehearses a restore: Alice starts, her own Confirm is refused privately, Bob confirms, every stage to the summary', async () => {
    const started = await post('/sandbox/command', { user: ALICE, text: 'start latest' });
    expect(started.json.status).toBe(200);
    const card = await waitFor(
      async () =>
        (await pageState()).messages.find(
          (m) => m.threadTs === undefined && textOf(m).includes('Waiting for a second engineer'),
        ),
      { ...SLOW, what: 'the card waiting for a second engineer' },
    );
    expect(
      (await pageState()).ephemerals.some((e) => e.user === ALICE && textOf(e).includes('Resolving')),
    ).toBe(true);

    await clickAs(ALICE, card, ACTION_IDS.confirm);
    const refusal = await waitFor(
      async () =>
        (await pageState()).ephemerals.find(
          (e) => e.user === ALICE && textOf(e).includes('your Confirm does not count'),
        ),
      { ...SLOW, what: 'Alice’s private refusal' },
    );
    expect(refusal.user).toBe(ALICE);
    expect((await pageState()).ephemerals.filter((e) => e.user === BOB)).toEqual([]);

    await clickAs(BOB, card, ACTION_IDS.confirm);
    const done = await waitFor(
      async () => (await pageState()).messages.find((m) => m.ts === card.ts && textOf(m).includes('Done.')),
      { ...SLOW, what: 'the card saying Done.' },
    );
    expect(done.edits).toBeGreaterThan(2);
    expect(textOf(done)).toContain(`<@${BOB}>`);
    const summary = await waitFor(
      async () =>
        (await pageState()).messages.find((m) => m.threadTs === card.ts && (m.text ?? '').includes(': done')),
      { ...SLOW, what: 'the summary in the thread' },
    );
    expect(textOf(summary)).toContain('Data-loss window');
    const state = await pageState();
    const thread = state.messages
      .filter((m) => m.threadTs === card.ts)
      .map(textOf)
      .join('\n');
    for (const notice of ['restore:done', 'cutover:done', 'verify:done']) expect(thread).toContain(notice);
    const diff = await waitFor(
      async () => (await pageState()).files.find((f) => f.shared && f.threadTs === card.ts && f.text !== ''),
      { ...SLOW, what: 'the template diff' },
    );
    expect(diff.text).toMatch(/\+\s+RootDirectory: \/chatdb-restore_/);

    const sim = (await (await fetch(`${sandbox.simulator.endpoint}/_sim/state`)).json()) as {
      restoreJobs: unknown[];
      calls: Record<string, number>;
      stack: {
        services: { name: string; taskDefinition: string }[];
        taskDefinitions: { arn: string; volumes: { name: string; rootDirectory?: string }[] }[];
      };
    };
    expect(sim.restoreJobs).toHaveLength(1);
    expect(sim.calls['cloudformation:ExecuteChangeSet']).toBe(1);
    const service = sim.stack.services.find((s) => s.name === 'chat-db');
    const td = sim.stack.taskDefinitions.find((t) => t.arn === service?.taskDefinition);
    const root = td?.volumes.find((v) => v.name === 'chat-db')?.rootDirectory ?? '';
    expect(root).toMatch(/^\/chatdb-restore_/);
    expect(textOf(done)).toContain(root);
  }, 120_000);

  it('arms and clears the simulator’s faults from the menu, and sets its speed', async () => {
    const armed = await post('/sandbox/faults', { preset: 'restore-job-fails' });
    expect(armed.status).toBe(200);
    const faults = async () =>
      (await (await fetch(`${sandbox.simulator.endpoint}/_sim/faults`)).json()) as unknown;
    expect(await faults()).toEqual({ restoreJob: 'FAILED' });
    await post('/sandbox/faults', { preset: 'throttling-storm' });
    expect(await faults()).toMatchObject({ restoreJob: 'FAILED', throttle: { backup: 0.3, ssm: 0.3 } });
    await post('/sandbox/faults', { preset: 'clear' });
    expect(await faults()).toEqual({});
    expect((await post('/sandbox/faults', { preset: 'meteor' })).status).toBe(400);
    expect((await post('/sandbox/speed', { speed: 500 })).json).toEqual({ speed: 500 });
    expect(sandbox.simulator.state().speed).toBe(500);
    const controls = (await (await fetch(`${sandbox.url}/sandbox/sim`)).json()) as unknown;
    expect(controls).toEqual({ faults: {}, speed: 500 });
  });

  it('rehearses a failure: Start on a row of Alice’s private list, Bob confirms, the armed restore job failure ends it', async () => {
    await post('/sandbox/speed', { speed: 2000 });
    await post('/sandbox/faults', { preset: 'restore-job-fails' });
    const before = (await pageState()).messages.length;
    await post('/sandbox/command', { user: ALICE, text: 'list' });
    const list = await waitFor(
      async () =>
        (await pageState()).ephemerals.find(
          (e) =>
            e.user === ALICE &&
            buttons(e as PageMessage).some((b) => b.action_id === ACTION_IDS.startFromList),
        ),
      { ...SLOW, what: 'Alice’s list with Start buttons' },
    );
    await clickAs(ALICE, list as PageMessage, ACTION_IDS.startFromList);
    const card = await waitFor(
      async () =>
        (await pageState()).messages
          .slice(before)
          .find((m) => m.threadTs === undefined && textOf(m).includes('Waiting for a second engineer')),
      { ...SLOW, what: 'the new card' },
    );
    await clickAs(BOB, card, ACTION_IDS.confirm);
    await waitFor(
      async () =>
        (await pageState()).messages.find(
          (m) => m.ts === card.ts && textOf(m).includes('AWS Backup restore job failed.'),
        ),
      { ...SLOW, what: 'the card saying the restore job failed' },
    );
    const sim = sandbox.simulator.state();
    expect(sim.restoreJobs.map((j) => j.Status ?? j.status)).toContain('FAILED');
    expect(sim.faults).toEqual({});
  }, 120_000);

  it('Reject opens its dialog for the clicker alone; the reason typed there ends the session and shows on the card', async () => {
    const card = await newCard();
    await clickAs(BOB, card, ACTION_IDS.reject);
    const dialog = await waitFor(async () => (await pageState()).views.find((v) => v.user === BOB), {
      ...SLOW,
      what: 'Bob’s Reject dialog',
    });
    expect(dialog.view.callback_id).toBe(REJECT_DIALOG.callbackId);
    expect(JSON.stringify(dialog.view.blocks)).toContain('Reason, shown on the card');
    const alices = await post('/sandbox/submit', { user: ALICE, view: dialog.id, values: {} });
    expect(alices).toMatchObject({ status: 400, json: { error: 'view_not_found' } });

    const sent = await post('/sandbox/submit', {
      user: BOB,
      view: dialog.id,
      values: { [REJECT_DIALOG.reasonBlock]: 'wrong point <!here>' },
    });
    expect(sent.json.status).toBe(200);
    const rejected = await waitFor(
      async () =>
        (await pageState()).messages.find((m) => m.ts === card.ts && textOf(m).includes('Rejected by')),
      { ...SLOW, what: 'the card saying Rejected by Bob' },
    );
    expect(textOf(rejected)).toContain('wrong point &lt;!here&gt;');
    expect((await pageState()).views).toEqual([]);
  }, 120_000);

  it('clears the faults armed for the next restore once it has run, not when a session ends unconfirmed', async () => {
    await post('/sandbox/faults', { preset: 'task-crash-loop' });
    const faults = () => sandbox.simulator.state().faults;
    expect(faults()).toEqual({ taskCrashLoop: true });

    // Rejected before it ran: the faults wait for a restore that does.
    const rejected = await newCard();
    await post('/sandbox/command', { user: BOB, text: 'reject not this one' });
    await waitFor(
      async () =>
        (await pageState()).messages.find((m) => m.ts === rejected.ts && textOf(m).includes('Rejected by')),
      { ...SLOW, what: 'the rejected card' },
    );
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(faults()).toEqual({ taskCrashLoop: true });

    const card = await newCard();
    await clickAs(BOB, card, ACTION_IDS.confirm);
    const ended = await waitFor(
      async () =>
        (await pageState()).messages.find((m) => m.ts === card.ts && /failed\.|Done\./.test(textOf(m))),
      { ...SLOW, what: 'the restore under the crash-looping fault to end' },
    );
    expect(textOf(ended)).toContain('failed.');
    await waitFor(() => Object.keys(faults()).length === 0, { ...SLOW, what: 'the faults cleared' });
    const controls = (await (await fetch(`${sandbox.url}/sandbox/sim`)).json()) as { faults: unknown };
    expect(controls.faults).toEqual({});
  }, 180_000);

  it('refuses a second start in the same directory, naming the running sandbox’s URL', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/start.ts'], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? '', SANDBOX_DIR: dir, SANDBOX_PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr += chunk;
    });
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    expect(code).toBe(1);
    expect(stderr).toContain(`a sandbox is already running at ${sandbox.url}`);
  }, 60_000);

  it('refuses a start on a port in use, saying a sandbox may be running there', async () => {
    const other = mkdtempSync(join(tmpdir(), 'chatdb-sandbox-test-'));
    const port = Number(new URL(sandbox.url).port);
    try {
      const error = await startSandbox({ port, dir: other }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(SandboxError);
      expect((error as SandboxError).code).toBe('port_in_use');
      expect((error as SandboxError).message).toContain(
        `a sandbox is already running at http://127.0.0.1:${port}`,
      );
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  it('reads only its documented settings, and refuses bad ones by name', () => {
    expect(sandboxOptions({})).toEqual({ port: 3080, speed: 60 });
    expect(
      sandboxOptions({ SANDBOX_PORT: '0', SANDBOX_SPEED: '600', SANDBOX_DIR: '/tmp/x', PORT: '1' }),
    ).toEqual({
      port: 0,
      speed: 600,
      dir: '/tmp/x',
    });
    expect(() => sandboxOptions({ SANDBOX_PORT: '70000' })).toThrow(/SANDBOX_PORT is invalid/);
    expect(() => sandboxOptions({ SANDBOX_SPEED: '-1' })).toThrow(/SANDBOX_SPEED is invalid/);
  });

  it('npm start runs the bot only when a bot token is set', () => {
    expect(wantsBot({ SLACK_BOT_TOKEN: 'xoxb-1-2' })).toBe(true);
    expect(wantsBot({ SLACK_BOT_TOKEN: '  ' })).toBe(false);
    expect(wantsBot({ SLACK_SIGNING_SECRET: 'abc' })).toBe(false);
  });
});
