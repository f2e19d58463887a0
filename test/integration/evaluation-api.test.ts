import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { startTestServer } from '../helpers/server.js';
import { startFakeOpenAI } from '../helpers/fake-openai.js';
import { fixturesDir, parityDir } from '../helpers/paths.js';
import { scorePair } from '../../src/evaluation/metrics/index.js';

const cleanup: Array<() => Promise<void>> = [];
after(async () => {
  for (const fn of cleanup.reverse()) await fn();
});

const EVALUATE = `query($pairs: [TextPairInput!]!, $metrics: [TextMetric!]) {
  evaluateText(pairs: $pairs, metrics: $metrics) {
    pairs { bleu rouge1 rouge2 rougeL meteor flags { code category } }
    mean { bleu rouge1 rouge2 rougeL meteor }
  }
}`;

test('evaluateText returns the reference implementations\' values per pair and their mean', async () => {
  const server = await startTestServer();
  cleanup.push(() => server.stop());
  const parity = JSON.parse(readFileSync(path.join(parityDir, 'text-metrics.json'), 'utf8')).pairs as Array<Record<string, any>>;
  const sample = parity.filter((_, i) => i % 40 === 0).slice(0, 10);
  const r = await server.gql(EVALUATE, { pairs: sample.map((p) => ({ reference: p.reference, candidate: p.candidate })) });
  assert.equal(r.body.errors, undefined);
  const { pairs, mean } = r.body.data.evaluateText;
  assert.equal(pairs.length, sample.length);
  for (const [i, p] of sample.entries()) {
    for (const metric of ['bleu', 'rouge1', 'rouge2', 'rougeL', 'meteor'] as const) {
      assert.ok(Math.abs(pairs[i][metric] - p[metric]) <= 1e-9, `${metric} of pair ${i}: ${pairs[i][metric]} vs ${p[metric]}`);
    }
  }
  const avg = (k: string) => pairs.reduce((s: number, p: any) => s + p[k], 0) / pairs.length;
  for (const k of ['bleu', 'rouge1', 'rouge2', 'rougeL', 'meteor']) assert.ok(Math.abs(mean[k] - avg(k)) < 1e-12, k);

  const only = await server.gql(EVALUATE, { pairs: [{ reference: 'a red wool coat', candidate: 'a slimming red coat' }], metrics: ['ROUGE1'] });
  assert.equal(only.body.errors, undefined, JSON.stringify(only.body.errors));
  const scores = only.body.data.evaluateText.pairs[0];
  assert.equal(scores.bleu, null);
  assert.ok(scores.rouge1 > 0);
  assert.ok(scores.flags.some((f: any) => f.code === 'INCLUSIVE_LANGUAGE' && f.category === 'body-shape'));
});

test('evaluateText refuses oversized input with BAD_USER_INPUT', async () => {
  const server = await startTestServer();
  cleanup.push(() => server.stop());
  const tooMany = await server.gql(EVALUATE, { pairs: Array.from({ length: 501 }, () => ({ reference: 'a', candidate: 'b' })) });
  assert.equal(tooMany.body.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
  const tooLong = await server.gql(EVALUATE, { pairs: [{ reference: 'x'.repeat(5001), candidate: 'b' }] });
  assert.equal(tooLong.body.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
});

test('evaluateDescription scores a stored description against its reference, with semantic similarity when configured', async () => {
  const fake = await startFakeOpenAI();
  cleanup.push(() => fake.close());
  for (const embeddings of [null, path.join(fixturesDir, 'models', 'tiny-bert')]) {
    const server = await startTestServer({
      providers: ['openai'],
      openaiBaseUrl: fake.baseURL,
      cacheTtlMs: 0,
      ...(embeddings ? { embeddingsProvider: 'onnx' as const, embeddingsModelDir: embeddings } : {}),
    });
    cleanup.push(() => server.stop());
    const product = (await server.gql('{ products(first: 1) { edges { node { id referenceDescription } } } }')).body.data.products.edges[0].node;
    const generated = await server.gql('mutation($id: ID!) { generateDescriptions(input: [{productId: $id}]) { ... on Description { id text } } }', { id: product.id });
    const d = generated.body.data.generateDescriptions[0];
    const r = await server.gql(
      'query($id: ID!) { evaluateDescription(id: $id) { descriptionId scores { bleu rouge1 rouge2 rougeL meteor } semanticSimilarity semanticReason } }',
      { id: d.id },
    );
    assert.equal(r.body.errors, undefined, JSON.stringify(r.body.errors));
    const e = r.body.data.evaluateDescription;
    assert.equal(e.descriptionId, d.id);
    const expected = scorePair(product.referenceDescription, d.text);
    for (const k of ['bleu', 'rouge1', 'rouge2', 'rougeL', 'meteor'] as const) assert.ok(Math.abs(e.scores[k] - expected[k]!) < 1e-12, k);
    if (embeddings) {
      assert.equal(e.semanticReason, null);
      assert.ok(e.semanticSimilarity >= -1 && e.semanticSimilarity <= 1);
    } else {
      assert.deepEqual([e.semanticSimilarity, e.semanticReason], [null, 'EMBEDDINGS_NOT_CONFIGURED']);
    }
    const missing = await server.gql('{ evaluateDescription(id: "nope") { descriptionId } }');
    assert.equal(missing.body.errors?.[0]?.extensions?.code, 'NOT_FOUND');
  }
});
