// The fault matrix with the real bot process: each fault the simulator can inject, at each stage
// where it can hit, and Slack-side faults, one restore each (started by one engineer, confirmed by
// a second). Every run must end with a clear end state on the card and in its thread, and a known
// production state that the card names and the simulator confirms; no run may start a second
// restore job, execute a second change set or post a notice twice. Expected outcomes and why:
// support/fault-cases.ts.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NO_FAULTS } from '../../src/sim/faults.js';
import { allText } from '../slack/support/block-limits.js';
import { FAULT_CASES, type FaultCase } from './support/fault-cases.js';
import { type CaseResult, FaultWorld, productionOf } from './support/fault-world.js';

let world: FaultWorld | undefined;
const report: { fault: string; stage: string; outcome: string; production: string; seconds: number }[] = [];
const started = Date.now();

beforeAll(async () => {
  world = await FaultWorld.start();
}, 60_000);

afterAll(async () => {
  const rows = report.map((r) => [r.fault, r.stage, r.outcome, r.production, r.seconds.toFixed(1)]);
  const head = ['fault', 'stage', 'outcome', 'production', 's'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ');
  const failedRuns = report.filter((r) => r.outcome.startsWith('failed')).length;
  console.log(
    [
      `fault-matrix: ${report.length} of ${FAULT_CASES.length} cases ended as expected ` +
        `(${report.length - failedRuns} restored, ${failedRuns} failed cleanly) in ${((Date.now() - started) / 1000).toFixed(0)} s; ` +
        `${world?.simulators ?? 0} simulator(s)`,
      line(head),
      ...rows.map(line),
    ].join('\n'),
  );
  await world?.close();
});

function caseName(c: FaultCase): string {
  return `${c.fault} at ${c.stage}`;
}

describe.sequential('the fault matrix against the real bot process', () => {
  it.each(FAULT_CASES.map((c, i) => [caseName(c), c, i] as const))(
    '%s',
    { timeout: 60_000 },
    async (_name, c, i) => {
      const w = world as FaultWorld;
      const armed = c.arm(w);
      let r: CaseResult;
      try {
        r = await w.runCase(`C0FAULT${String(i).padStart(2, '0')}`, armed.hooks);
      } finally {
        armed.dispose?.();
        await w.setFaults(NO_FAULTS);
      }
      const { session, after, before } = r;
      const cardText = allText(r.card);
      const outcome =
        session.failure === undefined
          ? session.status
          : `${session.status} at ${session.failure.stage} (${session.failure.code ?? '?'})`;
      const context = `${caseName(c)} ended ${outcome}: ${session.failure?.reason ?? ''}\n${cardText}`;

      // The fault hit where it was meant to.
      expect(armed.problems(), context).toEqual([]);

      // (a) A clear end: the card shows the end state and the thread holds the notice saying it.
      expect(session.status, context).toBe(c.expect.status);
      expect(r.card.text ?? '', context).toContain(`: ${c.expect.status}.`);
      if (c.expect.status === 'failed') {
        expect(session.failure?.stage, context).toBe(c.expect.stage);
        expect(session.failure?.code, context).toBe(c.expect.code);
        if (c.expect.reasonIncludes !== undefined) {
          expect(session.failure?.reason, context).toContain(c.expect.reasonIncludes);
        }
        expect(cardText, context).toContain(session.failure?.reason ?? 'a reason');
        const failedAt = c.expect.stage;
        const notice = r.thread.find((m) => noticeOf(m) === `${failedAt}:failed`);
        expect(notice, `${context}\nno failure notice in the thread`).toBeDefined();
        expect(productionOf(allText(notice ?? {})), context).toBe(c.expect.production);
      } else {
        expect(session.failure, context).toBeUndefined();
        expect(cardText, context).toContain('Done.');
        expect(
          r.thread.some((m) => noticeOf(m) === 'session:summary'),
          context,
        ).toBe(true);
      }

      // (b) A known production state, the same on the card, in the session and in the simulator.
      expect(r.cardProduction, context).toBe(c.expect.production);
      if (session.failure !== undefined)
        expect(session.failure.production, context).toBe(c.expect.production);
      if (c.expect.production === 'cut_over') {
        expect(r.rootAfter, context).toBe(session.roots.next);
        expect(r.rootAfter, context).toMatch(/^\/chatdb-restore_/);
        expect(r.rootAfter, context).not.toBe(r.rootBefore);
        expect(cardText, context).toContain(`\`${r.rootAfter}\``);
        expect(after.stack.stack.status, context).toBe('UPDATE_COMPLETE');
      } else {
        expect(r.rootAfter, context).toBe(r.rootBefore);
        expect(cardText, context).toContain(`\`${r.rootBefore}\``);
      }
      if (c.expect.production === 'rolled_back') {
        expect(after.stack.stack.status, context).toBe('UPDATE_ROLLBACK_COMPLETE');
      }

      // No mutation repeated: at most one restore job and one accepted change set execution.
      expect(after.restoreJobs.length - before.restoreJobs.length, context).toBe(c.restoreJobs);
      expect(after.stack.executions.accepted - before.stack.executions.accepted, context).toBe(c.executions);

      // Each notice once in the thread, and every notice the session recorded is there.
      const repeated = [...r.noticeCounts].filter(([, n]) => n > 1).map(([k, n]) => `${k} ×${n}`);
      expect(repeated, context).toEqual([]);
      expect(r.repeatedBlockIds, context).toEqual([]);
      // A stage that ended within a second is told by its "done" alone (its "started" is recorded
      // as told by the card); a plan that failed to resolve is told by the card.
      const byCard = session.notices.filter((n) => n.postedTs === session.card?.ts);
      expect(
        byCard.filter((n) => n.kind !== 'started' && !(n.kind === 'failed' && n.stage === 'resolve')),
        context,
      ).toEqual([]);
      expect([...r.noticeCounts.keys()].sort(), context).toEqual(
        session.notices
          .filter((n) => !byCard.includes(n))
          .map((n) => n.id)
          .sort(),
      );

      report.push({
        fault: c.fault,
        stage: c.stage,
        outcome,
        production: r.cardProduction,
        seconds: r.seconds,
      });
    },
  );
});

describe('after the fault matrix', () => {
  it('the bot process is still up and logged no error', async () => {
    const w = world as FaultWorld;
    expect((await fetch(`${w.bot.url}/healthz`)).status).toBe(200);
    const errors = w.bot.lines
      .filter((l) => Number(l.level) >= 50)
      .map((l) => JSON.stringify(l).slice(0, 300));
    expect(errors).toEqual([]);
  });
});

function noticeOf(m: { metadata?: unknown }): string | undefined {
  const notice = (m.metadata as { event_payload?: { notice?: unknown } } | undefined)?.event_payload?.notice;
  return typeof notice === 'string' ? notice : undefined;
}
