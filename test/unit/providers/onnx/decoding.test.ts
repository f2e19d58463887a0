import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { GenerationResult, ProviderError } from '../../../../providers/types.js';
import {
  generateOne,
  greedySampling as greedy,
  mixedPrompts,
  openFixture,
  openFixtureDecoder,
  request,
} from './onnx-test-helpers.js';
import * as ort from 'onnxruntime-node';
import type { DecoderSession } from '../../../../providers/onnx/decoder-session.js';
import {
  releaseArrays,
  selectPastRows,
  type ForwardInput,
  type ForwardOutput,
} from '../../../../providers/onnx/decoder-session.js';
import { generateBatch, type RowRequest } from '../../../../providers/onnx/generate-batch.js';
import { BadWords, ForcedEos, MinNewTokens, NoRepeatNgram } from '../../../../providers/onnx/processors.js';
import type { LogitsProcessor } from '../../../../providers/onnx/logits-processor.js';
import { inspect } from 'node:util';
import { must } from '../../../helpers/must.js';

function ok(r: GenerationResult | ProviderError | undefined): GenerationResult {
  assert.ok(r && !(r instanceof Error), inspect(r));
  return r;
}

test('seeded sampling: same seed, same text (per row, in any batch); different seeds differ', async () => {
  const p = await openFixture('tiny-llama', { maxQueueDelayMs: 20 });
  try {
    const sample = (seed: number, prompt = mixedPrompts[0]) => request(prompt, { maxTokens: 24, temperature: 1, seed });
    const [a, b] = (await p.generate([sample(7), sample(7)])).map(ok);
    assert.equal(a?.text, b?.text);
    // The same seeded row batched beside different neighbours gives the same text.
    const [c] = (await p.generate([sample(7), sample(3, mixedPrompts[1]), sample(4, mixedPrompts[2])])).map(ok);
    assert.equal(c?.text, a?.text);
    const texts = new Set((await p.generate([1, 2, 3, 4].map((s) => sample(s)))).map((r) => ok(r).text));
    assert.ok(texts.size >= 3, `different seeds gave ${texts.size} distinct texts`);
  } finally {
    await p.close();
  }
});

test('maxTokens stops with finishReason length; streamed pieces concatenate to the final text', async () => {
  const p = await openFixture('tiny-gpt2');
  try {
    const pieces: string[][] = [[], []];
    const results = (
      await p.generate(
        [
          request(mixedPrompts[0], { maxTokens: 9, temperature: 0 }),
          request(mixedPrompts[1], { maxTokens: 14, temperature: 0 }),
        ],
        { onToken: (i, piece) => pieces[i]?.push(piece) },
      )
    ).map(ok);
    assert.deepEqual(
      results.map((r) => [r.completionTokens, r.finishReason]),
      [
        [9, 'length'],
        [14, 'length'],
      ],
    );
    results.forEach((r, i) => assert.equal(pieces[i]?.join(''), r.text));
    assert.ok((pieces[1]?.length ?? 0) > 1, 'text arrives in more than one piece');
  } finally {
    await p.close();
  }
});

test('a stop string ends the row before the string, and streaming never leaks it', async () => {
  const p = await openFixture('tiny-llama');
  try {
    const base = ok((await p.generate([request('Denim', { maxTokens: 30, temperature: 0 })]))[0]);
    const stop = base.text.slice(8, 11);
    const at = base.text.indexOf(stop);
    assert.ok(stop.trim().length > 0 && at > 0, `fixture text too short: ${JSON.stringify(base.text)}`);
    const streamed: string[] = [];
    const r = ok(
      (
        await p.generate([request('Denim', { maxTokens: 30, temperature: 0, stop: ['@@never@@', stop] })], {
          onToken: (_, t) => streamed.push(t),
        })
      )[0],
    );
    assert.equal(r.finishReason, 'stop');
    assert.equal(r.text, base.text.slice(0, at).trimEnd());
    assert.equal(streamed.join(''), r.text);
    assert.ok(r.completionTokens < base.completionTokens);
  } finally {
    await p.close();
  }
});

