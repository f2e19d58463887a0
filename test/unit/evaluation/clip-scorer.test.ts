import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chapter4Dir, fixturesDir } from '../../helpers/paths.js';
import { type ImageTextScorer, isProviderError } from '../../../providers/types.js';
import { createOnnxClipScorer } from '../../../providers/onnx/clip.js';
import { openClipTowers } from '../../../providers/onnx/clip-towers.js';
import { imageTextScore } from '../../../providers/onnx/clip-config.js';
import { encodeTruncated } from '../../../providers/onnx/encoder-inputs.js';
import { readModelFolder } from '../../../providers/onnx/model-folder.js';
import { loadTokenizer } from '../../../providers/onnx/tokenizer.js';
import { isImageLoadError } from '../../../providers/images/load.js';
import { parsePreprocessorConfig, preprocessImage } from '../../../providers/images/preprocess.js';
import { inspect } from 'node:util';
import { must } from '../../helpers/must.js';

interface Expected {
  logit_scale: number;
  texts: Array<{ text: string; ids: number[]; text_embeds: number[] }>;
  images: Array<{ image: string; pixels: string; image_embeds: number[] }>;
  cosine_text_image: number[][];
}

const modelDir = path.join(fixturesDir, 'models', 'tiny-clip');
const expected = JSON.parse(readFileSync(path.join(modelDir, 'expected.json'), 'utf8')) as Expected;
const imagePaths = expected.images.map((i) => path.join(chapter4Dir, i.image));
const quiet = { info: () => undefined, warn: () => undefined };
const folder = readModelFolder(modelDir, { onnxFiles: ['onnx/text_model.onnx'] });
const tokenizer = loadTokenizer(folder);
const preprocess = parsePreprocessorConfig(
  JSON.parse(readFileSync(path.join(modelDir, 'preprocessor_config.json'), 'utf8')),
);
let split: ImageTextScorer;
let combined: ImageTextScorer;
let tmp: string;

before(async () => {
  split = await createOnnxClipScorer({ modelDir, executionProvider: 'cpu', logger: quiet });
  combined = await createOnnxClipScorer({
    modelDir,
    executionProvider: 'cpu',
    layout: 'combined',
    maxBatch: 3,
    logger: quiet,
  });
  tmp = mkdtempSync(path.join(os.tmpdir(), 'clip-scorer-'));
});
after(async () => {
  await split.close();
  await combined.close();
  rmSync(tmp, { recursive: true, force: true });
});

function maxDiff(a: number[], b: number[]): number {
  assert.equal(a.length, b.length);
  return Math.max(...a.map((v, i) => Math.abs(v - must(b[i], `element ${i}`))));
}

function readFloat32(file: string): Float32Array {
  const buf = readFileSync(file);
  return new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length));
}

function allPairs(): Array<{ image: string; text: string; ti: number; ii: number }> {
  return expected.texts.flatMap((t, ti) => imagePaths.map((image, ii) => ({ image, text: t.text, ti, ii })));
}

test("token ids equal the fixture script's, with texts cut to 77 positions keeping the end token", () => {
  for (const t of expected.texts) assert.deepEqual(encodeTruncated(tokenizer, t.text, 77), t.ids, t.text);
  assert.ok(expected.texts.some((t) => t.ids.length === 77));
});

test('tower embeddings match PyTorch: texts to 1e-4, images to 1e-3 after sharp preprocessing, to 1e-4 from PIL pixels', async () => {
  const towers = await openClipTowers(modelDir, {
    layout: 'split',
    session: { executionProvider: 'cpu', logger: quiet },
    maxBatch: 8,
    imageShape: [3, 224, 224],
    padId: tokenizer.special.pad,
    placeholderText: encodeTruncated(tokenizer, '', 77),
  });
  try {
    const ours = await Promise.all(
      imagePaths.map(async (p) => (await preprocessImage(readFileSync(p), preprocess)).data),
    );
    const pil = expected.images.map((i) => readFloat32(path.join(fixturesDir, i.pixels)));
    const a = await towers.embed(
      expected.texts.map((t) => t.ids),
      ours,
    );
    const b = await towers.embed([], pil);
    expected.texts.forEach((t, i) =>
      assert.ok(maxDiff(must(a.text[i], `text embedding ${i}`), t.text_embeds) <= 1e-4, t.text),
    );
    expected.images.forEach((img, i) => {
      const viaSharp = maxDiff(must(a.image[i], `image embedding ${i}`), img.image_embeds);
      const viaPil = maxDiff(must(b.image[i], `PIL image embedding ${i}`), img.image_embeds);
      console.log(
        `${img.image}: max |embed diff| sharp-preprocessed ${viaSharp.toExponential(2)}, PIL pixels ${viaPil.toExponential(2)}`,
      );
      assert.ok(viaSharp <= 1e-3, `${img.image}: ${viaSharp}`);
      assert.ok(viaPil <= 1e-4, `${img.image}: ${viaPil}`);
    });
  } finally {
    await towers.release();
  }
});

