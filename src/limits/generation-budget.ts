/**
 * The second bucket per key (GENERATION_RATE_LIMITS): generations that reads
 * start because nothing is stored yet. The request bucket charges such a
 * read as a read, since most find a stored description; the generations
 * they do start are charged here, when they start, so a key shared by every
 * shopper of an app can read freely while what costs money stays bounded.
 */
import type { Principal } from '../auth/roles.js';
import type { RateLimitStore, TakeResult } from './rate-limit.js';
import type { BucketSettings, PerRole } from './role-settings.js';

/** Takes `count` generations from the caller's bucket, all or none. */
export type GenerationBudget = (count: number) => Promise<TakeResult>;

const UNLIMITED: TakeResult = { allowed: true, remaining: Number.POSITIVE_INFINITY, retryAfterSeconds: 0 };

/**
 * The budget of one caller; unlimited for a role without a setting. Buckets
 * sit beside the request buckets, in the same store, named by `kind`
 * (default 'generations'; recordEvents' bucket is 'events').
 */
export function generationBudget(
  store: RateLimitStore,
  limits: PerRole<BucketSettings | null>,
  principal: Principal,
  kind = 'generations',
): GenerationBudget {
  const bucket = limits[principal.role];
  if (!bucket) return async () => UNLIMITED;
  const key = `${principal.keyId ?? principal.name}:${kind}`;
  return (count) => (count > 0 ? store.take(key, count, bucket) : Promise.resolve(UNLIMITED));
}
