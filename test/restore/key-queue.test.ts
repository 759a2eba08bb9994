import { describe, expect, it } from 'vitest';
import { KeyQueue } from '../../src/restore/key-queue.js';

/** A job that waits until `release` is called, recording when it starts and ends. */
function gate(log: string[], name: string) {
  let release: () => void = () => undefined;
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  const job = async () => {
    log.push(`${name} start`);
    await released;
    log.push(`${name} end`);
    return name;
  };
  return { job, release: () => release() };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('KeyQueue', () => {
  it('runs the jobs of one key one after another, in order, and those of other keys beside them', async () => {
    const queue = new KeyQueue();
    const log: string[] = [];
    const a1 = gate(log, 'a1');
    const a2 = gate(log, 'a2');
    const b1 = gate(log, 'b1');
    const r1 = queue.run('a', a1.job);
    const r2 = queue.run('a', a2.job);
    const r3 = queue.run('b', b1.job);
    await tick();
    expect(log).toEqual(['a1 start', 'b1 start']);
    a2.release();
    await tick();
    expect(log).toEqual(['a1 start', 'b1 start']);
    a1.release();
    b1.release();
    await expect(Promise.all([r1, r2, r3])).resolves.toEqual(['a1', 'a2', 'b1']);
    expect(log.indexOf('a2 start')).toBeGreaterThan(log.indexOf('a1 end'));
  });

  it('goes on after a job fails, and hands the failure to its caller only', async () => {
    const queue = new KeyQueue();
    const failed = queue.run('a', async () => {
      throw new Error('boom');
    });
    const next = queue.run('a', async () => 'after');
    await expect(failed).rejects.toThrow('boom');
    await expect(next).resolves.toBe('after');
  });

  it('pending() settles once every job queued so far has, failed ones included', async () => {
    const queue = new KeyQueue();
    const log: string[] = [];
    const slow = gate(log, 'slow');
    void queue.run('a', slow.job);
    const failing = queue.run('b', async () => {
      throw new Error('boom');
    });
    failing.catch(() => undefined);
    let settled = false;
    const all = Promise.all(queue.pending()).then(() => {
      settled = true;
    });
    await tick();
    expect(settled).toBe(false);
    slow.release();
    await all;
    expect(settled).toBe(true);
    await tick();
    expect(queue.pending()).toEqual([]);
  });
});
