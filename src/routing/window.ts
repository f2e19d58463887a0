/**
 * Counts over a sliding time window, kept as a ring of fixed buckets so a
 * count costs O(buckets) and memory stays constant whatever the traffic.
 * Shared by the retry budget and the failure-rate breaker; the clock is
 * injected so tests can move time without sleeping.
 */

interface Bucket {
  startedAt: number;
  counts: number[];
}

export class SlidingCounts {
  readonly #buckets: Bucket[];
  readonly #bucketMs: number;
  readonly #width: number;

  /**
   * @param windowMs how far back counts reach
   * @param width how many separate counters each bucket holds
   * @param now clock in ms
   * @param bucketCount resolution of the window. Default 10.
   */
  constructor(
    readonly windowMs: number,
    width: number,
    private readonly now: () => number,
    bucketCount = 10,
  ) {
    if (!(windowMs > 0)) throw new TypeError(`windowMs must be > 0; got ${windowMs}`);
    this.#width = width;
    this.#bucketMs = windowMs / bucketCount;
    this.#buckets = Array.from({ length: bucketCount }, () => ({
      startedAt: -Infinity,
      counts: new Array<number>(width).fill(0),
    }));
  }

  /** Adds `by` to counter `index` at the current time. */
  add(index: number, by = 1): void {
    const t = this.now();
    const slot = Math.floor(t / this.#bucketMs);
    const bucket = this.#buckets[slot % this.#buckets.length];
    if (bucket === undefined) throw new Error('sliding window: bucketCount must be at least 1');
    const startedAt = slot * this.#bucketMs;
    if (bucket.startedAt !== startedAt) {
      bucket.startedAt = startedAt;
      bucket.counts.fill(0);
    }
    bucket.counts[index] = (bucket.counts[index] ?? 0) + by;
  }

  /** Sums of each counter over the window ending now. */
  totals(): number[] {
    const since = this.now() - this.windowMs;
    const sums = new Array<number>(this.#width).fill(0);
    for (const bucket of this.#buckets) {
      // A bucket counts while any part of it lies inside the window.
      if (bucket.startedAt + this.#bucketMs <= since) continue;
      for (let i = 0; i < this.#width; i += 1) sums[i] = (sums[i] ?? 0) + (bucket.counts[i] ?? 0);
    }
    return sums;
  }

  reset(): void {
    for (const bucket of this.#buckets) {
      bucket.startedAt = -Infinity;
      bucket.counts.fill(0);
    }
  }
}
