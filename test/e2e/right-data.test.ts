// The right data, proven: the real bot process over signed HTTP against the simulator, in worlds a
// chat-db volume reaches after years of the manual playbook. Each restore ends with the live root
// holding the requested point's data (its marker in storage.bson), or stops before production
// changes with the card saying why.

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScenarioInput } from '../../src/sim/scenario.js';
import { type Simulator, startSimulator } from '../../src/sim/server.js';
import { ACTION_IDS } from '../../src/slack/ids.js';
import { postToBot } from '../../src/slack-stand-in/post-to-bot.js';
import {
  blockActionBody,
  DEFAULT_CHANNEL,
  DEFAULT_USER,
  SECOND_USER,
  slashCommandBody,
} from '../../src/slack-stand-in/request-bodies.js';
import type { StandInMessage as FakeMessage } from '../../src/slack-stand-in/workspace.js';
import { botEnv, FAST_TIMINGS, TEST_SIGNING_SECRET } from '../helpers/bot-env.js';
import { type BotProcess, startBotProcess } from '../helpers/bot-process.js';
import { type FakeSlack, startFakeSlack } from '../helpers/fake-slack.js';
import { confirmPickButton, pickButton } from '../helpers/pick-buttons.js';
import { waitFor } from '../helpers/wait.js';
import { allText, interactiveElements } from '../slack/support/block-limits.js';

const LIVE = '/aws-backup-restore_2026-05-14T17-27-00-417720408Z';
const SLOW = { timeoutMs: 90_000 };
const ID = {
  beforeUnseen: '0A1B2C3D-0000-4000-8000-000000000001',
  newest: '0A1B2C3D-0000-4000-8000-000000000002',
  moved: '0A1B2C3D-0000-4000-8000-000000000003',
  twins: '0A1B2C3D-0000-4000-8000-000000000004',
  missingItems: '0A1B2C3D-0000-4000-8000-000000000005',
};

interface World {
  sim: Simulator;
  fake: FakeSlack;
  bot: BotProcess;
}

async function startWorld(scenario: ScenarioInput): Promise<World> {
  const sim = await startSimulator({ speed: 2000, scenario });
  const fake = await startFakeSlack();
  const bot = await startBotProcess(
    botEnv({ ...sim.env(), SLACK_API_URL: fake.apiUrl, ...FAST_TIMINGS, LOG_LEVEL: 'info' }),
  );
  return { sim, fake, bot };
}

async function stopWorld(w: World | undefined): Promise<void> {
  await w?.bot.stop();
  await w?.fake.close();
  await w?.sim.close();
}

let sent = 0;
async function post(w: World, body: string): Promise<void> {
  const res = await postToBot(w.bot.url, body, { secret: TEST_SIGNING_SECRET });
  expect(res.status).toBe(200);
}

/** Starts a restore of `pointId`, has a second engineer confirm it, and returns its card once it ends. */
async function restore(w: World, pointId: string): Promise<FakeMessage> {
  return cardAtEnd(w, await startConfirmed(w, pointId), pointId);
}

/** Starts a restore of `pointId` and has a second engineer confirm it; returns its card as posted. */
async function startConfirmed(w: World, pointId: string): Promise<FakeMessage> {
  const before = w.fake.messages(DEFAULT_CHANNEL).length;
  sent += 1;
  await post(
    w,
    slashCommandBody({
      text: `start ${pointId}`,
      user_id: DEFAULT_USER,
      response_url: w.fake.responseUrl(`rd-${sent}`),
    }),
  );
  const card = await waitFor(
    () =>
      w.fake
        .messages(DEFAULT_CHANNEL)
        .slice(before)
        .find((m) => m.threadTs === undefined && allText(m).includes('Waiting for a second engineer')),
    { ...SLOW, what: `the confirmation card for ${pointId}` },
  );
  const confirm = interactiveElements((card.blocks as unknown[]) ?? []).find(
    (e) => e.action_id === ACTION_IDS.confirm,
  );
  await click(w, SECOND_USER, { action_id: ACTION_IDS.confirm, ...confirm });
  return card;
}

/** The card once it says `what`. */
function cardSaying(w: World, card: FakeMessage, what: RegExp): Promise<FakeMessage> {
  return waitFor(
    () => w.fake.messages(DEFAULT_CHANNEL).find((m) => m.ts === card.ts && what.test(allText(m))),
    { ...SLOW, what: `the card saying ${what}` },
  );
}

