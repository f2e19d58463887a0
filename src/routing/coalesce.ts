/**
 * Identical requests in flight share one upstream generation. The shared
 * work is cancelled only once every waiter has aborted; each waiter still
 * leaves at once when its own signal fires (see `raceAbort`).
 */

interface Shared<T> {
  promise: Promise<T>;
  controller: AbortController;
  waiters: number;
  aborted: number;
}

export class Coalescer<T> {
  readonly #inFlight = new Map<string, Shared<T>>();

  /** Number of distinct generations in flight. */
  get size(): number {
    return this.#inFlight.size;
  }

  /**
   * Joins the generation in flight under `key`, or starts one with `start`.
   * `start` gets a signal that fires when every waiter has aborted. `start`
   * must not reject (the router's results are values).
   */
  run(
    key: string,
    signal: AbortSignal | undefined,
    start: (signal: AbortSignal) => Promise<T>,
  ): { promise: Promise<T>; joined: boolean } {
    let shared = this.#inFlight.get(key);
    const joined = shared !== undefined;
    if (!shared) {
      const controller = new AbortController();
      const created: Shared<T> = { promise: Promise.resolve(undefined as T), controller, waiters: 0, aborted: 0 };
      created.promise = start(controller.signal).finally(() => {
        if (this.#inFlight.get(key) === created) this.#inFlight.delete(key);
      });
      this.#inFlight.set(key, created);
      shared = created;
    }
    const entry = shared;
    entry.waiters += 1;
    if (signal) {
      const onAbort = (): void => {
        entry.aborted += 1;
        if (entry.aborted >= entry.waiters) entry.controller.abort(new Error('every waiter aborted'));
      };
      if (signal.aborted) onAbort();
      else {
        signal.addEventListener('abort', onAbort, { once: true });
        void entry.promise.finally(() => signal.removeEventListener('abort', onAbort)).catch(() => undefined);
      }
    }
    return { promise: entry.promise, joined };
  }
}