test("split and combined layouts give PyTorch's cosines, CLIPScore = 100·max(cos,0), logitScore = exp(logit_scale)·cos", async () => {
  const pairs = allPairs();
  for (const scorer of [split, combined]) {
    const results = await scorer.score(pairs.map(({ image, text }) => ({ image, text })));
    assert.equal(results.length, pairs.length);
    results.forEach((r, k) => {
      assert.ok(!isProviderError(r), inspect(r));
      const s = r;
      const { ti, ii } = must(pairs[k], `pair ${k}`);
      const want = must(expected.cosine_text_image[ti]?.[ii], `the cosine of text ${ti} and image ${ii}`);
      assert.ok(Math.abs(s.cosine - want) <= 1e-3, `cos ${s.cosine} vs ${want}`);
      assert.equal(s.clipScore, 100 * Math.max(s.cosine, 0));
      assert.ok(Math.abs(s.logitScore - Math.exp(expected.logit_scale) * s.cosine) < 1e-9);
    });
    const details = must((await scorer.health()).details, 'health details');
    assert.equal(details.logitScaleSource, 'config.logit_scale');
    assert.equal(details.executionProvider, 'cpu');
  }
  assert.equal((await split.health()).details?.layout, 'split');
  assert.equal((await combined.health()).details?.layout, 'combined');
});

test('without logit_scale in config: a combined graph gives the learned value, the split layout falls back to the init value', async () => {
  const dir = path.join(tmp, 'no-scale');
  cpSync(modelDir, dir, { recursive: true });
  const config = JSON.parse(readFileSync(path.join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
  delete config.logit_scale;
  writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config));
  const c = await createOnnxClipScorer({ modelDir: dir, layout: 'combined', executionProvider: 'cpu', logger: quiet });
  const s = await createOnnxClipScorer({ modelDir: dir, layout: 'split', executionProvider: 'cpu', logger: quiet });
  try {
    const ch = must((await c.health()).details, 'health details');
    assert.equal(ch.logitScaleSource, 'graph');
    assert.ok(Math.abs(Number(ch.logitScale) - expected.logit_scale) < 1e-4);
    const sh = must((await s.health()).details, 'health details');
    assert.equal(sh.logitScaleSource, 'config.logit_scale_init_value');
    assert.equal(Number(sh.logitScale), config.logit_scale_init_value);
  } finally {
    await c.close();
    await s.close();
  }
});

test('a missing or broken image fails only its own pairs, with the image error as cause', async () => {
  const broken = path.join(tmp, 'broken.jpg');
  writeFileSync(broken, 'not a jpeg');
  const results = await split.score([
    { image: path.join(tmp, 'missing.jpg'), text: 'a red gown' },
    { image: must(imagePaths[0], 'the first image'), text: 'a red gown' },
    { image: broken, text: 'a red gown' },
  ]);
  const [missing, ok, bad] = results;
  assert.ok(isProviderError(missing) && isImageLoadError(missing.cause) && missing.cause.code === 'IMAGE_NOT_FOUND');
  assert.equal(missing.kind, 'bad_request');
  assert.ok(!isProviderError(ok));
  assert.ok(isProviderError(bad) && isImageLoadError(bad.cause) && bad.cause.code === 'IMAGE_UNREADABLE');
});

test('a negative cosine gives CLIPScore 0 but keeps its sign in logitScore', () => {
  assert.deepEqual(imageTextScore(-0.25, Math.log(100)).clipScore, 0);
  assert.ok(Math.abs(imageTextScore(-0.25, Math.log(100)).logitScore + 25) < 1e-9);
  assert.ok(Math.abs(imageTextScore(0.3, Math.log(100)).clipScore - 30) < 1e-12);
});