test('EOS ends the row with finishReason stop; the EOS id counts as generated, as in HF', async () => {
  const { tokenizer, session, model } = await openFixtureDecoder('tiny-gpt2');
  const row = (): RowRequest => ({
    promptIds: tokenizer.encode('Denim'),
    maxNewTokens: 12,
    sampling: greedy,
    seed: 1,
    stop: [],
  });
  try {
    const base = await generateOne(model, tokenizer, row());
    assert.equal(base.tokenIds.length, 12);
    // Declare the 4th generated id an EOS id; the row must end where it first occurs.
    const eosId = must(base.tokenIds[3], 'the 4th generated id');
    const first = base.tokenIds.indexOf(eosId);
    const withEos = { ...tokenizer, special: { ...tokenizer.special, eos: [eosId] } };
    const r = await generateOne(model, withEos, row());
    assert.equal(r.finishReason, 'stop');
    assert.deepEqual(r.tokenIds, base.tokenIds.slice(0, first + 1));
    assert.equal(r.completionTokens, first + 1);
    assert.equal(r.text, tokenizer.decode(base.tokenIds.slice(0, first)).trim());
  } finally {
    await session.release();
  }
});

test('aborting one row cancels it and leaves the others with the same text as without the abort', async () => {
  const p = await openFixture('tiny-gpt2', { maxQueueDelayMs: 30 });
  try {
    const reqs = mixedPrompts.slice(0, 3).map((q) => request(q, { maxTokens: 20, temperature: 0 }));
    const baseline = (await Promise.all(reqs.map((r) => p.generate([r])))).map((x) => ok(x[0]));
    const controller = new AbortController();
    let pieces = 0;
    const before = p.stats().batches;
    const results = await Promise.all(
      reqs.map((r, i) =>
        i === 1
          ? p.generate([r], { signal: controller.signal, onToken: () => ++pieces === 2 && controller.abort() })
          : p.generate([r]),
      ),
    );
    assert.equal(p.stats().batches - before, 1, 'the three calls shared one batch');
    const [r0, r1, r2] = results.map((x) => ok(x[0]));
    assert.ok(r0 && r1 && r2, 'a result for each call');
    assert.equal(r1.finishReason, 'cancelled');
    assert.ok(r1.completionTokens < 20);
    assert.deepEqual([r0.text, r2.text], [baseline[0]?.text, baseline[2]?.text]);
    assert.deepEqual([r0.finishReason, r2.finishReason], [baseline[0]?.finishReason, baseline[2]?.finishReason]);
  } finally {
    await p.close();
  }
});

test('processors run on every step: no_repeat_ngram_size bans every trigram the prompt and the output already hold; bad_words_ids and min_new_tokens too', async () => {
  const { tokenizer, session, model } = await openFixtureDecoder('tiny-gpt2');
  const run = async (processors: LogitsProcessor[], promptIds: number[], maxNewTokens = 40) =>
    (await generateOne(model, tokenizer, { promptIds, maxNewTokens, sampling: greedy, processors, seed: 1, stop: [] }))
      .tokenIds;
  const trigrams = (ids: readonly number[]) => ids.slice(0, -2).map((_, i) => ids.slice(i, i + 3).join(','));
  try {
    const prompt = tokenizer.encode('Denim');
    // Unconstrained greedy decoding of a random-weight model loops, so the output repeats trigrams.
    const free = await run([], prompt);
    assert.ok(new Set(trigrams(free)).size < trigrams(free).length, 'the unconstrained output repeats itself');
    const all = [...prompt, ...(await run([new NoRepeatNgram(3)], prompt))];
    assert.equal(new Set(trigrams(all)).size, trigrams(all).length, 'no trigram twice in prompt and output');
    // bad_words_ids: a one-id word never appears; a two-id word is never completed.
    const a = must(free[0], 'the first free id');
    const b = must(free[1], 'the second free id');
    const banned = await run([new BadWords([[a]])], prompt);
    assert.ok(!banned.includes(a), `${a} banned`);
    const pair = await run([new BadWords([[a, b]])], prompt);
    assert.ok(
      pair.every((id, i) => !(id === b && (i === 0 ? prompt.at(-1) : pair[i - 1]) === a)),
      `${a} ${b} never completed`,
    );
    // min_new_tokens: the loop's EOS is held back; declare the first free token an EOS id and the row still makes 10 tokens.
    const eos = [a];
    const heldIds = (
      await generateOne(
        model,
        { ...tokenizer, special: { ...tokenizer.special, eos } },
        {
          promptIds: prompt,
          maxNewTokens: 10,
          sampling: greedy,
          processors: [new MinNewTokens(10, eos)],
          seed: 1,
          stop: [],
        },
      )
    ).tokenIds;
    assert.equal(heldIds.length, 10);
    assert.ok(!heldIds.includes(a));
  } finally {
    await session.release();
  }
});

