import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { chapter4Dir, fixturesDir } from '../../helpers/paths.js';
import { parsePreprocessorConfig, preprocessImage, resizedSize } from '../../../providers/images/preprocess.js';
import { isImageLoadError } from '../../../providers/images/load.js';
import { must } from '../../helpers/must.js';

interface ExpectedImage {
  image: string;
  pixels: string;
  shape: [number, number, number];
}

const clipDir = path.join(fixturesDir, 'models', 'tiny-clip');
const expected = JSON.parse(readFileSync(path.join(clipDir, 'expected.json'), 'utf8')) as { images: ExpectedImage[] };
const config = parsePreprocessorConfig(
  JSON.parse(readFileSync(path.join(clipDir, 'preprocessor_config.json'), 'utf8')),
);

function readFloat32(file: string): Float32Array {
  const buf = readFileSync(file);
  const out = new Float32Array(buf.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = buf.readFloatLE(i * 4);
  return out;
}

test('sharp preprocessing matches PIL (CLIPImageProcessor steps) within 0.02 mean absolute difference', async () => {
  for (const img of expected.images) {
    const pil = readFloat32(path.join(fixturesDir, img.pixels));
    const ours = await preprocessImage(readFileSync(path.join(chapter4Dir, img.image)), config);
    assert.deepEqual([3, ours.height, ours.width], img.shape);
    assert.equal(ours.data.length, pil.length);
    let sum = 0;
    let max = 0;
    for (let i = 0; i < pil.length; i++) {
      const d = Math.abs(must(ours.data[i], 'our value') - must(pil[i], "PIL's value"));
      sum += d;
      if (d > max) max = d;
    }
    const mad = sum / pil.length;
    console.log(`${img.image}: mean |sharp - PIL| = ${mad.toFixed(5)}, max = ${max.toFixed(4)}`);
    assert.ok(mad <= 0.02, `${img.image}: mean absolute difference ${mad} > 0.02`);
  }
});

test('parsePreprocessorConfig reads CLIP fields and falls back to CLIP defaults', () => {
  assert.equal(config.shortestEdge, 224);
  assert.deepEqual(config.crop, { height: 224, width: 224 });
  const old = parsePreprocessorConfig({
    size: 256,
    crop_size: 240,
    image_mean: [0.5, 0.5, 0.5],
    image_std: [0.5, 0.5, 0.5],
  });
  assert.equal(old.shortestEdge, 256);
  assert.deepEqual(old.crop, { height: 240, width: 240 });
  assert.deepEqual(old.mean, [0.5, 0.5, 0.5]);
  const square = parsePreprocessorConfig({ size: { height: 32, width: 48 } });
  assert.equal(square.shortestEdge, null);
  assert.deepEqual(resizedSize(800, 600, square), { width: 48, height: 32 });
});

test('resizedSize keeps the aspect ratio and truncates the long edge like HF', () => {
  assert.deepEqual(resizedSize(800, 600, config), { width: 298, height: 224 });
  assert.deepEqual(resizedSize(600, 800, config), { width: 224, height: 298 });
  assert.deepEqual(resizedSize(224, 224, config), { width: 224, height: 224 });
});

test('a small, transparent or grey image is resized up, laid on white and cropped to the crop size', async () => {
  const png = await sharp({
    create: { width: 40, height: 20, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } },
  })
    .png()
    .toBuffer();
  const out = await preprocessImage(png, config);
  assert.equal(out.width, 224);
  assert.equal(out.height, 224);
  // Fully transparent pixels become white: (1 - mean) / std in every channel.
  for (const [c, mean] of config.mean.entries()) {
    const white = (1 - mean) / must(config.std[c], `channel ${c}'s std`);
    assert.ok(Math.abs(must(out.data[c * 224 * 224 + 1000], `a channel ${c} value`) - white) < 1e-5);
  }
  const grey = await sharp({ create: { width: 300, height: 300, channels: 3, background: { r: 128, g: 128, b: 128 } } })
    .greyscale()
    .jpeg()
    .toBuffer();
  const g = await preprocessImage(grey, config);
  assert.equal(g.data.length, 3 * 224 * 224);
});

test('bytes that are not an image fail with IMAGE_UNREADABLE', async () => {
  await assert.rejects(preprocessImage(Buffer.from('not an image at all'), config, 'x.jpg'), (err: unknown) => {
    assert.ok(isImageLoadError(err));
    assert.equal(err.code, 'IMAGE_UNREADABLE');
    assert.equal(err.source, 'x.jpg');
    return true;
  });
});
