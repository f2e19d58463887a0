/**
 * Failover, breakers and error kinds, against two real fake OpenAI servers
 * (primary and secondary) through the real OpenAI provider. Assertions are
 * on the calls each fake counted, not only on the answers. Cooldowns pass on
 * a mocked clock; where only a timeout, a close or an abort can end a call,
 * every other way out is made longer than the test's own timeout, so no
 * assertion bounds a duration from above.
 */
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createRouter, type RouterOptions } from '../../../src/routing/router.js';
import type { GenerationRouter } from '../../../src/routing/types.js';
import { OPENAI_ROUTES, startFakeOpenAI, type FakeOpenAI } from '../../helpers/fake-openai.js';
import { requestFor } from '../../helpers/generation-requests.js';
import { waitFor } from '../../helpers/wait.js';
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

describe('router failover against fake OpenAI servers', () => {
  let primary: FakeOpenAI;
  let secondary: FakeOpenAI;
  let router: GenerationRouter | undefined;
  const guard = rejectionGuard();

  before(async () => {
    guard.install();
    primary = await startFakeOpenAI();
    secondary = await startFakeOpenAI();
  });
  beforeEach(() => {
    primary.reset();
    secondary.reset();
    primary.setRetryAfter('2');
  });
  afterEach(async () => {
    await router?.close();
    router = undefined;
    await noneHanging(primary, secondary);
  });
  after(async () => {
    await primary.close();
    await secondary.close();
    guard.check();
  });

  /** Longer than any test runs: a target with it never times out within the test. */
  const NEVER = 600_000;
  /** Timers keep the event loop's cached clock, which may lag performance.now() by a little: lower bounds allow that much. */
  const SLACK_MS = 5;

  function make(
    policyTargets = [target('primary', 2000, 1), target('secondary', 2000, 1)],
    extra: Partial<RouterOptions> = {},
  ): GenerationRouter {
    router = createRouter({
      source: sourceOf(openaiOn(primary, 'primary'), openaiOn(secondary, 'secondary')),
      policies: [fallback('internal', ...policyTargets)],
      retry: { initialDelayMs: 5, maxDelayMs: 50 },
      ...extra,
    });
    return router;
  }

  const one = async (r: GenerationRouter, title: string, options = {}) =>
    (await r.generate([{ request: requestFor(title), options: { policy: 'internal', ...options } }]))[0];

  it('serves 100% of 200 requests through the secondary while the primary answers 503', async () => {
    primary.setMode('503');
    primary.setRetryAfter('0.05');
    const r = make();
    const results = [];
    for (let wave = 0; wave < 10; wave += 1) {
      const items = Array.from({ length: 20 }, (_, i) => ({
        request: requestFor(`Shirt ${wave}-${i}`),
        options: { policy: 'internal' },
      }));
      results.push(...(await r.generate(items)));
    }
    assert.equal(results.length, 200);
    for (const routed of results) {
      const ok = asSuccess(routed);
      assert.equal(ok.result.providerId, 'secondary');
      assert.deepEqual(ok.attempts.at(-1)?.errorKind, null);
      assert.equal(ok.attempts.at(-1)?.provider, 'secondary');
    }
    assert.equal(secondary.count(CHAT), 200);
    // The breaker opened during the first wave: later waves never reached the primary.
    assert.ok(primary.count(CHAT) <= 20 + 2, `primary got ${primary.count(CHAT)} calls`);
    assert.equal(r.breakerState('primary'), 'open');
  });

  it('sends nothing to an open breaker during the cooldown, then exactly one probe, and closes when it succeeds', async (t) => {
    // cockatiel times the cooldown with Date.now(); the router's windows read the same clock.
    t.mock.timers.enable({ apis: ['Date'], now: 0 });
    primary.setMode('503');
    const r = make([target('primary', 2000, 0), target('secondary', 2000, 0)], { breaker: { cooldownMs: 300 } });
    for (let i = 0; i < 5; i += 1) asSuccess(await one(r, `Coat ${i}`));
    assert.equal(primary.count(CHAT), 5);
    assert.equal(r.breakerState('primary'), 'open');

    for (let i = 0; i < 10; i += 1) {
      const ok = asSuccess(await one(r, `Scarf ${i}`));
      assert.deepEqual(ok.attempts[0], {
        provider: 'primary',
        model: 'gpt-4o-mini',
        errorKind: 'unavailable',
        latencyMs: 0,
      });
      assert.equal(ok.result.providerId, 'secondary');
    }
    assert.equal(primary.count(CHAT), 5, 'no call during the cooldown');
    t.mock.timers.tick(299);
    asSuccess(await one(r, 'Scarf 299'));
    assert.equal(primary.count(CHAT), 5, 'no call 1 ms before the cooldown ends');

    t.mock.timers.tick(1);
    primary.setMode('ok');
    const wave = await r.generate(
      Array.from({ length: 6 }, (_, i) => ({ request: requestFor(`Boot ${i}`), options: { policy: 'internal' } })),
    );
    assert.equal(primary.count(CHAT), 6, 'exactly one half-open probe');
    assert.equal(wave.map(asSuccess).filter((w) => w.result.providerId === 'primary').length, 1);
    assert.equal(r.breakerState('primary'), 'closed');
    assert.equal(asSuccess(await one(r, 'Belt')).result.providerId, 'primary');
  });

  it('reopens when the probe fails, again with a single call', async (t) => {
    t.mock.timers.enable({ apis: ['Date'], now: 0 });
    primary.setMode('503');
    const r = make([target('primary', 2000, 0), target('secondary', 2000, 0)], { breaker: { cooldownMs: 200 } });
    for (let i = 0; i < 5; i += 1) await one(r, `Coat ${i}`);
    assert.equal(r.breakerState('primary'), 'open');
    t.mock.timers.tick(200);
    await r.generate(
      Array.from({ length: 4 }, (_, i) => ({ request: requestFor(`Hat ${i}`), options: { policy: 'internal' } })),
    );
    assert.equal(primary.count(CHAT), 6);
    assert.equal(r.breakerState('primary'), 'open');
  });

  it('never retries a 401, and opens that provider breaker at once', async () => {
    primary.setMode('401');
    const r = make([target('primary', 2000, 3), target('secondary', 2000, 0)]);
    const ok = asSuccess(await one(r, 'Linen Shirt'));
    assert.equal(primary.count(CHAT), 1);
    assert.equal(ok.result.providerId, 'secondary');
    assert.equal(ok.attempts[0]?.errorKind, 'auth');
    assert.equal(r.breakerState('primary'), 'open');
    asSuccess(await one(r, 'Wool Coat'));
    assert.equal(primary.count(CHAT), 1, 'isolated: no further calls');
  });

  it('waits for Retry-After: 1 before the retry and succeeds on it (the delay itself: retryBackoff in routing-parts)', async () => {
    primary.failNext(1, '429');
    primary.setRetryAfter('1');
    const r = make();
    const ok = asSuccess(await one(r, 'Silk Dress'));
    const [first, second] = primary.calls;
    assert.ok(first && second, 'a call and its retry');
    // The retry timer runs from after the 429 arrived, so the second call comes a full second after the first.
    assert.ok(second.at - first.at >= 1000 - SLACK_MS, `retried after ${(second.at - first.at).toFixed(0)} ms`);
    assert.equal(ok.result.providerId, 'primary');
    assert.deepEqual(
      ok.attempts.map((a) => a.errorKind),
      ['rate_limited', null],
    );
    assert.equal(primary.count(CHAT), 2);
    assert.equal(secondary.count(CHAT), 0);
  });

  it('fails over at once when Retry-After is beyond the cap', { timeout: 20_000 }, async () => {
    primary.failNext(1, '429');
    // Longer than the test's timeout: had the router waited for it, the test would time out.
    primary.setRetryAfter('60');
    const r = make();
    const ok = asSuccess(await one(r, 'Silk Dress'));
    assert.equal(ok.result.providerId, 'secondary');
    assert.deepEqual(
      ok.attempts.map((a) => [a.provider, a.errorKind]),
      [
        ['primary', 'rate_limited'],
        ['secondary', null],
      ],
    );
    assert.equal(primary.count(CHAT), 1);
  });

  it('cuts a hang at the target timeout, retries it once, then fails over', { timeout: 60_000 }, async () => {
    primary.setMode('hang');
    // The provider's own timeout is longer than the test's: only the target's 300 ms can end a hung call.
    router = createRouter({
      source: sourceOf(openaiOn(primary, 'primary', { timeoutMs: NEVER }), openaiOn(secondary, 'secondary')),
      policies: [fallback('internal', target('primary', 300, 1), target('secondary', 1000, 0))],
      retry: { initialDelayMs: 20, maxDelayMs: 100 },
    });
    const ok = asSuccess(await one(router, 'Trench Coat'));
    for (const attempt of ok.attempts.slice(0, 2))
      assert.ok(
        attempt.latencyMs >= 300 - SLACK_MS,
        `cut after ${attempt.latencyMs.toFixed(0)} ms, before the timeout`,
      );
    assert.deepEqual(
      ok.attempts.map((a) => [a.provider, a.errorKind]),
      [
        ['primary', 'timeout'],
        ['primary', 'timeout'],
        ['secondary', null],
      ],
    );
    await waitFor(() => primary.inFlight() === 0, { what: 'the hung requests to be aborted' });
    const [firstTry, retry] = primary.calls;
    const [failover] = secondary.calls;
    // The server's arrival times include connection set-up, which a loaded machine stretches, so the order is checked on
    // the server's close times: each hung call was cut (its connection closed) before the next call arrived.
    assert.ok(
      firstTry?.closedAt !== undefined && retry !== undefined && firstTry.closedAt <= retry.at + SLACK_MS,
      'the first try was cut before the retry',
    );
    assert.ok(
      retry.closedAt !== undefined && failover !== undefined && retry.closedAt <= failover.at + SLACK_MS,
      'the retry was cut before the failover',
    );
  });

  it('answers bad_request with BAD_USER_INPUT and no failover', async () => {
    primary.setMode('400');
    const r = make();
    const fail = asFailure(await one(r, 'Denim Jacket'));
    assert.equal(fail.code, 'BAD_USER_INPUT');
    assert.equal(fail.error.kind, 'bad_request');
    assert.equal(primary.count(CHAT), 1);
    assert.equal(secondary.count(CHAT), 0);
  });

  for (const mode of ['content_filter', 'context_length'] as const) {
    it(`moves to the next target without retry on ${mode}`, async () => {
      primary.setMode(mode);
      const r = make([target('primary', 2000, 3), target('secondary', 2000, 0)]);
      const ok = asSuccess(await one(r, 'Knit Sweater'));
      assert.equal(ok.result.providerId, 'secondary');
      assert.equal(ok.attempts[0]?.errorKind, mode === 'content_filter' ? 'content_filtered' : 'context_length');
      assert.equal(primary.count(CHAT), 1);
      assert.equal(secondary.count(CHAT), 1);
      assert.equal(r.breakerState('primary'), 'closed');
    });
  }

  it('keeps retries within the budget when every call fails', async () => {
    primary.setMode('503');
    primary.setRetryAfter('0');
    // Breaker out of the way, so the budget alone bounds the retries.
    const r = make([target('primary', 2000, 3)], {
      breaker: { consecutiveFailures: 1_000_000, minimumCalls: 1_000_000 },
      retry: { initialDelayMs: 1, maxDelayMs: 2, budgetMinRetries: 10 },
    });
    const firstTries = 200;
    for (let wave = 0; wave < 10; wave += 1) {
      const items = Array.from({ length: firstTries / 10 }, (_, i) => ({
        request: requestFor(`Tee ${wave}-${i}`),
        options: { policy: 'internal' },
      }));
      for (const routed of await r.generate(items)) assert.equal(asFailure(routed).code, 'PROVIDER_UNAVAILABLE');
    }
    const calls = primary.count(CHAT);
    assert.ok(calls > firstTries, 'some retries were made');
    assert.ok(calls <= 1.2 * firstTries + 10, `${calls} upstream calls for ${firstTries} first tries`);
  });

  it('pins a provider without failover, and reports an unknown one as not configured', async () => {
    primary.setMode('503');
    primary.setRetryAfter('0.05');
    const r = make();
    const pinned = asFailure(await one(r, 'Loafers', { provider: 'primary' }));
    assert.equal(pinned.code, 'PROVIDER_UNAVAILABLE');
    assert.equal(secondary.count(CHAT), 0);
    const other = asSuccess(await one(r, 'Loafers', { provider: 'secondary' }));
    assert.equal(other.result.providerId, 'secondary');
    const unknown = asFailure(await one(r, 'Loafers', { provider: 'nope' }));
    assert.equal(unknown.code, 'PROVIDER_NOT_CONFIGURED');
    const badPolicy = asFailure(await one(r, 'Loafers', { policy: 'nope' }));
    assert.equal(badPolicy.code, 'BAD_USER_INPUT');
  });

  it('fails over past a full bulkhead without counting it against the provider', async () => {
    primary.setLatency(100);
    const r = make([target('primary', 2000, 0), target('secondary', 2000, 0)], { bulkhead: { limit: 1, queue: 0 } });
    const first = r.generate([{ request: requestFor('Blazer'), options: { policy: 'internal' } }]);
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    const second = asSuccess(await one(r, 'Chinos'));
    assert.equal(second.result.providerId, 'secondary');
    assert.equal(second.attempts[0]?.errorKind, 'unavailable');
    assert.equal(asSuccess((await first)[0]).result.providerId, 'primary');
    assert.equal(primary.count(CHAT), 1);
    assert.equal(r.breakerState('primary'), 'closed');
  });

  it('settles everything in flight when closed', { timeout: 20_000 }, async () => {
    primary.setMode('hang');
    // No timeout ends the hung call within the test's: only close() can.
    router = createRouter({
      source: sourceOf(openaiOn(primary, 'primary', { timeoutMs: NEVER })),
      policies: [fallback('internal', target('primary', NEVER, 0))],
    });
    const r = router;
    const pending = r.generate([{ request: requestFor('Poncho'), options: { policy: 'internal' } }]);
    await waitFor(() => primary.count(CHAT) === 1, { what: 'the request to reach the fake' });
    await r.close();
    const [routed] = await pending;
    assert.equal(asFailure(routed).code, 'PROVIDER_UNAVAILABLE');
    const late = asFailure((await r.generate([{ request: requestFor('Poncho'), options: { policy: 'internal' } }]))[0]);
    assert.match(late.error.message, /closed/);
  });

  it('stops an item at once when its signal aborts, and closes the upstream request', { timeout: 20_000 }, async () => {
    primary.setMode('hang');
    // No timeout ends the hung call within the test's: only the abort can.
    router = createRouter({
      source: sourceOf(openaiOn(primary, 'primary', { timeoutMs: NEVER }), openaiOn(secondary, 'secondary')),
      policies: [fallback('internal', target('primary', NEVER, 0), target('secondary', NEVER, 0))],
    });
    const controller = new AbortController();
    const pending = one(router, 'Parka', { signal: controller.signal });
    await waitFor(() => primary.count(CHAT) === 1, { what: 'the request to reach the fake' });
    controller.abort();
    const fail = asFailure(await pending);
    assert.equal(fail.error.kind, 'timeout');
    await waitFor(() => primary.inFlight() === 0, { what: 'the aborted request to close' });
    assert.equal(secondary.count(CHAT), 0);
  });
});
