import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, cpSync } from 'node:fs';
import path from 'node:path';
import { readModelFolder, ModelFolderError } from '../../../../../providers/onnx/model-folder.js';
import { loadTokenizer } from '../../../../../providers/onnx/tokenizer.js';
import { generateBatch, type RowRequest } from '../../../../../providers/onnx/generate-batch.js';
import { chooseToken, type SamplingParams } from '../../../../../providers/onnx/sampling.js';
import {
  banBlockedNgrams,
  blockedNgramsFrom,
  formSequence,
  hashIds,
  loadBlockedNgrams,
  NOVELTY_FILE,
  parseBlockedNgrams,
  tokenForms,
  type BlockedNgrams,
} from '../../../../../providers/onnx-plugins/stylesprint/novelty.js';
import { fixturesDir, repoRoot } from '../../../../helpers/paths.js';
import { onnxPlugins } from '../../../../../providers/onnx-plugins/index.js';
import { rowProcessor, settingsOf } from './plugin-helpers.js';
import {
  fixtureDir,
  greedySampling as greedy,
  mixedPrompts,
  openFixtureDecoder,
  quietLogger,
} from '../../onnx/onnx-test-helpers.js';
import { tempDir } from '../../../../helpers/temp-dir.js';
import { inspect } from 'node:util';
import { must } from '../../../../helpers/must.js';

function ngramsOf(ids: readonly number[], n: number): Set<string> {
  const out = new Set<string>();
  for (let i = 0; i + n <= ids.length; i++) out.add(ids.slice(i, i + n).join(','));
  return out;
}

test('a token that would complete a blocked n-gram is banned; greedy takes the next best', () => {
  const blocked = blockedNgramsFrom(
    [
      [7, 8, 1],
      [9, 9, 9],
    ],
    3,
  );
  const logits = () => Float32Array.from([0.25, 3, 2, 1, 0.5]);
  const l = logits();
  banBlockedNgrams(l, [4, 7, 8], blocked);
  assert.deepEqual([...l], [0.25, -Infinity, 2, 1, 0.5]);
  assert.equal(
    chooseToken(l, greedy, () => 0),
    2,
  );
  // Only the last n-1 ids count: other contexts ban nothing.
  for (const ctx of [[8, 7], [7, 8, 2], [8]]) {
    const u = logits();
    banBlockedNgrams(u, ctx, blocked);
    assert.deepEqual([...u], [...logits()], `context ${ctx.join(',')}`);
  }
  // Ids before `from` (left padding) are not part of the context.
  const short = logits();
  banBlockedNgrams(short, [7, 8], blocked, 1);
  assert.deepEqual([...short], [...logits()]);
  const offset = logits();
  banBlockedNgrams(offset, [0, 0, 7, 8], blocked, 2);
  assert.equal(offset[1], -Infinity);
});

test('word-form n-grams: other punctuation or capitals in between do not carry a copy past the ban', () => {
  const tokenizer = loadTokenizer(readModelFolder(path.join(repoRoot, 'models', 'stylesprint-desc')));
  const forms = tokenForms(tokenizer);
  assert.equal(tokenForms(tokenizer), forms, 'memoised per tokenizer');
  const enc = (t: string) => tokenizer.encode(t);
  const firstId = (t: string) => must(enc(t)[0], `the first id of ${JSON.stringify(t)}`);
  const comma = firstId(',');
  const and = firstId(' and');
  assert.equal(forms.formOf[comma], -1, 'punctuation has no form');
  assert.equal(forms.formOf[must(tokenizer.special.eos[0], 'an EOS id')], -1, 'nor has a special token');
  // Every token of a form has that form, and the form's id is its smallest token.
  for (const [form, ids] of forms.tokensOf) {
    assert.equal(Math.min(...ids), form);
    for (const id of ids) assert.equal(forms.formOf[id], form);
  }
  const blocked = blockedNgramsFrom([enc(' suit chinos and corduroy')], 3, forms);
  assert.ok(blocked.forms);
  assert.deepEqual(formSequence(enc(' suit chinos, and'), forms), formSequence(enc(' suit chinos and'), forms));
  const banned = (context: string): boolean => {
    const logits = new Float32Array(forms.formOf.length);
    banBlockedNgrams(logits, enc(context), blocked);
    return logits[and] === -Infinity;
  };
  assert.equal(banned(' suit chinos'), true);
  assert.equal(banned(' suit chinos,'), true, 'a comma does not reset the context');
  assert.equal(banned(' suit, chinos ('), true);
  // ' Chinos' and ' chinos' are both single tokens here: one form.
  assert.equal(enc(' Chinos').length, 1);
  assert.equal(forms.formOf[firstId(' Chinos')], forms.formOf[firstId(' chinos')]);
  assert.equal(banned(' suit Chinos'), true, 'other capitals');
  assert.equal(banned(' suit jeans'), false);
  assert.equal(banned(' chinos'), false, 'too short a context bans nothing');
  // Punctuation is never what gets banned: after the full n-gram's prefix it stays free.
  const after = new Float32Array(forms.formOf.length);
  banBlockedNgrams(after, enc(' suit chinos'), blocked);
  assert.equal(after[comma], 0);
});

