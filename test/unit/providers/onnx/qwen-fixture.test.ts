import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type * as ort from 'onnxruntime-node';
import { readModelFolder } from '../../../../providers/onnx/model-folder.js';
import { createOrtSession } from '../../../../providers/onnx/session.js';
import { DecoderSession, describeDecoder } from '../../../../providers/onnx/decoder-session.js';
import { loadTokenizer } from '../../../../providers/onnx/tokenizer.js';
import { createOnnxProvider } from '../../../../providers/onnx/index.js';
import { qwenFixtureDir, qwenFixtureSource } from '../../../helpers/qwen-fixture.js';
import { mixedPrompts, quietLogger, ranked, request } from './onnx-test-helpers.js';
import { generateBatch, type RowRequest } from '../../../../providers/onnx/generate-batch.js';
import { RepetitionPenalty } from '../../../../providers/onnx/processors.js';
import { BlockMaxSession, blockSizeFor, TOP_LIMIT } from '../../../../providers/onnx/block-max-session.js';
import { createRng } from '../../../../providers/onnx/sampling.js';
import { inspect } from 'node:util';
import { must } from '../../../helpers/must.js';

interface Summary {
  top_ids: number[];
  top_values: number[];
  probe_values: number[];
  sum: number;
  sum_squares: number;
}

interface Expected {
  texts: string[];
  input_ids: number[][];
  attention_mask: number[][];
  next_id: number;
  vocab: number;
  prefill: Summary[];
  decode: Summary[];
}

const expected = JSON.parse(readFileSync(path.join(qwenFixtureSource, 'expected_logits.json'), 'utf8')) as Expected;
const PROBE_EVERY = 1009;

/** One row of logits against PyTorch's summary of it: top ids, values at fixed ids, and sums. */
function assertRow(row: Float32Array, want: Summary, where: string): void {
  const top = ranked(row).slice(0, want.top_ids.length);
  assert.deepEqual(
    top.map(([id]) => id),
    want.top_ids,
    `${where}: top ids`,
  );
  top.forEach(([id, value], i) =>
    assert.ok(Math.abs(value - must(want.top_values[i], `top value ${i}`)) < 1e-4, `${where}: logit of ${id}`),
  );
  want.probe_values.forEach((v, i) => {
    const id = i * PROBE_EVERY;
    assert.ok(Math.abs(must(row[id], `logit ${id}`) - v) < 1e-4, `${where}: logit of ${id}`);
  });
  let sum = 0;
  let squares = 0;
  for (const v of row) {
    sum += v;
    squares += v * v;
  }
  // 151,936 float32 logits, each within about 1e-6 of PyTorch's.
  assert.ok(Math.abs(sum - want.sum) < 0.01, `${where}: sum ${sum} against ${want.sum}`);
  assert.ok(Math.abs(squares - want.sum_squares) / want.sum_squares < 1e-5, `${where}: sum of squares`);
}

test("tiny-qwen2: Qwen2.5's tokenizer gives the ids PyTorch was fed; the weights load from model.onnx_data (external data)", () => {
  const folder = readModelFolder(qwenFixtureDir());
  const tokenizer = loadTokenizer(folder);
  expected.texts.forEach((text, row) => {
    const ids = tokenizer.encode(text);
    assert.deepEqual(ids, must(expected.input_ids[row], `input ids of text ${row}`).slice(-ids.length));
    assert.equal(tokenizer.decode(ids), text);
  });
  // The graph file holds no weights: a 151,936-row embedding alone is 9.7 MB.
  assert.ok(statSync(folder.onnxPath).size < 200_000);
  assert.ok(statSync(path.join(path.dirname(folder.onnxPath), 'model.onnx_data')).size > 9_000_000);
  assert.deepEqual(tokenizer.special.eos, [151645, 151643]);
});

