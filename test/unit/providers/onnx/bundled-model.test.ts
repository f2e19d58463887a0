import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../../../helpers/paths.js';
import type { GenerationRequest, GenerationResult, ProductFacts, ProviderError } from '../../../../providers/types.js';
import { bundledModelDir, createOnnxProvider } from '../../../../providers/onnx/index.js';
import { readModelFolder } from '../../../../providers/onnx/model-folder.js';
import { loadTokenizer } from '../../../../providers/onnx/tokenizer.js';
import { blockedNgramsFrom, loadBlockedNgrams } from '../../../../providers/onnx/novelty.js';
import { checkLeakage } from '../../../../src/evaluation/checks/leakage.js';
import { decodingDefaults } from '../../../../providers/onnx/generation-params.js';
import { buildPrompt } from '../../../../src/prompts/build-prompt.js';
import { quietLogger } from './onnx-test-helpers.js';

interface CatalogProduct {
  sku: string;
  title: string;
  category?: string;
  attributes?: string[];
  colors?: string[];
  materials?: string[];
  description: string;
  split: string;
}

const catalog = JSON.parse(readFileSync(path.join(repoRoot, 'catalog', 'products.json'), 'utf8')) as CatalogProduct[];
const train = catalog.filter((p) => p.split === 'train');
const heldOut = catalog.filter((p) => p.split === 'test');

function words(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+(?:['’][\p{L}]+)?/gu) ?? [];
}

function ngrams(text: string, n: number): Set<string> {
  const w = words(text);
  const out = new Set<string>();
  for (let i = 0; i + n <= w.length; i++) out.add(w.slice(i, i + n).join(' '));
  return out;
}

const squash = (text: string): string => ` ${words(text).join(' ')} `;

/** How many of the product's listed attributes, colours and materials the text states word for word. */
function factsStated(text: string, p: CatalogProduct): { stated: number; listed: number } {
  const listed = [...(p.attributes ?? []), ...(p.colors ?? []), ...(p.materials ?? [])];
  return { stated: listed.filter((f) => squash(text).includes(squash(f))).length, listed: listed.length };
}

/** Whether the text names one of the product's title or attribute words (3+ letters, not a function word). */
function namesAny(text: string, p: CatalogProduct): boolean {
  const stop = new Set(['and', 'with', 'the', 'for']);
  const own = new Set(words([p.title, ...(p.attributes ?? [])].join(' ')).filter((w) => w.length >= 3 && !stop.has(w)));
  return words(text).some((w) => own.has(w));
}

const trainGrams = new Set(train.flatMap((p) => [...ngrams(p.description, 8)]));

function facts(p: CatalogProduct): ProductFacts {
  return { id: p.sku, title: p.title, category: p.category ?? null, attributes: p.attributes ?? [], colors: p.colors ?? [], materials: p.materials ?? [] };
}

function ok(r: GenerationResult | ProviderError | undefined): GenerationResult {
  assert.ok(r && !(r instanceof Error), String(r));
  return r;
}

test('the split is the one the model was trained on: both parts are non-empty and disjoint', () => {
  assert.ok(train.length > 0 && heldOut.length > 0);
  const trainSkus = new Set(train.map((p) => p.sku));
  assert.ok(heldOut.every((p) => !trainSkus.has(p.sku)));
});

for (const mode of ['default sampling (seeded)', 'greedy'] as const) {
  test(`bundled model, ${mode}: held-out products get new, non-echo text`, async () => {
    const p = await createOnnxProvider({ executionProvider: 'cpu', logger: quietLogger, env: {} });
    try {
      assert.equal(p.model, 'stylesprint-desc');
      const reqs: GenerationRequest[] = heldOut.map((prod, i) => {
        const prompt = buildPrompt(facts(prod)).prompt;
        const r: GenerationRequest = { prompt, parts: { product: facts(prod), promptVersion: 'v3' }, seed: 1000 + i };
        if (mode === 'greedy') r.temperature = 0;
        return r;
      });
      const results = (await p.generate(reqs)).map(ok);
      results.forEach((r, i) => {
        const prompt = reqs[i]?.prompt ?? '';
        const where = `${heldOut[i]?.sku}: ${JSON.stringify(r.text)}`;
        assert.ok(words(r.text).length >= 5, `too short: ${where}`);
        assert.doesNotMatch(r.text, /Write a creative product description|Attributes:|Category:|Colours:|Materials:|Description:/, where);
        // The gateway's own echo check: no instruction repeated, no 8-word run of the prompt.
        assert.deepEqual(checkLeakage(r.text, { prompt }).map((f) => f.code), [], `echoes its prompt: ${where}`);
        const copied = [...ngrams(r.text, 8)].filter((g) => trainGrams.has(g));
        assert.deepEqual(copied, [], `copies a training description: ${where}`);
      });
      // Different products get different texts.
      assert.ok(new Set(results.map((r) => r.text)).size > results.length / 2);
      // About the product: it restates its own listed facts word for word (half of them when measured;
      // the template baseline states all), and names its own words far more often than the next product's.
      const stated = heldOut.map((prod, i) => factsStated(results[i]!.text, prod));
      const share = stated.reduce((a, f) => a + f.stated, 0) / stated.reduce((a, f) => a + f.listed, 0);
      assert.ok(share >= 0.3, `states ${(share * 100).toFixed(0)}% of the listed facts`);
      const own = results.filter((r, i) => namesAny(r.text, heldOut[i]!)).length;
      const other = results.filter((r, i) => namesAny(r.text, heldOut[(i + 1) % heldOut.length]!)).length;
      assert.ok(own >= Math.max(18, 1.5 * other), `names its own product in ${own}, the next product in ${other}`);
    } finally {
      await p.close();
    }
  });
}

test('novelty_ngrams.json holds exactly the token n-grams of the training descriptions (Python and TS hash alike)', () => {
  const folder = readModelFolder(bundledModelDir);
  const n = decodingDefaults(folder.generationConfig).noveltyNgramSize;
  assert.ok(n > 0, 'the bundled model turns the novelty constraint on');
  const table = loadBlockedNgrams(bundledModelDir, n);
  assert.ok(table);
  const tokenizer = loadTokenizer(folder);
  // The trainer tokenised each description after a space, as it follows the prompt.
  const rebuilt = blockedNgramsFrom([...new Set(train.map((p) => p.description))].map((d) => tokenizer.encode(` ${d}`)), n);
  assert.equal(table.next.size, rebuilt.next.size);
  for (const [key, ids] of rebuilt.next) assert.deepEqual([...(table.next.get(key) ?? [])].sort((a, b) => a - b), [...ids].sort((a, b) => a - b), `prefix ${key}`);
});
