/** RedisRateLimitStore against a real Redis (TEST_REDIS_URL): the memory store's rule, atomic under concurrency. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { MemoryRateLimitStore } from '../../../src/limits/rate-limit.js';
import { RedisRateLimitStore } from '../../../src/limits/redis-rate-limit.js';
import { createTestRedis, skipWithoutRedis, type TestRedis } from '../../helpers/redis.js';
import { waitFor } from '../../helpers/wait.js';
import { must } from '../../helpers/must.js';

let redis: TestRedis | undefined;
let skipReason = '';
// Unset when before() found no Redis.
let store: RedisRateLimitStore | undefined;
before(async () => {
  const r = await createTestRedis();
  if (!r.ok) {
    skipReason = r.reason;
    return;
  }
  redis = r.redis;
  store = new RedisRateLimitStore({ client: new Redis(redis.url), prefix: redis.prefix });
});
after(async () => {
  await store?.close();
  await redis?.drop();
});

test('the same answers as the memory store for the same takes', async (t) => {
  if (!redis) return skipWithoutRedis(t, skipReason);
  const memory = new MemoryRateLimitStore();
  // Refill slow enough that the milliseconds between the two stores' takes never add a whole token.
  const bucket = { capacity: 100, refillPerSecond: 1 };
  for (const [key, cost] of [
    ['k', 60],
    ['k', 60],
    ['k', 30],
    ['k', 10],
    ['other', 100],
    ['k', 5000],
    ['big', 5000],
  ] as const) {
    assert.deepEqual(
      await must(store, 'the Redis store').take(key, cost, bucket),
      await memory.take(key, cost, bucket),
      `take ${cost} from ${key}`,
    );
  }
});

test('refills by elapsed time and names the wait in Retry-After', async (t) => {
  if (!redis) return skipWithoutRedis(t, skipReason);
  const bucket = { capacity: 10, refillPerSecond: 20 };
  // The script reads Redis's clock in whole milliseconds, so the test reads it the same way (with the
  // fractions, a refill the script saw after 500 of its milliseconds can measure 499.9 here).
  const clock = new Redis(redis.url);
  t.after(() => clock.quit());
  const redisMs = async (): Promise<number> => {
    // ioredis types TIME's reply as numbers; Redis sends, and ioredis hands over, two strings.
    const [seconds, micros] = (await clock.time()).map(Number);
    return must(seconds, 'TIME seconds') * 1000 + Math.floor(must(micros, 'TIME microseconds') / 1000);
  };
  const shared = must(store, 'the Redis store');
  const start = await redisMs();
  assert.equal((await shared.take('refill', 10, bucket)).allowed, true);
  const refused = await shared.take('refill', 10, bucket);
  assert.deepEqual([refused.allowed, refused.retryAfterSeconds], [false, 1]);
  // A refused take charges nothing, so asking again until one is allowed measures the refill.
  await waitFor(async () => (await shared.take('refill', 10, bucket)).allowed, { what: 'the bucket to refill' });
  const refilledAfter = (await redisMs()) - start;
  assert.ok(refilledAfter >= 500, `10 tokens at 20/s take 0.5 s; allowed again after ${refilledAfter} ms`);
});

test('concurrent takes from several clients never overdraw the bucket', async (t) => {
  if (!redis) return skipWithoutRedis(t, skipReason);
  const others = [
    new RedisRateLimitStore({ client: new Redis(redis.url), prefix: redis.prefix }),
    new RedisRateLimitStore({ client: new Redis(redis.url), prefix: redis.prefix }),
  ];
  const bucket = { capacity: 100, refillPerSecond: 1 };
  const results = await Promise.all(
    Array.from({ length: 60 }, (_, i) => must([store, ...others][i % 3], 'a store').take('race', 10, bucket)),
  );
  assert.equal(results.filter((r) => r.allowed).length, 10);
  await Promise.all(others.map((o) => o.close()));
});

test('when Redis cannot answer, takes fall back to a bucket in memory instead of failing', async () => {
  const errors: unknown[] = [];
  // Nothing listens on port 1; no reconnect attempts, so each command fails at once.
  const client = new Redis('redis://127.0.0.1:1', {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  });
  const down = new RedisRateLimitStore({ client, onError: (error) => errors.push(error) });
  const bucket = { capacity: 20, refillPerSecond: 1 };
  const results = [];
  for (let i = 0; i < 3; i++) results.push(await down.take('k', 10, bucket));
  assert.deepEqual(
    results.map((r) => r.allowed),
    [true, true, false],
    'still limited, per process',
  );
  assert.equal(errors.length, 3);
  client.disconnect();
});
