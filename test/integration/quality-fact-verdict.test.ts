/**
 * The quality breaker's verdict on a stored generation is its checks' flags
 * with the fact check the publication lifecycle stored for it: a text whose
 * only fault is a fact (a guarantee the record does not make) counts as
 * BLOCK, the same verdict its stored version 1 carries.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { startFakeOpenAI, type FakeOpenAI } from '../helpers/fake-openai.js';
import { TEST_GATEWAY_API_KEYS, TEST_KEYS, bearer } from '../helpers/keys.js';
import { dataOf, productIds as firstProductIds } from '../helpers/graphql.js';
import { must } from '../helpers/must.js';

const GENERATE = `mutation G($input: [GenerateDescriptionInput!]!) {
  generateDescriptions(input: $input) { __typename ... on Description { id provider flags { code } check { verdict } } ... on GenerationError { code message } }
}`;
const TEXT = 'A relaxed everyday piece that comes with a lifetime guarantee and free returns.';

let openai: FakeOpenAI | undefined;
// Unset when before() failed, so after() closes only what it started.
let server: TestServer | undefined;

before(async () => {
  openai = await startFakeOpenAI({ reply: () => TEXT });
  server = await startTestServer({
    providers: ['openai'],
    openaiBaseUrl: openai.baseURL,
    gatewayApiKeys: TEST_GATEWAY_API_KEYS,
    cacheTtlMs: 0,
    qualityBreakerMinSamples: 100,
  });
});

after(async () => {
  await server?.stop();
  await openai?.close();
});

test('a generation that fails only the fact check counts as BLOCK for the quality breaker, as its stored check says', async () => {
  const gateway = must(server, 'the test server');
  const [productId] = await firstProductIds(gateway.gql, 1, bearer(TEST_KEYS.mobile));
  const response = await gateway.gql<{
    generateDescriptions: Array<{
      __typename: string;
      flags?: Array<{ code: string }>;
      check?: { verdict: string };
    }>;
  }>(GENERATE, { input: [{ productId, params: { seed: 1 } }] }, bearer(TEST_KEYS.personalization));
  const [generated] = dataOf(response).generateDescriptions;
  assert.equal(generated?.__typename, 'Description', JSON.stringify(response.body));
  assert.equal(generated.check?.verdict, 'BLOCK', 'the fact check stored with version 1');
  assert.ok(
    !generated.flags?.some((f) => f.code === 'PROMPT_ECHO' || f.code === 'REFERENCE_LEAK'),
    'no blocking flag of its own: the BLOCK comes from the fact check',
  );
  const metrics = await (await fetch(`${gateway.url}/metrics`, { headers: bearer(TEST_KEYS.internal) })).text();
  assert.match(metrics, /gateway_quality_verdicts_total\{provider="openai",model="gpt-4o-mini",verdict="BLOCK"\} 1\b/);
  assert.doesNotMatch(
    metrics,
    /gateway_quality_verdicts_total\{provider="openai",model="gpt-4o-mini",verdict="(PASS|REVIEW)"\}/,
  );
});