test('a word-form table needs a byte-level BPE tokenizer, and says so', () => {
  const json = { n: 3, hash: 'fnv1a32-le-forms', next: {} };
  assert.throws(
    () => parseBlockedNgrams(json, 'x.json'),
    (e: unknown) =>
      e instanceof ModelFolderError && /x\.json: word-form n-grams need the model's tokenizer/.test(e.message),
  );
  const wordPiece = loadTokenizer(readModelFolder(path.join(fixturesDir, 'models', 'tiny-bert')));
  assert.equal(wordPiece.tokenBytes, undefined);
  assert.throws(
    () => parseBlockedNgrams(json, 'x.json', wordPiece),
    (e: unknown) => e instanceof ModelFolderError && /x\.json: .*byte-level BPE/.test(e.message),
  );
  const bpe = loadTokenizer(readModelFolder(fixtureDir('tiny-gpt2')));
  assert.ok(parseBlockedNgrams(json, 'x.json', bpe).forms);
});

test('hashIds is FNV-1a over little-endian id bytes and depends on order and range', () => {
  assert.equal(hashIds([]), 0x811c9dc5);
  assert.notEqual(hashIds([1, 2]), hashIds([2, 1]));
  assert.equal(hashIds([5, 1, 2, 6], 1, 3), hashIds([1, 2]));
  // Ids above 255 use all four bytes: 256 and 1 must not collide.
  assert.notEqual(hashIds([256]), hashIds([1]));
});

test('parseBlockedNgrams rejects malformed files with the file named', () => {
  const bad = [
    { n: 1, hash: 'fnv1a32-le-ids', next: {} },
    { n: 3, hash: 'md5', next: {} },
    { n: 3, hash: 'fnv1a32-le-ids', next: { 1: ['x'] } },
  ];
  for (const json of bad)
    assert.throws(
      () => parseBlockedNgrams(json, 'x.json'),
      (e: unknown) => e instanceof ModelFolderError && /x\.json/.test(e.message),
    );
  const ok = parseBlockedNgrams({ n: 3, hash: 'fnv1a32-le-ids', next: { [String(hashIds([7, 8]))]: [1] } }, 'x.json');
  assert.deepEqual(ok.next.get(hashIds([7, 8])), [1]);
});

test('loadBlockedNgrams: null without the file or with size 0; a size that disagrees with the file throws', (t) => {
  assert.equal(loadBlockedNgrams(fixtureDir('tiny-gpt2'), 8), null);
  const dir = tempDir('novelty', t);
  const table = { n: 4, hash: 'fnv1a32-le-ids', next: { [String(hashIds([1, 2, 3]))]: [4] } };
  writeFileSync(path.join(dir, NOVELTY_FILE), JSON.stringify(table));
  assert.equal(loadBlockedNgrams(dir, 0), null);
  assert.deepEqual(loadBlockedNgrams(dir, 4)?.next.get(hashIds([1, 2, 3])), [4]);
  assert.throws(() => loadBlockedNgrams(dir, 8), /holds 4-grams but novelty_ngram_size is 8/);
  assert.deepEqual(settingsOf({ novelty_ngram_size: 4 }, dir).blockedNgrams?.next.get(hashIds([1, 2, 3])), [4]);
  assert.equal(settingsOf({}, dir).blockedNgrams, null);
});

