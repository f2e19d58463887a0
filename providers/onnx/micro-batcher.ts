/**
 * Feeds items from concurrent callers to one batch loop (continuous
 * batching). When the loop is idle, the first item waits up to
 * `maxQueueDelayMs` for company (or until `maxBatch` items wait), then the
 * loop starts; while it runs, it asks for more items between its steps, so
 * an item that arrives mid-batch joins a free slot instead of waiting for
 * the whole batch to end. Joining has a cost (a prefill pass of its own and
 * a copy of the running cache), so waiting items join together: once a
 * quarter of the slots are free, or once the oldest of them has waited
 * `maxQueueDelayMs`. Each item resolves the moment the loop hands back its
 * result. One loop runs at a time (one ONNX session per model, whose threads
 * a second concurrent run would only contend for).
 */

export interface MicroBatcherOptions {
  /** Most items in the loop at once. Default 8. */
  maxBatch?: number;
  /** How long the first item waits for company when the loop is idle. Default 5 ms. */
  maxQueueDelayMs?: number;
  /** Most items waiting (not running); past it `enqueue` returns null at once. Default 256. */
  maxQueue?: number;
  /**
   * false: static batching, for comparison: the loop gets new items only
   * once every item it took has ended. Default true.
   */
  continuous?: boolean;
  /** Clock for how long an item has waited, ms. Default performance.now. */
  now?: () => number;
}

export interface MicroBatcherStats {
  /** Groups of items the loop took (each group starts together: one prefill). */
  batches: number;
  /** Items taken so far, over all groups. */
  items: number;
  /** How many groups had each size: batchSizes[n] = count of groups of n items. */
  batchSizes: Record<number, number>;
  /** Groups taken while other items were still running (joined a running batch). */
  joined: number;
  /** The most items running at once (at most maxBatch). */
  maxRunning: number;
  /** Items waiting now (not yet taken by the loop). */
  queueDepth: number;
  /** The largest queueDepth seen. */
  maxQueueDepth: number;
  /** Items turned away because the queue was full. */
  rejected: number;
  /** Items whose signal fired while they waited: they left the queue without running. */
  abandoned: number;
  /** Whether the loop is running now. */
  running: boolean;
  /** Items the loop has taken and not yet finished. */
  runningItems: number;
}

/** Why an item's promise rejects when its signal fired while it waited in the queue. */
export class WaitAbandonedError extends Error {
  constructor() {
    super('the request was cancelled while it waited for the batch');
    this.name = 'WaitAbandonedError';
  }
}

/** An item the loop has taken; `resolve` hands back its result (the first call counts). */
export interface BatchTicket<I, R> {
  readonly item: I;
  resolve(result: R): void;
}

/**
 * The batch loop: runs until `take` has nothing more for it and every item
 * it took is resolved. `take(free)` returns at most `free` waiting items
 * (and never more than maxBatch minus those running).
 */
export type BatchLoop<I, R> = (take: (free: number) => Array<BatchTicket<I, R>>) => Promise<void>;

interface Pending<I, R> {
  item: I;
  /** The clock's time when it was queued. */
  since: number;
  resolve: (r: R) => void;
  reject: (e: unknown) => void;
}

export class MicroBatcher<I, R> {
  private readonly queue: Array<Pending<I, R>> = [];
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private closed = false;
  readonly maxBatch: number;
  readonly maxQueueDelayMs: number;
  readonly maxQueue: number;
  readonly continuous: boolean;
  private readonly now: () => number;
  private readonly counters: Omit<MicroBatcherStats, 'queueDepth' | 'running' | 'runningItems'> = {
    batches: 0,
    items: 0,
    batchSizes: {},
    joined: 0,
    maxRunning: 0,
    maxQueueDepth: 0,
    rejected: 0,
    abandoned: 0,
  };

  /** If `loop` throws, every item it took and has not resolved rejects with that error. */
  constructor(
    private readonly loop: BatchLoop<I, R>,
    options: MicroBatcherOptions = {},
  ) {
    this.maxBatch = Math.max(1, options.maxBatch ?? 8);
    this.maxQueueDelayMs = Math.max(0, options.maxQueueDelayMs ?? 5);
    this.maxQueue = Math.max(1, options.maxQueue ?? 256);
    this.continuous = options.continuous ?? true;
    this.now = options.now ?? (() => performance.now());
  }

