import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryRateLimitStore } from '../../../src/limits/rate-limit.js';
import { parseMaxCost, parseRateLimits, DEFAULT_MAX_COST } from '../../../src/limits/role-settings.js';

test('token bucket: charged by cost, refilled over time, Retry-After from the missing tokens', async () => {
  let now = 0;
  const store = new MemoryRateLimitStore({ now: () => now });
  const bucket = { capacity: 100, refillPerSecond: 10 };
  assert.deepEqual(await store.take('k', 60, bucket), { allowed: true, remaining: 40, retryAfterSeconds: 0 });
  assert.deepEqual(await store.take('k', 60, bucket), { allowed: false, remaining: 40, retryAfterSeconds: 2 });
  now += 2000;
  assert.deepEqual(await store.take('k', 60, bucket), { allowed: true, remaining: 0, retryAfterSeconds: 0 });
  // Another key has its own bucket.
  assert.equal((await store.take('other', 100, bucket)).allowed, true);
  // A request dearer than the bucket costs a full bucket instead of never passing.
  now += 60_000;
  assert.equal((await store.take('k', 5000, bucket)).allowed, true);
});

test('the oldest bucket is dropped past maxKeys', async () => {
  const store = new MemoryRateLimitStore({ maxKeys: 2 });
  const bucket = { capacity: 10, refillPerSecond: 0 };
  await store.take('a', 10, bucket);
  await store.take('b', 10, bucket);
  await store.take('c', 10, bucket);
  assert.equal((await store.take('a', 10, bucket)).allowed, true, 'a was forgotten, so it starts full');
});

test('MAX_COST and RATE_LIMITS parse per role, keep defaults for unlisted roles, and name bad entries', () => {
  assert.deepEqual(parseMaxCost('500'), { mobile: 500, personalization: 500, editor: 500, internal: 500 });
  assert.deepEqual(parseMaxCost('mobile=200'), { ...DEFAULT_MAX_COST, mobile: 200 });
  assert.throws(() => parseMaxCost('admin=1'), /"admin=1": expected role=value/);
  assert.deepEqual(parseRateLimits('mobile=10/2,internal=off').mobile, { capacity: 10, refillPerSecond: 2 });
  assert.equal(parseRateLimits('personalization=0').personalization, null);
  assert.throws(() => parseRateLimits('mobile=10'), /capacity\/refillPerSecond/);
});
