import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { startTestServer } from '../helpers/server.js';
import { startFakeOpenAI } from '../helpers/fake-openai.js';
import { fixturesDir, parityDir } from '../helpers/paths.js';
import { scorePair } from '../../src/evaluation/metrics/index.js';
import { dataOf } from '../helpers/graphql.js';
import { must } from '../helpers/must.js';

const cleanup: Array<() => Promise<void>> = [];
after(async () => {
  for (const fn of cleanup.reverse()) await fn();
});

const METRICS = ['bleu', 'rouge1', 'rouge2', 'rougeL', 'meteor'] as const;
type Scores = Record<(typeof METRICS)[number], number | null>;
type Evaluated = {
  evaluateText: { pairs: Array<Scores & { flags: Array<{ code: string; category: string }> }>; mean: Scores };
};
/** A defined score: the metric was asked for (fails the test otherwise). */
const score = (scores: Scores | undefined, metric: (typeof METRICS)[number]): number => {
  const value = scores?.[metric];
  assert.equal(typeof value, 'number', `${metric} was scored`);
  return value as number;
};

const EVALUATE = `query($pairs: [TextPairInput!]!, $metrics: [TextMetric!]) {
  evaluateText(pairs: $pairs, metrics: $metrics) {
    pairs { bleu rouge1 rouge2 rougeL meteor flags { code category } }
    mean { bleu rouge1 rouge2 rougeL meteor }
  }
}`;

test("evaluateText returns the reference implementations' values per pair and their mean", async () => {
  const server = await startTestServer();
  cleanup.push(() => server.stop());
  const parity = (
    JSON.parse(readFileSync(path.join(parityDir, 'text-metrics.json'), 'utf8')) as {
      pairs: Array<{ reference: string; candidate: string } & Record<(typeof METRICS)[number], number>>;
    }
  ).pairs;
  const sample = parity.filter((_, i) => i % 40 === 0).slice(0, 10);
  const { pairs, mean } = dataOf(
    await server.gql<Evaluated>(EVALUATE, {
      pairs: sample.map((p) => ({ reference: p.reference, candidate: p.candidate })),
    }),
  ).evaluateText;
  assert.equal(pairs.length, sample.length);
  for (const [i, p] of sample.entries()) {
    for (const metric of METRICS) {
      const got = score(pairs[i], metric);
      assert.ok(Math.abs(got - p[metric]) <= 1e-9, `${metric} of pair ${i}: ${got} vs ${p[metric]}`);
    }
  }
  for (const k of METRICS) {
    const avg = pairs.reduce((sum, p) => sum + score(p, k), 0) / pairs.length;
    assert.ok(Math.abs(score(mean, k) - avg) < 1e-12, k);
  }

  const only = await server.gql<Evaluated>(EVALUATE, {
    pairs: [{ reference: 'a red wool coat', candidate: 'a slimming red coat' }],
    metrics: ['ROUGE1'],
  });
  const scores = must(dataOf(only).evaluateText.pairs[0], 'the scores');
  assert.equal(scores.bleu, null);
  assert.ok(score(scores, 'rouge1') > 0);
  assert.ok(scores.flags.some((f) => f.code === 'INCLUSIVE_LANGUAGE' && f.category === 'body-shape'));
});

test('evaluateText refuses oversized input with BAD_USER_INPUT', async () => {
  const server = await startTestServer();
  cleanup.push(() => server.stop());
  const tooMany = await server.gql(EVALUATE, {
    pairs: Array.from({ length: 501 }, () => ({ reference: 'a', candidate: 'b' })),
  });
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
    type Product = { products: { edges: Array<{ node: { id: string; referenceDescription: string } }> } };
    const product = dataOf(
      await server.gql<Product>('{ products(first: 1) { edges { node { id referenceDescription } } } }'),
    ).products.edges[0]?.node;
    assert.ok(product, 'a product');
    const generated = await server.gql<{ generateDescriptions: Array<{ id: string; text: string }> }>(
      'mutation($id: ID!) { generateDescriptions(input: [{productId: $id}]) { ... on Description { id text } } }',
      { id: product.id },
    );
    const d = must(dataOf(generated).generateDescriptions[0], 'a generated description');
    type Evaluation = {
      evaluateDescription: {
        descriptionId: string;
        scores: Scores;
        semanticSimilarity: number | null;
        semanticReason: string | null;
      };
    };
    const r = await server.gql<Evaluation>(
      'query($id: ID!) { evaluateDescription(id: $id) { descriptionId scores { bleu rouge1 rouge2 rougeL meteor } semanticSimilarity semanticReason } }',
      { id: d.id },
    );
    const e = dataOf(r).evaluateDescription;
    assert.equal(e.descriptionId, d.id);
    const expected = scorePair(product.referenceDescription, d.text);
    for (const k of METRICS) assert.ok(Math.abs(score(e.scores, k) - must(expected[k], k)) < 1e-12, k);
    if (embeddings) {
      assert.equal(e.semanticReason, null);
      assert.ok(e.semanticSimilarity !== null && e.semanticSimilarity >= -1 && e.semanticSimilarity <= 1);
    } else {
      assert.deepEqual([e.semanticSimilarity, e.semanticReason], [null, 'EMBEDDINGS_NOT_CONFIGURED']);
    }
    const missing = await server.gql('{ evaluateDescription(id: "nope") { descriptionId } }');
    assert.equal(missing.body.errors?.[0]?.extensions?.code, 'NOT_FOUND');
  }
});
