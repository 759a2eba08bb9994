// `list` marks the point whose data is live now, and `start latest` on that point warns before the
// plan is confirmed: against the simulator, with the views rendering what the service reports.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sessionCard } from '../../../src/slack/views/card.js';
import { listMessage } from '../../../src/slack/views/list.js';
import { type SimWithPorts, startSimWithPorts } from '../../helpers/sim-ports.js';
import { allText } from '../../slack/support/block-limits.js';
import { CHANNEL, harness, REQUESTER, restoreConfirmed } from './support.js';

describe('the point whose data is live', () => {
  let env: SimWithPorts;
  beforeEach(async () => {
    env = await startSimWithPorts({ speed: 4000 });
  });
  afterEach(async () => {
    await env.close();
  });

  it('is marked in list after a restore, and a new plan for it warns', async () => {
    const { runtime } = harness(env);
    const service = runtime.service;
    const before = await service.listPoints(5);
    expect(before.livePoint).toBeUndefined();

    const done = await restoreConfirmed(runtime);
    if (done.plan?.kind !== 'restore') throw new Error('not a restore');
    const after = await service.listPoints(5);
    expect(after.livePoint).toEqual({ arn: done.plan.recoveryPoint.arn, sessionId: done.id });
    const text = allText(listMessage(after, new Date()));
    expect(text).toContain(`*live now* (restored by session \`${done.id}\`)`);
    expect(text.match(/live now/g)).toHaveLength(1);

    const again = await service.start({ channel: CHANNEL, user: REQUESTER }, { kind: 'latest' }, 'latest');
    expect(again.plan?.kind === 'restore' ? again.plan.liveFrom : undefined).toBe(done.id);
    const card = allText(sessionCard(again, { now: new Date(), approvers: { kind: 'anyone' } }));
    expect(card).toContain("This point's data is already live:");
    // The estimate now comes from the restore that just ran.
    expect(again.plan?.kind === 'restore' ? again.plan.estimate?.samples : undefined).toBe(1);
    expect(card).toContain('from the last restore of this volume');
  });
});
