import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fixturesDir } from '../../helpers/paths.js';
import { type Embedder, ProviderError } from '../../../providers/types.js';
import { createOnnxEmbedder } from '../../../providers/onnx/encoder.js';
import { semanticSimilarity } from '../../../src/evaluation/semantic/similarity.js';
import { cosineSimilarity } from '../../../providers/vectors.js';
import { must } from '../../helpers/must.js';

const modelDir = path.join(fixturesDir, 'models', 'tiny-bert');
const expected = JSON.parse(readFileSync(path.join(modelDir, 'expected.json'), 'utf8')) as {
  sentences: Array<{ text: string; pooled: number[] }>;
};
let embedder: Embedder;

before(async () => {
  embedder = await createOnnxEmbedder({
    modelDir,
    executionProvider: 'cpu',
    logger: { info: () => undefined, warn: () => undefined },
  });
});
after(async () => embedder.close());

/** An embedder that counts calls and fails or answers as told. */
function scripted(answer: (texts: string[]) => number[][]): Embedder & { calls: string[][] } {
  const calls: string[][] = [];
  return {
    id: 'scripted',
    kind: 'onnx',
    model: 'scripted',
    calls,
    async embed(texts) {
      calls.push(texts);
      return answer(texts);
    },
    async health() {
      return { healthy: true, configured: true };
    },
    async close() {},
  };
}

test('cosineSimilarity: parallel, orthogonal, opposite, scale-free; zero vectors give NaN; lengths must match', () => {
  assert.equal(cosineSimilarity([1, 2, 3], [2, 4, 6]), 1);
  assert.equal(cosineSimilarity([1, 0], [0, 5]), 0);
  assert.equal(cosineSimilarity([1, -1], [-3, 3]), -1);
  assert.ok(Math.abs(cosineSimilarity([1, 1], [1, 0]) - Math.SQRT1_2) < 1e-12);
  assert.ok(Number.isNaN(cosineSimilarity([0, 0], [1, 0])));
  assert.throws(() => cosineSimilarity([1], [1, 2]), RangeError);
});

test('with no embedder every score is null with EMBEDDINGS_NOT_CONFIGURED', async () => {
  const scores = await semanticSimilarity(null, [
    { reference: 'a', candidate: 'b' },
    { reference: 'c', candidate: 'd' },
  ]);
  assert.deepEqual(scores, [
    { score: null, reason: 'EMBEDDINGS_NOT_CONFIGURED' },
    { score: null, reason: 'EMBEDDINGS_NOT_CONFIGURED' },
  ]);
});

test('with the tiny ONNX encoder, scores are the cosines of the PyTorch embeddings', async () => {
  const [a, b, c] = expected.sentences;
  assert.ok(a && b && c, 'three reference sentences');
  const scores = await semanticSimilarity(embedder, [
    { reference: a.text, candidate: b.text },
    { reference: a.text, candidate: c.text },
    { reference: b.text, candidate: b.text },
  ]);
  assert.ok(Math.abs(must(scores[0]?.score, 'the a-b score') - cosineSimilarity(a.pooled, b.pooled)) < 1e-4);
  assert.ok(Math.abs(must(scores[1]?.score, 'the a-c score') - cosineSimilarity(a.pooled, c.pooled)) < 1e-4);
  assert.ok(Math.abs(must(scores[2]?.score, 'the b-b score') - 1) < 1e-6);
  assert.ok(scores[0]?.score !== scores[1]?.score);
});

test('each distinct text is embedded once, in one call; blank texts are not embedded', async () => {
  const fake = scripted((texts) => texts.map((t) => [t.length, 1]));
  const scores = await semanticSimilarity(fake, [
    { reference: 'abc', candidate: 'abc' },
    { reference: 'abc', candidate: 'x' },
    { reference: 'abc', candidate: '   ' },
  ]);
  assert.deepEqual(fake.calls, [['abc', 'x']]);
  assert.equal(scores[0]?.score, 1);
  assert.ok(Math.abs(must(scores[1]?.score, 'the abc-x score') - cosineSimilarity([3, 1], [1, 1])) < 1e-12);
  assert.deepEqual(scores[2], { score: null, reason: 'EMPTY_TEXT' });
});

test('embedder errors and bad answers become null scores with a reason, never a number', async () => {
  const failing = scripted(() => {
    throw new ProviderError('unavailable', 'scripted', 'down');
  });
  assert.deepEqual(await semanticSimilarity(failing, [{ reference: 'a', candidate: 'b' }]), [
    { score: null, reason: 'EMBEDDINGS_FAILED', detail: 'unavailable' },
  ]);
  const short = scripted(() => [[1, 0]]);
  const s = must((await semanticSimilarity(short, [{ reference: 'a', candidate: 'b' }]))[0], 'the score');
  assert.equal(s.score, null);
  assert.equal(s.reason, 'EMBEDDINGS_FAILED');
  const zero = scripted((texts) => texts.map((t) => (t === 'z' ? [0, 0] : [1, 0])));
  assert.deepEqual(await semanticSimilarity(zero, [{ reference: 'a', candidate: 'z' }]), [
    { score: null, reason: 'ZERO_VECTOR' },
  ]);
});
