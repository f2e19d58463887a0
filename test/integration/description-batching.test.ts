import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer } from '../helpers/server.js';
import { dataOf } from '../helpers/graphql.js';
import type { OnnxTextGenerator } from '../../providers/onnx/index.js';

const cleanup: Array<() => Promise<void>> = [];
after(async () => {
  for (const fn of cleanup.reverse()) await fn();
});

test('50 description fields in one query: one batched generation on the local model, LOCAL_MAX_BATCH rows at a time', async () => {
  const maxBatch = 8;
  const server = await startTestServer({
    providers: ['onnx'],
    localMaxBatch: maxBatch,
    localMaxQueueDelayMs: 20,
    cacheTtlMs: 0,
    maxCost: 100_000,
    publishPolicy: 'auto',
  });
  cleanup.push(() => server.stop());
  const onnx = server.services.registry.generator('onnx') as OnnxTextGenerator;
  const before = onnx.stats();
  const r = await server.gql<{
    products: {
      edges: Array<{ node: { description: { text: string; provider: string; source: string; stale: boolean } } }>;
    };
  }>('{ products(first: 50) { edges { node { id description { text provider source stale } } } } }');
  const descriptions = dataOf(r).products.edges.map((e) => e.node.description);
  assert.equal(descriptions.length, 50);
  // Every row went through the local model: a text the policy published is served; one it queued for review, or a generation
  // that came back empty (marked stale), falls back to the reference.
  for (const d of descriptions) {
    assert.ok(d.text.length > 0);
    assert.ok(
      (d.provider === 'onnx' && d.source === 'GENERATED') || (d.provider === 'reference' && d.source === 'REFERENCE'),
      JSON.stringify(d),
    );
  }
  const after = onnx.stats();
  assert.equal(after.items - before.items, 50, 'each product was one row of a batch');
  // Up to maxBatch rows decoded at once (rows join as others end), never more.
  assert.equal(after.maxRunning, maxBatch);
  const batches = after.batches - before.batches;
  assert.ok(batches >= Math.ceil(50 / maxBatch) && batches < 50, `${batches} groups of rows`);
  // Most forward passes carried several rows: tokens made per pass, prefill passes included.
  const perPass = (after.generatedTokens - before.generatedTokens) / (after.forwardPasses - before.forwardPasses);
  assert.ok(perPass >= maxBatch / 2, `${perPass.toFixed(2)} tokens per forward pass`);
  // A second read is served from the database: a new forward pass only for the slots that hold nothing (empty generations).
  const empty = descriptions.filter((d) => d.stale).length;
  await server.gql('{ products(first: 50) { edges { node { description { source } } } } }');
  assert.equal(onnx.stats().items - after.items, empty);
});
