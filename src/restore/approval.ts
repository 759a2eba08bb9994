// Who may confirm (and reject) a session: CHATDB_APPROVERS as a policy. A user group's members
// are read through a port (the Slack layer implements it with usergroups.users.list) and cached
// briefly, so a burst of clicks costs one API call. The state machine never awaits any of this:
// it receives the verdict inside the event.

import type { ApproversSetting } from '../config.js';
import { RestoreError } from './errors.js';
import { pastPointOfNoReturn, type RestoreSession } from './session.js';
import type { ApproverVerdict } from './transitions.js';

export type ApproverPolicy = ApproversSetting;

/** Reads a user group's member ids. */
export type GroupMembersPort = (groupId: string) => Promise<readonly string[]>;

export interface ApproverCheck {
  readonly policy: ApproverPolicy;
  /** Throws RestoreError `approvers_unavailable` when the group cannot be read and no list is fresh enough. */
  isApprover(userId: string): Promise<boolean>;
  /** The same, with a failure to read the group as 'unknown' (what the transitions take). */
  verdict(userId: string): Promise<ApproverVerdict>;
}

export interface ApproverCheckOptions {
  /** How long a group's member list is used without asking again. */
  cacheMs?: number;
  /**
   * How long a member list may still be used when asking again fails: Slack having a bad minute
   * during an outage should not stop a restore that the same approvers could confirm a minute ago.
   */
  staleMs?: number;
  now?: () => number;
}

export function createApproverCheck(
  policy: ApproverPolicy,
  groupMembers: GroupMembersPort,
  { cacheMs = 60_000, staleMs = 15 * 60_000, now = Date.now }: ApproverCheckOptions = {},
): ApproverCheck {
  let cached: { members: ReadonlySet<string>; at: number } | undefined;
  let inFlight: Promise<ReadonlySet<string>> | undefined;

  const members = async (groupId: string): Promise<ReadonlySet<string>> => {
    if (cached !== undefined && now() - cached.at < cacheMs) return cached.members;
    // Concurrent clicks share one request.
    if (inFlight === undefined) {
      const request = fetchMembers(groupId);
      inFlight = request;
      // Cleared in a later tick, after the assignment above, however fast the port answers.
      request.then(
        () => clear(request),
        () => clear(request),
      );
    }
    return inFlight;
  };

  const clear = (request: Promise<ReadonlySet<string>>) => {
    if (inFlight === request) inFlight = undefined;
  };

  const fetchMembers = async (groupId: string): Promise<ReadonlySet<string>> => {
    try {
      const list = await groupMembers(groupId);
      cached = { members: new Set(list), at: now() };
      return cached.members;
    } catch (error) {
      if (cached !== undefined && now() - cached.at < staleMs) return cached.members;
      throw new RestoreError(
        'approvers_unavailable',
        `The members of the approvers group ${groupId} could not be read.`,
        { groupId },
        { cause: error },
      );
    }
  };

  const isApprover = async (userId: string): Promise<boolean> => {
    switch (policy.kind) {
      case 'anyone':
        return true;
      case 'users':
        return policy.ids.includes(userId);
      case 'group':
        return (await members(policy.groupId)).has(userId);
    }
  };

  return {
    policy,
    isApprover,
    async verdict(userId) {
      try {
        return await isApprover(userId);
      } catch (error) {
        if (error instanceof RestoreError && error.code === 'approvers_unavailable') return 'unknown';
        throw error;
      }
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Who may cancel: one rule for the state machine (which enforces it) and the card (which says it).

/** Who may cancel a session as it now is; `undefined` when nobody can (ended, or past the point of no return). */
export interface CancelRule {
  /** These users, by id (the requester; once a stage that takes time runs, the confirmer too). */
  users: readonly string[];
  /**
   * Members of CHATDB_APPROVERS as well. With approvers "anyone" this means every engineer
   * before the work starts, and nobody beyond `users` once it runs: a mis-click by a bystander
   * must not throw away a restore job that took tens of minutes.
   */
  approvers: boolean;
}

export interface CancelSubject {
  status: RestoreSession['status'];
  requester: string;
  confirmer?: string | undefined;
  kind: RestoreSession['kind'];
  stages: RestoreSession['stages'];
  /** Restoring before the confirmation (staged.ts): set once its requester started it. */
  staged?: RestoreSession['staged'];
}

export function cancelRule(s: CancelSubject, approversNamed: boolean): CancelRule | undefined {
  // A drill changes nothing in production: any approver (anyone, without a list) may stop it,
  // until its teardown has begun. A scheduled one's requester is the bot itself.
  if (s.kind === 'drill' && (s.status === 'resolving' || s.status === 'running')) {
    return pastPointOfNoReturn(s) ? undefined : { users: [s.requester], approvers: true };
  }
  switch (s.status) {
    case 'resolving':
    case 'awaiting_confirmation':
      // A restore staged before the confirmation holds a finished job: as while it was staging.
      if (s.staged !== undefined) return { users: [s.requester], approvers: approversNamed };
      return { users: [s.requester], approvers: true };
    case 'awaiting_pick':
      // Nothing has moved: as before the confirmation, and the plan's confirmer too.
      return {
        users: s.confirmer === undefined ? [s.requester] : [s.requester, s.confirmer],
        approvers: true,
      };
    case 'staging':
      // Restoring before the confirmation: as once it runs, a bystander cannot throw the job away.
      return { users: [s.requester], approvers: approversNamed };
    case 'running': {
      if (pastPointOfNoReturn(s)) return undefined;
      const users = s.confirmer === undefined ? [s.requester] : [s.requester, s.confirmer];
      return { users, approvers: approversNamed };
    }
    default:
      return undefined;
  }
}

/** Whether `user` may cancel under `rule`; 'unknown' when only the unreadable group could say. */
export function mayCancel(
  rule: CancelRule | undefined,
  user: string,
  isApprover: ApproverVerdict,
): boolean | 'unknown' {
  if (rule === undefined) return false;
  if (rule.users.includes(user)) return true;
  if (!rule.approvers) return false;
  return isApprover;
}
