import type { webApi } from '@slack/bolt';
import type { GroupMembersPort } from '../restore/approval.js';

/**
 * The approvers group's members, read with `usergroups.users.list` (scope usergroups:read). The
 * restore service caches the answer briefly; a failure here becomes "approvers unavailable".
 */
export function createGroupMembers(client: Pick<webApi.WebClient, 'usergroups'>): GroupMembersPort {
  return async (groupId: string) => {
    const res = await client.usergroups.users.list({ usergroup: groupId });
    if (!res.ok || !Array.isArray(res.users)) {
      throw new Error(`usergroups.users.list ${groupId}: ${res.error ?? 'no users in the answer'}`);
    }
    return res.users.filter((u): u is string => typeof u === 'string');
  };
}
