import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fixturesDir } from '../../helpers/paths.js';
import type { Embedder } from '../../../providers/types.js';
import { createOnnxEmbedder } from '../../../providers/onnx/encoder.js';
import { encodeTruncated } from '../../../providers/onnx/encoder-inputs.js';
import { readPoolingSetup } from '../../../providers/onnx/encoder-pooling.js';
import { readModelFolder } from '../../../providers/onnx/model-folder.js';
import { loadTokenizer } from '../../../providers/onnx/tokenizer.js';
import { must } from '../../helpers/must.js';

interface Sentence {
  text: string;
  ids: number[];
  pooled: number[];
  normalized: number[];
}

const modelDir = path.join(fixturesDir, 'models', 'tiny-bert');
const expected = JSON.parse(readFileSync(path.join(modelDir, 'expected.json'), 'utf8')) as { sentences: Sentence[] };
const texts = expected.sentences.map((s) => s.text);
const quiet = { info: () => undefined, warn: () => undefined };
let embedder: Embedder;

before(async () => {
  embedder = await createOnnxEmbedder({ modelDir, executionProvider: 'cpu', logger: quiet });
});
after(async () => embedder.close());

function assertClose(actual: number[], wanted: number[], tol: number, label: string): void {
  assert.equal(actual.length, wanted.length, `${label}: length`);
  const worst = Math.max(...actual.map((v, i) => Math.abs(v - must(wanted[i], `${label}: element ${i}`))));
  assert.ok(worst <= tol, `${label}: max |diff| ${worst} > ${tol}`);
}

test('token ids equal the ids the fixture script computed, truncation included', () => {
  const folder = readModelFolder(modelDir);
  const tokenizer = loadTokenizer(folder);
  for (const s of expected.sentences) assert.deepEqual(encodeTruncated(tokenizer, s.text, 64), s.ids, s.text);
  assert.ok(
    expected.sentences.some((s) => s.ids.length === 64),
    'the fixture has a sentence long enough to be truncated',
  );
});

test('reads pooling and normalisation from modules.json and 1_Pooling/config.json', async () => {
  const setup = readPoolingSetup(modelDir);
  assert.deepEqual(setup.modes, ['mean']);
  assert.equal(setup.normalize, true);
  const details = must((await embedder.health()).details, 'health details');
  assert.equal(details.executionProvider, 'cpu');
  assert.equal(details.normalize, 'true');
  assert.equal(details.maxLength, '64');
});

test('one padded batch matches PyTorch per-sentence embeddings to 1e-4 (normalised)', async () => {
  const vectors = await embedder.embed(texts);
  assert.equal(vectors.length, texts.length);
  vectors.forEach((v, i) =>
    assertClose(v, must(expected.sentences[i], `sentence ${i}`).normalized, 1e-4, `sentence ${i}: ${texts[i]}`),
  );
  for (const v of vectors) assert.ok(Math.abs(Math.hypot(...v) - 1) < 1e-5);
});

test('without normalisation the mean-pooled vectors match PyTorch, in any batch size, in order', async () => {
  const raw = await createOnnxEmbedder({
    modelDir,
    executionProvider: 'cpu',
    normalize: false,
    maxBatch: 2,
    logger: quiet,
  });
  try {
    const reversed = [...texts].reverse();
    const vectors = await raw.embed(reversed);
    vectors.forEach((v, i) => {
      const j = texts.length - 1 - i;
      assertClose(v, must(expected.sentences[j], `sentence ${j}`).pooled, 1e-4, `sentence ${j}: ${reversed[i]}`);
    });
    assert.equal((await raw.health()).details?.normalize, 'false');
  } finally {
    await raw.close();
  }
});

test('an aborted signal stops embedding; an empty list embeds nothing', async () => {
  assert.deepEqual(await embedder.embed([]), []);
  const ac = new AbortController();
  ac.abort(new Error('stop'));
  await assert.rejects(embedder.embed(texts, { signal: ac.signal }), /stop/);
});

test('a folder without a model fails at creation with a clear message', async () => {
  await assert.rejects(
    createOnnxEmbedder({ modelDir: path.join(fixturesDir, 'images'), logger: quiet }),
    /no ONNX graph/,
  );
});

test('poolRow: mean, max, cls and mean_sqrt_len skip padded positions; several modes concatenate', async () => {
  const { poolRow } = await import('../../../providers/onnx/encoder-pooling.js');
  // One row, three positions of two dims; the last position is padding with huge values.
  const hidden = Float32Array.from([1, 2, 3, -4, 1000, 1000]);
  const mask = [1, 1, 0];
  assert.deepEqual(poolRow(hidden, 0, 3, 2, mask, ['mean'], false), [2, -1]);
  assert.deepEqual(poolRow(hidden, 0, 3, 2, mask, ['max'], false), [3, 2]);
  assert.deepEqual(poolRow(hidden, 0, 3, 2, mask, ['cls', 'mean'], false), [1, 2, 2, -1]);
  assert.deepEqual(poolRow(hidden, 0, 3, 2, mask, ['mean_sqrt_len'], false), [4 / Math.SQRT2, -2 / Math.SQRT2]);
  const n = poolRow(hidden, 0, 3, 2, mask, ['mean'], true);
  const [n0, n1] = n;
  assert.ok(n0 !== undefined && n1 !== undefined, 'two dimensions');
  assert.ok(Math.abs(n0 - 2 / Math.sqrt(5)) < 1e-12 && Math.abs(n1 + 1 / Math.sqrt(5)) < 1e-12);
});