function cardAtEnd(w: World, card: FakeMessage, pointId: string): Promise<FakeMessage> {
  return cardSaying(w, card, /Done\.|Stopped before|failed\./).catch((error: unknown) => {
    throw new Error(`the restore of ${pointId} did not end: ${String(error)}`);
  });
}

/** A click by `user` on a button; returns the response_url id its private answer goes to. */
async function click(
  w: World,
  user: string,
  element: { action_id: string; value?: unknown; block_id?: unknown },
): Promise<string> {
  sent += 1;
  const responseId = `rd-${sent}`;
  await post(
    w,
    blockActionBody({
      action_id: element.action_id,
      value: String(element.value),
      block_id: String(element.block_id),
      user_id: user,
      response_url: w.fake.responseUrl(responseId),
    }),
  );
  return responseId;
}

/** The private answer to a click, once it arrives. */
async function privateAnswer(w: World, responseId: string): Promise<string> {
  const post = await w.fake.waitForResponse(responseId, SLOW);
  return (post.body as { text?: string }).text ?? '';
}

function liveRoot(w: World): string {
  const state = w.sim.state() as unknown as {
    stack: {
      services: { name: string; taskDefinition: string }[];
      taskDefinitions: { arn: string; volumes: { name: string; rootDirectory?: string }[] }[];
    };
  };
  const service = state.stack.services.find((s) => s.name === 'chat-db');
  const td = state.stack.taskDefinitions.find((t) => t.arn === service?.taskDefinition);
  return td?.volumes.find((v) => v.name === 'chat-db')?.rootDirectory ?? '/';
}

/** The recovery point whose data the live root holds (the simulator's storage.bson marker). */
function liveMarker(w: World): string {
  const mount = w.sim.env().CHATDB_INSPECTOR_MOUNT as string;
  const bson = readFileSync(join(mount, liveRoot(w), 'storage.bson')).toString('latin1');
  return /chatdbSimSnapshot\0[\s\S]{4}([^\0]*)\0/.exec(bson)?.[1] ?? '';
}

function restoreJobs(w: World) {
  return (
    w.sim.state() as unknown as {
      restoreJobs: { itemsToRestore?: string[]; status: string; restoreDir?: string }[];
    }
  ).restoreJobs;
}

/** The database lived at the volume root until someone moved it by hand 100 days ago. */
const MOVED_BY_HAND: ScenarioInput['taskDefinitionHistory'] = {
  family: 'chat-db',
  revisions: [{ root: '/', registeredAt: 'now-200d', deregisteredAt: 'now-100d' }],
  currentRegisteredAt: 'now-100d',
};

describe('cutovers the bot never saw', () => {
  let w: World;
  beforeAll(async () => {
    w = await startWorld({
      taskDefinitionHistory: MOVED_BY_HAND,
      fileSystems: { DbStorage: { tree: { db: LIVE, stale: ['/'] } } },
      recoveryPoints: [
        { id: ID.beforeUnseen, createdAt: 'now-150d', tree: { db: '/' } },
        { id: ID.newest, createdAt: 'now-2h', tree: { db: LIVE, stale: ['/'] } },
      ],
    });
  });
  afterAll(() => stopWorld(w));

  it('a point older than the unseen cutover is restored from the volume root, where the database was then', async () => {
    const card = await restore(w, ID.beforeUnseen);
    expect(allText(card)).toContain('Done.');
    expect(allText(card)).toContain(
      'full volume (it lived in `/` then, per the chat-db task definition revisions)',
    );
    expect(liveMarker(w)).toBe(ID.beforeUnseen);
    expect(restoreJobs(w).at(-1)?.itemsToRestore).toBeUndefined();
  });

  it('after the bot’s own cutover, a point older than both cutovers still comes from the volume root', async () => {
    expect(allText(await restore(w, ID.newest))).toContain('Done.');
    expect(liveMarker(w)).toBe(ID.newest);
    expect(restoreJobs(w).at(-1)?.itemsToRestore).toEqual([LIVE]);

    const card = await restore(w, ID.beforeUnseen);
    expect(allText(card)).toContain('Done.');
    expect(liveMarker(w)).toBe(ID.beforeUnseen);
    // The bot's own history alone would have restored the root its cutover replaced, item-level.
    expect(restoreJobs(w).every((j) => j.status === 'COMPLETED')).toBe(true);
  });
});

