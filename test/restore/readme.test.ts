// src/restore/README.md shows the lifecycle table and the order of the stages; both must be what
// src says (lifecycle.ts, session.ts), so the page cannot drift from the code.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LIFECYCLE } from '../../src/restore/lifecycle.js';
import { OPEN_STATUSES, type SessionKind, STAGES_BY_KIND } from '../../src/restore/session.js';
import { SESSION_EVENT_TYPES } from '../../src/restore/transitions.js';

const readme = readFileSync(new URL('../../src/restore/README.md', import.meta.url), 'utf8');

/** The table as the README draws it: one row per event, one column per open status, then the ended ones. */
function lifecycleMarkdown(): string {
  const cell = (c: (typeof LIFECYCLE)['running']['cancel']) =>
    'refuse' in c ? `✗ ${c.refuse}` : `→ ${c.to.join(' or ')}`;
  const ended = (type: (typeof SESSION_EVENT_TYPES)[number]) =>
    'refuse' in LIFECYCLE.succeeded[type] ? cell(LIFECYCLE.succeeded[type]) : '→ (unchanged)';
  const rows = SESSION_EVENT_TYPES.map(
    (type) =>
      `| ${type} | ${OPEN_STATUSES.map((status) => cell(LIFECYCLE[status][type])).join(' | ')} | ${ended(type)} |`,
  );
  return [
    `| event | ${OPEN_STATUSES.join(' | ')} | ended |`,
    `|---|${OPEN_STATUSES.map(() => '---|').join('')}---|`,
    ...rows,
  ].join('\n');
}

describe('src/restore/README.md', () => {
  it('draws the lifecycle table of lifecycle.ts', () => {
    // Every ended status has the same row, bar the status a receipt leaves it in: one column.
    for (const status of ['failed', 'cancelled', 'rejected', 'expired'] as const) {
      for (const type of SESSION_EVENT_TYPES) {
        const succeeded = LIFECYCLE.succeeded[type];
        expect(LIFECYCLE[status][type]).toEqual('refuse' in succeeded ? succeeded : { to: [status] });
      }
    }
    expect(readme).toContain(lifecycleMarkdown());
  });

  it('lists the stages of each kind in the order session.ts runs them', () => {
    for (const kind of Object.keys(STAGES_BY_KIND) as SessionKind[]) {
      expect(readme).toContain(`- ${kind}: ${STAGES_BY_KIND[kind].join(' → ')}`);
    }
  });
});