test('tiny-qwen2: past_key_values inputs load in onnxruntime-node, prefill gets logits_to_keep = 1, and the logits match PyTorch (prefill and a decode step)', async () => {
  const folder = readModelFolder(qwenFixtureDir());
  const { session } = await createOrtSession(folder.onnxPath, { executionProvider: 'cpu', logger: quietLogger });
  try {
    const layout = describeDecoder(session, folder.config);
    assert.equal(layout.logitsToKeepInput, 'logits_to_keep');
    assert.deepEqual([layout.kv.length, layout.kvHeads, layout.headDim, layout.vocabSize], [2, 1, 8, expected.vocab]);
    // What the graph is fed and gives back, seen from outside DecoderSession.
    const runs: Array<{ keep: bigint | undefined; dims: readonly number[] }> = [];
    const run = session.run.bind(session);
    const watched = Object.assign(Object.create(session) as ort.InferenceSession, {
      run: async (feeds: Record<string, ort.Tensor>) => {
        const out = await run(feeds);
        runs.push({
          keep: (feeds.logits_to_keep?.data as BigInt64Array | undefined)?.[0],
          dims: must(out.logits, 'the logits output').dims,
        });
        return out;
      },
    });
    const model = new DecoderSession(watched, layout);
    const width = must(expected.input_ids[0], 'the first row of input ids').length;
    const padding = expected.attention_mask.map((m) => m.filter((x) => x === 0).length);
    const prefill = await model.forward({
      batch: 2,
      ids: expected.input_ids.flat(),
      seqLen: width,
      totalLen: width,
      padding,
      past: null,
    });
    assert.deepEqual(
      runs[0],
      { keep: 1n, dims: [2, 1, expected.vocab] },
      'a prefill of 14 positions projects only the last one',
    );
    for (const [b, want] of expected.prefill.entries())
      assertRow(prefill.lastLogits.subarray(b * expected.vocab, (b + 1) * expected.vocab), want, `prefill row ${b}`);
    const step = await model.forward({
      batch: 2,
      ids: [expected.next_id, expected.next_id],
      seqLen: 1,
      totalLen: width + 1,
      padding,
      past: prefill.present,
    });
    for (const [b, want] of expected.decode.entries())
      assertRow(step.lastLogits.subarray(b * expected.vocab, (b + 1) * expected.vocab), want, `decode row ${b}`);
  } finally {
    await session.release();
  }
});

test("tiny-qwen2 through the provider, with its own generation_config (Qwen2.5-Instruct's: top_k 20, top_p 0.8, temperature 0.7, repetition_penalty 1.1)", async () => {
  const p = await createOnnxProvider({
    modelDir: qwenFixtureDir(),
    executionProvider: 'cpu',
    logger: quietLogger,
    maxQueueDelayMs: 20,
  });
  try {
    const ask = (seed: number, prompt = 'Linen summer dress') => request(prompt, { maxTokens: 12, seed });
    const results = await p.generate([ask(7), ask(7), ask(8, 'A soft wool coat')]);
    assert.equal(results.length, 3);
    const [x, y] = results.map((r) => {
      assert.ok(!(r instanceof Error), inspect(r));
      return r;
    });
    assert.equal(must(x, 'row 0').text, must(y, 'row 1').text, 'same seed, same text, in one batch');
    // Greedy, and top-k off with top-p alone, also run over the whole 151,936-token vocabulary.
    const [g] = await p.generate([request('Linen summer dress', { maxTokens: 6, temperature: 0 })]);
    assert.ok(g && !(g instanceof Error) && g.completionTokens >= 1, inspect(g));
    // Token choice at this vocabulary reads the blocks' maxima that the model's own run gives (its graph with the
    // block-max graph appended): no run of their own.
    const s = p.stats();
    assert.equal(s.blockRunMs, 0, JSON.stringify(s));
  } finally {
    await p.close();
  }
});

