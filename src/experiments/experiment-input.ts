/**
 * The checks of createExperiment's input, against the stored descriptions
 * and the experiments already running. Each refusal is a BAD_USER_INPUT
 * with a stable `reason`.
 */
import { BadUserInputError } from '../errors/index.js';
import type { PublicationEntry } from '../storage/publication-types.js';
import type { GenerationParamsFields } from '../descriptions/types.js';
import type {
  AllocationKind,
  DescriptionStore,
  ExperimentInput,
  ExperimentMetric,
  ExperimentStore,
  ExperimentVariant,
} from '../storage/types.js';

/** Most variants, products and variant ids' length in one experiment. */
export const EXPERIMENT_LIMITS = Object.freeze({
  variants: 10,
  products: 1000,
  idLength: 40,
  nameLength: 200,
  recipeProducts: 50,
});
/** THOMPSON's default epoch: one roll-up bucket, so that every epoch reads complete buckets (docs/experiments.md). */
export const DEFAULT_REFRESH_SECONDS = 3600;

/** Texts generated for the variant, through the publication policy: a provider (default: the routing policy's), a routing policy and generation parameters. */
export interface RecipeSpec {
  provider?: string | null;
  policy?: string | null;
  params?: GenerationParamsFields | null;
}

export interface VariantSpec {
  id: string;
  name?: string | null;
  /** FIXED: share of the traffic. Default 1. */
  weight?: number | null;
  /** One published or approved description per product; the control needs one for every product. */
  descriptionIds?: readonly string[] | null;
  /** Instead of descriptions (not for the control): texts generated for each product when the experiment is created. */
  recipe?: RecipeSpec | null;
}

export interface ExperimentSpec {
  name: string;
  productIds: readonly string[];
  metric: ExperimentMetric;
  allocation: AllocationKind;
  minSample?: number | null;
  refreshSeconds?: number | null;
  variants: readonly VariantSpec[];
}

// A declaration, not an arrow: only then does a call narrow the code after it.
function refuse(reason: string, message: string): never {
  throw new BadUserInputError(message, { reason });
}

function checkShape(spec: ExperimentSpec): void {
  const L = EXPERIMENT_LIMITS;
  if (!spec.name.trim() || spec.name.length > L.nameLength)
    refuse('BAD_NAME', `name must be 1 to ${L.nameLength} characters`);
  if (spec.variants.length < 2 || spec.variants.length > L.variants)
    refuse('VARIANT_COUNT', `an experiment needs 2 to ${L.variants} variants, got ${spec.variants.length}`);
  const ids = new Set<string>();
  for (const v of spec.variants) {
    if (!/^[A-Za-z0-9_.-]+$/.test(v.id) || v.id.length > L.idLength)
      refuse(
        'BAD_VARIANT_ID',
        `variant id ${JSON.stringify(v.id)}: 1 to ${L.idLength} letters, digits, "_", "-" or "."`,
      );
    if (ids.has(v.id)) refuse('DUPLICATE_VARIANT', `variant id ${JSON.stringify(v.id)} appears twice`);
    ids.add(v.id);
    if (v.recipe && v.descriptionIds?.length)
      refuse('RECIPE_WITH_DESCRIPTIONS', `variant ${JSON.stringify(v.id)}: give a recipe or descriptions, not both`);
    if (v.recipe && v === spec.variants[0])
      refuse(
        'CONTROL_IS_RECIPE',
        'the control (the first variant) must name published or approved descriptions, not a recipe',
      );
    if (v.recipe && spec.productIds.length > L.recipeProducts)
      refuse(
        'RECIPE_TOO_MANY_PRODUCTS',
        `a recipe variant generates one text per product when the experiment is created: at most ${L.recipeProducts} products`,
      );
    const weight = v.weight ?? 1;
    if (!(Number.isFinite(weight) && weight > 0))
      refuse('BAD_WEIGHT', `variant ${JSON.stringify(v.id)}: weight must be a finite number > 0, got ${weight}`);
  }
  const products = new Set(spec.productIds);
  if (products.size === 0 || products.size > L.products)
    refuse('PRODUCT_COUNT', `an experiment needs 1 to ${L.products} products`);
  if (products.size !== spec.productIds.length) refuse('DUPLICATE_PRODUCT', 'a product is listed twice');
  const minSample = spec.minSample ?? null;
  if (minSample !== null && !(Number.isSafeInteger(minSample) && minSample >= 0))
    refuse('BAD_MIN_SAMPLE', `minSample must be a whole number ≥ 0, got ${minSample}`);
  const refresh = spec.refreshSeconds ?? DEFAULT_REFRESH_SECONDS;
  if (!(Number.isSafeInteger(refresh) && refresh >= 60 && refresh <= 86_400))
    refuse('BAD_REFRESH', `refreshSeconds must be a whole number from 60 to 86400, got ${refresh}`);
}

