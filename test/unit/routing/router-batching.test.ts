/**
 * Batching per provider and load balancing: 50 items on a real local ONNX
 * model (the tiny GPT-2 fixture) go out in ⌈50/8⌉ batches; items that fail
 * on one provider move to the next one together; weighted load balancing
 * follows the weights under a seeded random source.
 */
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { createOnnxProvider } from '../../../providers/onnx/index.js';
import { createHuggingFaceProvider } from '../../../providers/huggingface/index.js';
import { createRouter } from '../../../src/routing/router.js';
import type { GenerationRouter } from '../../../src/routing/types.js';
import { HF_ROUTES, startFakeHuggingFace } from '../../helpers/fake-huggingface.js';
import type { FakeServer } from '../../helpers/fake-http.js';
import { OPENAI_ROUTES, startFakeOpenAI, type FakeOpenAI } from '../../helpers/fake-openai.js';
import { requestFor } from '../../helpers/generation-requests.js';
import { fixturesDir } from '../../helpers/paths.js';
import {
  asSuccess,
  countingGenerator,
  fallback,
  noneHanging,
  openaiOn,
  rejectionGuard,
  seededRandom,
  sourceOf,
  target,
} from './router-fixtures.js';

const CHAT = OPENAI_ROUTES.chat;
const quietLogger = { info: (): void => {}, warn: (): void => {} };

