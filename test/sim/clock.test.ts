import { describe, expect, it } from 'vitest';
import { createSimClock } from '../../src/sim/clock.js';
import { createFaults } from '../../src/sim/faults.js';

describe('SimClock', () => {
  it('scales simulated durations by speed and keeps deadlines across a speed change', async () => {
    const clock = createSimClock(1);
    expect(clock.real(60_000)).toBe(60_000);
    const fired: string[] = [];
    // An hour at speed 1 would outlast the test; raising the speed must bring it in.
    clock.after(3_600_000, () => fired.push('hour'));
    clock.after(0, () => fired.push('now'));
    await new Promise((r) => setTimeout(r, 20));
    expect(fired).toEqual(['now']);
    clock.setSpeed(3_600_000 / 50);
    expect(clock.real(3_600_000)).toBeCloseTo(50);
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        if (fired.includes('hour')) {
          clearInterval(poll);
          resolve();
        }
      }, 10);
    });
    expect(fired).toEqual(['now', 'hour']);
    expect(clock.elapsed()).toBeGreaterThanOrEqual(3_600_000);
    clock.close();
  });

  it('cancels timers', async () => {
    const clock = createSimClock(1000);
    let fired = false;
    const cancel = clock.after(10, () => {
      fired = true;
    });
    cancel();
    await new Promise((r) => setTimeout(r, 30));
    expect(fired).toBe(false);
    expect(() => clock.setSpeed(0)).toThrow(RangeError);
  });
});

describe('Faults', () => {
  it('takes one-shot faults once and counts bursts down', () => {
    const faults = createFaults({ restoreJob: 'ABORTED', burst5xx: { ecs: 2 }, taskCrashLoop: true });
    expect(faults.take('restoreJob')).toBe('ABORTED');
    expect(faults.take('restoreJob')).toBeUndefined();
    const ecs = () => faults.takeBurst('ecs', 'ListTasks');
    expect([ecs(), ecs(), ecs()]).toEqual([true, true, false]);
    expect(faults.takeBurst('ssm', 'SendCommand')).toBe(false);
    expect(faults.get()).toEqual({ taskCrashLoop: true });
    // A burst on one operation hits that operation only, before its service's burst.
    faults.set({ burst5xx: { ssm: 1, 'ssm:CancelCommand': 1 } });
    expect(faults.takeBurst('ssm', 'CancelCommand')).toBe(true);
    expect(faults.get().burst5xx).toEqual({ ssm: 1 });
    expect(faults.takeBurst('ssm', 'CancelCommand')).toBe(true);
    expect(faults.takeBurst('ssm', 'SendCommand')).toBe(false);
    expect(() => faults.set({ burst5xx: { 'ssm:cancel': 1 } })).toThrow(/service:Operation/);
    expect(() => faults.set({ throttle: { 'ssm:CancelCommand': 0.5 } as never })).toThrow(/unknown service/);
    expect(faults.get()).toEqual({ taskCrashLoop: true });
    faults.set({ throttle: { ssm: 0.5 } });
    expect(faults.throttled('ssm', 0.49)).toBe(true);
    expect(faults.throttled('ssm', 0.5)).toBe(false);
    expect(faults.throttled('ecs', 0)).toBe(false);
    faults.set({ taskCrashLoop: null, throttle: { ssm: 0 } });
    expect(faults.get()).toEqual({});
  });
});
