import DataLoader from 'dataloader';
import type { Personalization } from '../../providers/types.js';
import type { ProductRecord } from '../storage/types.js';
import type { ActorRecord, PublicationEntry } from '../storage/publication-types.js';
import { DEFAULT_PROMPT_VERSION } from '../prompts/templates.js';
import type { GenerationBudget } from '../limits/generation-budget.js';
import { fallbackSlots, sameSlot, slotOf, type Slot } from '../publication/slot.js';
import type { DescriptionService } from './description.service.js';
import { referenceDescription, toDescription } from './description.service.js';
import { DescriptionSource, DescriptionStatus, type Description } from './types.js';
import { personalizationKey } from './personalization.js';
import type { Payer } from '../budgets/guard.js';

export interface DescriptionKey {
  product: ProductRecord;
  personalization?: Personalization | undefined;
  provider?: string | null;
  /** The sales channel asked for (checkChannel's default when none). */
  channel: string;
}

export interface DescriptionLoaderContext {
  warnings: string[];
  signal: AbortSignal;
  /** The caller's generation bucket (GENERATION_RATE_LIMITS). Default: unlimited. */
  generations?: GenerationBudget;
  /** Who pays for generations under BUDGETS. Default: no one (no caps apply). */
  payer?: Payer | undefined;
  /** The caller, recorded as having asked for what a read generates. Default: the gateway. */
  requestedBy?: ActorRecord;
}

/** Policy used by `Product.description` (the mobile app's field). */
export const MOBILE_POLICY = 'mobile';

/**
 * Per request: `Product.description` on 50 products serves only published
 * texts, looked up in one read, each key's slot first, then its fallbacks
 * (src/publication/slot.ts), then the human reference. A slot that has never
 * held a text, neither published nor waiting for review, gets one generated,
 * in one batch for all such keys, taken from the caller's generation bucket
 * first; the generated text goes through the publication policy and is
 * served in this request only when the policy published it. When generation
 * fails or the bucket is empty, the query still succeeds with the fallbacks,
 * marked stale.
 */
export function createDescriptionLoader(service: DescriptionService, ctx: DescriptionLoaderContext) {
  const publication = service.publication;
  return new DataLoader<DescriptionKey, Description | null, string>(
    async (keys) => {
      const items = keys.map((key, i) => ({ i, key, slot: slotOf(key.product.id, key.personalization, key.channel) }));
      const published = await publication.publishedForProducts(keys.map((k) => k.product.id));
      const serve = (
        { key, slot }: (typeof items)[number],
        fromFallback: boolean,
        stale: boolean,
      ): Description | null => {
        const candidates = fallbackSlots(slot).slice(fromFallback ? 1 : 0);
        for (const s of candidates) {
          const hit = publishedIn(published, s, key.provider ?? null);
          if (hit) return toDescription(hit.description, DescriptionSource.CACHED, stale, hit);
        }
        return referenceDescription(key.product, stale);
      };
      const out: Array<Description | null> = items.map((item) =>
        publishedIn(published, item.slot, item.key.provider ?? null) ? serve(item, false, false) : null,
      );
      const misses = items.filter((item) => out[item.i] === null);
      if (misses.length === 0) return out;
      // A slot with a text waiting for review or approved is the content team's: reads do not pile up drafts in it.
      const inUse = await publication.slotsInUse(misses.map((m) => m.slot));
      const empty = misses.filter((_, j) => !inUse[j]);
      for (const m of misses.filter((_, j) => inUse[j])) out[m.i] = serve(m, true, false);
      if (empty.length === 0) return out;
      const budget = ctx.generations ? await ctx.generations(empty.length) : undefined;
      if (budget && !budget.allowed) {
        for (const m of empty) out[m.i] = serve(m, true, true);
        ctx.warnings.push(
          `generation rate limit reached for this key: served published or reference descriptions marked stale for ${empty.length} product(s); generation resumes in ${budget.retryAfterSeconds} s`,
        );
        return out;
      }
      const outcomes = await service.generate(
        empty.map(({ key }) => ({
          product: key.product,
          policy: MOBILE_POLICY,
          provider: key.provider ?? null,
          personalization: key.personalization,
          params: {},
          promptVersion: DEFAULT_PROMPT_VERSION,
          channel: key.channel,
          ...(ctx.requestedBy ? { requestedBy: ctx.requestedBy } : {}),
        })),
        ctx.signal,
        ctx.payer,
      );
      let failed = 0;
      outcomes.forEach((o, j) => {
        // generate() returns one outcome per item, in order.
        const m = empty[j];
        if (m === undefined)
          throw new Error(`description loader: ${outcomes.length} outcomes for ${empty.length} keys`);
        if (o.ok && o.description.status === DescriptionStatus.PUBLISHED) out[m.i] = o.description;
        else out[m.i] = serve(m, true, !o.ok);
        if (!o.ok) failed++;
      });
      if (failed)
        ctx.warnings.push(
          `generation failed for ${failed} product(s); served published or reference descriptions marked stale`,
        );
      return out;
    },
    {
      cacheKeyFn: (k) =>
        `${k.product.id}\u0000${personalizationKey(k.personalization)}\u0000${k.provider ?? ''}\u0000${k.channel}`,
    },
  );
}

function publishedIn(
  published: readonly PublicationEntry[],
  slot: Slot,
  provider: string | null,
): PublicationEntry | undefined {
  return published.find(
    (e) => sameSlot(e.state.slot, slot) && (provider === null || e.description.provider === provider),
  );
}
