import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import * as ort from 'onnxruntime-node';
import { blockMaxModel, defaultOpset, STANDALONE, withBlockMax } from '../../../../providers/onnx/block-max-graph.js';
import { BlockMaxSession, mendRow, readBlockScores, rowBlocks } from '../../../../providers/onnx/block-max-session.js';
import { DecoderSession, describeDecoder } from '../../../../providers/onnx/decoder-session.js';
import { generateBatch, type RowRequest } from '../../../../providers/onnx/generate-batch.js';
import type { LogitsProcessor } from '../../../../providers/onnx/logits-processor.js';
import { readModelFolder } from '../../../../providers/onnx/model-folder.js';
import { BadWords, MinNewTokens, NoRepeatNgram, RepetitionPenalty } from '../../../../providers/onnx/processors.js';
import { createRng } from '../../../../providers/onnx/sampling.js';
import { createOrtSession } from '../../../../providers/onnx/session.js';
import { createOnnxProvider } from '../../../../providers/onnx/index.js';
import { loadTokenizer } from '../../../../providers/onnx/tokenizer.js';
import { qwenFixtureDir } from '../../../helpers/qwen-fixture.js';
import { mixedPrompts, quietLogger, ranked, request } from './onnx-test-helpers.js';
import { must } from '../../../helpers/must.js';

const VOCAB = 151_936;
const SIZE = 128;

/**
 * tiny-qwen2 twice: as exported, and with the block-max graph appended to its
 * own (loaded from bytes, its weights external), reading the logits in place
 * (`onePosition`, as the provider does for a graph fed logits_to_keep) or
 * their last position.
 */
async function openBoth(
  onePosition = true,
): Promise<{ plain: DecoderSession; edited: DecoderSession; release: () => Promise<void> }> {
  const folder = readModelFolder(qwenFixtureDir());
  const a = await createOrtSession(folder.onnxPath, { executionProvider: 'cpu', logger: quietLogger });
  const model = withBlockMax(readFileSync(folder.onnxPath), VOCAB, SIZE, onePosition);
  const b = await createOrtSession(folder.onnxPath, { executionProvider: 'cpu', logger: quietLogger, model });
  const layout = describeDecoder(a.session, folder.config);
  return {
    plain: new DecoderSession(a.session, layout),
    edited: new DecoderSession(b.session, layout, SIZE),
    release: async () => {
      await a.session.release();
      await b.session.release();
    },
  };
}

/** A rule of the kind a plugin adds: raises one id above every other, and says so. */
const boost = (id: number): LogitsProcessor => ({
  process: (scores) => void (scores[id] = must(scores[id], `the score of ${id}`) + 50),
  touches: () => [id],
});

for (const onePosition of [true, false]) {
  test(`the appended graph (${onePosition ? 'logits read in place' : 'last position taken'}) gives the same logits as the model alone, and the same block maxima and best tokens as the block-max session over them`, async () => {
    const { plain, edited, release } = await openBoth(onePosition);
    const blockMax = await BlockMaxSession.create(VOCAB);
    assert.ok(blockMax);
    try {
      const tokenizer = loadTokenizer(readModelFolder(qwenFixtureDir()));
      // Two rows of a prefill, several positions each: the graph reads each row's last.
      const ids = tokenizer.encode(mixedPrompts.join(' '));
      const n = 6;
      const input = {
        batch: 2,
        ids: [...ids.slice(0, n), ...ids.slice(n, 2 * n)],
        seqLen: n,
        totalLen: n,
        padding: [0, 0],
        past: null,
      };
      const a = await plain.forward(input);
      const b = await edited.forward({ ...input, blockK: 20 });
      assert.equal(a.blocks, undefined);
      assert.deepEqual(b.lastLogits, a.lastLogits);
      const run = await blockMax.run(a.lastLogits, 2, 20);
      assert.ok(b.blocks);
      assert.deepEqual(b.blocks.maxima, run.maxima);
      assert.deepEqual(b.blocks.topIds, run.topIds);
      assert.deepEqual(b.blocks.topValues, run.topValues);
    } finally {
      await blockMax.release();
      await release();
    }
  });
}

