import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseBudgets, periodOf, rulesFor } from '../../../src/budgets/settings.js';
import { MemoryBudgetStore, toNano } from '../../../src/budgets/store.js';
import { BudgetGuard, budgetExceededError } from '../../../src/budgets/guard.js';
import { actualCost, upfrontCost, DEFAULT_COMPLETION_ESTIMATE } from '../../../src/budgets/charge.js';
import { DEFAULT_PRICES } from '../../../src/pricing.js';
import { ProviderError } from '../../../providers/types.js';
import type { Routed } from '../../../src/routing/types.js';
import { must } from '../../helpers/must.js';

const openai = { kind: 'openai', model: 'gpt-4o-mini' };
const onnx = { kind: 'onnx', model: 'stylesprint-desc' };

test('parseBudgets: keys, every key, roles, per day and month; bad entries are named', () => {
  assert.deepEqual(parseBudgets('role:mobile=20/day, key:partner-app=5.5/day,key:*=50/month'), [
    { scope: 'role', name: 'mobile', period: 'day', limitUsd: 20 },
    { scope: 'key', name: 'partner-app', period: 'day', limitUsd: 5.5 },
    { scope: 'key', name: '*', period: 'month', limitUsd: 50 },
  ]);
  assert.deepEqual(parseBudgets(''), []);
  assert.throws(
    () => parseBudgets('role:admin=1/day'),
    /"role:admin=1\/day": the role must be one of mobile, personalization, editor, internal/,
  );
  assert.throws(() => parseBudgets('key:a=1/week'), /expected key:<name>=<usd>\/<day\|month>/);
  assert.throws(() => parseBudgets('key:a=0/day'), /more than 0 USD/);
  assert.throws(() => parseBudgets('key:a=1/day,key:a=2/day'), /two caps per day/);
});

test("rulesFor: a key's own cap replaces the every-key cap of the same period; role caps always apply", () => {
  const rules = parseBudgets('key:*=1/day,key:*=10/month,key:vip=5/day,role:mobile=100/day');
  assert.deepEqual(
    rulesFor(rules, 'vip', 'mobile').map((r) => `${r.scope}:${r.name}/${r.period}`),
    ['key:vip/day', 'key:*/month', 'role:mobile/day'],
  );
  assert.deepEqual(
    rulesFor(rules, 'other', 'internal').map((r) => `${r.scope}:${r.name}/${r.period}`),
    ['key:*/day', 'key:*/month'],
  );
});

test('periodOf: UTC days and months', () => {
  const at = Date.UTC(2025, 11, 31, 23, 30);
  assert.deepEqual(periodOf('day', at), { label: '2025-12-31', endsAt: Date.UTC(2026, 0, 1) });
  assert.deepEqual(periodOf('month', at), { label: '2025-12', endsAt: Date.UTC(2026, 0, 1) });
});

test('upfront estimate: prompt characters / 4 at the input price plus maxTokens (or the default) at the output price; local models are free', () => {
  const request = { prompt: 'x'.repeat(400), system: 'y'.repeat(40), maxTokens: 200 };
  const price = must(DEFAULT_PRICES['gpt-4o-mini'], 'the gpt-4o-mini price');
  assert.equal(upfrontCost(DEFAULT_PRICES, openai, request), (110 * price.input + 200 * price.output) / 1e6);
  assert.equal(
    upfrontCost(DEFAULT_PRICES, openai, { prompt: 'abcd' }),
    (1 * price.input + DEFAULT_COMPLETION_ESTIMATE * price.output) / 1e6,
  );
  assert.equal(upfrontCost(DEFAULT_PRICES, onnx, request), 0);
  assert.equal(upfrontCost(DEFAULT_PRICES, { kind: 'openai', model: 'unpriced' }, request), 0);
});

