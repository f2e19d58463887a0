/**
 * Parsing of the per-role limit settings (MAX_COST, RATE_LIMITS,
 * TRUSTED_DOCUMENTS). Pure:
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
export const DEFAULT_MAX_COST: PerRole<number> = {
  mobile: 1000,
  personalization: 3000,
  editor: 5000,
  internal: 20_000,
};

/**
 * Default RATE_LIMITS per role, in cost units charged up front (a stored
 * description read as 1). Mobile is sized for one app key shared by every
 * shopper: 10,000/s is about 320 views/s of a 10-product page with
 * descriptions (cost 31), with a burst of 3 s of that. Editor: a few
 * people paging the review queue (a page of 50 with products, about 250).
 * Internal unlimited.
 */
export const DEFAULT_RATE_LIMITS: PerRole<BucketSettings | null> = {
  mobile: { capacity: 30_000, refillPerSecond: 10_000 },
  personalization: { capacity: 6000, refillPerSecond: 150 },
  editor: { capacity: 6000, refillPerSecond: 150 },
  internal: null,
};

/**
 * Default GENERATION_RATE_LIMITS per role, in generations that reads
 * (`Product.description`) start because nothing is stored: what protects the
 * providers' bill from a leaked app key. Mobile: 300 at once (a new
 * collection's first views), then 2/s. Editors preview what shoppers see
 * and write nothing themselves: 100, then 1/s. Past it, reads get the
 * published or reference description, marked stale.
 */
export const DEFAULT_GENERATION_RATE_LIMITS: PerRole<BucketSettings | null> = {
  mobile: { capacity: 300, refillPerSecond: 2 },
  personalization: { capacity: 3000, refillPerSecond: 20 },
  editor: { capacity: 100, refillPerSecond: 1 },
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
  editor: { capacity: 20_000, refillPerSecond: 5000 },
  internal: null,
};

/**
 * What a role may send (TRUSTED_DOCUMENTS): `off`, query text only (a
 * `documentId` is refused); `allow`, text or a manifest document's id;
 * `require`, only documents of the manifest (by id, by APQ hash or as their
 * exact text).
 */
export type TrustedDocumentsMode = 'off' | 'allow' | 'require';
const TRUSTED_DOCUMENTS_MODES: readonly TrustedDocumentsMode[] = ['off', 'allow', 'require'];

/** Default TRUSTED_DOCUMENTS: every role may send text or a manifest id. */
export const DEFAULT_TRUSTED_DOCUMENTS: PerRole<TrustedDocumentsMode> = {
  mobile: 'allow',
  personalization: 'allow',
  editor: 'allow',
  internal: 'allow',
};

/** `require` (every role) or `mobile=require,personalization=allow` (unlisted roles keep `allow`). */
export function parseTrustedDocuments(value: string): PerRole<TrustedDocumentsMode> {
  const mode = (v: string, role: string): TrustedDocumentsMode => {
    if ((TRUSTED_DOCUMENTS_MODES as readonly string[]).includes(v)) return v as TrustedDocumentsMode;
    throw new Error(`TRUSTED_DOCUMENTS for ${role} must be one of ${TRUSTED_DOCUMENTS_MODES.join(', ')}, got "${v}"`);
  };
  const text = value.trim();
  if (!text.includes('=')) {
    const all = mode(text, 'every role');
    return { mobile: all, personalization: all, editor: all, internal: all };
  }
  return perRole(text, mode, DEFAULT_TRUSTED_DOCUMENTS);
}

function perRole<T>(text: string, parse: (value: string, role: Role) => T, defaults: PerRole<T>): PerRole<T> {
  const out: Record<Role, T> = { ...defaults };
  for (const entry of text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
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

/** `1500` (every role) or `mobile=1000,personalization=3000,editor=5000,internal=20000` (unlisted roles keep defaults). */
export function parseMaxCost(value: string | number): PerRole<number> {
  const text = String(value).trim();
  if (/^\d+$/.test(text)) return Object.fromEntries(ROLES.map((role) => [role, Number(text)])) as PerRole<number>;
  return perRole(text, (v, role) => positiveInt(v, `MAX_COST for ${role}`), DEFAULT_MAX_COST);
}

/** `mobile=2000/50,internal=off`: capacity/refill per second; `off` (or 0) means no limit. Unlisted roles keep `defaults`. */
export function parseRateLimits(
  value: string,
  defaults: PerRole<BucketSettings | null> = DEFAULT_RATE_LIMITS,
): PerRole<BucketSettings | null> {
  return perRole(
    value,
    (v, role) => {
      if (v === 'off' || v === '0') return null;
      const [capacity, refill, extra] = v.split('/');
      if (capacity === undefined || refill === undefined || extra !== undefined)
        throw new Error(`rate limit for ${role} must be capacity/refillPerSecond or off, got "${v}"`);
      return {
        capacity: positiveInt(capacity, `capacity for ${role}`),
        refillPerSecond: positiveInt(refill, `refill for ${role}`),
      };
    },
    defaults,
  );
}
