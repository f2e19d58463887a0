/** The pure parts of routing: policies, the override parser, weighted choice, windows, the breaker rule, the retry budget and backoff, cache keys. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CircuitState } from 'cockatiel';
import { RatioBreaker, ProviderBreaker, DEFAULT_BREAKER_SETTINGS } from '../../../src/routing/breaker.js';
import { canonicalJson, generationCacheKey } from '../../../src/routing/cache-key.js';
import {
  MOBILE_TIMEOUT_MS,
  PolicyOverrideError,
  defaultPolicies,
  parsePolicyOverride,
  resolvePolicies,
} from '../../../src/routing/policies.js';
import { RetryBudget, retryBackoff } from '../../../src/routing/retry.js';
import { weightedFirst, weightedIndex } from '../../../src/routing/weighted.js';
import { ProviderError } from '../../../providers/types.js';
import { requestFor } from '../../helpers/generation-requests.js';
import { seededRandom } from './router-fixtures.js';
import { must } from '../../helpers/must.js';

describe('defaultPolicies', () => {
  const policies = defaultPolicies(['openai', 'onnx', 'huggingface'], 20_000);
  const mobile = must(policies[0], 'the mobile policy');
  const personalization = must(policies[1], 'the personalization policy');
  const internal = must(policies[2], 'the internal policy');

  it('puts the local model first for mobile, with short timeouts and no retries', () => {
    assert.equal(mobile.name, 'mobile');
    assert.deepEqual(
      mobile.targets.map((t) => t.provider),
      ['onnx', 'openai', 'huggingface'],
    );
    assert.ok(mobile.targets.every((t) => t.timeoutMs === MOBILE_TIMEOUT_MS && t.retries === 0));
  });

  it('puts hosted providers first, in configured order, for personalization', () => {
    assert.deepEqual(
      personalization.targets.map((t) => t.provider),
      ['openai', 'huggingface', 'onnx'],
    );
    assert.ok(personalization.targets.every((t) => t.timeoutMs === 20_000));
  });

  it('keeps the configured order for internal', () => {
    assert.deepEqual(
      internal.targets.map((t) => t.provider),
      ['openai', 'onnx', 'huggingface'],
    );
  });

  it('caps mobile timeouts at the provider timeout when that is shorter', () => {
    assert.equal(defaultPolicies(['onnx'], 1000)[0]?.targets[0]?.timeoutMs, 1000);
  });
});

describe('parsePolicyOverride', () => {
  it('parses a valid override and replaces the default of the same name', () => {
    const json = JSON.stringify([
      {
        name: 'mobile',
        strategy: 'loadbalance',
        targets: [{ provider: 'openai', timeoutMs: 500, retries: 0, weight: 2 }],
      },
    ]);
    const policies = resolvePolicies(['openai', 'onnx'], 20_000, json);
    assert.deepEqual(
      policies.map((p) => p.name),
      ['mobile', 'personalization', 'internal'],
    );
    assert.deepEqual(policies[0], {
      name: 'mobile',
      strategy: 'loadbalance',
      targets: [{ provider: 'openai', timeoutMs: 500, retries: 0, weight: 2 }],
    });
  });

  it('names the bad field', () => {
    assert.throws(
      () =>
        parsePolicyOverride(
          '[{"name":"x","strategy":"random","targets":[{"provider":"a","timeoutMs":-1,"retries":0}]}]',
        ),
      (error: unknown) =>
        error instanceof PolicyOverrideError &&
        /0\.strategy/.test(error.message) &&
        /0\.targets\.0\.timeoutMs/.test(error.message),
    );
  });

  it('rejects bad JSON, unknown keys, duplicates and unconfigured providers', () => {
    assert.throws(() => parsePolicyOverride('{oops'), /not valid JSON/);
    assert.throws(
      () =>
        parsePolicyOverride(
          '[{"name":"x","strategy":"fallback","targets":[{"provider":"a","timeoutMs":1,"retries":0,"extra":1}]}]',
        ),
      /extra/,
    );
    const one = { name: 'x', strategy: 'fallback', targets: [{ provider: 'a', timeoutMs: 1, retries: 0 }] };
    assert.throws(() => parsePolicyOverride(JSON.stringify([one, one])), /duplicate policy "x"/);
    assert.throws(
      () => parsePolicyOverride(JSON.stringify([one]), ['openai']),
      /0\.targets\.0\.provider: "a" is not a configured provider/,
    );
  });
});

describe('weighted selection', () => {
  it('follows the weights', () => {
    const random = seededRandom(7);
    const counts: [number, number, number] = [0, 0, 0];
    for (let i = 0; i < 10_000; i += 1) {
      const picked = weightedIndex([1, 2, 7], (w) => w, random);
      counts[picked] = must(counts[picked], `weight ${picked}'s count`) + 1;
    }
    assert.ok(Math.abs(counts[0] / 10_000 - 0.1) < 0.02);
    assert.ok(Math.abs(counts[1] / 10_000 - 0.2) < 0.02);
    assert.ok(Math.abs(counts[2] / 10_000 - 0.7) < 0.02);
  });

  it('never picks a zero weight, and falls back to the first when all are zero', () => {
    for (const r of [0, 0.5, 0.999999])
      assert.equal(
        weightedIndex(
          [0, 1, 0],
          (w) => w,
          () => r,
        ),
        1,
      );
    assert.equal(
      weightedIndex(
        [0, 0],
        (w) => w,
        () => 0.5,
      ),
      0,
    );
  });

  it('moves the pick to the front and keeps the rest in order', () => {
    assert.deepEqual(
      weightedFirst(['a', 'b', 'c'], (x) => (x === 'c' ? 1 : 0), Math.random),
      ['c', 'a', 'b'],
    );
  });
});

describe('RatioBreaker', () => {
  const settings = { failureRate: 0.5, minimumCalls: 20, windowMs: 30_000, consecutiveFailures: 5 };

  it('opens at ≥ 50% failures once 20 calls are in the window, and forgets calls older than the window', () => {
    let clock = 0;
    const breaker = new RatioBreaker(settings, () => clock);
    for (let i = 0; i < 10; i += 1) {
      breaker.success(CircuitState.Closed);
      if (i < 9) assert.equal(breaker.failure(), false, 'no streak, fewer than 20 calls');
    }
    assert.equal(breaker.failure(), true, '10 of 20 failed');

    clock = 0;
    const later = new RatioBreaker(settings, () => clock);
    for (let i = 0; i < 15; i += 1) later.success(CircuitState.Closed);
    clock = 40_000;
    for (let i = 0; i < 15; i += 1) later.success(CircuitState.Closed);
    for (let i = 0; i < 14; i += 1) assert.equal(later.failure(), false, 'below half of the calls in the window');
    assert.equal(later.failure(), true, '15 failures of 30 calls in the window');
  });

  it('ignores a streak once the window holds the minimum, and uses one while it does not', () => {
    const breaker = new RatioBreaker(settings, () => 0);
    for (let i = 0; i < 40; i += 1) breaker.success(CircuitState.Closed);
    for (let i = 0; i < 10; i += 1) assert.equal(breaker.failure(), false, `${i + 1} in a row of 50 calls`);

    const quiet = new RatioBreaker(settings, () => 0);
    quiet.success(CircuitState.Closed);
    for (let i = 0; i < 4; i += 1) assert.equal(quiet.failure(), false);
    assert.equal(quiet.failure(), true, '5 in a row with 6 calls in the window');
  });

  it('opens on the next failure after tripNext(), whatever the counts', () => {
    const breaker = new RatioBreaker(settings, () => 0);
    for (let i = 0; i < 40; i += 1) breaker.success(CircuitState.Closed);
    breaker.tripNext();
    breaker.success(CircuitState.Closed);
    assert.equal(breaker.failure(), true);
    assert.equal(breaker.failure(), false, 'the trip is spent');
  });
});

describe('ProviderBreaker', () => {
  it('opens after 5 consecutive provider failures on quiet traffic, but not on request-specific ones or 429s', async () => {
    const breaker = new ProviderBreaker({ settings: DEFAULT_BREAKER_SETTINGS, now: Date.now });
    const fail = (kind: ProviderError['kind']) =>
      breaker.execute(() => Promise.reject(new ProviderError(kind, 'p', kind))).catch(() => undefined);
    for (let i = 0; i < 10; i += 1) await fail('bad_request');
    for (let i = 0; i < 10; i += 1) await fail('rate_limited');
    assert.equal(breaker.state, 'closed');
    assert.deepEqual(breaker.window(), { calls: 0, failures: 0 }, 'neither counted');
    for (let i = 0; i < 4; i += 1) await fail('unavailable');
    assert.equal(breaker.state, 'closed');
    await fail('timeout');
    assert.equal(breaker.state, 'open');
  });
});

describe('RetryBudget', () => {
  it('allows retries up to the ratio of first tries plus the minimum, per window', () => {
    let clock = 0;
    const budget = new RetryBudget({ budgetRatio: 0.2, budgetWindowMs: 10_000, budgetMinRetries: 2 }, () => clock);
    for (let i = 0; i < 50; i += 1) budget.recordFirstTry();
    let allowed = 0;
    while (budget.tryRetry()) allowed += 1;
    assert.equal(allowed, 12);
    clock = 20_000;
    assert.equal(budget.tryRetry(), true, 'a new window');
  });
});

describe('retryBackoff', () => {
  const signal = new AbortController().signal;
  const failed = (error: Error) => ({ result: { error }, signal });

  it('waits exactly the Retry-After a provider sent, else an exponential delay with jitter up to the cap', () => {
    const backoff = retryBackoff({ initialDelayMs: 5, maxDelayMs: 50 });
    const asked = backoff.next({
      attempt: 1,
      ...failed(new ProviderError('rate_limited', 'p', 'slow down', { retryAfterMs: 1000 })),
    });
    assert.equal(asked.duration, 1000);
    let next = asked;
    for (let attempt = 2; attempt <= 12; attempt += 1) {
      next = next.next({ attempt, ...failed(new ProviderError('unavailable', 'p', 'down')) });
      assert.ok(next.duration >= 0 && next.duration <= 50, `attempt ${attempt}: ${next.duration} ms`);
    }
    assert.equal(
      next.next({ attempt: 13, ...failed(new ProviderError('rate_limited', 'p', 'again', { retryAfterMs: 30 })) })
        .duration,
      30,
    );
  });
});

describe('generationCacheKey', () => {
  const route = { policy: 'mobile', pinned: null, models: ['onnx:m'] };

  it('ignores key order and undefined fields', () => {
    assert.equal(canonicalJson({ b: 1, a: { d: undefined, c: 2 } }), '{"a":{"c":2},"b":1}');
    const a = requestFor('Tee', { temperature: 0.5, seed: 1 });
    const b = { ...requestFor('Tee'), seed: 1, temperature: 0.5 };
    // A key present and undefined, as JavaScript may leave it, though the type no longer admits it.
    Reflect.set(b, 'topP', undefined);
    assert.ok('topP' in b);
    assert.equal(generationCacheKey(a, route), generationCacheKey(b, route));
  });

  it('changes with the route and the model', () => {
    const r = requestFor('Tee');
    assert.notEqual(generationCacheKey(r, route), generationCacheKey(r, { ...route, models: ['onnx:other'] }));
    assert.notEqual(generationCacheKey(r, route), generationCacheKey(r, { ...route, pinned: 'onnx' }));
    assert.notEqual(generationCacheKey(r, route), generationCacheKey(r, { ...route, policy: 'internal' }));
  });
});