  /**
   * Queues one item; returns null (at once) when the queue is full or the
   * batcher is closed. When `signal` fires while the item still waits, the
   * item leaves the queue at once and its promise rejects with
   * WaitAbandonedError (a taken item is the loop's to end).
   */
  enqueue(item: I, signal?: AbortSignal): Promise<R> | null {
    if (this.closed || this.queue.length >= this.maxQueue) {
      this.counters.rejected++;
      return null;
    }
    const promise = new Promise<R>((resolve, reject) => {
      const pending: Pending<I, R> = { item, since: this.now(), resolve, reject };
      if (signal) {
        const leave = (): void => {
          const at = this.queue.indexOf(pending);
          if (at < 0) return;
          this.queue.splice(at, 1);
          this.counters.abandoned++;
          reject(new WaitAbandonedError());
        };
        if (signal.aborted) {
          this.counters.abandoned++;
          return reject(new WaitAbandonedError());
        }
        signal.addEventListener('abort', leave, { once: true });
        pending.resolve = (r) => (signal.removeEventListener('abort', leave), resolve(r));
        pending.reject = (e) => (signal.removeEventListener('abort', leave), reject(e));
      }
      this.queue.push(pending);
    });
    this.counters.maxQueueDepth = Math.max(this.counters.maxQueueDepth, this.queue.length);
    this.schedule();
    return promise;
  }

  stats(): MicroBatcherStats {
    return {
      ...this.counters,
      batchSizes: { ...this.counters.batchSizes },
      queueDepth: this.queue.length,
      running: this.running,
      runningItems: this.inFlight.size,
    };
  }

  /** Stops taking items; waiting items reject with `reason`. Items already taken run to their end. */
  close(reason: Error): void {
    this.closed = true;
    clearTimeout(this.timer);
    for (const p of this.queue.splice(0)) p.reject(reason);
  }

  private schedule(): void {
    if (this.running || this.queue.length === 0) return;
    if (this.queue.length >= this.maxBatch) {
      clearTimeout(this.timer);
      this.timer = undefined;
      void this.drain();
    } else {
      this.timer ??= setTimeout(() => {
        this.timer = undefined;
        void this.drain();
      }, this.maxQueueDelayMs);
    }
  }

  /** Items the running loop has taken and not yet finished. */
  private readonly inFlight = new Set<Pending<I, R>>();

  private async drain(): Promise<void> {
    if (this.running) return;
    this.running = true;
    const inFlight = this.inFlight;
    const take = (free: number): Array<BatchTicket<I, R>> => {
      const room = Math.min(free, this.maxBatch - inFlight.size);
      const n = Math.min(room, this.queue.length);
      if (n <= 0) return [];
      if (inFlight.size > 0) {
        if (!this.continuous) return [];
        // Joining a running batch: together, unless the oldest has waited long enough.
        const together = Math.min(this.queue.length, Math.ceil(this.maxBatch / 4));
        const oldest = this.queue[0];
        if (room < together && oldest && this.now() - oldest.since < this.maxQueueDelayMs) return [];
      }
      const group = this.queue.splice(0, n);
      this.counters.batches++;
      this.counters.items += n;
      this.counters.batchSizes[n] = (this.counters.batchSizes[n] ?? 0) + 1;
      if (inFlight.size > 0) this.counters.joined++;
      this.counters.maxRunning = Math.max(this.counters.maxRunning, inFlight.size + n);
      return group.map((p) => {
        inFlight.add(p);
        return {
          item: p.item,
          resolve: (r: R) => {
            if (inFlight.delete(p)) p.resolve(r);
          },
        };
      });
    };
    try {
      // Again after a loop that failed (or ended) with items still waiting.
      while (this.queue.length > 0) {
        let failure: unknown = new Error('the batch loop ended without a result for this item');
        try {
          await this.loop(take);
        } catch (error) {
          failure = error;
        }
        // A failed loop rejects every item it took and had not finished, so none hangs.
        for (const p of inFlight) p.reject(failure);
        inFlight.clear();
      }
    } finally {
      this.running = false;
    }
  }
}
