import assert from 'node:assert/strict';
import {
  checkFacts,
  type FactCheckOptions,
  type FactCheckProduct,
  type FactCode,
  type FactFinding,
} from '../../../../src/evaluation/checks/facts/index.js';
import { readCatalogEntries } from '../../../../src/seed.js';

const catalog = new Map(readCatalogEntries().map((e) => [e.sku, e]));

/** A sample-catalog product as the fact check reads it. */
export function product(sku: string): FactCheckProduct {
  const e = catalog.get(sku);
  assert.ok(e, `no catalog product ${sku}`);
  return {
    title: e.title,
    category: e.category,
    gender: e.gender,
    price: e.price,
    attributes: e.attributes,
    colors: e.colors,
    sizes: e.sizes,
    materials: e.materials,
  };
}

/** The findings of one code, as [the text they cover, start, end]. */
export function spans(
  text: string,
  p: FactCheckProduct,
  code: FactCode,
  options?: FactCheckOptions,
): Array<[string, number, number]> {
  return findings(text, p, options)
    .filter((f) => f.code === code)
    .map((f) => [text.slice(f.start, f.end), f.start, f.end]);
}

export const findings = (text: string, p: FactCheckProduct, options?: FactCheckOptions): readonly FactFinding[] =>
  checkFacts(text, p, options).findings;

/** Offsets of `part` in `text` (its first occurrence at or after `from`). */
export function at(text: string, part: string, from = 0): [string, number, number] {
  const i = text.indexOf(part, from);
  assert.ok(i >= 0, `"${part}" is not in the text`);
  return [part, i, i + part.length];
}

export const codes = (text: string, p: FactCheckProduct, options?: FactCheckOptions): FactCode[] =>
  [...new Set(findings(text, p, options).map((f) => f.code))].sort();
