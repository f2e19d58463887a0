import { test } from 'node:test';
import assert from 'node:assert/strict';
import { argmax, chooseToken, createRng, topKIndices } from '../../../../providers/onnx/sampling.js';
import { applyRepetitionPenalty, banRepeatedNgrams } from '../../../../providers/onnx/processors.js';
import { SeenIds } from '../../../../providers/onnx/logits-processor.js';
import { StopTextStream } from '../../../../providers/onnx/text-stream.js';
import { IncrementalDecoder, loadTokenizer } from '../../../../providers/onnx/tokenizer.js';
import { readModelFolder } from '../../../../providers/onnx/model-folder.js';
import { decodingDefaults, requestDecoding } from '../../../../providers/onnx/generation-params.js';
import { fixtureDir, ranked } from './onnx-test-helpers.js';
import path from 'node:path';
import { fixturesDir, repoRoot } from '../../../helpers/paths.js';
import { must } from '../../../helpers/must.js';

const bundledModelDir = path.join(repoRoot, 'models', 'stylesprint-desc');
const encoderFixtureDir = path.join(fixturesDir, 'models', 'tiny-bert');

test('repetition penalty follows HF: divide positive logits, multiply negative ones', () => {
  const logits = Float32Array.from([2, -2, 3, 1]);
  applyRepetitionPenalty(logits, new Set([0, 1, 1]), 2);
  // id 1 seen twice is penalised once, as HF gathers unique ids.
  assert.deepEqual([...logits], [1, -4, 3, 1]);
  // A row's SeenIds (what the decode loop passes) keeps each id once too.
  const seen = new SeenIds([0, 1, 1]);
  seen.add(0);
  assert.deepEqual(seen.list, [0, 1]);
  assert.ok(seen.has(1) && !seen.has(2));
  const again = Float32Array.from([2, -2, 3, 1]);
  applyRepetitionPenalty(again, seen.list, 2);
  assert.deepEqual([...again], [1, -4, 3, 1]);
});

test('top-k keeps the k best, best first; argmax agrees', () => {
  const logits = Float32Array.from([0.1, 5, -1, 3, 4, 2]);
  assert.deepEqual(topKIndices(logits, 3), [1, 4, 3]);
  assert.equal(argmax(logits), 1);
  assert.deepEqual(
    topKIndices(
      Float32Array.from({ length: 600 }, (_, i) => -i),
      300,
    ).slice(0, 3),
    [0, 1, 2],
  );
});

test('top-k equals a stable full sort on random logits with ties and -Infinity, and k above the vocabulary', () => {
  const rand = createRng(11);
  for (let trial = 0; trial < 200; trial++) {
    // Up to a vocabulary the size of the bundled model's, so that most logits meet a full list.
    const n = 1 + Math.floor(rand() * (trial % 2 ? 300 : 3300));
    // Few distinct values, so ties are common; some tokens banned outright.
    const logits = Float32Array.from({ length: n }, () => (rand() < 0.1 ? -Infinity : Math.floor(rand() * 12) / 4));
    const k = 1 + Math.floor(rand() * 60);
    const expected = ranked(logits)
      .slice(0, k)
      .map(([id]) => id);
    assert.deepEqual(topKIndices(logits, k), expected, `trial ${trial}: n ${n}, k ${k}`);
  }
});

test('top-p keeps the smallest prefix reaching p; sampling is seeded', () => {
  // probs ≈ [0.6652, 0.2447, 0.0900]: top-p 0.5 leaves only the best token.
  const params = { doSample: true, temperature: 1, topK: 0, topP: 0.5 };
  const rand = createRng(3);
  for (let i = 0; i < 50; i++) assert.equal(chooseToken(Float32Array.from([2, 1, 0]), params, rand), 0);
  const wide = { ...params, topP: 1 };
  const draw = (seed: number) => {
    const r = createRng(seed);
    return Array.from({ length: 40 }, () => chooseToken(Float32Array.from([2, 1, 0]), wide, r));
  };
  assert.deepEqual(draw(9), draw(9));
  assert.notDeepEqual(draw(9), draw(10));
  assert.deepEqual(new Set(draw(9)), new Set([0, 1, 2]));
});

test('request temperature 0 means greedy; generation_config fills what the request leaves', () => {
  const d = decodingDefaults({
    do_sample: true,
    temperature: 0.7,
    top_k: 20,
    repetition_penalty: 1.2,
    max_new_tokens: 30,
    min_p: 0.05,
  });
  assert.deepEqual(d, {
    doSample: true,
    temperature: 0.7,
    topK: 20,
    topP: 1,
    minP: 0.05,
    repetitionPenalty: 1.2,
    maxNewTokens: 30,
    minNewTokens: 0,
    noRepeatNgramSize: 0,
    badWordsIds: [],
    forcedEosTokenId: null,
  });
  assert.deepEqual(decodingDefaults({ bad_words_ids: [[5], [7, 8]], forced_eos_token_id: 2 }).badWordsIds, [
    [5],
    [7, 8],
  ]);
  assert.equal(decodingDefaults({ forced_eos_token_id: 2 }).forcedEosTokenId, 2);
  assert.throws(
    () => decodingDefaults({ bad_words_ids: [5] }),
    /bad_words_ids must be a list of non-empty lists of token ids; got \[5\]/,
  );
  assert.equal(requestDecoding({ temperature: 0 }, d).doSample, false);
  assert.deepEqual(requestDecoding({ temperature: 1.1, topP: 0.8, maxTokens: 5 }, decodingDefaults({})), {
    ...decodingDefaults({}),
    doSample: true,
    temperature: 1.1,
    topP: 0.8,
    maxNewTokens: 5,
  });
});

