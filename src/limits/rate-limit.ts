/**
 * Per-key token buckets in cost units. The store is an interface so that a
 * shared one (Redis) can replace the in-memory default when several gateway
 * replicas must share one budget; in memory, each replica has its own.
 */
import type { BucketSettings } from './role-settings.js';

export interface TakeResult {
  allowed: boolean;
  /** Tokens left after this take (or now, when refused). */
  remaining: number;
  /** When refused: whole seconds until the bucket holds enough. 0 when allowed. */
  retryAfterSeconds: number;
}

/** What a rate-limit backend must do: take `cost` tokens from `key`'s bucket, atomically. */
export interface RateLimitStore {
  take(key: string, cost: number, bucket: BucketSettings): Promise<TakeResult>;
  close(): Promise<void>;
}

export interface MemoryRateLimitStoreOptions {
  /** Clock in ms. Default `Date.now`. */
  now?: () => number;
  /** Buckets kept at most; full (idle) buckets are dropped first. Default 100 000. */
  maxKeys?: number;
}

interface Bucket {
  tokens: number;
  updatedAt: number;
}

export class MemoryRateLimitStore implements RateLimitStore {
  private readonly buckets = new Map<string, Bucket>();
  private readonly now: () => number;
  private readonly maxKeys: number;

  constructor(options: MemoryRateLimitStoreOptions = {}) {
    this.now = options.now ?? Date.now;
    this.maxKeys = options.maxKeys ?? 100_000;
  }

  async take(key: string, cost: number, settings: BucketSettings): Promise<TakeResult> {
    const now = this.now();
    const bucket = this.buckets.get(key) ?? { tokens: settings.capacity, updatedAt: now };
    bucket.tokens = Math.min(
      settings.capacity,
      bucket.tokens + ((now - bucket.updatedAt) / 1000) * settings.refillPerSecond,
    );
    bucket.updatedAt = now;
    // A request dearer than the whole bucket could never pass: it costs a full bucket instead
    // (the cost limit, not the rate limit, is what refuses a single huge operation).
    const charge = Math.min(cost, settings.capacity);
    if (!this.buckets.has(key)) this.remember(key, bucket);
    if (bucket.tokens >= charge) {
      bucket.tokens -= charge;
      return { allowed: true, remaining: Math.floor(bucket.tokens), retryAfterSeconds: 0 };
    }
    const missing = charge - bucket.tokens;
    const retryAfterSeconds =
      settings.refillPerSecond > 0 ? Math.max(1, Math.ceil(missing / settings.refillPerSecond)) : 3600;
    return { allowed: false, remaining: Math.floor(bucket.tokens), retryAfterSeconds };
  }

  private remember(key: string, bucket: Bucket): void {
    if (this.buckets.size >= this.maxKeys) {
      // Map order is insertion order: the oldest key goes first.
      const oldest = this.buckets.keys().next().value;
      if (oldest !== undefined) this.buckets.delete(oldest);
    }
    this.buckets.set(key, bucket);
  }

  async close(): Promise<void> {
    this.buckets.clear();
  }
}
