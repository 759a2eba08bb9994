// One writer per key (Restate's "single-writer-per-key"): jobs queued under the same key run one
// after another, in the order they were queued, whether the one before succeeded or failed; jobs
// under different keys run side by side. The session runner queues each session's events here,
// and the store each session's saves.

export class KeyQueue {
  /** The last queued job of each key, settled either way; gone once nothing is queued behind it. */
  readonly #tails = new Map<string, Promise<void>>();

  /** Runs `job` after every job queued before it under `key`; its own result or error comes back. */
  run<T>(key: string, job: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    const run = previous.then(job);
    const settled = run.then(
      () => undefined,
      () => undefined,
    );
    this.#tails.set(key, settled);
    void settled.then(() => {
      if (this.#tails.get(key) === settled) this.#tails.delete(key);
    });
    return run;
  }

  /** Settles when every job queued so far has (a job that fails counts as settled). */
  pending(): Promise<void>[] {
    return [...this.#tails.values()];
  }
}
