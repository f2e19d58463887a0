import DataLoader from 'dataloader';
import type { Personalization } from '../../providers/types.js';
import type { DescriptionStore, ProductRecord } from '../storage/types.js';
import { DEFAULT_PROMPT_VERSION } from '../prompts/templates.js';
import type { DescriptionService } from './description.service.js';
import type { GenerationBudget } from '../limits/generation-budget.js';
import { referenceDescription, toDescription } from './description.service.js';
import { DescriptionSource, type Description } from './types.js';
import { personalizationKey } from './personalization.js';
import type { Payer } from '../budgets/guard.js';

export interface DescriptionKey {
  product: ProductRecord;
  personalization?: Personalization | undefined;
  provider?: string | null;
}

export interface DescriptionLoaderContext {
  warnings: string[];
  signal: AbortSignal;
  /** The caller's generation bucket (GENERATION_RATE_LIMITS). Default: unlimited. */
  generations?: GenerationBudget;
  /** Who pays for generations under BUDGETS. Default: no one (no caps apply). */
  payer?: Payer | undefined;
}

/** Policy used by `Product.description` (the mobile app's field). */
export const MOBILE_POLICY = 'mobile';

/**
 * Per request: `Product.description` on 50 products makes one database read
 * for stored descriptions and one batched generation for the misses, taken
 * from the caller's generation bucket first. When generation fails or the
 * bucket is empty, the product query still succeeds with the newest stored
 * description (CACHED) or the human reference (REFERENCE), marked stale.
 */
export function createDescriptionLoader(storage: DescriptionStore, service: DescriptionService, ctx: DescriptionLoaderContext) {
  return new DataLoader<DescriptionKey, Description | null, string>(
    async (keys) => {
      const lookups = keys.map((k) => ({ productId: k.product.id, personalizationKey: personalizationKey(k.personalization), provider: k.provider ?? null }));
      const stored = await storage.latestDescriptions(lookups);
      const out: Array<Description | null> = stored.map((d) => (d ? toDescription(d, DescriptionSource.CACHED) : null));
      const misses = keys.map((_, i) => i).filter((i) => !stored[i]);
      if (misses.length === 0) return out;
      const budget = ctx.generations ? await ctx.generations(misses.length) : undefined;
      if (budget && !budget.allowed) {
        await fillWithFallbacks(storage, keys, misses, out);
        ctx.warnings.push(`generation rate limit reached for this key: served stored or reference descriptions marked stale for ${misses.length} product(s); generation resumes in ${budget.retryAfterSeconds} s`);
        return out;
      }
      const outcomes = await service.generate(
        misses.map((i) => ({
          product: keys[i]!.product,
          policy: MOBILE_POLICY,
          provider: keys[i]!.provider ?? null,
          personalization: keys[i]!.personalization,
          params: {},
          promptVersion: DEFAULT_PROMPT_VERSION,
        })),
        ctx.signal,
        ctx.payer,
      );
      const failed: number[] = [];
      outcomes.forEach((o, j) => {
        if (o.ok) out[misses[j]!] = o.description;
        else failed.push(misses[j]!);
      });
      if (failed.length) {
        await fillWithFallbacks(storage, keys, failed, out);
        ctx.warnings.push(`generation failed for ${failed.length} product(s); served stored or reference descriptions marked stale`);
      }
      return out;
    },
    { cacheKeyFn: (k) => `${k.product.id}\u0000${personalizationKey(k.personalization)}\u0000${k.provider ?? ''}` },
  );
}

/** For the keys at `positions`: the newest stored description of the product (CACHED), else its reference, marked stale. */
async function fillWithFallbacks(storage: DescriptionStore, keys: readonly DescriptionKey[], positions: number[], out: Array<Description | null>): Promise<void> {
  const newest = await storage.newestDescriptionsForProducts(positions.map((i) => keys[i]!.product.id));
  positions.forEach((i, j) => {
    out[i] = newest[j] ? toDescription(newest[j]!, DescriptionSource.CACHED, true) : referenceDescription(keys[i]!.product);
  });
}
