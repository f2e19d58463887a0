import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { GenerationResult, ProviderError } from '../../../../providers/types.js';
import { decoderFixtures, mixedPrompts, openFixture, request } from './onnx-test-helpers.js';
import { DEFAULT_PREFILL_CHUNK } from '../../../../providers/onnx/index.js';
import { inspect } from 'node:util';

function ok(r: GenerationResult | ProviderError | undefined): GenerationResult {
  assert.ok(r && !(r instanceof Error), inspect(r));
  return r;
}

for (const name of decoderFixtures) {
  test(`${name}: batched greedy output equals unbatched, token for token (left padding)`, async () => {
    // maxBatch 1 runs every request alone; maxBatch 8 runs them as one padded batch.
    const alone = await openFixture(name, { maxBatch: 1 });
    const together = await openFixture(name, { maxBatch: 8, maxQueueDelayMs: 50 });
    try {
      const reqs = mixedPrompts.map((p) => request(p, { maxTokens: 12, temperature: 0 }));
      const single = (await alone.generate(reqs)).map(ok);
      const batched = (await together.generate(reqs)).map(ok);
      assert.equal(alone.stats().batches, reqs.length);
      assert.equal(together.stats().batches, 1);
      assert.equal(together.stats().batchSizes[reqs.length], 1);
      assert.deepEqual(
        batched.map((r) => [r.text, r.completionTokens, r.finishReason]),
        single.map((r) => [r.text, r.completionTokens, r.finishReason]),
      );
      // Prompts differ in length, so the texts differ too: the rows were not mixed up.
      assert.ok(new Set(batched.map((r) => r.text)).size > 1);
    } finally {
      await alone.close();
      await together.close();
    }
  });
}

test('the KV-cache and merged paths equal recomputing the whole sequence (same weights, three exports)', async () => {
  const withPast = await openFixture('tiny-gpt2');
  const noPast = await openFixture('tiny-gpt2-nopast');
  const merged = await openFixture('tiny-gpt2-merged');
  try {
    const reqs = mixedPrompts.map((p) => request(p, { maxTokens: 16, temperature: 0 }));
    const a = (await withPast.generate(reqs)).map(ok);
    const b = (await noPast.generate(reqs)).map(ok);
    const c = (await merged.generate(reqs)).map(ok);
    assert.deepEqual(
      a.map((r) => r.text),
      b.map((r) => r.text),
    );
    assert.deepEqual(
      c.map((r) => r.text),
      b.map((r) => r.text),
    );
    assert.equal((await withPast.health()).details?.cache, 'kv');
    assert.equal((await noPast.health()).details?.cache, 'none');
    assert.equal((await merged.health()).details?.cache, 'merged');
  } finally {
    await withPast.close();
    await noPast.close();
    await merged.close();
  }
});

for (const name of decoderFixtures) {
  test(`${name}: a prefill in chunks gives the same tokens as one pass, batched and alone`, async () => {
    const reqs = mixedPrompts.map((p) => request(p, { maxTokens: 10, temperature: 0 }));
    const whole = await openFixture(name, { maxBatch: 8, maxQueueDelayMs: 50, prefillChunk: 0 });
    try {
      const expected = (await whole.generate(reqs)).map(ok).map((r) => [r.text, r.completionTokens, r.finishReason]);
      // Chunks of 1 and 3 tokens: the short prompts' rows are still all padding in the first chunks.
      for (const prefillChunk of [1, 3]) {
        for (const maxBatch of [1, 8]) {
          const p = await openFixture(name, { maxBatch, maxQueueDelayMs: 50, prefillChunk });
          try {
            const got = (await p.generate(reqs)).map(ok);
            assert.deepEqual(
              got.map((r) => [r.text, r.completionTokens, r.finishReason]),
              expected,
              `chunk ${prefillChunk}, maxBatch ${maxBatch}`,
            );
          } finally {
            await p.close();
          }
        }
      }
    } finally {
      await whole.close();
    }
  });
}

test('the prefill runs in ceil(prompt / LOCAL_PREFILL_CHUNK) passes on a KV-cache graph, and in one without a cache', async () => {
  const prompt = mixedPrompts[1];
  const passes = async (name: 'tiny-gpt2' | 'tiny-gpt2-nopast', options: { prefillChunk?: number }) => {
    const p = await openFixture(name, { maxBatch: 1, ...options });
    try {
      const [r] = (await p.generate([request(prompt, { maxTokens: 4, temperature: 0 })])).map(ok);
      assert.ok(r, 'a result');
      return { passes: p.stats().forwardPasses, promptTokens: r.promptTokens, generated: r.completionTokens };
    } finally {
      await p.close();
    }
  };
  const one = await passes('tiny-gpt2', { prefillChunk: 0 });
  assert.ok(one.promptTokens > 8, `a prompt of ${one.promptTokens} tokens`);
  // One prefill pass, then one pass per token after the first.
  assert.equal(one.passes, 1 + one.generated - 1);
  const chunked = await passes('tiny-gpt2', { prefillChunk: 4 });
  assert.equal(chunked.passes, Math.ceil(one.promptTokens / 4) + chunked.generated - 1);
  // Without the option, the default chunk.
  const byDefault = await passes('tiny-gpt2', {});
  assert.equal(byDefault.passes, Math.ceil(one.promptTokens / DEFAULT_PREFILL_CHUNK) + byDefault.generated - 1);
  const noPast = await passes('tiny-gpt2-nopast', { prefillChunk: 4 });
  assert.equal(noPast.passes, noPast.generated, 'a graph without a cache reads the whole sequence each pass');
});
