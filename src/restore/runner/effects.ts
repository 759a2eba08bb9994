// Carries out the effects of a persisted event: what the transition asked for, in its order.

import type { RestoreSession, SessionEffect } from '../session.js';
import type { Runner } from './context.js';
import { armExpiry, clearExpiry } from './expiry.js';
import { abortStage, startStage } from './stage-runner.js';
import { runTeardown } from './teardown.js';

export function runEffects(rt: Runner, session: RestoreSession, effects: SessionEffect[]): void {
  for (const effect of effects) {
    switch (effect.type) {
      case 'run_stage':
        if (effect.stage !== 'resolve') startStage(rt, session.id, effect.stage);
        break;
      case 'abort_stage':
        abortStage(rt, session.id);
        break;
      case 'await_confirmation':
        armExpiry(rt, session.id, effect.expiresAt);
        break;
      case 'release_lock':
        clearExpiry(rt, session.id);
        if (effect.fileSystemId !== undefined) {
          rt.deps.lock.release(effect.fileSystemId, session.id).catch((error: unknown) => {
            rt.deps.log.error({ err: error, session: session.id }, 'could not release the file system lock');
          });
        }
        break;
      case 'notify':
        // Notices are delivered by whoever subscribes (the Slack notifier) from the session itself.
        break;
      case 'teardown_staged':
        runTeardown(rt, session.id);
        break;
    }
  }
}