test('tiny-qwen2: every row of a batch gets the same tokens with the block-max run as from chooseToken reading whole rows', async () => {
  const folder = readModelFolder(qwenFixtureDir());
  const tokenizer = loadTokenizer(folder);
  const { session } = await createOrtSession(folder.onnxPath, { executionProvider: 'cpu', logger: quietLogger });
  const blockMax = await BlockMaxSession.create(151_936);
  assert.ok(blockMax);
  try {
    const model = new DecoderSession(session, describeDecoder(session, folder.config));
    // Greedy and a small top-k from the run's best tokens, a top-k above its limit from the best blocks, and wide settings from the maxima.
    const settings = [
      { doSample: false, temperature: 1, topK: 0, topP: 1 },
      { doSample: true, temperature: 0.7, topK: 20, topP: 0.8 },
      { doSample: true, temperature: 1, topK: 200, topP: 1 },
      { doSample: true, temperature: 0.7, topK: 0, topP: 0.9 },
      { doSample: true, temperature: 1, topK: 1000, topP: 1 },
      { doSample: true, temperature: 1, topK: 0, topP: 1, minP: 0.05 },
    ];
    const rows = (): RowRequest[] =>
      [...mixedPrompts, ...mixedPrompts].map((prompt, i) => ({
        promptIds: tokenizer.encode(prompt),
        maxNewTokens: 10,
        sampling: must(settings[i % settings.length], 'the sampling settings'),
        processors: [new RepetitionPenalty(1.1)],
        seed: 40 + i,
        stop: [],
      }));
    const alone = (await generateBatch(model, tokenizer, rows())).results.map((r) => r.tokenIds);
    const batched = (await generateBatch(model, tokenizer, rows(), { blockMax })).results.map((r) => r.tokenIds);
    assert.deepEqual(batched, alone);
  } finally {
    await blockMax.release();
    await session.release();
  }
});

test("the block-max graph, written as protobuf bytes, gives each block's maximum and each row's k best, the lower id first among equal scores", async () => {
  const vocab = 4096;
  const blockMax = await BlockMaxSession.create(vocab);
  assert.ok(blockMax && blockMax.size === 64 && blockMax.blocks === 64);
  try {
    // Few distinct scores, so that the best tie across blocks and within them; one block holds only -Infinity.
    const rand = createRng(5);
    const scores = Float32Array.from({ length: 3 * vocab }, () => Math.floor(rand() * 40) / 4);
    scores.fill(-Infinity, vocab + 64, vocab + 128);
    const k = 50;
    const out = await blockMax.run(scores, 3, k);
    assert.equal(out.k, k);
    for (let r = 0; r < 3; r++) {
      const row = scores.subarray(r * vocab, (r + 1) * vocab);
      const maxima = Array.from({ length: 64 }, (_, j) => Math.max(...row.subarray(j * 64, (j + 1) * 64)));
      assert.deepEqual([...out.maxima.subarray(r * 64, (r + 1) * 64)], maxima, `row ${r}`);
      const best = ranked(row).slice(0, k);
      assert.deepEqual(
        [...out.topIds.subarray(r * k, (r + 1) * k)],
        best.map(([id]) => id),
        `row ${r}`,
      );
      assert.deepEqual(
        [...out.topValues.subarray(r * k, (r + 1) * k)],
        best.map(([, value]) => value),
      );
    }
    assert.equal(out.maxima[64 + 1], -Infinity);
    // k is kept within the run's limit, and at least 1.
    assert.equal((await blockMax.run(scores, 1, 0)).k, 1);
    assert.equal((await blockMax.run(scores, 1, 1000)).k, TOP_LIMIT);
  } finally {
    await blockMax.release();
  }
});

test('block sizes divide the vocabulary into enough blocks, or there are none (token choice reads whole rows)', () => {
  assert.equal(blockSizeFor(151_936), 128);
  assert.equal(blockSizeFor(32_000), 128);
  assert.equal(blockSizeFor(50_257), null);
});
