// What every event handler is given: the event's time (as a Date and as stored) and the effects
// the runner is to carry out once the draft is persisted.

import type { Refusal } from '../errors.js';
import type { RestoreSession, SessionEffect } from '../session.js';
import type { SessionEvent, SessionEventType } from '../transitions.js';

export type EventOf<T extends SessionEventType> = Extract<SessionEvent, { type: T }>;

export interface Step {
  nowDate: Date;
  /** nowDate.toISOString(): the form the session stores. */
  now: string;
  effects: SessionEffect[];
}

/** Applies the event to the draft `d`; returns a refusal, or undefined when accepted. */
export type Handler<T extends SessionEventType> = (
  d: RestoreSession,
  e: EventOf<T>,
  step: Step,
) => Refusal | undefined;