test('forced_eos_token_id: the last token is that id, and the row ends with it', async () => {
  const { tokenizer, session, model } = await openFixtureDecoder('tiny-llama');
  try {
    const eos = must(tokenizer.special.eos[0], 'an EOS id');
    const r = await generateOne(model, tokenizer, {
      promptIds: tokenizer.encode('Denim'),
      maxNewTokens: 6,
      sampling: greedy,
      processors: [new ForcedEos(eos)],
      seed: 1,
      stop: [],
    });
    assert.equal(r.tokenIds.length, 6);
    assert.equal(r.tokenIds.at(-1), eos);
    assert.equal(r.finishReason, 'stop');
  } finally {
    await session.release();
  }
});

test('selectPastRows keeps exactly the listed rows of each past tensor, float32 and float16 alike', () => {
  const [batch, heads, len, dim] = [3, 2, 4, 5];
  const block = heads * len * dim;
  const f32 = new ort.Tensor(
    'float32',
    Float32Array.from({ length: batch * block }, (_, i) => i + 0.5),
    [batch, heads, len, dim],
  );
  const f16 = new ort.Tensor(
    'float16',
    Uint16Array.from({ length: batch * block }, (_, i) => i),
    [batch, heads, len, dim],
  );
  const [a, b] = selectPastRows([f32, f16], [0, 2]);
  assert.ok(a && b, 'one tensor out per tensor in');
  assert.deepEqual(a.dims, [2, heads, len, dim]);
  assert.deepEqual([...(a.data as Float32Array)], [...f32.data.subarray(0, block), ...f32.data.subarray(2 * block)]);
  // float16 data is raw halves: a Uint16Array, or a Float16Array over the same bits where the runtime has one.
  assert.equal(b.type, 'float16');
  const bits = (t: ort.Tensor) =>
    new Uint16Array((t.data as Uint16Array).buffer, (t.data as Uint16Array).byteOffset, t.size);
  assert.deepEqual([...bits(b)], [...bits(f16).subarray(0, block), ...bits(f16).subarray(2 * block)]);
  assert.throws(() => selectPastRows([f32], [3]), RangeError);
});

test('every buffer a decode step hands back is freed once read: the consumed past, rows dropped from it, the logits', async () => {
  const { tokenizer, session, model } = await openFixtureDecoder('tiny-gpt2');
  const rows = [6, 11, 16].map((maxNewTokens, i): RowRequest => ({
    promptIds: tokenizer.encode(must(mixedPrompts[i], `prompt ${i}`)),
    maxNewTokens,
    sampling: greedy,
    seed: 1,
    stop: [],
  }));
  try {
    const expected = (await generateBatch(model, tokenizer, rows)).results.map((r) => r.tokenIds);
    // The same batch again, keeping what each step returned.
    const outputs: ForwardOutput[] = [];
    const forward = model.forward.bind(model);
    const watched = Object.assign(Object.create(model) as DecoderSession, {
      forward: async (input: ForwardInput) => {
        const out = await forward(input);
        outputs.push(out);
        return out;
      },
    });
    const results = (await generateBatch(watched, tokenizer, rows)).results;
    // Freeing changes nothing the rows read: rows ending at 6 and 11 tokens drop out of the past mid-batch.
    assert.deepEqual(
      results.map((r) => r.tokenIds),
      expected,
    );
    assert.equal(outputs.length, 16);
    for (const [step, out] of outputs.entries()) {
      assert.equal(out.lastLogits.buffer.byteLength, 0, `step ${step}: logits freed`);
      for (const t of out.present ?? [])
        assert.ok(
          ((t.data as Float32Array).buffer as ArrayBuffer).detached,
          `step ${step}: present ${t.dims.join('x')} freed`,
        );
    }
  } finally {
    await session.release();
  }
});

test("releaseArrays detaches each array's own buffer and leaves empty, detached and shared ones alone", () => {
  const a = new Float32Array(16);
  const view = new Uint8Array(new ArrayBuffer(8), 2, 4);
  const empty = new Float32Array(0);
  const shared = new Float32Array(new SharedArrayBuffer(16));
  releaseArrays([a, view, empty, shared, a]);
  assert.equal(a.buffer.detached, true);
  assert.equal(a.length, 0);
  assert.equal(view.buffer.detached, true);
  assert.equal(empty.buffer.detached, false);
  assert.equal(shared.length, 4);
});
