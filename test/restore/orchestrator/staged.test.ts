// A staged restore whose locate cannot tell data dirs apart, in-process against the simulator: the
// engineers pick while the plan itself still awaits its confirmation, the staging goes on after the
// confirmed pick, and the cutover waits for the plan's confirmation.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RestoreSession } from '../../../src/restore/session.js';
import { type SimWithPorts, startSimWithPorts } from '../../helpers/sim-ports.js';
import { waitFor } from '../../helpers/wait.js';
import { livePick, PICK_POINT, PICK_SCENARIO } from './crash-steps.js';
import { CHANNEL, CONFIRMER, harness, REQUESTER, settled } from './support.js';

describe('a staged restore that needs a pick', () => {
  let env: SimWithPorts;
  beforeEach(async () => {
    env = await startSimWithPorts({ speed: 4000, scenario: PICK_SCENARIO });
  });
  afterEach(async () => {
    await env.close();
  });

  it('is picked and the pick confirmed before the plan; the cutover waits for the plan’s confirmation', async () => {
    const { runtime } = harness(env);
    const service = runtime.service;
    const session = await service.start(
      { channel: CHANNEL, user: REQUESTER },
      { kind: 'id', id: PICK_POINT },
      PICK_POINT,
    );
    expect((await service.startStaged(session.id, REQUESTER, session.planHash as string)).ok).toBe(true);
    const asked = await waitFor(
      () => {
        const s = service.get(session.id);
        return s?.status === 'awaiting_pick' ? s : undefined;
      },
      { timeoutMs: 60_000, what: 'the pick to be asked for' },
    );
    expect(asked.confirmer).toBeUndefined();
    await service.pickDataDir(session.id, REQUESTER, livePick(asked) ?? '');
    const picked = service.get(session.id)?.pick?.picked?.hash ?? '';
    expect((await service.confirmPick(session.id, CONFIRMER, picked)).ok).toBe(true);
    const ready = await waitFor(
      () => {
        const s = service.get(session.id);
        return s?.status === 'awaiting_confirmation' ? s : s?.status === 'failed' ? s : undefined;
      },
      { timeoutMs: 60_000, what: 'the staged restore to be ready' },
    );
    expect(ready.status).toBe('awaiting_confirmation');
    expect(ready.stages.find((st) => st.name === 'check')?.status).toBe('done');
    expect((await env.state()).calls['cloudformation:ExecuteChangeSet'] ?? 0).toBe(0);

    expect((await service.confirm(session.id, CONFIRMER, session.planHash as string)).ok).toBe(true);
    const done: RestoreSession = await settled(runtime, session.id);
    expect(done.status).toBe('succeeded');
    expect((await env.state()).calls['cloudformation:ExecuteChangeSet']).toBe(1);
    // The live root holds the picked point's data.
    const bson = readFileSync(join(env.settings.inspectorMount, done.roots.next ?? '', 'storage.bson'));
    expect(bson.toString('latin1')).toContain(PICK_POINT);
    await runtime.close();
  });
});
