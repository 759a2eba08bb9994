// The read-only views of the sessions this process knows: answered from memory, changing nothing.

import { isOpen, type RestoreSession } from '../session.js';
import type { Runner } from './context.js';

export function openSessions(rt: Runner, channel?: string): RestoreSession[] {
  return [...rt.sessions.values()]
    .filter((s) => isOpen(s) && (channel === undefined || s.channel === channel))
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
}

export function recentSessions(rt: Runner, channel: string, limit: number): RestoreSession[] {
  return [...rt.sessions.values()]
    .filter((s) => s.channel === channel)
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
    .slice(0, limit);
}

export function sessionsSince(rt: Runner, at: Date): RestoreSession[] {
  return [...rt.sessions.values()]
    .filter((s) => Date.parse(s.createdAt) > at.getTime())
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
}