describe('evidence from the restored data', () => {
  let w: World;
  beforeAll(async () => {
    w = await startWorld({
      restoreDirDigits: 0,
      fileSystems: { DbStorage: { tree: { db: LIVE, stale: ['/'] } } },
      recoveryPoints: [
        // Older than the only task definition revision (30 days): where the DB lived is not proven.
        { id: ID.moved, createdAt: 'now-40d', tree: { db: LIVE, stale: ['/'] } },
        {
          id: ID.twins,
          createdAt: 'now-41d',
          tree: { db: LIVE, fresh: ['/aws-backup-restore_2026-09-01T00-00-00-000Z'] },
        },
        // The revision says LIVE, but the point holds the database elsewhere.
        {
          id: ID.missingItems,
          createdAt: 'now-10d',
          tree: { db: '/aws-backup-restore_2026-10-01T00-00-00Z' },
        },
      ],
    });
  });
  afterAll(() => stopWorld(w));

  it('two data dirs written equally recently: the bot asks, the requester picks, a second engineer confirms', async () => {
    const started = await startConfirmed(w, ID.twins);
    const asking = await cardSaying(w, started, /Waiting for a pick/);
    const text = allText(asking);
    expect(text).toContain('2 data dirs were written within the backup');
    expect(text).toMatch(
      new RegExp(`/aws-backup-restore_\\d{4}-\\d{2}-\\d{2}T\\d{2}-\\d{2}-\\d{2}Z${LIVE}\` · depth 1 · `),
    );
    expect(text).toContain(`/aws-backup-restore_2026-09-01T00-00-00-000Z\` · depth 1 · `);
    expect(text).toContain("within the backup's window");
    expect(text).toContain(`Production: unchanged — chat-db still runs on \`${LIVE}\``);
    expect(liveRoot(w)).toBe(LIVE);

    // Someone else's pick is refused privately and changes nothing.
    const liveButton = pickButton(asking, LIVE);
    const refused = await click(w, SECOND_USER, liveButton);
    expect(await privateAnswer(w, refused)).toContain(
      `Only <@${DEFAULT_USER}>, who asked for this restore, picks the data dir`,
    );
    await click(w, DEFAULT_USER, liveButton);
    const pickedCard = await cardSaying(w, started, /picked by/);
    expect(allText(pickedCard)).toContain(`picked by <@${DEFAULT_USER}>*`);

    // The requester cannot confirm their own pick.
    const own = await click(w, DEFAULT_USER, confirmPickButton(pickedCard));
    expect(await privateAnswer(w, own)).toContain('a second engineer must confirm it');
    expect(liveRoot(w)).toBe(LIVE);

    await click(w, SECOND_USER, confirmPickButton(pickedCard));
    const card = await cardAtEnd(w, started, ID.twins);
    expect(allText(card)).toContain('Done.');
    expect(liveMarker(w)).toBe(ID.twins);
    // The copy not picked stays where the restore put it, never moved aside nor deleted.
    const restoreDir = restoreJobs(w).at(-1)?.restoreDir ?? '';
    const mount = w.sim.env().CHATDB_INSPECTOR_MOUNT as string;
    expect(
      existsSync(join(mount, restoreDir, 'aws-backup-restore_2026-09-01T00-00-00-000Z', 'storage.bson')),
    ).toBe(true);
  });

  it('stale database files at the volume root: the live copy in its restore directory wins, named with no fractional seconds', async () => {
    const card = await restore(w, ID.moved);
    expect(allText(card)).toContain('Done.');
    expect(liveMarker(w)).toBe(ID.moved);
    expect(restoreJobs(w).at(-1)?.restoreDir).toMatch(
      /^\/aws-backup-restore_\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}Z$/,
    );
  });

  it('an item-level job whose items are not in the point falls back to the whole volume and says so', async () => {
    const card = await restore(w, ID.missingItems);
    const text = allText(card);
    expect(text).toContain('Done.');
    expect(text).toContain('whole volume: the item-level job found its items missing from the point');
    expect(liveMarker(w)).toBe(ID.missingItems);
    const jobs = restoreJobs(w).slice(-2);
    expect(jobs.map((j) => j.status)).toEqual(['FAILED', 'COMPLETED']);
    expect(jobs[1]?.itemsToRestore).toBeUndefined();
  });
});