test('stop-text stream: drops leading space, holds back a possible stop prefix, never emits the stop', () => {
  const out: string[] = [];
  const s = new StopTextStream(['END'], (p) => out.push(p));
  assert.equal(s.push(' Soft'), false);
  assert.equal(s.push(' linen E'), false);
  assert.deepEqual(out, ['Soft', ' linen']);
  assert.equal(s.push('N'), false);
  assert.equal(s.push('D here'), true);
  assert.equal(s.finish(), 'Soft linen');
  assert.equal(out.join(''), 'Soft linen');
  const out2: string[] = [];
  const t = new StopTextStream([], (p) => out2.push(p));
  t.push(' a ');
  t.push(' b  ');
  assert.equal(t.finish(), 'a  b');
  assert.equal(out2.join(''), 'a  b');
});

test('incremental decoding stitches multi-byte characters split across byte-level tokens (byte path and decode() path)', () => {
  const tokenizer = loadTokenizer(readModelFolder(fixtureDir('tiny-gpt2')));
  assert.ok(tokenizer.tokenBytes, 'a byte-level BPE tokenizer gets the byte path');
  const text = 'Wool coat — café-au-lait, naïve crêpe';
  const ids = tokenizer.encode(text);
  for (const source of [tokenizer, { decode: tokenizer.decode }]) {
    const d = new IncrementalDecoder(source);
    const out = ids.map((id) => d.push(id));
    out.push(d.flush());
    assert.equal(out.join(''), text);
    assert.ok(
      out.every((p) => !p.includes('\uFFFD')),
      'no piece holds half a character',
    );
    assert.ok(
      out.some((p) => p === ''),
      'some byte-level token held back half a character',
    );
  }
});

test('the byte path streams exactly what decode() gives for random ids, special tokens and stray bytes included', () => {
  const rand = createRng(5);
  const folders = [fixtureDir('tiny-gpt2'), fixtureDir('tiny-llama'), bundledModelDir];
  for (const dir of folders) {
    const tokenizer = loadTokenizer(readModelFolder(dir));
    assert.ok(tokenizer.tokenBytes, `${dir}: byte-level`);
    const size = tokenizer.raw.get_vocab(true).size;
    for (let trial = 0; trial < 50; trial++) {
      const ids = Array.from({ length: 1 + Math.floor(rand() * 40) }, () => Math.floor(rand() * size));
      const d = new IncrementalDecoder(tokenizer);
      const pieces = ids.map((id) => d.push(id));
      pieces.push(d.flush());
      assert.equal(pieces.join(''), tokenizer.decode(ids), `${dir}, ids ${ids.join(' ')}`);
    }
  }
  // WordPiece (BERT) is not byte-level: it keeps the decode() path.
  assert.equal(loadTokenizer(readModelFolder(encoderFixtureDir)).tokenBytes, undefined);
});

test('no_repeat_ngram_size bans exactly the tokens that would repeat an n-gram', () => {
  const logits = new Float32Array(6);
  // ids end in "1 2"; "1 2" was followed by 3 and by 5 before, so both are banned for n = 3.
  banRepeatedNgrams(logits, [1, 2, 3, 4, 1, 2, 5, 0, 1, 2], 3);
  assert.deepEqual(
    [...logits].map((v) => v === -Infinity),
    [false, false, false, true, false, true],
  );
  const two = new Float32Array(6);
  banRepeatedNgrams(two, [4, 4], 2);
  assert.equal(two[4], -Infinity);
  // `from` skips left padding: the padded "0 1 2 -> 4" n-gram does not count, the real one does.
  const padded = new Float32Array(6);
  banRepeatedNgrams(padded, [1, 2, 4, 0, 1, 2, 3, 1, 2], 3, 3);
  assert.deepEqual(
    [...padded].map((v) => v === -Infinity),
    [false, false, false, true, false, false],
  );
});

test('chooseToken over candidates (every finite logit, in any order) draws the same token as over the whole vocabulary, ties included', () => {
  const rand = createRng(7);
  const params = { doSample: true, temperature: 0.7, topK: 40, topP: 0.9 };
  for (let trial = 0; trial < 300; trial++) {
    const logits = new Float32Array(500).fill(-Infinity);
    const ids: number[] = [];
    const n = 1 + Math.floor(rand() * 80);
    for (let j = 0; j < n; j++) {
      const id = Math.floor(rand() * 500);
      if (logits[id] !== -Infinity) continue;
      // Whole numbers, so that ties happen.
      logits[id] = Math.floor(rand() * 6);
      ids.push(id);
    }
    for (const p of [
      params,
      { ...params, doSample: false },
      { ...params, topK: 3, topP: 1 },
      { ...params, topK: 0, minP: 0.1 },
    ]) {
      const whole = chooseToken(Float32Array.from(logits), p, createRng(trial));
      const some = chooseToken(Float32Array.from(logits), p, createRng(trial), [...ids].reverse());
      assert.equal(some, whole, `trial ${trial}`);
    }
  }
});

test('chooseToken never draws a banned (-Infinity) token, even when the draw rounds past the last candidate', () => {
  // Two finite logits among banned ones; top-k reaches into the banned, and a draw of (almost) 1 used to fall through to them.
  const logits = Float32Array.from([-Infinity, 3, -Infinity, 1, -Infinity, -Infinity]);
  for (const params of [
    { doSample: true, temperature: 1, topK: 5, topP: 1 },
    { doSample: true, temperature: 1, topK: 0, topP: 1 },
  ]) {
    for (const r of [0, 0.5, 0.999999999, 1]) {
      const id = chooseToken(Float32Array.from(logits), params, () => r);
      assert.ok(must(logits[id], `logit ${id}`) > -Infinity, `draw ${r} chose ${id}`);
    }
  }
});
