import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { chapter4Dir, fixturesDir } from '../../helpers/paths.js';
import { type ImageTextScore, type ImageTextScorer, ProviderError } from '../../../providers/types.js';
import { createOnnxClipScorer } from '../../../providers/onnx/clip.js';
import { clipScores } from '../../../src/evaluation/clip/clip-score.js';

const modelDir = path.join(fixturesDir, 'models', 'tiny-clip');
const image1 = path.join(chapter4Dir, 'img', 'image_1.jpg');
const image2 = path.join(chapter4Dir, 'img', 'image_2.jpg');
const quiet = { info: () => undefined, warn: () => undefined };
let scorer: ImageTextScorer & { calls: number };
let server: http.Server;
let base: string;
const sockets = new Set<Socket>();

before(async () => {
  // The image server is on loopback, which image fetches reach only when the host is allowed by name.
  const real = await createOnnxClipScorer({
    modelDir,
    executionProvider: 'cpu',
    imageTimeoutMs: 300,
    imageAllowHosts: ['127.0.0.1'],
    logger: quiet,
  });
  // Counts calls on the real scorer; every answer still comes from the ONNX model.
  scorer = Object.assign(Object.create(real) as ImageTextScorer, { calls: 0 });
  scorer.score = async (pairs, options) => {
    scorer.calls++;
    return real.score(pairs, options);
  };
  scorer.close = () => real.close();
  server = http.createServer((req, res) => {
    if (req.url === '/image_1.jpg') {
      const body = readFileSync(image1);
      res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': body.length }).end(body);
    } else if (req.url === '/slow.jpg') {
      res.writeHead(200, { 'content-type': 'image/jpeg' });
      res.write(readFileSync(image1).subarray(0, 100));
    } else res.writeHead(404).end();
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  await scorer.close();
  for (const s of sockets) s.destroy();
  await new Promise<void>((r) => server.close(() => r()));
});

test('with no CLIP model every field is null with CLIP_NOT_CONFIGURED', async () => {
  const out = await clipScores(null, [{ image: image1, candidate: 'a gown', reference: 'a red gown' }]);
  assert.deepEqual(out, [
    { clipScore: null, logitScore: null, cosine: null, referenceDelta: null, reason: 'CLIP_NOT_CONFIGURED' },
  ]);
});

test('scores candidates and references in one scorer call; referenceDelta = reference minus candidate', async () => {
  const referenced = { image: image1, candidate: 'a plain white t-shirt', reference: 'an elegant red evening gown' };
  const unreferenced = { image: image2, candidate: 'a graphic t-shirt' };
  const items = [referenced, unreferenced, { image: image2, candidate: 'a graphic t-shirt', reference: '   ' }];
  const before = scorer.calls;
  const [first, second, blank] = await clipScores(scorer, items);
  assert.ok(first && second && blank, 'one score per item');
  assert.equal(scorer.calls - before, 1);
  const [candidate, reference, other] = (await scorer.score([
    { image: image1, text: referenced.candidate },
    { image: image1, text: referenced.reference },
    { image: image2, text: unreferenced.candidate },
  ])) as ImageTextScore[];
  assert.ok(candidate && reference && other, 'one direct score per pair');
  assert.equal(first.clipScore, candidate.clipScore);
  assert.equal(first.logitScore, candidate.logitScore);
  assert.equal(first.referenceDelta, reference.clipScore - candidate.clipScore);
  assert.equal(second.clipScore, other.clipScore);
  assert.equal(second.referenceDelta, null);
  assert.equal(blank.referenceDelta, null);
  assert.equal(first.reason, undefined);
});

test('an image over HTTP scores the same as the same file on disk', async () => {
  const [http1, file1] = await clipScores(scorer, [
    { image: `${base}/image_1.jpg`, candidate: 'a red gown' },
    { image: image1, candidate: 'a red gown' },
  ]);
  assert.ok(http1 && file1, 'one score per item');
  assert.equal(http1.clipScore, file1.clipScore);
  assert.notEqual(http1.clipScore, null);
});

test('image failures become null scores with the image error code; the other items still score', async () => {
  // slow.jpg never ends its body: only the scorer's 300 ms image timeout ends that fetch.
  const [slow, missing, one, two] = await clipScores(scorer, [
    { image: `${base}/slow.jpg`, candidate: 'a red gown' },
    { image: `${base}/missing.jpg`, candidate: 'a red gown' },
    { image: image1, candidate: 'a red gown', reference: 'x' },
    { image: image2, candidate: 'a red gown', reference: 'y' },
  ]);
  assert.ok(slow && missing && one && two, 'one result per item');
  assert.equal(slow.reason, 'IMAGE_TIMEOUT');
  assert.equal(slow.clipScore, null);
  assert.equal(missing.reason, 'IMAGE_NOT_FOUND');
  assert.equal(typeof one.clipScore, 'number');
  assert.equal(typeof two.referenceDelta, 'number');
});

test('a scorer that throws gives CLIP_FAILED for every item', async () => {
  const failing: ImageTextScorer = {
    id: 'failing',
    kind: 'onnx',
    model: 'x',
    async score() {
      throw new ProviderError('unavailable', 'failing', 'session lost');
    },
    async health() {
      return { healthy: false, configured: true };
    },
    async close() {},
  };
  const out = await clipScores(failing, [{ image: image1, candidate: 'a' }]);
  assert.deepEqual(out, [
    {
      clipScore: null,
      logitScore: null,
      cosine: null,
      referenceDelta: null,
      reason: 'CLIP_FAILED',
      detail: 'session lost',
    },
  ]);
});
