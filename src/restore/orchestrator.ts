// Runs sessions: every user request and every stage outcome becomes an event for the pure
// transition function; the result is persisted before anything else happens, and only then are its
// effects carried out (run a stage, arm the expiry timer, release the lock). Stages run as
// activities over the AWS ports; their mid-stage checkpoints are persisted through the same path,
// so a process killed anywhere resumes from the last persisted step and never repeats a mutation.
//
// This file is the wiring; the parts live in runner/ and share one context (runner/context.ts):
// - session-loop.ts: serial per session → transition → persist → emit → effects (effects.ts);
// - stage-runner.ts: a stage's activity with its checkpoint, progress and abort hooks
//   (stage-hooks.ts), replan, the ask for a pick; teardown.ts: the staged teardown effect;
// - opener.ts: a new session, its lock, its plan (plans.ts: what each kind resolves to);
// - expiry.ts: the expiry timers; points.ts: `list`; queries.ts: the read-only views;
// - requests.ts: the engineers' requests on a session; resume.ts: restart, idle and close.

import { createRunner, type RestoreServiceDeps } from './runner/context.js';
import { runEffects } from './runner/effects.js';
import { open } from './runner/opener.js';
import {
  cleanupPlanEvent,
  drillPlanEventOf,
  restorePlanEvent,
  retryCutoverPlanEvent,
  retryRestorePlanEvent,
  rollbackPlanEvent,
} from './runner/plans.js';
import { listPoints } from './runner/points.js';
import { openSessions, recentSessions, sessionsSince } from './runner/queries.js';
import * as requests from './runner/requests.js';
import { close, idle, resumeAll } from './runner/resume.js';
import { apply } from './runner/session-loop.js';
import type { RestoreService } from './service.js';

export type { OrchestratorLog, RestoreServiceDeps } from './runner/context.js';

export function createRestoreService(deps: RestoreServiceDeps): RestoreService & { idle(): Promise<void> } {
  const rt = createRunner(deps);
  rt.runEffects = (session, effects) => runEffects(rt, session, effects);

  return {
    listPoints: (limit) => listPoints(rt, limit),

    start: (actor, spec, pointInput) =>
      open(rt, actor, 'restore', pointInput, (session, target) =>
        restorePlanEvent(rt, session, target, actor, spec),
      ),
    drill: (actor, spec, pointInput) =>
      open(rt, actor, 'drill', pointInput, (session, target) =>
        drillPlanEventOf(rt, session, target, actor, spec),
      ),
    rollback: (actor, of) =>
      open(rt, actor, 'rollback', undefined, (_session, target) => rollbackPlanEvent(rt, target, actor, of)),
    cleanup: (actor) =>
      open(rt, actor, 'cleanup', undefined, (_session, target) => cleanupPlanEvent(rt, target, actor)),
    retryRestore(actor, of) {
      const failed = rt.sessions.get(of);
      return open(rt, actor, 'restore', failed?.pointInput, (session, target) =>
        retryRestorePlanEvent(rt, session, target, actor, failed, of),
      );
    },
    retryCutover(actor, of) {
      const failed = rt.sessions.get(of);
      return open(rt, actor, 'restore', failed?.pointInput, (session, target) =>
        retryCutoverPlanEvent(rt, session, target, actor, failed, of),
      );
    },

    startStaged: (sessionId, user, planHash) =>
      apply(rt, sessionId, { type: 'start_staged', user, planHash }),
    confirm: (sessionId, user, planHash) => requests.confirm(rt, sessionId, user, planHash),
    reject: (sessionId, user, opts = {}) => requests.reject(rt, sessionId, user, opts),
    mayReject: (sessionId, user, planHash) => requests.mayReject(rt, sessionId, user, planHash),
    cancel: (sessionId, user) => requests.cancel(rt, sessionId, user),
    chooseCleanup: (sessionId, user, paths) => apply(rt, sessionId, { type: 'cleanup_choose', user, paths }),
    pickDataDir: (sessionId, user, path) => apply(rt, sessionId, { type: 'pick', user, path }),
    confirmPick: (sessionId, user, pickHash) => requests.confirmPick(rt, sessionId, user, pickHash),

    get: (sessionId) => rt.sessions.get(sessionId),
    open: (channel) => openSessions(rt, channel),
    recent: (channel, limit) => recentSessions(rt, channel, limit),
    since: (at) => sessionsSince(rt, at),

    setCard: (sessionId, ts) => requests.setCard(rt, sessionId, ts),
    markNoticePosted: (sessionId, noticeId, ts) => requests.markNoticePosted(rt, sessionId, noticeId, ts),

    subscribe(listener) {
      rt.listeners.add(listener);
      return () => rt.listeners.delete(listener);
    },

    resumeAll: () => resumeAll(rt),
    idle: () => idle(rt),
    close: () => close(rt),
  };
}
