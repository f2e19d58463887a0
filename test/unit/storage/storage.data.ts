import type { DescriptionInput, ProductFilter, ProductInput, ProductRecord } from '../../../src/storage/types.js';

/**
 * A small catalog made for the storage suite: category spellings that differ
 * only in case, products with and without SKU, titles with LIKE wildcards,
 * and attributes in mixed case.
 */
export function makeCatalog(): ProductInput[] {
  const base = {
    gender: null,
    colors: [],
    sizes: [],
    materials: [],
    imageUrl: null,
    referenceDescription: null,
    price: null,
  };
  return [
    {
      ...base,
      sku: 'DR-1',
      title: 'Floral Wrap Dress',
      category: 'Dresses',
      attributes: ['Floral', 'wrap', 'V-neck'],
      colors: ['red', 'white'],
      price: 79.5,
    },
    {
      ...base,
      sku: 'DR-2',
      title: 'Linen Shift Dress',
      category: 'dresses',
      attributes: ['sleeveless'],
      materials: ['linen'],
      referenceDescription: 'An easy summer dress.',
    },
    {
      ...base,
      sku: 'DR-3',
      title: '100% Linen Maxi',
      category: 'DRESSES',
      attributes: ['floral', 'Sleeveless', 'maxi'],
      sizes: ['S', 'M'],
      price: 120,
    },
    {
      ...base,
      sku: null,
      title: 'Snake_Print Skirt',
      category: 'Skirts',
      attributes: ['animal print'],
      gender: 'women',
    },
    {
      ...base,
      sku: null,
      title: 'Pleated Midi Skirt',
      category: 'skirts',
      attributes: [],
      referenceDescription: 'Pleats that swing, 50% recycled.',
    },
    {
      ...base,
      sku: 'SH-1',
      title: 'Canvas Sneaker',
      category: 'Shoes',
      attributes: ['lace-up', 'FLORAL'],
      gender: 'unisex',
      price: 49.99,
    },
    {
      ...base,
      sku: 'SH-2',
      title: 'Leather Loafer',
      category: 'Shoes',
      attributes: ['slip-on'],
      materials: ['leather'],
      imageUrl: 'https://example.test/loafer.jpg',
    },
    {
      ...base,
      sku: 'AC-1',
      title: 'Silk Scarf',
      category: null,
      attributes: ['floral', 'square'],
      materials: ['silk'],
    },
    { ...base, sku: 'AC-2', title: 'Woven Tote', category: 'Bags', attributes: ['100% cotton', 'tote'] },
    {
      ...base,
      sku: null,
      title: 'Denim Jacket',
      category: 'Outerwear',
      attributes: ['Sleeveless'],
      referenceDescription: 'Not really sleeveless_ at all.',
    },
    {
      ...base,
      sku: 'TS-1',
      title: 'Striped Tee',
      category: 'Tops',
      attributes: ['striped', 'crew neck'],
      colors: ['navy'],
    },
    {
      ...base,
      sku: 'TS-2',
      title: 'Ribbed Tank',
      category: 'tops',
      attributes: ['sleeveless', 'ribbed'],
      gender: 'women',
      price: 19,
    },
  ];
}

/** Every filter combination the suite pages through. */
export function filterCombinations(): ProductFilter[] {
  const categories = [undefined, 'dresses', 'SHOES', 'nothing'];
  const searches = [
    undefined,
    'linen',
    'LINEN',
    '100%',
    '%',
    '_',
    'snake_',
    'sleeveless_',
    'summer',
    'floral',
    '"',
    '","',
    'zzz',
  ];
  const tags = [undefined, [], ['floral'], ['FLORAL', 'sleeveless'], ['missing']];
  const out: ProductFilter[] = [];
  for (const category of categories)
    for (const search of searches)
      for (const t of tags)
        out.push({
          ...(category === undefined ? {} : { category }),
          ...(search === undefined ? {} : { search }),
          ...(t === undefined ? {} : { tags: t }),
        });
  return out;
}

/**
 * The filter's meaning written in plain code: category case-insensitive
 * exact, search a case-insensitive substring of title, reference description
 * or the serialised attribute list, and every tag among the attributes.
 */
export function matches(p: ProductRecord, f: ProductFilter): boolean {
  const lower = (s: string | null | undefined) => (s ?? '').toLowerCase();
  if (f.category && lower(p.category) !== lower(f.category)) return false;
  if (f.search) {
    const s = f.search.toLowerCase();
    const hit = [p.title, p.referenceDescription, JSON.stringify(p.attributes)].some((field) =>
      lower(field).includes(s),
    );
    if (!hit) return false;
  }
  const attrs = new Set(p.attributes.map((a) => a.toLowerCase()));
  return (f.tags ?? []).every((t) => attrs.has(t.toLowerCase()));
}

export function makeDescription(productId: string, overrides: Partial<DescriptionInput> = {}): DescriptionInput {
  return {
    productId,
    text: 'A wrap dress in a floral print.',
    provider: 'onnx',
    model: 'stylesprint-desc',
    promptVersion: 'v1',
    personalizationKey: '',
    personalization: null,
    // Keys deliberately out of alphabetical order: the round trip must keep them.
    parameters: { temperature: 0.7, maxTokens: 96, stop: ['\n\n'], nested: { z: 1, a: [true, null] } },
    finishReason: 'stop',
    latencyMs: 12.25,
    promptTokens: 42,
    completionTokens: 17,
    estimatedCostUsd: null,
    attempts: [
      { provider: 'openai', model: 'gpt-4o-mini', errorKind: 'timeout', latencyMs: 20000 },
      { provider: 'onnx', model: 'stylesprint-desc', errorKind: null, latencyMs: 12.25 },
    ],
    flags: [
      {
        code: 'GENDERED_TERM',
        category: 'inclusive',
        message: 'Consider a neutral word.',
        start: 3,
        end: 8,
        suggestion: null,
      },
    ],
    attributeCoverage: 0.75,
    ...overrides,
  };
}