describe('cleanup after the first move away from the volume root', () => {
  const FAILED = 'aws-backup-failed-restore_2026-03-01T00-00-00-000Z';
  const LOST = 'aws-backup-lost+found';
  let w: World;
  beforeAll(async () => {
    w = await startWorld({
      // Moved by hand, leaving the database files at the volume root; two restores failed part-way since.
      taskDefinitionHistory: MOVED_BY_HAND,
      fileSystems: { DbStorage: { tree: { db: LIVE, stale: ['/'], awsLeftovers: [FAILED, LOST] } } },
    });
  });
  afterAll(() => stopWorld(w));

  /** Every file and directory on the volume, relative to it, with sizes (what "untouched" compares). */
  function tree(dir: string, rel = ''): string[] {
    return readdirSync(join(dir, rel), { withFileTypes: true }).flatMap((e) => {
      const path = rel === '' ? e.name : `${rel}/${e.name}`;
      return e.isDirectory()
        ? [`${path}/`, ...tree(dir, path)]
        : [`${path} ${statSync(join(dir, path)).size}`];
    });
  }

  it('offers the database files at the volume root as one item and deletes exactly those, never the live root', async () => {
    const mount = w.sim.env().CHATDB_INSPECTOR_MOUNT as string;
    const before = tree(mount);
    const rootFiles = readdirSync(mount).filter((n) =>
      /^(WiredTiger|storage\.bson|mongod\.lock|_mdb_catalog|sizeStorer|collection-|index-|journal$|diagnostic\.data$)/.test(
        n,
      ),
    );
    expect(rootFiles.length).toBeGreaterThan(10);

    sent += 1;
    await post(
      w,
      slashCommandBody({
        text: 'cleanup',
        user_id: DEFAULT_USER,
        response_url: w.fake.responseUrl(`rd-${sent}`),
      }),
    );
    const card = await waitFor(
      () =>
        w.fake
          .messages(DEFAULT_CHANNEL)
          .find((m) => m.threadTs === undefined && allText(m).includes('What cleanup can remove')),
      { ...SLOW, what: 'the cleanup card' },
    );
    const text = allText(card);
    expect(text).toContain(`Database files at the volume root (${rootFiles.length})`);
    expect(text).toContain('`/storage.bson`');
    expect(text).toContain(`\`/${FAILED}\``);
    expect(text).toContain(`\`/${LOST}\``);
    expect(text).toContain(`\`${LIVE}\` · `);
    expect(text).toMatch(/kept: it holds the live root/);

    const chooser = interactiveElements((card.blocks as unknown[]) ?? []).find(
      (e) => e.action_id === ACTION_IDS.cleanupChoose,
    ) as { block_id?: string; options?: { text: { text: string }; value: string }[] } | undefined;
    const option = chooser?.options?.find((o) => o.text.text.startsWith('database files at the volume root'));
    if (option === undefined) throw new Error(`no option for the root files:\n${allText(card)}`);
    sent += 1;
    await post(
      w,
      blockActionBody({
        action_id: ACTION_IDS.cleanupChoose,
        block_id: String(chooser?.block_id),
        element: { type: 'multi_static_select', selected: [option.value] },
        user_id: DEFAULT_USER,
        response_url: w.fake.responseUrl(`rd-${sent}`),
      }),
    );
    const chosen = await waitFor(
      () => w.fake.messages(DEFAULT_CHANNEL).find((m) => m.ts === card.ts && allText(m).includes('*chosen*')),
      { ...SLOW, what: 'the card with the root files chosen' },
    );
    const confirm = interactiveElements((chosen.blocks as unknown[]) ?? []).find(
      (e) => e.action_id === ACTION_IDS.confirm,
    );
    await click(w, SECOND_USER, { action_id: ACTION_IDS.confirm, ...confirm });
    const done = await cardSaying(w, card, /Done\.|failed\./);
    expect(allText(done)).toContain(`Done.* ${rootFiles.length} entries were deleted by name`);

    const after = tree(mount);
    const gone = (entry: string) =>
      rootFiles.some((f) => entry === f || entry.startsWith(`${f} `) || entry.startsWith(`${f}/`));
    // Exactly the root's database files went; everything else, the live root's contents first, is as it was.
    expect(after).toEqual(before.filter((entry) => !gone(entry)));
    expect(readdirSync(mount).filter((n) => rootFiles.includes(n))).toEqual([]);
    expect(after.filter((e) => e.startsWith(`${LIVE.slice(1)}/`)).length).toBeGreaterThan(10);
    expect(liveMarker(w)).not.toBe('');
  });
});
