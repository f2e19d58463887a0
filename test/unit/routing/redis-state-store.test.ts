/**
 * RedisStateStore against a real Redis (TEST_REDIS_URL): the cache with its
 * TTL, breaker verdicts mirrored between replicas by pub/sub, generation
 * locks (a waiter gets the holder's result, or gives up when the holder dies),
 * and two routers on one Redis sharing a single upstream generation.
 */
import { describe, it, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { createRedisStateStore, type RedisStateStoreOptions } from '../../../src/routing/redis-state-store.js';
import type { CachedGeneration, RouterStateStore } from '../../../src/routing/state-store.js';
import { createRouter } from '../../../src/routing/router.js';
import { startFakeOpenAI, type FakeOpenAI } from '../../helpers/fake-openai.js';
import { createTestRedis, skipWithoutRedis, type TestRedis } from '../../helpers/redis.js';
import { requestFor } from '../../helpers/generation-requests.js';
import { waitFor } from '../../helpers/wait.js';
import { must } from '../../helpers/must.js';
import { asSuccess, fallback, openaiOn, sourceOf, target } from './router-fixtures.js';

const CHAT = 'chat.completions';
let redis: TestRedis | undefined;
let skipReason = '';
const stores: RouterStateStore[] = [];

before(async () => {
  const r = await createTestRedis();
  if (r.ok) redis = r.redis;
  else skipReason = r.reason;
});
after(async () => {
  for (const s of stores.splice(0)) await s.close().catch(() => undefined);
  await redis?.drop();
});

/** A store with every optional capability: the Redis store shares breaker verdicts, locks and results. */
type SharedStore = Required<RouterStateStore>;

function isShared(s: RouterStateStore): s is SharedStore {
  return (
    s.breakerOpenUntil !== undefined &&
    s.shareBreaker !== undefined &&
    s.lockGeneration !== undefined &&
    s.waitForResult !== undefined
  );
}

function shared(s: RouterStateStore): SharedStore {
  assert.ok(isShared(s), 'the Redis store shares breaker verdicts, generation locks and results');
  return s;
}

async function store(extra: Partial<RedisStateStoreOptions> = {}): Promise<SharedStore> {
  const { url, prefix } = must(redis, 'the test Redis');
  const created = await createRedisStateStore({ client: new Redis(url), prefix, ...extra });
  stores.push(created);
  return shared(created);
}

/** Redis's own clock, ms: TTLs and lock leases run on it. */
async function redisMs(): Promise<number> {
  const clock = new Redis(must(redis, 'the test Redis').url);
  try {
    // ioredis types TIME's reply as numbers; Redis sends, and ioredis hands over, two strings.
    const [seconds, micros] = (await clock.time()).map(Number);
    return must(seconds, 'TIME seconds') * 1000 + must(micros, 'TIME microseconds') / 1000;
  } finally {
    await clock.quit();
  }
}

const cached = (text: string): CachedGeneration => ({
  result: {
    text,
    providerId: 'p',
    model: 'm',
    finishReason: 'stop',
    latencyMs: 1,
    promptTokens: 1,
    completionTokens: 1,
  },
  attempts: [{ provider: 'p', model: 'm', errorKind: null, latencyMs: 1 }],
});

describe('RedisStateStore', () => {
  it('caches a generation for its TTL, for every replica', async (t) => {
    if (!redis) return skipWithoutRedis(t, skipReason);
    const [a, b] = [await store(), await store()];
    const start = await redisMs();
    await a.setResult('k-ttl', cached('hello'), 150);
    assert.deepEqual(await b.getResult('k-ttl'), cached('hello'));
    await waitFor(async () => (await b.getResult('k-ttl')) === undefined, { what: 'the entry to expire' });
    const lasted = (await redisMs()) - start;
    assert.ok(lasted >= 150, `expired after ${lasted.toFixed(0)} ms, before its 150 ms TTL`);
  });

  it('mirrors a breaker verdict to other replicas, and to one that starts later', async (t) => {
    if (!redis) return skipWithoutRedis(t, skipReason);
    const [a, b] = [await store(), await store()];
    assert.equal(b.breakerOpenUntil('openai'), 0);
    const until = Date.now() + 5_000;
    await a.shareBreaker('openai', until);
    assert.equal(a.breakerOpenUntil('openai'), until, 'the sender sees it at once');
    await waitFor(() => b.breakerOpenUntil('openai') === until, { what: 'the verdict to reach b' });
    const late = await store();
    assert.equal(late.breakerOpenUntil('openai'), until);
    assert.equal(late.breakerOpenUntil('huggingface'), 0, 'per provider');
    await b.shareBreaker('openai', 0);
    await waitFor(() => a.breakerOpenUntil('openai') === 0 && late.breakerOpenUntil('openai') === 0, {
      what: 'the close to reach every replica',
    });
  });

  it('a verdict in the past counts as closed', async (t) => {
    if (!redis) return skipWithoutRedis(t, skipReason);
    const a = await store();
    await a.shareBreaker('onnx', Date.now() - 1);
    assert.equal(a.breakerOpenUntil('onnx'), 0);
  });

  it('one replica holds a generation lock; a waiter gets its result', async (t) => {
    if (!redis) return skipWithoutRedis(t, skipReason);
    const [a, b] = [await store(), await store()];
    const lock = await a.lockGeneration('k-lock');
    assert.ok(lock);
    assert.equal(await b.lockGeneration('k-lock'), null, 'taken');
    const waiting = b.waitForResult('k-lock', new AbortController().signal);
    await a.setResult('k-lock', cached('shared'), 10_000);
    await lock.release();
    assert.deepEqual(await waiting, cached('shared'));
    const again = await b.lockGeneration('k-lock');
    assert.ok(again, 'released');
    await again.release();
  });

  it('a waiter gives up when the holder releases without a result, or dies, or the caller aborts', async (t) => {
    if (!redis) return skipWithoutRedis(t, skipReason);
    const waiter = await store();
    const failing = await store();
    const lock = must(await failing.lockGeneration('k-fail'), 'the k-fail lock');
    const waiting = waiter.waitForResult('k-fail', new AbortController().signal);
    await lock.release();
    assert.equal(await waiting, undefined);

    // A holder that dies stops renewing: its lock lapses after lockMs.
    const client = new Redis(redis.url);
    const dying = shared(await createRedisStateStore({ client, prefix: redis.prefix, lockMs: 300 }));
    const locked = await redisMs();
    assert.ok(await dying.lockGeneration('k-dead'));
    client.disconnect();
    assert.equal(await waiter.waitForResult('k-dead', new AbortController().signal), undefined);
    const lapsed = (await redisMs()) - locked;
    assert.ok(
      lapsed >= 300,
      `gave up ${lapsed.toFixed(0)} ms after the lock was taken, before its 300 ms lease could lapse`,
    );
    const taken = await waiter.lockGeneration('k-dead');
    assert.ok(taken, 'the lapsed lock is free');
    await taken.release();
    await dying.close().catch(() => undefined);

    const held = must(await failing.lockGeneration('k-abort'), 'the k-abort lock');
    const controller = new AbortController();
    const aborted = waiter.waitForResult('k-abort', controller.signal);
    controller.abort();
    assert.equal(await aborted, undefined);
    await held.release();
  });
});

describe('two routers on one Redis', () => {
  let fake: FakeOpenAI;
  before(async () => {
    fake = await startFakeOpenAI({ latencyMs: 200 });
  });
  after(() => fake.close());
  beforeEach(() => fake.reset());

  const routerOn = async () =>
    createRouter({
      source: sourceOf(openaiOn(fake, 'primary')),
      policies: [fallback('internal', target('primary', 5000, 0))],
      cacheTtlMs: 60_000,
      stateStore: await store(),
    });
  const item = (title: string) => ({ request: requestFor(title, { seed: 3 }), options: { policy: 'internal' } });

  it('share one upstream generation for identical concurrent requests', async (t) => {
    if (!redis) return skipWithoutRedis(t, skipReason);
    fake.setLatency(200);
    const [a, b] = [await routerOn(), await routerOn()];
    const [[first], [second]] = await Promise.all([
      a.generate([item('Shared Linen Shirt')]),
      b.generate([item('Shared Linen Shirt')]),
    ]);
    assert.equal(fake.count(CHAT), 1, 'one generation across both replicas');
    assert.equal(asSuccess(first).result.text, asSuccess(second).result.text);
    assert.deepEqual([asSuccess(first).cached, asSuccess(second).cached].sort(), [false, true]);
    await Promise.all([a.close(), b.close()]);
  });

  it('a waiter generates itself when the replica holding the lock fails', async (t) => {
    if (!redis) return skipWithoutRedis(t, skipReason);
    fake.setLatency(150);
    fake.failNext(1, '503');
    const [a, b] = [await routerOn(), await routerOn()];
    const [[first], [second]] = await Promise.all([
      a.generate([item('Failing Wool Coat')]),
      b.generate([item('Failing Wool Coat')]),
    ]);
    const outcomes = [must(first, "a's outcome"), must(second, "b's outcome")];
    assert.equal(outcomes.filter((o) => !o.ok).length, 1, 'the holder failed');
    assert.equal(asSuccess(outcomes.find((o) => o.ok)).cached, false, 'the waiter generated for itself');
    assert.equal(fake.count(CHAT), 2);
    await Promise.all([a.close(), b.close()]);
  });
});
