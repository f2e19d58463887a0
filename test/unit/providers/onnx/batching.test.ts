import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { GenerationResult, ProviderError } from '../../../../providers/types.js';
import { decoderFixtures, mixedPrompts, openFixture, request } from './onnx-test-helpers.js';

function ok(r: GenerationResult | ProviderError | undefined): GenerationResult {
  assert.ok(r && !(r instanceof Error), String(r));
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
    assert.deepEqual(a.map((r) => r.text), b.map((r) => r.text));
    assert.deepEqual(c.map((r) => r.text), b.map((r) => r.text));
    assert.equal((await withPast.health()).details?.cache, 'kv');
    assert.equal((await noPast.health()).details?.cache, 'none');
    assert.equal((await merged.health()).details?.cache, 'merged');
  } finally {
    await withPast.close();
    await noPast.close();
    await merged.close();
  }
});