describe('router batching and load balancing', () => {
  let primary: FakeOpenAI;
  let secondary: FakeOpenAI;
  let hf: FakeServer;
  let router: GenerationRouter | undefined;
  const guard = rejectionGuard();

  before(async () => {
    guard.install();
    primary = await startFakeOpenAI();
    secondary = await startFakeOpenAI();
    hf = await startFakeHuggingFace();
  });
  beforeEach(() => {
    primary.reset();
    secondary.reset();
    hf.reset();
  });
  afterEach(async () => {
    await router?.close();
    router = undefined;
    await noneHanging(primary, secondary, hf);
  });
  after(async () => {
    await primary.close();
    await secondary.close();
    await hf.close();
    guard.check();
  });

  it('runs 50 items on the local ONNX model in at most ⌈50/8⌉ batches', async () => {
    const onnx = await createOnnxProvider({
      modelDir: path.join(fixturesDir, 'models', 'tiny-gpt2'),
      maxBatch: 8,
      executionProvider: 'cpu',
      logger: quietLogger,
    });
    try {
      const counted = countingGenerator(onnx);
      router = createRouter({ source: sourceOf(counted), policies: [fallback('mobile', target('onnx', 30_000, 0))] });
      const items = Array.from({ length: 50 }, (_, i) => ({
        request: requestFor(`Dress ${i}`, { maxTokens: 4, seed: i }),
        options: { policy: 'mobile' },
      }));
      const results = (await router.generate(items)).map(asSuccess);
      assert.equal(results.length, 50);
      assert.ok(results.every((r) => r.result.providerId === 'onnx'));
      const limit = Math.ceil(50 / 8);
      assert.deepEqual(counted.batches, [8, 8, 8, 8, 8, 8, 2]);
      const stats = onnx.stats();
      assert.equal(stats.items, 50);
      assert.ok(stats.batches <= limit, `${stats.batches} batches`);
    } finally {
      await router?.close();
      router = undefined;
      await onnx.close();
    }
  });

  it('chunks hosted batches to maxBatchSize and moves each failed item to the next target', async () => {
    const first = countingGenerator(openaiOn(primary, 'primary', { maxConcurrency: 4 }));
    const second = countingGenerator(openaiOn(secondary, 'secondary', { maxConcurrency: 8 }));
    router = createRouter({
      source: sourceOf(first, second),
      policies: [fallback('internal', target('primary', 2000, 0), target('secondary', 2000, 0))],
    });
    // Every item whose product name contains "odd" fails on the primary.
    primary.failNext(5, '503', { match: (call) => JSON.stringify(call.body).includes('odd') });
    const items = Array.from({ length: 10 }, (_, i) => ({
      request: requestFor(i % 2 ? `odd ${i}` : `even ${i}`),
      options: { policy: 'internal' },
    }));
    const results = (await router.generate(items)).map(asSuccess);
    assert.deepEqual(first.batches, [4, 4, 2]);
    // A failed item moves on as soon as its own call has failed, without
    // waiting for the rest of its batch (no head-of-line blocking).
    assert.equal(
      second.batches.reduce((a, b) => a + b, 0),
      5,
    );
    assert.equal(primary.count(CHAT), 10);
    assert.equal(secondary.count(CHAT), 5);
    assert.deepEqual(
      results.map((r) => r.result.providerId),
      items.map((_, i) => (i % 2 ? 'secondary' : 'primary')),
    );
  });

  for (const backend of ['openai', 'huggingface'] as const) {
    it(`answers each item of a ${backend} batch as its own upstream answer arrives, not when the slowest does`, async () => {
      const fake = backend === 'openai' ? primary : hf;
      const inner =
        backend === 'openai'
          ? openaiOn(primary, 'hosted', { maxConcurrency: 8 })
          : createHuggingFaceProvider({
              id: 'hosted',
              apiKey: 'hf_testtoken123',
              endpointUrl: `${hf.url}/generate`,
              timeoutMs: 10_000,
              maxConcurrency: 8,
            });
      const counted = countingGenerator(inner);
      const r = createRouter({ source: sourceOf(counted), policies: [fallback('mobile', target('hosted', 5000, 0))] });
      router = r;
      // Six separate requests in one turn: three whose upstream call hangs, three that answer at once.
      fake.failNext(3, 'hang', { match: (call) => JSON.stringify(call.body).includes('Slow') });
      const order: string[] = [];
      const send = (title: string) =>
        r.generate([{ request: requestFor(title), options: { policy: 'mobile' } }]).then(([routed]) => {
          order.push(title);
          return routed;
        });
      const slow = ['Slow Coat', 'Slow Boot', 'Slow Scarf'].map(send);
      const fast = ['Fast Tee', 'Fast Cap', 'Fast Sock'].map(send);
      const answered = (await Promise.all(fast)).map(asSuccess);
      assert.deepEqual(counted.batches, [6], 'all six went out as one batch');
      assert.deepEqual(
        answered.map((r) => r.result.providerId),
        ['hosted', 'hosted', 'hosted'],
      );
      assert.deepEqual(
        order.sort(),
        ['Fast Cap', 'Fast Sock', 'Fast Tee'],
        'no slow item settled before the fast ones',
      );
      assert.equal(fake.inFlight(), 3, 'the slow calls are still open upstream');
      // Closing the router settles the hung ones (and closes their upstream requests).
      await router.close();
      for (const routed of await Promise.all(slow)) assert.equal(routed?.ok, false);
    });
  }

  it('fails over from OpenAI to the Hugging Face backend', async () => {
    primary.setMode('503');
    const hfProvider = createHuggingFaceProvider({
      id: 'huggingface',
      apiKey: 'hf_testtoken123',
      endpointUrl: `${hf.url}/generate`,
      timeoutMs: 5000,
    });
    router = createRouter({
      source: sourceOf(openaiOn(primary, 'openai'), hfProvider),
      policies: [fallback('personalization', target('openai', 2000, 0), target('huggingface', 2000, 0))],
    });
    const ok = asSuccess(
      (await router.generate([{ request: requestFor('Linen Shirt'), options: { policy: 'personalization' } }]))[0],
    );
    assert.equal(ok.result.providerId, 'huggingface');
    assert.equal(hf.count(HF_ROUTES.tgiGenerate), 1);
    assert.deepEqual(
      ok.attempts.map((a) => a.errorKind),
      ['unavailable', null],
    );
  });

  it('spreads load-balanced traffic by weight', async () => {
    router = createRouter({
      source: sourceOf(openaiOn(primary, 'primary'), openaiOn(secondary, 'secondary')),
      policies: [
        {
          name: 'lb',
          strategy: 'loadbalance',
          targets: [target('primary', 2000, 0, 3), target('secondary', 2000, 0, 1)],
        },
      ],
      random: seededRandom(42),
    });
    const n = 400;
    for (let wave = 0; wave < 4; wave += 1) {
      const items = Array.from({ length: n / 4 }, (_, i) => ({
        request: requestFor(`Sock ${wave}-${i}`),
        options: { policy: 'lb' },
      }));
      (await router.generate(items)).map(asSuccess);
    }
    const share = primary.count(CHAT) / n;
    assert.equal(primary.count(CHAT) + secondary.count(CHAT), n);
    assert.ok(share > 0.68 && share < 0.82, `primary share ${share}`);
  });

  it('load balancing still fails over to the other target', async () => {
    primary.setMode('503');
    router = createRouter({
      source: sourceOf(openaiOn(primary, 'primary'), openaiOn(secondary, 'secondary')),
      policies: [
        {
          name: 'lb',
          strategy: 'loadbalance',
          targets: [target('primary', 2000, 0, 1), target('secondary', 2000, 0, 0)],
        },
      ],
      random: seededRandom(1),
    });
    const ok = asSuccess((await router.generate([{ request: requestFor('Cap'), options: { policy: 'lb' } }]))[0]);
    assert.equal(ok.result.providerId, 'secondary');
    assert.equal(primary.count(CHAT), 1);
  });
});