test('tiny-qwen2 with the block-max graph in its own run: every setting and processor gives the tokens of chooseToken reading whole rows', async () => {
  const { plain, edited, release } = await openBoth();
  const blockMax = await BlockMaxSession.create(VOCAB);
  assert.ok(blockMax);
  try {
    const tokenizer = loadTokenizer(readModelFolder(qwenFixtureDir()));
    const settings = [
      { doSample: false, temperature: 1, topK: 0, topP: 1 },
      { doSample: true, temperature: 0.7, topK: 20, topP: 0.8 },
      { doSample: true, temperature: 1, topK: 200, topP: 1 },
      { doSample: true, temperature: 0.7, topK: 0, topP: 0.9 },
      { doSample: true, temperature: 1, topK: 1000, topP: 1 },
      { doSample: true, temperature: 1, topK: 0, topP: 1, minP: 0.05 },
    ];
    // The first token of a greedy row is each row's best: banned, boosted or penalised, its blocks and best list must be mended.
    const prompt = tokenizer.encode(mixedPrompts[0]);
    const first = (
      await plain.forward({
        batch: 1,
        ids: prompt,
        seqLen: prompt.length,
        totalLen: prompt.length,
        padding: [0],
        past: null,
      })
    ).lastLogits;
    let best = 0;
    let bestScore = -Infinity;
    for (const [i, v] of first.entries())
      if (v > bestScore) {
        best = i;
        bestScore = v;
      }
    const processorSets = (): LogitsProcessor[][] => [
      [new RepetitionPenalty(1.1)],
      [
        new MinNewTokens(3, tokenizer.special.eos),
        new NoRepeatNgram(2),
        new BadWords([[best], [5, 6]]),
        new RepetitionPenalty(1.3),
      ],
      [boost(4242), new RepetitionPenalty(1.1)],
    ];
    const rows = (sets: LogitsProcessor[][]): RowRequest[] =>
      [...mixedPrompts, ...mixedPrompts].map((prompt, i) => ({
        promptIds: tokenizer.encode(prompt),
        maxNewTokens: 8,
        sampling: must(settings[i % settings.length], 'the sampling settings'),
        processors: must(sets[i % sets.length], 'the processor set'),
        seed: 70 + i,
        stop: [],
      }));
    const alone = (await generateBatch(plain, tokenizer, rows(processorSets()))).results.map((r) => r.tokenIds);
    const inGraph = await generateBatch(edited, tokenizer, rows(processorSets()), { blockMax });
    assert.deepEqual(
      inGraph.results.map((r) => r.tokenIds),
      alone,
    );
    assert.equal(inGraph.timings.blockRunMs, 0, 'no run of its own');
    // A rule that does not say what it changes: the pass's maxima come from a run after the processors, as before.
    const silent: LogitsProcessor = { process: (scores) => void (scores[999] = 100) };
    const withSilent = (): LogitsProcessor[][] => processorSets().map((set) => [silent, ...set]);
    const aloneSilent = (await generateBatch(plain, tokenizer, rows(withSilent()))).results.map((r) => r.tokenIds);
    const fallback = await generateBatch(edited, tokenizer, rows(withSilent()), { blockMax });
    assert.deepEqual(
      fallback.results.map((r) => r.tokenIds),
      aloneSilent,
    );
    assert.ok(fallback.timings.blockRunMs > 0);
  } finally {
    await blockMax.release();
    await release();
  }
});

