/**
 * Two gateway processes sharing one Redis (and one database) behave as one:
 * a provider one of them found dead is skipped by both, and a key's rate
 * limit is one bucket across both. Real processes (`node dist/src/index.js`),
 * a real Redis (TEST_REDIS_URL) and PostgreSQL (TEST_DATABASE_URL) when one
 * is there, else one SQLite file.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'graphql';
import type { FakeOpenAI } from '../helpers/fake-openai.js';
import type { ChildGateway } from '../helpers/gateway-process.js';
import { skipWithoutRedis } from '../helpers/redis.js';
import { startReplicas, type Replicas } from '../helpers/replicas.js';
import { TEST_KEYS, bearer } from '../helpers/keys.js';
import { buildGatewaySchema } from '../../schema/index.js';
import { operationCost } from '../../src/limits/cost.js';
import { waitFor } from '../helpers/wait.js';
import { dataOf, productIds } from '../helpers/graphql.js';
import { must, mustHave } from '../helpers/must.js';

const GENERATE = `mutation G($input: [GenerateDescriptionInput!]!) {
  generateDescriptions(input: $input) {
    __typename
    ... on Description { id provider }
    ... on GenerationError { code message attempts { provider errorKind latencyMs } }
  }
}`;
/** One item of GENERATE: a Description's fields or a GenerationError's. */
type Generated = {
  __typename: string;
  id?: string;
  provider?: string;
  code?: string;
  message?: string;
  attempts?: Array<{ provider: string; errorKind: string | null; latencyMs: number }>;
};
const BREAKER = `{ providers { id breakerState } }`;
const CHEAP = `{ products(first: 1) { edges { node { id } } } }`;
const RATE = 'mobile=40/1';

let replicas: Replicas | undefined;
let skipReason = '';
let fake: FakeOpenAI;
let a: ChildGateway;
let b: ChildGateway;

before(async () => {
  const started = await startReplicas('scale-out', {
    postgres: true,
    env: {
      RATE_LIMITS: `${RATE},personalization=off`,
      // No retries: each failed call counts once toward the breaker, without backoff waits.
      ROUTING_POLICIES: JSON.stringify([
        {
          name: 'personalization',
          strategy: 'fallback',
          targets: [{ provider: 'openai', timeoutMs: 5000, retries: 0 }],
        },
      ]),
    },
  });
  if (!started.ok) {
    skipReason = started.reason;
    return;
  }
  replicas = started.replicas;
  ({ openai: fake, a, b } = replicas);
});

after(async () => {
  await replicas?.close();
});

async function breakerOf(gateway: ChildGateway): Promise<string> {
  const r = await gateway.gql<{ providers: Array<{ id: string; breakerState: string }> }>(
    BREAKER,
    {},
    bearer(TEST_KEYS.internal),
  );
  const openai = dataOf(r).providers.find((p) => p.id === 'openai');
  assert.ok(openai);
  return openai.breakerState;
}

async function generate(gateway: ChildGateway, productId: string): Promise<Generated> {
  const r = await gateway.gql<{ generateDescriptions: Generated[] }>(
    GENERATE,
    { input: [{ productId }] },
    bearer(TEST_KEYS.personalization),
  );
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return must(dataOf(r).generateDescriptions[0], 'a generation result');
}

test('a breaker one replica opened is honoured by the other: no call reaches the dead provider', async (t) => {
  if (!replicas) return skipWithoutRedis(t, skipReason);
  const [productId] = mustHave(await productIds(a.gql, 1, bearer(TEST_KEYS.internal)), 1, 'product ids');

  // Healthy: B talks to the provider itself.
  assert.equal((await generate(b, productId)).__typename, 'Description');
  assert.equal(fake.count('chat.completions'), 1);

  fake.setMode('503');
  for (let i = 0; i < 10 && (await breakerOf(a)) !== 'open'; i++)
    assert.equal((await generate(a, productId)).code, 'PROVIDER_UNAVAILABLE');
  assert.equal(await breakerOf(a), 'open');
  const callsWhenOpened = fake.count('chat.completions');
  assert.ok(callsWhenOpened > 1, 'A did call the failing provider');

  // The verdict reaches B by pub/sub; B never failed a call itself.
  await waitFor(async () => (await breakerOf(b)) === 'open', { intervalMs: 20, what: "B's breaker to open" });
  for (let i = 0; i < 5; i++) {
    const failed = await generate(b, productId);
    assert.equal(failed.code, 'PROVIDER_UNAVAILABLE');
    assert.deepEqual(failed.attempts, [{ provider: 'openai', errorKind: 'unavailable', latencyMs: 0 }]);
  }
  assert.equal(fake.count('chat.completions'), callsWhenOpened, 'B sent no call to the provider A found dead');
  fake.setMode('ok');
});

test('a rate limit is one bucket across both replicas', async (t) => {
  if (!replicas) return skipWithoutRedis(t, skipReason);
  const cost = operationCost(await buildGatewaySchema(), parse(CHEAP), undefined, {});
  const rate = must(RATE.split('=')[1], 'the rate in RATE');
  const [capacity, refill] = mustHave(rate.split('/').map(Number), 2, 'capacity and refill');
  const started = Date.now();
  let allowed = 0;
  let allowedByB = 0;
  for (let i = 0; i < Math.ceil((2 * capacity) / cost) + 10; i++) {
    const gateway = i % 2 === 0 ? a : b;
    const { status } = await gateway.gql(CHEAP, {}, bearer(TEST_KEYS.mobile));
    assert.ok(status === 200 || status === 429, `status ${status}`);
    if (status === 200) {
      allowed++;
      if (gateway === b) allowedByB++;
    }
  }
  const refilled = ((Date.now() - started) / 1000) * refill;
  const bucket = Math.floor(capacity / cost);
  // Separate buckets would let through about twice as many.
  assert.ok(allowed >= bucket, `allowed ${allowed} of a bucket of ${bucket}`);
  assert.ok(
    allowed <= Math.floor((capacity + refilled) / cost) + 1,
    `allowed ${allowed}; one shared bucket holds ${bucket} (+ ${refilled.toFixed(1)} tokens refilled)`,
  );
  assert.ok(allowedByB > 0 && allowedByB < allowed, 'both replicas served part of it');
});
