/**
 * Recipe variants: texts generated for the experiment when it is created,
 * one per product, by the same path as generateDescriptions, and so through
 * the publication policy (PUBLISH_POLICY): under `review` they wait for a
 * person, under `auto` a complete text that passes the check is published.
 * They are written for a channel of the experiment's own, so no slot that
 * shoppers read outside the experiment holds them. Until a text is approved
 * or published, the variant's sessions get the control (servedControl).
 */
import { randomBytes } from 'node:crypto';
import { BadUserInputError, type GatewayError } from '../errors/index.js';
import { checkParams, ParamError, type CheckedParams } from '../descriptions/params.js';
import {
  PERSONALIZATION_POLICY,
  type GenerateItem,
  type GenerateOutcome,
} from '../descriptions/description.service.js';
import type {
  CatalogStore,
  ExperimentInput,
  ExperimentVariant,
  ProductRecord,
  VariantRecipe,
} from '../storage/types.js';
import type { ActorRecord } from '../storage/publication-types.js';
import type { ExperimentSpec, RecipeSpec } from './experiment-input.js';

/** What recipe variants need of the description service. */
export interface RecipeGenerator {
  generate(items: GenerateItem[]): Promise<GenerateOutcome[]>;
  unknownProvider(provider: string | null | undefined): GatewayError | null;
}

export interface RecipeDeps {
  catalog: Pick<CatalogStore, 'productsByIds'>;
  generator?: RecipeGenerator;
  /** Who created the experiment, recorded in the texts' history. */
  requestedBy?: ActorRecord;
}

function checkRecipe(
  r: RecipeSpec,
  generator: RecipeGenerator,
): Pick<VariantRecipe, 'provider' | 'policy'> & CheckedParams {
  const unknown = generator.unknownProvider(r.provider);
  if (unknown) throw unknown;
  try {
    const checked = checkParams(r.params, null);
    return { provider: r.provider ?? null, policy: r.policy ?? PERSONALIZATION_POLICY, ...checked };
  } catch (error) {
    if (error instanceof ParamError) throw error.toGraphQLError();
    throw error;
  }
}

/** The experiment's variants with each recipe variant's generated texts (a product whose generation failed has none, and shows the control). */
export async function recipeVariants(
  checked: ExperimentInput,
  spec: ExperimentSpec,
  deps: RecipeDeps,
): Promise<ExperimentVariant[]> {
  if (spec.variants.every((v) => !v.recipe)) return checked.variants;
  const generator = deps.generator;
  if (!generator)
    throw new BadUserInputError(
      'this gateway generates no texts for experiments: give the variant published or approved descriptions',
      { reason: 'RECIPES_NOT_AVAILABLE' },
    );
  // Every recipe checked before any text is generated: a bad second recipe leaves no drafts behind.
  const recipes = spec.variants.map((v) => (v.recipe ? checkRecipe(v.recipe, generator) : null));
  const found = await deps.catalog.productsByIds(checked.productIds);
  const missing = checked.productIds.filter((_, i) => !found[i]);
  if (missing.length)
    throw new BadUserInputError(`unknown products: ${missing.slice(0, 5).join(', ')}`, { reason: 'UNKNOWN_PRODUCT' });
  const products = found as ProductRecord[];
  const out: ExperimentVariant[] = [];
  for (const [i, variant] of checked.variants.entries()) {
    const r = recipes[i];
    if (!r) {
      out.push(variant);
      continue;
    }
    const recipe: VariantRecipe = {
      provider: r.provider,
      policy: r.policy,
      params: { ...r.params },
      promptVersion: r.promptVersion,
      channel: `exp-${randomBytes(6).toString('hex')}`,
    };
    const items: GenerateItem[] = products.map((product) => ({
      product,
      policy: r.policy,
      provider: r.provider,
      params: r.params,
      promptVersion: r.promptVersion,
      channel: recipe.channel,
      ...(deps.requestedBy ? { requestedBy: deps.requestedBy } : {}),
    }));
    const descriptionIds: Record<string, string> = {};
    // One result per item, in order.
    (await generator.generate(items)).forEach((o, j) => {
      const product = products[j];
      if (o.ok && product) descriptionIds[product.id] = o.description.id;
    });
    out.push({ ...variant, descriptionIds, recipe });
  }
  return out;
}
