/**
 * Parsing of the per-role limit settings (MAX_COST, RATE_LIMITS). Pure:
 * config.ts calls these inside its zod schema, so a bad value fails the start
 * with a ConfigError naming the variable.
 */
import { ROLES, isRole, type Role } from '../auth/roles.js';

export type PerRole<T> = Readonly<Record<Role, T>>;

/** A token bucket in cost units: `capacity` is the burst, `refillPerSecond` the sustained rate. */
export interface BucketSettings {
  capacity: number;
  refillPerSecond: number;
}

/** Default MAX_COST per role; see the cost model in src/limits/cost.ts. */
export const DEFAULT_MAX_COST: PerRole<number> = { mobile: 1000, personalization: 3000, internal: 20_000 };

/**
 * Default RATE_LIMITS per role, in cost units charged up front (a stored
 * description read as 1). Mobile is sized for one app key shared by every
 * shopper: 10,000/s is about 320 views/s of a 10-product page with
 * descriptions (cost 31), with a burst of 3 s of that. Internal unlimited.
 */
export const DEFAULT_RATE_LIMITS: PerRole<BucketSettings | null> = {
  mobile: { capacity: 30_000, refillPerSecond: 10_000 },
  personalization: { capacity: 6000, refillPerSecond: 150 },
  internal: null,
};

/**
 * Default GENERATION_RATE_LIMITS per role, in generations that reads
 * (`Product.description`) start because nothing is stored: what protects the
 * providers' bill from a leaked app key. Mobile: 300 at once (a new
 * collection's first views), then 2/s. Past it, reads get the stored or
 * reference description, marked stale.
 */
export const DEFAULT_GENERATION_RATE_LIMITS: PerRole<BucketSettings | null> = {
  mobile: { capacity: 300, refillPerSecond: 2 },
  personalization: { capacity: 3000, refillPerSecond: 20 },
  internal: null,
};

/**
 * Default EVENT_RATE_LIMITS per role, in events that recordEvents stores
 * (their own bucket, so that a flood of events never starves reads, nor
 * reads the events). Mobile is sized like its request bucket for one app key
 * shared by every shopper: 5,000 events/s with a burst of 4 s. Internal
 * unlimited (benchmarks and simulations).
 */
export const DEFAULT_EVENT_RATE_LIMITS: PerRole<BucketSettings | null> = {
  mobile: { capacity: 20_000, refillPerSecond: 5000 },
  personalization: { capacity: 20_000, refillPerSecond: 5000 },
  internal: null,
};

function perRole<T>(text: string, parse: (value: string, role: Role) => T, defaults: PerRole<T>): PerRole<T> {
  const out: Record<Role, T> = { ...defaults };
  for (const entry of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    const [role, value, extra] = entry.split('=').map((s) => s.trim());
    if (!role || value === undefined || extra !== undefined || !isRole(role)) {
      throw new Error(`"${entry}": expected role=value with role one of ${ROLES.join(', ')}`);
    }
    out[role] = parse(value, role);
  }
  return out;
}

function positiveInt(value: string, what: string): number {
  if (!/^\d+$/.test(value)) throw new Error(`${what} must be a whole number, got "${value}"`);
  return Number(value);
}

/** `1500` (every role) or `mobile=1000,personalization=3000,internal=20000` (unlisted roles keep defaults). */
export function parseMaxCost(value: string | number): PerRole<number> {
  const text = String(value).trim();
  if (/^\d+$/.test(text)) return { mobile: Number(text), personalization: Number(text), internal: Number(text) };
  return perRole(text, (v, role) => positiveInt(v, `MAX_COST for ${role}`), DEFAULT_MAX_COST);
}

/** `mobile=2000/50,internal=off`: capacity/refill per second; `off` (or 0) means no limit. Unlisted roles keep `defaults`. */
export function parseRateLimits(value: string, defaults: PerRole<BucketSettings | null> = DEFAULT_RATE_LIMITS): PerRole<BucketSettings | null> {
  return perRole(
    value,
    (v, role) => {
      if (v === 'off' || v === '0') return null;
      const [capacity, refill, extra] = v.split('/');
      if (capacity === undefined || refill === undefined || extra !== undefined) throw new Error(`rate limit for ${role} must be capacity/refillPerSecond or off, got "${v}"`);
      return { capacity: positiveInt(capacity, `capacity for ${role}`), refillPerSecond: positiveInt(refill, `refill for ${role}`) };
    },
    defaults,
  );
}