test('mendRow: a block follows its changed ids (read again where its maximum was lowered, NaN where it holds one), and the best list goes stale only when it could have changed', () => {
  const vocab = 64 * 64;
  const rand = createRng(3);
  const scores = Float32Array.from({ length: vocab }, () => rand());
  scores[100] = 5;
  // The run as the graph gave it: maxima and the 4 best, before any processor.
  const maximaOf = (xs: Float32Array) =>
    Float32Array.from({ length: 64 }, (_, j) =>
      xs.subarray(j * 64, (j + 1) * 64).reduce((m, v) => (v > m || v !== v ? v : m), -Infinity),
    );
  const top = ranked(scores).slice(0, 4);
  const ids = top.map(([id]) => id);
  const run = () => ({
    maxima: maximaOf(scores),
    topIds: Int32Array.from(ids),
    topValues: Float32Array.from(top, ([, value]) => value),
    k: 4,
    size: 64,
    count: 64,
    stale: new Uint8Array(1),
  });
  /** Mends a fresh run for `after`, where `changed` (and only those) differ from `scores`; returns it. */
  const mended = (after: Float32Array, changed: number[]) => {
    const r = run();
    mendRow(
      r,
      0,
      after,
      changed,
      Float32Array.from(changed, (id) => scores[id] ?? 0),
    );
    return r;
  };
  const blockOf = (id: number) => Math.floor(id / 64);
  const maxima = maximaOf(scores);
  const maxOf = (block: number) => must(maxima[block], `block ${block}'s maximum`);
  // Each block's maximum of a lowered id, a block's maximum lowered, a raised one, an unchanged one: as if read again.
  const low = [...Array(64).keys()]
    .map((j) => j * 64 + 7)
    .find((id) => !ids.includes(id) && scores[id] !== maxima[blockOf(id)]);
  assert.ok(low !== undefined, 'an id below its block maximum, outside the best four');
  const blockBest = 64 * 20 + scores.subarray(64 * 20, 64 * 21).indexOf(maxOf(20));
  // Raised above its block's maximum, still below the fourth best.
  const raisedBlock = must(
    [...Array(64).keys()].find((j) => j !== 20 && j !== blockOf(low) && !ids.some((id) => blockOf(id) === j)),
    'a block without any of the best four',
  );
  const raised = raisedBlock * 64 + 1;
  const s1 = scores.slice();
  s1[low] = -3;
  s1[blockBest] = -3;
  s1[raised] = (maxOf(raisedBlock) + must(top[3], 'the fourth best')[1]) / 2;
  const r1 = mended(s1, [low, blockBest, raised, 64 * 40 + 2]);
  assert.deepEqual(r1.maxima, maximaOf(s1));
  assert.ok(must(r1.maxima[20], 'block 20') < maxOf(20), 'the lowered maximum was read again');
  assert.ok(must(r1.maxima[raisedBlock], 'the raised block') > maxOf(raisedBlock), 'the raised one followed');
  assert.equal(rowBlocks(r1, 0).k, 4, 'nothing reached the best four');
  // The best token penalised: its block's maximum drops, and the list is stale (token choice then reads the best blocks).
  const s2 = scores.slice();
  s2[100] = 0.5;
  const r2 = mended(s2, [100, 100]);
  assert.deepEqual(r2.maxima, maximaOf(s2));
  assert.equal(rowBlocks(r2, 0).k, 0);
  // An id raised into the best: stale too. A NaN: its block's maximum is NaN, as onnxruntime's ReduceMax gives.
  const s3 = scores.slice();
  s3[3000] = 9;
  s3[10] = NaN;
  const r3 = mended(s3, [3000, 10]);
  assert.equal(r3.maxima[blockOf(3000)], 9);
  assert.ok(Number.isNaN(r3.maxima[0]));
  assert.equal(rowBlocks(r3, 0).k, 0);
  // Ids outside the vocabulary are ignored.
  const r4 = mended(scores, [vocab + 5]);
  assert.deepEqual(r4.maxima, maximaOf(scores));
  assert.equal(rowBlocks(r4, 0).k, 4);
});

test("the block-max graph in the operators of opset 18 and later (ReduceMax takes its axes as an input) gives what opset 17's does", async () => {
  const vocab = 64 * 128;
  const rand = createRng(11);
  const scores = Float32Array.from({ length: 2 * vocab }, () => Math.floor(rand() * 50) / 5);
  const results = [];
  for (const opset of [17, 18, 21]) {
    const model = blockMaxModel(vocab, 128, opset);
    assert.equal(defaultOpset(model), opset);
    const session = await ort.InferenceSession.create(model, { executionProviders: ['cpu'], logSeverityLevel: 3 });
    try {
      const out = await session.run({
        scores: new ort.Tensor('float32', scores, [2, vocab]),
        k: new ort.Tensor('int64', BigInt64Array.of(7n), [1]),
      });
      results.push(readBlockScores(out, STANDALONE, 2, 7, 128));
    } finally {
      await session.release();
    }
  }
  assert.deepEqual(results[1], results[0]);
  assert.deepEqual(results[2], results[0]);
});

test('a model file that names no ONNX opset is not edited', () => {
  assert.throws(() => withBlockMax(Uint8Array.of(), VOCAB, SIZE), /no ONNX opset/);
  assert.equal(defaultOpset(Uint8Array.of(0x08, 0x08)), null);
});

test('the provider, whose edited graph loads once the plain one is released, works load after load and writes what the plain graph writes', async () => {
  const generateWith = async (blockMaxInGraph: boolean) => {
    const p = await createOnnxProvider({
      modelDir: qwenFixtureDir(),
      executionProvider: 'cpu',
      logger: quietLogger,
      blockMaxInGraph,
    });
    try {
      const [r] = await p.generate([request('Linen summer dress', { maxTokens: 8, seed: 11 })]);
      assert.ok(r && !(r instanceof Error), inspect(r));
      return { text: r.text, blockRunMs: p.stats().blockRunMs };
    } finally {
      await p.close();
    }
  };
  const first = await generateWith(true);
  const again = await generateWith(true);
  const plain = await generateWith(false);
  assert.equal(first.blockRunMs, 0, 'the maxima come from the edited graph, not a run of their own');
  assert.equal(again.blockRunMs, 0);
  assert.ok(plain.blockRunMs > 0);
  assert.equal(again.text, first.text);
  assert.equal(plain.text, first.text);
});
