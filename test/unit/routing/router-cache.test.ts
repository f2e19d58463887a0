/**
 * Coalescing and the generation cache, counted at the fake server: identical
 * requests in flight share one upstream call; the cache serves repeats only
 * while its TTL runs; any parameter that changes the text changes the key.
 */
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createRouter, type RouterOptions } from '../../../src/routing/router.js';
import type { GenerationRouter } from '../../../src/routing/types.js';
import type { GenerationRequest } from '../../../providers/types.js';
import { OPENAI_ROUTES, startFakeOpenAI, type FakeOpenAI } from '../../helpers/fake-openai.js';
import { requestFor } from '../../helpers/generation-requests.js';
import {
  asFailure,
  asSuccess,
  fallback,
  noneHanging,
  openaiOn,
  rejectionGuard,
  sourceOf,
  target,
} from './router-fixtures.js';

const CHAT = OPENAI_ROUTES.chat;

describe('router cache and coalescing', () => {
  let fake: FakeOpenAI;
  let backup: FakeOpenAI;
  let router: GenerationRouter | undefined;
  const guard = rejectionGuard();

  before(async () => {
    guard.install();
    fake = await startFakeOpenAI({ latencyMs: 50 });
    backup = await startFakeOpenAI();
  });
  beforeEach(() => {
    fake.reset();
    backup.reset();
  });
  afterEach(async () => {
    await router?.close();
    router = undefined;
    await noneHanging(fake, backup);
  });
  after(async () => {
    await fake.close();
    await backup.close();
    guard.check();
  });

  function make(extra: Partial<RouterOptions> = {}): GenerationRouter {
    router = createRouter({
      source: sourceOf(openaiOn(fake, 'primary'), openaiOn(backup, 'secondary')),
      policies: [fallback('internal', target('primary', 2000, 0), target('secondary', 2000, 0))],
      ...extra,
    });
    return router;
  }
  const item = (request: GenerationRequest, options = {}) => ({ request, options: { policy: 'internal', ...options } });

  it('shares one upstream call among 20 identical concurrent requests', async () => {
    const r = make();
    const request = requestFor('Linen Shirt', { seed: 7 });
    const results = (await Promise.all(Array.from({ length: 20 }, () => r.generate([item(request)]))))
      .flat()
      .map(asSuccess);
    assert.equal(fake.count(CHAT), 1);
    assert.equal(new Set(results.map((x) => x.result.text)).size, 1);
    assert.equal(results.filter((x) => !x.cached).length, 1, 'one leader');
    assert.equal(results.filter((x) => x.cached).length, 19);
  });

  it('coalesces identical items inside one generate call too', async () => {
    const r = make();
    const request = requestFor('Wool Coat');
    const results = (
      await r.generate([item(request), item(requestFor('Silk Scarf')), item(request), item(request)])
    ).map(asSuccess);
    assert.equal(fake.count(CHAT), 2);
    assert.equal(results[0]?.result.text, results[2]?.result.text);
  });

  it('does not cache when the TTL is 0', async () => {
    const r = make({ cacheTtlMs: 0 });
    const request = requestFor('Denim Jacket');
    asSuccess((await r.generate([item(request)]))[0]);
    const second = asSuccess((await r.generate([item(request)]))[0]);
    assert.equal(second.cached, false);
    assert.equal(fake.count(CHAT), 2);
  });

  it('serves repeats from cache with the original attempts until the TTL runs out', async () => {
    let clock = 1_000_000;
    const r = make({ cacheTtlMs: 60_000, now: () => clock });
    fake.failNext(1, '503');
    const request = requestFor('Trench Coat');
    const first = asSuccess((await r.generate([item(request)]))[0]);
    assert.equal(first.result.providerId, 'secondary');
    const again = asSuccess((await r.generate([item(request)]))[0]);
    assert.equal(again.cached, true);
    assert.deepEqual(again.attempts, first.attempts);
    assert.equal(again.result.text, first.result.text);
    assert.equal(fake.count(CHAT) + backup.count(CHAT), 2);

    const bypass = asSuccess((await r.generate([item(request, { bypassCache: true })]))[0]);
    assert.equal(bypass.cached, false);
    assert.equal(fake.count(CHAT), 2);

    clock += 60_001;
    const expired = asSuccess((await r.generate([item(request)]))[0]);
    assert.equal(expired.cached, false);
    assert.equal(fake.count(CHAT), 3);
  });

  it('never caches failures', async () => {
    const r = make({ cacheTtlMs: 60_000 });
    fake.setMode('400');
    const request = requestFor('Knit Beanie');
    asFailure((await r.generate([item(request)]))[0]);
    fake.setMode('ok');
    const ok = asSuccess((await r.generate([item(request)]))[0]);
    assert.equal(ok.cached, false);
    assert.equal(fake.count(CHAT), 2);
  });

  it('treats different parameters, personalization and pins as different keys', async () => {
    const r = make({ cacheTtlMs: 60_000 });
    const base = requestFor('Leather Belt');
    const variants: GenerationRequest[] = [
      base,
      { ...base, temperature: 0.2 },
      { ...base, temperature: 0.3 },
      { ...base, topP: 0.9 },
      { ...base, maxTokens: 5 },
      { ...base, seed: 1 },
      { ...base, stop: ['.'] },
      { ...base, parts: { ...base.parts, promptVersion: 'v2' } },
      { ...base, parts: { ...base.parts, personalization: { tone: 'playful' } } },
    ];
    await r.generate(variants.map((v) => item(v)));
    assert.equal(fake.count(CHAT), variants.length);
    // The same set again is all cache hits.
    const again = (await r.generate(variants.map((v) => item(v)))).map(asSuccess);
    assert.ok(again.every((x) => x.cached));
    assert.equal(fake.count(CHAT), variants.length);
    // A pinned route is its own key.
    asSuccess((await r.generate([item(base, { provider: 'secondary' })]))[0]);
    assert.equal(backup.count(CHAT), 1);
  });

  it('lets a follower abort without cancelling the shared call', async () => {
    const r = make();
    const request = requestFor('Rain Boots');
    const controller = new AbortController();
    const leader = r.generate([item(request)]);
    const follower = r.generate([item(request, { signal: controller.signal })]);
    controller.abort();
    const [f] = await follower;
    assert.equal(asFailure(f).error.kind, 'timeout');
    const [l] = await leader;
    assert.equal(asSuccess(l).result.providerId, 'primary');
    assert.equal(fake.count(CHAT), 1);
  });
});
