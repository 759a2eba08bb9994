// A drill and a restore for the same file system, through the restore service as main.ts builds
// it, against the simulator: a restore's start takes the lock from a running drill at once (the
// drill persisted as cancelled first, its lock then reclaimed, never both holding it); a drill
// never takes anything from another session.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isRestoreError } from '../../../src/restore/errors.js';
import { type SimWithPorts, startSimWithPorts } from '../../helpers/sim-ports.js';
import { waitFor } from '../../helpers/wait.js';
import { CHANNEL, CONFIRMER, harness, REQUESTER, settled } from './support.js';

describe('a drill and a restore', () => {
  let env: SimWithPorts;
  beforeEach(async () => {
    env = await startSimWithPorts({ speed: 50 });
  });
  afterEach(async () => {
    await env.close();
  });

  it('a start takes the lock from a running drill at once; the drill ends, its job left to AWS', async () => {
    const { runtime, stateDir } = harness(env);
    const s = runtime.service;
    const drill = await s.drill({ channel: CHANNEL, user: REQUESTER }, { kind: 'latest' }, 'latest');
    expect(drill.status).toBe('running');
    await waitFor(() => s.get(drill.id)?.aws.restoreJobId, { what: "the drill's restore job" });
    const fsId = drill.plan?.fileSystemId as string;
    const lockFile = join(stateDir, 'locks', `${fsId}.lock`);
    expect(JSON.parse(await readFile(lockFile, 'utf8')).sessionId).toBe(drill.id);

    const restore = await s.start({ channel: CHANNEL, user: CONFIRMER }, { kind: 'latest' }, 'latest');
    expect(restore.status).toBe('awaiting_confirmation');
    const ended = s.get(drill.id);
    expect(ended?.status).toBe('cancelled');
    expect(ended?.ended).toMatchObject({ by: CONFIRMER, reason: `taken over by session ${restore.id}` });
    expect(JSON.parse(await readFile(lockFile, 'utf8')).sessionId).toBe(restore.id);
    // The drill's job runs on in AWS Backup; nothing else of the drill's runs.
    await s.idle();
    expect(s.get(drill.id)?.stages.find((st) => st.name === 'restore')?.status).toBe('skipped');
    expect(env.sim.state().restoreJobs).toHaveLength(1);
    await s.cancel(restore.id, CONFIRMER);
    await runtime.close();
  });

  it('a drill is refused while another session holds the file system, and takes nothing over', async () => {
    const { runtime } = harness(env);
    const s = runtime.service;
    const restore = await s.start({ channel: CHANNEL, user: REQUESTER }, { kind: 'latest' }, 'latest');
    const refused = await s
      .drill({ channel: 'C0DRILLS', user: CONFIRMER }, { kind: 'latest' }, 'latest')
      .catch((error: unknown) => error);
    expect(isRestoreError(refused, 'locked')).toBe(true);
    expect(s.get(restore.id)?.status).toBe('awaiting_confirmation');
    const cancelled = await s.cancel(restore.id, REQUESTER);
    expect(cancelled.ok).toBe(true);
    // Once the file system is free, a drill runs (and its failure or success is its own).
    const drill = await s.drill({ channel: 'C0DRILLS', user: CONFIRMER }, { kind: 'latest' }, 'latest');
    env.sim.setSpeed(4000);
    expect((await settled(runtime, drill.id)).status).toBe('succeeded');
    await runtime.close();
  });
});
