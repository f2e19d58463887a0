/**
 * Gathers single items from concurrent callers into batches for one runner.
 * A batch starts when `maxBatch` items wait or `maxQueueDelayMs` has passed
 * since the first of them arrived; one batch runs at a time (one ONNX session
 * per model, whose threads a second concurrent run would only contend for),
 * and items that arrive meanwhile form the next batch.
 */

export interface MicroBatcherOptions {
  /** Most items per batch. Default 8. */
  maxBatch?: number;
  /** How long the first waiting item waits for company. Default 5 ms. */
  maxQueueDelayMs?: number;
  /** Most items waiting (not running); past it `enqueue` returns false at once. Default 256. */
  maxQueue?: number;
}

export interface MicroBatcherStats {
  /** Batches run so far. */
  batches: number;
  /** Items run so far, over all batches. */
  items: number;
  /** How many batches had each size: batchSizes[n] = count of batches of n items. */
  batchSizes: Record<number, number>;
  /** Items waiting now (not yet in a running batch). */
  queueDepth: number;
  /** The largest queueDepth seen. */
  maxQueueDepth: number;
  /** Items turned away because the queue was full. */
  rejected: number;
  /** Whether a batch is running now. */
  running: boolean;
}

interface Pending<I, R> {
  item: I;
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
  private readonly counters: Omit<MicroBatcherStats, 'queueDepth' | 'running'> = {
    batches: 0,
    items: 0,
    batchSizes: {},
    maxQueueDepth: 0,
    rejected: 0,
  };

  /** `run` returns one result per item, in order; if it throws, every item of that batch rejects. */
  constructor(
    private readonly run: (items: I[]) => Promise<R[]>,
    options: MicroBatcherOptions = {},
  ) {
    this.maxBatch = Math.max(1, options.maxBatch ?? 8);
    this.maxQueueDelayMs = Math.max(0, options.maxQueueDelayMs ?? 5);
    this.maxQueue = Math.max(1, options.maxQueue ?? 256);
  }

  /** Queues one item; returns null (at once) when the queue is full or the batcher is closed. */
  enqueue(item: I): Promise<R> | null {
    if (this.closed || this.queue.length >= this.maxQueue) {
      this.counters.rejected++;
      return null;
    }
    const promise = new Promise<R>((resolve, reject) => this.queue.push({ item, resolve, reject }));
    this.counters.maxQueueDepth = Math.max(this.counters.maxQueueDepth, this.queue.length);
    this.schedule();
    return promise;
  }

  stats(): MicroBatcherStats {
    return { ...this.counters, batchSizes: { ...this.counters.batchSizes }, queueDepth: this.queue.length, running: this.running };
  }

  /** Stops taking items; waiting items reject with `reason`. */
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

  private async drain(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.maxBatch);
        this.counters.batches++;
        this.counters.items += batch.length;
        this.counters.batchSizes[batch.length] = (this.counters.batchSizes[batch.length] ?? 0) + 1;
        try {
          const results = await this.run(batch.map((p) => p.item));
          batch.forEach((p, i) => p.resolve(results[i] as R));
        } catch (error) {
          // A failed batch rejects every waiter, so none hangs.
          for (const p of batch) p.reject(error);
        }
        // Items that arrived during the run have waited at least that long: run them now.
      }
    } finally {
      this.running = false;
    }
  }
}
