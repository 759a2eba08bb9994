import { describe, expect, it } from 'vitest';
import { nextPollDelayMs } from '../../src/aws/poll-delay.js';

describe('nextPollDelayMs', () => {
  it('asks again after the minimum at first, then after a quarter of the time waited, never past the maximum', () => {
    expect(nextPollDelayMs(0, 10_000, 60_000)).toBe(10_000);
    expect(nextPollDelayMs(30_000, 10_000, 60_000)).toBe(10_000);
    expect(nextPollDelayMs(120_000, 10_000, 60_000)).toBe(30_000);
    expect(nextPollDelayMs(600_000, 10_000, 60_000)).toBe(60_000);
  });

  it('sees a wait end within a quarter of its length, or the minimum', () => {
    for (const endsAt of [1_000, 12_000, 45_000, 200_000, 1_000_000]) {
      let t = 0;
      while (t < endsAt) t += nextPollDelayMs(t, 10_000, 60_000);
      expect(t - endsAt).toBeLessThanOrEqual(Math.max(10_000, endsAt / 4));
    }
  });

  it('takes a maximum below the minimum as the minimum', () => {
    expect(nextPollDelayMs(100_000, 50, 20)).toBe(50);
  });
});
