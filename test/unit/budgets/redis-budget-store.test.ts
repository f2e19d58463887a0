/** RedisBudgetStore against a real Redis (TEST_REDIS_URL): the memory store's answers, atomic across clients. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { MemoryBudgetStore, type BudgetWindow } from '../../../src/budgets/store.js';
import { RedisBudgetStore } from '../../../src/budgets/redis-store.js';
import { createTestRedis, skipWithoutRedis, type TestRedis } from '../../helpers/redis.js';
import { must } from '../../helpers/must.js';

let redis: TestRedis | undefined;
let skipReason = '';
// Unset when before() found no Redis.
let a: RedisBudgetStore | undefined;
let b: RedisBudgetStore | undefined;
before(async () => {
  const r = await createTestRedis();
  if (!r.ok) {
    skipReason = r.reason;
    return;
  }
  redis = r.redis;
  a = new RedisBudgetStore({ client: new Redis(redis.url), prefix: redis.prefix });
  b = new RedisBudgetStore({ client: new Redis(redis.url), prefix: redis.prefix });
});
after(async () => {
  await a?.close();
  await b?.close();
  await redis?.drop();
});

const endsAt = Date.now() + 3600_000;
const windows = (tag: string): BudgetWindow[] => [
  { id: `key:${tag}:day:x`, limit: 100, endsAt },
  { id: `role:${tag}:day:x`, limit: 150, endsAt },
];

test('the same answers as the memory store for the same reservations and adjustments', async (t) => {
  if (!redis) return skipWithoutRedis(t, skipReason);
  const memory = new MemoryBudgetStore();
  const w = windows('same');
  for (const [op, amount] of [
    ['reserve', 60],
    ['reserve', 50],
    ['adjust', -30],
    ['reserve', 50],
    ['reserve', 1],
    ['adjust', -500],
    ['reserve', 100],
  ] as const) {
    const want = op === 'reserve' ? await memory.reserve(w, amount) : await memory.adjust(w, amount);
    const store = must(a, 'store a');
    const got = op === 'reserve' ? await store.reserve(w, amount) : await store.adjust(w, amount);
    assert.deepEqual(got, want, `${op} ${amount}`);
  }
  assert.deepEqual(await must(a, 'store a').read(w.map((x) => x.id)), await memory.read(w.map((x) => x.id)));
});

test('two clients reserving at once never pass the cap together', async (t) => {
  if (!redis) return skipWithoutRedis(t, skipReason);
  const w = windows('race');
  const [storeA, storeB] = [must(a, 'store a'), must(b, 'store b')];
  const results = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? storeA : storeB).reserve(w, 7)));
  assert.equal(results.filter((r) => r.allowed).length, 14, '14 × 7 = 98 ≤ 100 < 105');
  assert.deepEqual(await storeB.read([must(w[0], 'the first window').id]), [98]);
  const refused = results.find((r) => !r.allowed);
  assert.deepEqual(refused, { allowed: false, window: 0, spent: 98 });
});

test('a Redis that cannot answer falls back to per-process counters and says so', async (t) => {
  if (!redis) return skipWithoutRedis(t, skipReason);
  const errors: unknown[] = [];
  const dead = new Redis('redis://127.0.0.1:1', {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  });
  const store = new RedisBudgetStore({ client: dead, onError: (e) => errors.push(e) });
  assert.deepEqual(await store.reserve(windows('dead'), 90), { allowed: true });
  assert.deepEqual(await store.reserve(windows('dead'), 20), { allowed: false, window: 0, spent: 90 });
  assert.equal(errors.length, 2);
  await store.close();
});
