/**
 * The read path's cache of published texts: for each product, what its
 * slots serve now (none is an answer too), so that a shopper's page does
 * not read the publications from the database on every request. Shared by
 * every request of this process.
 *
 * It never serves what the lifecycle would not: every publish and unpublish
 * is a notice naming its slot (this process's at once, the other replicas'
 * through Redis), and a notice drops its product. A read that started
 * before a notice does not store what it read (the epoch below), so a text
 * read just before its unpublish is not kept after it. While the Redis
 * subscription is down, notices may be missed: the cache stands aside (every
 * read goes to the store) until it is subscribed again, and then starts
 * empty. The TTL is the last safety net, for a notice lost in any other way.
 */
import type { PublicationEntry } from '../storage/publication-types.js';

export interface PublishedCacheOptions {
  /** The store's read of the published entries of these products. */
  load: (productIds: readonly string[]) => Promise<PublicationEntry[]>;
  /** How long a product's published texts are kept when no notice drops them (ms). Default 60000. */
  ttlMs?: number;
  /** Products kept at most; the least recently read is dropped first. Default 10000. */
  maxProducts?: number;
  /** The clock. Default Date.now. */
  now?: () => number;
}

interface Kept {
  entries: PublicationEntry[];
  expires: number;
}

export class PublishedCache {
  private readonly kept = new Map<string, Kept>();
  private readonly ttlMs: number;
  private readonly maxProducts: number;
  private readonly now: () => number;
  /** Moves on every drop: a load that began before one must not store its (maybe stale) answer. */
  private epoch = 0;
  private standingAside = false;
  /** Products served from the cache (hits) and read from the store (misses) since the start. */
  readonly counts = { hits: 0, misses: 0 };

  constructor(private readonly options: PublishedCacheOptions) {
    this.ttlMs = options.ttlMs ?? 60_000;
    this.maxProducts = options.maxProducts ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  /** The published entries of these products, from the cache where it holds them, the rest in one read of the store. */
  async get(productIds: readonly string[]): Promise<PublicationEntry[]> {
    if (this.standingAside) {
      this.counts.misses += new Set(productIds).size;
      return this.options.load(productIds);
    }
    const now = this.now();
    const out: PublicationEntry[] = [];
    const misses: string[] = [];
    for (const id of new Set(productIds)) {
      const hit = this.kept.get(id);
      if (hit && hit.expires > now) {
        // Read again, so last in the eviction order.
        this.kept.delete(id);
        this.kept.set(id, hit);
        this.counts.hits++;
        out.push(...hit.entries);
      } else {
        misses.push(id);
      }
    }
    this.counts.misses += misses.length;
    if (misses.length === 0) return out;
    const epoch = this.epoch;
    const loaded = await this.options.load(misses);
    out.push(...loaded);
    // setNoticesLive moves the epoch, so an unchanged one means the cache still does not stand aside.
    if (epoch === this.epoch) this.store(misses, loaded);
    return out;
  }

  private store(productIds: readonly string[], loaded: readonly PublicationEntry[]): void {
    const byProduct = new Map<string, PublicationEntry[]>(productIds.map((id) => [id, []]));
    for (const entry of loaded) byProduct.get(entry.state.slot.productId)?.push(entry);
    const expires = this.now() + this.ttlMs;
    for (const [id, entries] of byProduct) {
      this.kept.delete(id);
      this.kept.set(id, { entries, expires });
    }
    for (const oldest of this.kept.keys()) {
      if (this.kept.size <= this.maxProducts) break;
      this.kept.delete(oldest);
    }
  }

  /** A slot of this product changed (a publication notice): its next read goes to the store. */
  drop(productId: string): void {
    this.epoch++;
    this.kept.delete(productId);
  }

  /**
   * Whether notices are known to arrive. While not, nothing is kept or
   * served from the cache; when they do again, it starts empty.
   */
  setNoticesLive(live: boolean): void {
    this.epoch++;
    this.kept.clear();
    this.standingAside = !live;
  }

  /** Products held now (for tests and metrics). */
  get size(): number {
    return this.kept.size;
  }
}