test('real ONNX decoder (tiny-gpt2): blocked n-grams never appear in greedy or sampled output; without the table they do', async () => {
  const { tokenizer, session, model } = await openFixtureDecoder('tiny-gpt2');
  const n = 3;
  const rows = (sampling: SamplingParams, blocked: BlockedNgrams | null = null): RowRequest[] =>
    mixedPrompts.map((p, i) => {
      const promptIds = tokenizer.encode(p);
      return {
        promptIds,
        maxNewTokens: 16,
        sampling,
        processors: blocked ? [rowProcessor({ blockedNgrams: blocked }, promptIds)] : [],
        seed: 10 + i,
        stop: [],
      };
    });
  const sampled: SamplingParams = { doSample: true, temperature: 1, topK: 0, topP: 1 };
  try {
    for (const sampling of [greedy, sampled]) {
      const free = (await generateBatch(model, tokenizer, rows(sampling))).results;
      // Block every n-gram the unconstrained run produced (prompt tail included).
      const seqs = free.map((r, i) => [...tokenizer.encode(must(mixedPrompts[i], `prompt ${i}`)), ...r.tokenIds]);
      const blocked: BlockedNgrams = blockedNgramsFrom(seqs, n);
      const blockedSet = new Set(seqs.flatMap((s) => [...ngramsOf(s, n)]));
      const again = (await generateBatch(model, tokenizer, rows(sampling, blocked))).results;
      again.forEach((r, i) => {
        const prompt = tokenizer.encode(must(mixedPrompts[i], `prompt ${i}`));
        const ids = [...prompt, ...r.tokenIds];
        // Only n-grams that end in a generated token are the decoder's choice.
        const made = [...ngramsOf(ids.slice(prompt.length - (n - 1)), n)];
        assert.deepEqual(
          made.filter((g) => blockedSet.has(g)),
          [],
          `row ${i} (${sampling.doSample ? 'sampled' : 'greedy'})`,
        );
        assert.notDeepEqual(r.tokenIds, free[i]?.tokenIds);
      });
    }
  } finally {
    await session.release();
  }
});

test('a model folder without novelty_ngrams.json decodes as before (provider level)', async (t) => {
  const dir = tempDir('novelty-model', t);
  cpSync(fixtureDir('tiny-gpt2'), dir, { recursive: true });
  const gen = JSON.parse(JSON.stringify(readModelFolder(dir).generationConfig)) as Record<string, unknown>;
  writeFileSync(
    path.join(dir, 'generation_config.json'),
    JSON.stringify({
      ...gen,
      logits_processor_plugin: 'stylesprint-facts',
      logits_processor_options: { novelty_ngram_size: 3 },
    }),
  );
  const { createOnnxProvider } = await import('../../../../../providers/onnx/index.js');
  const run = async (): Promise<string> => {
    const p = await createOnnxProvider({
      modelDir: dir,
      executionProvider: 'cpu',
      logger: quietLogger,
      plugins: onnxPlugins,
    });
    try {
      const r = (
        await p.generate([
          {
            prompt: 'Denim',
            parts: { product: { id: 'p', title: 'Denim', attributes: [] }, promptVersion: 'v3' },
            temperature: 0,
            maxTokens: 12,
          },
        ])
      )[0];
      assert.ok(r && !(r instanceof Error), inspect(r));
      return r.text;
    } finally {
      await p.close();
    }
  };
  const before = await run();
  // The same folder with a table blocking the prompt's continuation changes the text.
  const folder = readModelFolder(dir);
  const tok = loadTokenizer(folder);
  const base = tok.encode('Denim');
  const first = tok.encode('Denim' + before);
  writeFileSync(
    path.join(dir, NOVELTY_FILE),
    JSON.stringify({
      n: 3,
      hash: 'fnv1a32-le-ids',
      next: Object.fromEntries([...blockedNgramsFrom([first], 3).next].map(([k, v]) => [String(k), v])),
    }),
  );
  assert.ok(first.length > base.length);
  assert.notEqual(await run(), before);
});
