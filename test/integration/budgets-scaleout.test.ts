/**
 * One budget across two gateway processes sharing Redis: what one replica
 * spends counts on the other, and once the cap is full both refuse with
 * BUDGET_EXCEEDED without calling the provider. Real processes, the test
 * Redis (TEST_REDIS_URL); skipped loudly without one.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import type { FakeOpenAI } from '../helpers/fake-openai.js';
import type { ChildGateway } from '../helpers/gateway-process.js';
import { skipWithoutRedis } from '../helpers/redis.js';
import { startReplicas, type Replicas } from '../helpers/replicas.js';
import { TEST_KEYS, bearer } from '../helpers/keys.js';
import { errorExtensions, productIds as firstProductIds } from '../helpers/graphql.js';

const BUDGET_GENERATE = `mutation G($input: [GenerateDescriptionInput!]!) {
  generateDescriptions(input: $input) { __typename ... on Description { estimatedCostUsd } ... on GenerationError { code message } }
}`;

/** Room for a few generations of at most 40 tokens. */
const CAP_USD = 0.00016;

type BudgetData = {
  generateDescriptions: Array<
    | { __typename: 'Description'; estimatedCostUsd: number }
    | { __typename: 'GenerationError'; code: string; message: string }
  >;
};

let replicas: Replicas | undefined;
let skipReason = '';
let fake: FakeOpenAI;
let a: ChildGateway;
let b: ChildGateway;

before(async () => {
  const started = await startReplicas('budgets', {
    env: {
      BUDGETS: `key:*=${CAP_USD}/day`,
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

test('a key over its budget is refused on both replicas, and neither calls the provider for it', async (t) => {
  if (!replicas) return skipWithoutRedis(t, skipReason);
  const productIds = await firstProductIds(a.gql, 10, bearer(TEST_KEYS.mobile));
  const served = { a: 0, b: 0 };
  let spent = 0;
  let refusedBy: 'a' | 'b' | null = null;
  for (let i = 0; i < 20 && !refusedBy; i++) {
    const name = i % 2 === 0 ? 'a' : 'b';
    const gateway = name === 'a' ? a : b;
    const { status, body: answer } = await gateway.gql<BudgetData>(
      BUDGET_GENERATE,
      { input: [{ productId: productIds[i % productIds.length], params: { maxTokens: 40, seed: i + 1 } }] },
      bearer(TEST_KEYS.personalization),
    );
    if (status === 429) {
      const refusal = errorExtensions(answer.errors);
      assert.equal(refusal.code, 'BUDGET_EXCEEDED');
      assert.equal(refusal.reason, 'KEY_BUDGET');
      refusedBy = name;
    } else {
      const generated = answer.data?.generateDescriptions[0];
      assert.equal(generated?.__typename, 'Description', JSON.stringify(answer));
      served[name]++;
      spent += generated.estimatedCostUsd;
    }
  }
  assert.ok(refusedBy, 'the cap was reached');
  assert.ok(served.a > 0 && served.b > 0, `both replicas served part of it: ${JSON.stringify(served)}`);
  assert.ok(served.a + served.b >= 3, `only ${served.a + served.b} generations fitted`);
  // Refused with both replicas together within one cap: per-replica caps would each have had half of it left.
  assert.ok(spent <= CAP_USD + 1e-9, `spent ${spent} under a cap of ${CAP_USD}`);

  const calls = fake.count('chat.completions');
  for (const gateway of [a, b]) {
    const { status, body: answer } = await gateway.gql<BudgetData>(
      BUDGET_GENERATE,
      { input: [{ productId: productIds[0], params: { maxTokens: 40, seed: 100 } }] },
      bearer(TEST_KEYS.personalization),
    );
    assert.equal(status, 429);
    assert.equal(answer.errors?.[0]?.extensions?.code, 'BUDGET_EXCEEDED');
  }
  assert.equal(fake.count('chat.completions'), calls, 'no provider call for a refused request, on either replica');
  // Each key has a cap of its own (key:*): another key still gets through.
  const other = await b.gql<BudgetData>(
    BUDGET_GENERATE,
    { input: [{ productId: productIds[0], params: { maxTokens: 40, seed: 101 } }] },
    bearer(TEST_KEYS.internal),
  );
  assert.equal(other.body.data?.generateDescriptions[0]?.__typename, 'Description');
});
