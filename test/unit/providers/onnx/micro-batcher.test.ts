import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isProviderError } from '../../../../providers/types.js';
import { MicroBatcher } from '../../../../providers/onnx/micro-batcher.js';
import { openFixture, request } from './onnx-test-helpers.js';

test('N concurrent one-request calls run in ceil(N / maxBatch) forward batches', async () => {
  const maxBatch = 4;
  const n = 10;
  const p = await openFixture('tiny-gpt2', { maxBatch, maxQueueDelayMs: 50 });
  try {
    const results = await Promise.all(Array.from({ length: n }, (_, i) => p.generate([request(`Denim ${i}`, { maxTokens: 4, temperature: 0 })])));
    assert.ok(results.every(([r]) => r && !(r instanceof Error)));
    const s = p.stats();
    assert.equal(s.batches, Math.ceil(n / maxBatch));
    assert.deepEqual(s.batchSizes, { 4: 2, 2: 1 });
    assert.equal(s.items, n);
    assert.equal(s.queueDepth, 0);
    assert.equal(s.generatedTokens, 4 * n);
    assert.ok(s.forwardPasses >= 3 * 4 && s.sessionRunMs > 0 && s.batchMs >= s.sessionRunMs);
  } finally {
    await p.close();
  }
});

test('a full queue answers ProviderError unavailable at once, and the queued requests still finish', async () => {
  const p = await openFixture('tiny-gpt2', { maxBatch: 1, maxQueue: 2, maxQueueDelayMs: 0 });
  try {
    const slow = (q: string) => p.generate([request(q, { maxTokens: 30, temperature: 0 })]);
    const running = [slow('a'), slow('b'), slow('c')]; // one runs, two wait
    assert.equal(p.stats().queueDepth, 2);
    const t0 = performance.now();
    const [rejected] = await p.generate([request('d', { maxTokens: 30 })]);
    assert.ok(performance.now() - t0 < 50, 'rejected without waiting for the running batch');
    assert.ok(isProviderError(rejected));
    assert.equal(rejected.kind, 'unavailable');
    assert.equal(rejected.providerId, 'onnx');
    assert.equal(p.stats().running, true);
    const done = await Promise.all(running);
    assert.ok(done.every(([r]) => r && !(r instanceof Error)));
    assert.equal(p.stats().rejected, 1);
  } finally {
    await p.close();
  }
});

test('a batch that throws rejects every waiter of that batch, and later batches still run', async () => {
  let calls = 0;
  const b = new MicroBatcher<number, number>(
    async (items) => {
      calls++;
      if (items.includes(-1)) throw new Error('boom');
      return items.map((x) => x * 2);
    },
    { maxBatch: 2, maxQueueDelayMs: 1 },
  );
  const first = [b.enqueue(-1), b.enqueue(5)];
  const outcomes = await Promise.allSettled(first);
  assert.deepEqual(outcomes.map((o) => o.status), ['rejected', 'rejected']);
  assert.equal(await b.enqueue(21), 42);
  assert.equal(calls, 2);
  b.close(new Error('closed'));
  assert.equal(b.enqueue(1), null);
});
