/**
 * Where the router keeps state that replicas could share: cached
 * generations and breaker snapshots. In memory by default; a shared store
 * (e.g. Redis) implements the same interface. Only successes are stored.
 */
import type { Attempt } from '../storage/types.js';
import type { GenerationResult } from '../../providers/types.js';

export interface CachedGeneration {
  result: GenerationResult;
  /** The attempts of the generation that produced it. */
  attempts: Attempt[];
}

export interface RouterStateStore {
  getResult(key: string): Promise<CachedGeneration | undefined>;
  /** Stores a success for `ttlMs` (> 0). */
  setResult(key: string, value: CachedGeneration, ttlMs: number): Promise<void>;
  /**
   * A breaker snapshot (cockatiel's `toJSON()`) to start a provider's
   * breaker from. Synchronous because breakers are built on the request
   * path; a shared store keeps a local mirror, refreshed out of band.
   */
  loadBreaker(providerId: string): unknown;
  /** Called on every breaker state change. May be fire-and-forget. */
  saveBreaker(providerId: string, snapshot: unknown): void | Promise<void>;
  /**
   * Shared breakers (optional): until when (ms since the epoch) another
   * replica found this provider dead, or 0. Read before every call, so
   * synchronous: a shared store answers from a local mirror.
   */
  breakerOpenUntil?(providerId: string): number;
  /** Shared breakers (optional): tells every replica this provider's breaker opened until `openUntil`, or closed (0). */
  shareBreaker?(providerId: string, openUntil: number): void | Promise<void>;
  /**
   * Coalescing across replicas (optional): takes a short lock on a
   * generation key. `null` means another replica holds it: wait with
   * `waitForResult`. The lock is kept alive until released, and lapses by
   * itself when its holder dies.
   */
  lockGeneration?(key: string): Promise<GenerationLock | null>;
  /**
   * Waits for the result another replica is generating under `key`:
   * `undefined` when its lock goes without a result (it failed or died), on
   * timeout, or when `signal` fires; the caller then generates itself.
   */
  waitForResult?(key: string, signal: AbortSignal): Promise<CachedGeneration | undefined>;
  close(): Promise<void>;
}

/** A held generation lock (see `RouterStateStore.lockGeneration`). */
export interface GenerationLock {
  release(): Promise<void>;
}

export interface MemoryStateStoreOptions {
  /** Most cached generations; the least recently used go first. Default 1000. */
  maxEntries?: number;
  /** Clock in ms. Default Date.now. */
  now?: () => number;
}

interface Entry {
  value: CachedGeneration;
  expiresAt: number;
}

/** The default store: a TTL'd LRU of generations and a map of breaker snapshots, per process. */
export function createMemoryStateStore(options: MemoryStateStoreOptions = {}): RouterStateStore {
  const maxEntries = Math.max(1, options.maxEntries ?? 1000);
  const now = options.now ?? Date.now;
  // A Map iterates in insertion order; re-inserting on read makes it an LRU.
  const entries = new Map<string, Entry>();
  const breakers = new Map<string, unknown>();
  return {
    async getResult(key) {
      const entry = entries.get(key);
      if (!entry) return undefined;
      if (entry.expiresAt <= now()) {
        entries.delete(key);
        return undefined;
      }
      entries.delete(key);
      entries.set(key, entry);
      return entry.value;
    },
    async setResult(key, value, ttlMs) {
      if (!(ttlMs > 0)) return;
      entries.delete(key);
      entries.set(key, { value, expiresAt: now() + ttlMs });
      while (entries.size > maxEntries) {
        const oldest = entries.keys().next().value as string;
        entries.delete(oldest);
      }
    },
    loadBreaker: (providerId) => breakers.get(providerId),
    saveBreaker(providerId, snapshot) {
      breakers.set(providerId, snapshot);
    },
    async close() {
      entries.clear();
      breakers.clear();
    },
  };
}
