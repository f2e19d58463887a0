/**
 * Writes the training data for the bundled demo model (models/stylesprint-desc)
 * as JSONL: one line per prompt variant, {sku, split, variant, prompt,
 * description}. Prompts are rendered by the gateway's own builder, so the
 * model learns exactly the text it will receive at run time.
 *
 *   node dist/tools/export-training-data.js [--catalog catalog/products.json]
 *        [--out dist/training/stylesprint-desc.jsonl] [--variants 8] [--seed 1]
 *
 * Variant 0 is the product as it is; the others shuffle the attribute,
 * colour and material order and sometimes drop the optional lines, which
 * keeps to the catalog's own facts while stopping the model from keying a
 * description to one exact prompt string.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildPrompt } from '../src/prompts/build-prompt.js';
import type { ProductFacts } from '../providers/types.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

interface CatalogProduct {
  sku: string;
  title: string;
  category?: string;
  attributes?: string[];
  colors?: string[];
  materials?: string[];
  description: string;
  split: 'train' | 'test';
}

/** mulberry32: a tiny seeded PRNG, so the export is reproducible. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffled<T>(items: readonly T[], rand: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/** The facts a prompt may use: never the reference description. */
export function factsOf(p: CatalogProduct): ProductFacts {
  return {
    id: p.sku,
    title: p.title,
    category: p.category ?? null,
    attributes: p.attributes ?? [],
    colors: p.colors ?? [],
    materials: p.materials ?? [],
  };
}

function variantOf(facts: ProductFacts, rand: () => number): ProductFacts {
  return {
    ...facts,
    attributes: shuffled(facts.attributes, rand),
    colors: rand() < 0.25 ? [] : shuffled(facts.colors ?? [], rand),
    materials: rand() < 0.25 ? [] : shuffled(facts.materials ?? [], rand),
    category: rand() < 0.15 ? null : (facts.category ?? null),
  };
}

function main(): void {
  const { values } = parseArgs({
    options: {
      catalog: { type: 'string', default: path.join(repoRoot, 'catalog', 'products.json') },
      out: { type: 'string', default: path.join(repoRoot, 'dist', 'training', 'stylesprint-desc.jsonl') },
      variants: { type: 'string', default: '8' },
      seed: { type: 'string', default: '1' },
    },
  });
  const products = JSON.parse(readFileSync(values.catalog, 'utf8')) as CatalogProduct[];
  const variants = Number(values.variants);
  const rand = prng(Number(values.seed));
  const lines: string[] = [];
  for (const p of products) {
    const facts = factsOf(p);
    // Held-out products get their canonical prompt only: they are for evaluation.
    const count = p.split === 'train' ? variants : 1;
    for (let v = 0; v < count; v++) {
      const prompt = buildPrompt(v === 0 ? facts : variantOf(facts, rand)).prompt;
      lines.push(JSON.stringify({ sku: p.sku, split: p.split, variant: v, prompt, description: p.description }));
    }
  }
  mkdirSync(path.dirname(values.out), { recursive: true });
  writeFileSync(values.out, lines.join('\n') + '\n');
  console.log(`wrote ${lines.length} lines for ${products.length} products to ${path.relative(repoRoot, values.out)}`);
}

main();
