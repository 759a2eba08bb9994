// Who may confirm (and reject) a session: CHATDB_APPROVERS as a policy. A user group's members
// are read through a port (the Slack layer implements it with usergroups.users.list) and cached
// briefly, so a burst of clicks costs one API call. The state machine never awaits any of this:
// it receives the verdict inside the event.

import type { ApproversSetting } from '../config.js';
import { RestoreError } from './errors.js';
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
