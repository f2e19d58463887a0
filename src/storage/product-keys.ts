import type { ProductInput, ProductRecord } from './types.js';

/**
 * Imports are idempotent by SKU, or by title when a row has no SKU. The
 * natural key makes that one UNIQUE column in every backend.
 */
export function naturalKey(input: Pick<ProductInput, 'sku' | 'title'>): string {
  const sku = input.sku?.trim();
  return sku ? `sku:${sku}` : `title:${input.title.trim().toLowerCase().replace(/\s+/g, ' ')}`;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

export function productChanged(before: ProductRecord, input: ProductInput): boolean {
  const fields = [
    'title',
    'category',
    'gender',
    'attributes',
    'colors',
    'sizes',
    'materials',
    'imageUrl',
    'referenceDescription',
    'price',
  ] as const;
  return fields.some((f) => !same(before[f], input[f]));
}
