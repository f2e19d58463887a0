/**
 * WAL checkpoints off the event loop. SQLite's automatic checkpoint runs
 * inside whichever write crosses 1000 WAL pages, on the main thread: it
 * copies the pages into the database file and syncs it, which stalled the
 * event loop every few hundred stored descriptions (measured in
 * docs/benchmarks.md, the gateway findings). A worker thread with its own
 * connection checkpoints instead; the writer's automatic checkpoint stays on, at a
 * higher mark, as the fallback should the worker fall behind.
 */
import { Worker } from 'node:worker_threads';

/** How often the worker checkpoints, ms. */
const CHECKPOINT_INTERVAL_MS = 200;
/** The writer's own checkpoint mark once the worker runs, in pages (about 40 MiB of WAL). */
export const FALLBACK_AUTOCHECKPOINT_PAGES = 10_000;

export class WalCheckpointer {
  readonly #worker: Worker;
  readonly #exited: Promise<void>;

  constructor(file: string) {
    this.#worker = new Worker(new URL('./checkpoint-worker.js', import.meta.url), {
      workerData: { file, intervalMs: CHECKPOINT_INTERVAL_MS },
    });
    // Never what keeps the process alive.
    this.#worker.unref();
    this.#exited = new Promise((resolve) => this.#worker.once('exit', () => resolve()));
    this.#worker.on('error', () => {
      // A failed worker leaves checkpoints to the writer's automatic one.
    });
  }

  /** Closes the worker's connection and waits for the thread to end. */
  async close(): Promise<void> {
    // Held open until it has closed its connection, or the process could end first.
    this.#worker.ref();
    this.#worker.postMessage('close');
    await this.#exited;
  }
}