test('actual cost: reported tokens, timed-out attempts at the estimate, a cut stream for what it streamed, nothing for a cached result', () => {
  const price = must(DEFAULT_PRICES['gpt-4o-mini'], 'the gpt-4o-mini price');
  const request = { prompt: 'x'.repeat(40), maxTokens: 100 };
  const providerOf = (id: string) => (id === 'openai' ? openai : id === 'onnx' ? onnx : undefined);
  const result = {
    text: 'Some text here.',
    providerId: 'openai',
    model: 'gpt-4o-mini',
    finishReason: 'stop',
    latencyMs: 5,
    promptTokens: 30,
    completionTokens: 20,
  } as const;
  const ok: Routed = {
    ok: true,
    result: { ...result },
    attempts: [
      { provider: 'openai', model: 'gpt-4o-mini', errorKind: 'timeout', latencyMs: 9 },
      { provider: 'openai', model: 'gpt-4o-mini', errorKind: null, latencyMs: 5 },
    ],
    cached: false,
  };
  const once = (30 * price.input + 20 * price.output) / 1e6;
  const timedOut = upfrontCost(DEFAULT_PRICES, openai, request);
  assert.equal(actualCost(DEFAULT_PRICES, providerOf, { request, routed: ok }), timedOut + once);
  assert.equal(actualCost(DEFAULT_PRICES, providerOf, { request, routed: { ...ok, cached: true } }), 0);
  // A stream whose provider reported no usage is charged for its text, not logged as free.
  const unreported: Routed = {
    ok: true,
    result: { ...result, promptTokens: 0, completionTokens: 0 },
    attempts: [],
    cached: false,
  };
  assert.equal(
    actualCost(DEFAULT_PRICES, providerOf, { request, routed: unreported }),
    (10 * price.input + 4 * price.output) / 1e6,
  );
  const cut = {
    ok: false as const,
    code: 'PROVIDER_UNAVAILABLE' as const,
    interrupted: true,
    error: new ProviderError('unavailable', 'openai', 'cut'),
    attempts: [{ provider: 'openai', model: 'gpt-4o-mini', errorKind: 'unavailable', latencyMs: 3 }],
  };
  assert.equal(
    actualCost(DEFAULT_PRICES, providerOf, { request, routed: cut, streamedChars: 80 }),
    (10 * price.input + 20 * price.output) / 1e6,
  );
});

test('the guard reserves under every cap, refuses the first without room (reserving nothing), and settles to the actual cost', async () => {
  let now = Date.UTC(2025, 5, 1, 12);
  const refused: string[] = [];
  const charged: number[] = [];
  const store = new MemoryBudgetStore({ now: () => now });
  const guard = new BudgetGuard({
    rules: parseBudgets('key:app=1/day,role:mobile=1.5/day'),
    store,
    prices: DEFAULT_PRICES,
    providerOf: () => openai,
    candidates: () => ['openai'],
    now: () => now,
    onRefused: (r) => refused.push(`${r.rule.scope}:${r.rule.name}`),
    onCharged: (_role, usd) => charged.push(usd),
  });
  const app = { name: 'app', role: 'mobile' as const };
  const other = { name: 'other', role: 'mobile' as const };
  const first = await guard.reserve(app, 0.6);
  assert.ok(first.ok);
  assert.deepEqual(await store.read(['key:app:day:2025-06-01', 'role:mobile:day:2025-06-01']), [
    toNano(0.6),
    toNano(0.6),
  ]);
  await guard.settle(first.reservation, 0.2);
  assert.deepEqual(await store.read(['key:app:day:2025-06-01']), [toNano(0.2)]);
  assert.deepEqual(charged, [0.2]);
  // 0.2 + 0.9 > 1 for the key's own cap.
  const second = await guard.reserve(app, 0.9);
  assert.ok(!second.ok);
  assert.equal(second.refusal.rule.scope, 'key');
  assert.deepEqual(
    await store.read(['role:mobile:day:2025-06-01']),
    [toNano(0.2)],
    'a refusal reserves nothing under the other caps',
  );
  // Another key of the role fills the role's cap.
  assert.ok((await guard.reserve(other, 1.2)).ok);
  const third = await guard.reserve(app, 0.2);
  assert.ok(!third.ok);
  assert.equal(third.refusal.rule.scope, 'role');
  assert.deepEqual(refused, ['key:app', 'role:mobile']);
  const error = budgetExceededError(third.refusal, { now, http: true });
  assert.equal(error.extensions.code, 'BUDGET_EXCEEDED');
  assert.equal(error.extensions.reason, 'ROLE_BUDGET');
  assert.equal(error.extensions.retryAfter, 12 * 3600);
  assert.equal((error.extensions.http as { status: number }).status, 429);
  assert.match(error.message, /budget of 1.5 USD per day for the mobile role has no room/);
  assert.equal(budgetExceededError(third.refusal, { now }).extensions.http, undefined);
  const readings = await guard.readings();
  assert.deepEqual(readings.map((r) => `${r.scope}:${r.name}/${r.period}=${r.spentUsd}/${r.limitUsd}`).sort(), [
    'key:app/day=0.2/1',
    'role:mobile/day=1.4/1.5',
  ]);
  // The next UTC day starts from nothing.
  now += 12 * 3600_000;
  assert.ok((await guard.reserve(app, 0.9)).ok);
});