/** What the checks read of the publication lifecycle. */
export interface LifecycleEntries {
  entries(ids: readonly string[]): Promise<Array<PublicationEntry | null>>;
}

/** A shopper may see a published text, and a session in an experiment an approved one (docs/experiments.md). */
const ADMISSIBLE = new Set(['PUBLISHED', 'APPROVED']);

/**
 * Each variant's descriptions by product, read from the store: every id must
 * exist, be published or approved, and describe one of the experiment's
 * products, once per variant.
 * The control (the first variant) must cover every product; another variant
 * may leave a product out, and its sessions then see the control's text
 * there (said in the assignment).
 */
async function variantTexts(
  spec: ExperimentSpec,
  descriptions: DescriptionStore,
  publication: LifecycleEntries,
): Promise<ExperimentVariant[]> {
  const products = new Set(spec.productIds);
  const states = new Map(
    (await publication.entries(spec.variants.flatMap((v) => v.descriptionIds ?? []))).flatMap((e) =>
      e ? [[e.state.descriptionId, e.state.status] as const] : [],
    ),
  );
  const variants: ExperimentVariant[] = [];
  for (const v of spec.variants) {
    const byProduct: Record<string, string> = {};
    for (const id of v.descriptionIds ?? []) {
      const record = await descriptions.descriptionById(id);
      if (!record)
        refuse('UNKNOWN_DESCRIPTION', `variant ${JSON.stringify(v.id)}: description ${JSON.stringify(id)} not found`);
      if (!products.has(record.productId))
        refuse(
          'DESCRIPTION_OUTSIDE_EXPERIMENT',
          `variant ${JSON.stringify(v.id)}: description ${JSON.stringify(id)} describes a product outside the experiment`,
        );
      const status = states.get(id) ?? 'without a publication state';
      if (!ADMISSIBLE.has(status))
        refuse(
          'DESCRIPTION_NOT_ADMISSIBLE',
          `variant ${JSON.stringify(v.id)}: description ${JSON.stringify(id)} is ${status.toLowerCase()}; a variant's texts must be published or approved`,
        );
      if (byProduct[record.productId])
        refuse(
          'TWO_DESCRIPTIONS_FOR_PRODUCT',
          `variant ${JSON.stringify(v.id)} has two descriptions of product ${JSON.stringify(record.productId)}`,
        );
      byProduct[record.productId] = id;
    }
    variants.push({ id: v.id, name: v.name?.trim() || v.id, weight: v.weight ?? 1, descriptionIds: byProduct });
  }
  const [control] = variants;
  if (control === undefined) throw new Error('experiment input: no variants, though checkShape asks for two');
  const missing = spec.productIds.filter((p) => !control.descriptionIds[p]);
  if (missing.length)
    refuse(
      'CONTROL_INCOMPLETE',
      `the control (${JSON.stringify(control.id)}) needs a description of every product; missing: ${missing.slice(0, 5).join(', ')}`,
    );
  return variants;
}

/** The input as stored, or a BAD_USER_INPUT naming what is wrong. A product may be in one running or paused experiment at a time. */
export async function checkExperiment(
  spec: ExperimentSpec,
  stores: { descriptions: DescriptionStore; experiments: ExperimentStore; publication: LifecycleEntries },
): Promise<ExperimentInput> {
  checkShape(spec);
  const busy = await stores.experiments.activeForProducts(spec.productIds);
  const [active] = busy;
  if (active)
    refuse(
      'PRODUCT_IN_EXPERIMENT',
      `a product is already in experiment ${JSON.stringify(active.id)} (${active.status.toLowerCase()}); conclude it first`,
    );
  return {
    name: spec.name.trim(),
    metric: spec.metric,
    allocation: spec.allocation,
    minSample: spec.minSample ?? null,
    refreshSeconds: spec.refreshSeconds ?? DEFAULT_REFRESH_SECONDS,
    variants: await variantTexts(spec, stores.descriptions, stores.publication),
    productIds: [...spec.productIds],
  };
}
