/**
 * Reliability through the whole gateway: what a client is told when a
 * provider fails (never the upstream body), what `providers` reports about a
 * provider whose calls all hang, and what a forgotten NODE_ENV exposes.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { startFakeOpenAI } from '../helpers/fake-openai.js';
import { TEST_GATEWAY_API_KEYS, TEST_KEYS, bearer } from '../helpers/keys.js';
import { dataOf } from '../helpers/graphql.js';
import { must, mustHave } from '../helpers/must.js';

const cleanup: Array<() => Promise<void>> = [];
after(async () => {
  for (const fn of cleanup.reverse()) await fn();
});

const GENERATE = `mutation ($input: [GenerateDescriptionInput!]!) {
  generateDescriptions(input: $input) { __typename ... on GenerationError { productId code message } }
}`;
type Generated = {
  generateDescriptions: Array<{ __typename: string; productId?: string; code?: string; message?: string }>;
};
const PROVIDERS = '{ providers { id healthy lastError breakerState backoffMs } }';
type Providers = {
  providers: Array<{ id: string; healthy: boolean; lastError: string | null; breakerState: string; backoffMs: number }>;
};
/** One OpenAI target with a short timeout, for every policy. */
const SHORT_POLICIES = JSON.stringify(
  ['mobile', 'personalization', 'internal'].map((name) => ({
    name,
    strategy: 'fallback',
    targets: [{ provider: 'openai', timeoutMs: 300, retries: 0 }],
  })),
);

async function products(server: TestServer, n: number): Promise<Array<{ id: string; title: string }>> {
  const r = await server.gql<{ products: { edges: Array<{ node: { id: string; title: string } }> } }>(
    `{ products(first: ${n}) { edges { node { id title } } } }`,
  );
  return dataOf(r).products.edges.map((e) => e.node);
}

test('a failed generation tells the client a fixed sentence per kind; the upstream body (echoing the prompt) reaches only the debug log', async () => {
  const fake = await startFakeOpenAI({ errorEchoesPrompt: true });
  cleanup.push(() => fake.close());
  fake.setMode('500');
  const server = await startTestServer({
    providers: ['openai'],
    openaiBaseUrl: fake.baseURL,
    cacheTtlMs: 0,
    routingPolicies: SHORT_POLICIES,
    logLevel: 'debug',
  });
  const [product] = mustHave(await products(server, 1), 1, 'products');
  const r = await server.gql<Generated>(GENERATE, { input: [{ productId: product.id }] });
  await server.stop();
  const [failed] = dataOf(r).generateDescriptions;
  assert.deepEqual(failed, {
    __typename: 'GenerationError',
    productId: product.id,
    code: 'PROVIDER_UNAVAILABLE',
    message: 'openai: the provider is unavailable',
  });
  assert.ok(fake.count('chat.completions') >= 1);

  const lines = readFileSync(server.logFile, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { level: number; msg: string; detail?: string });
  // The fake appends 'Request was: <prompt>' to its error body: those lines carry the echoed prompt.
  const quoting = lines.filter(
    (l) => JSON.stringify(l).includes('Request was:') && JSON.stringify(l).includes(product.title),
  );
  assert.ok(quoting.length > 0, 'the detail is logged');
  assert.ok(
    quoting.every((l) => l.level <= 20),
    `logged above debug: ${quoting.map((l) => l.msg).join(', ')}`,
  );
  assert.ok(quoting.some((l) => l.msg === 'generation failed' && l.detail?.includes('upstream 500')));
});

test('providers reports a provider unhealthy, with its breaker open, once every call to it hung', async () => {
  const fake = await startFakeOpenAI();
  cleanup.push(() => fake.close());
  const server = await startTestServer({
    providers: ['openai'],
    openaiBaseUrl: fake.baseURL,
    cacheTtlMs: 0,
    routingPolicies: SHORT_POLICIES,
  });
  cleanup.push(() => server.stop());
  const before = dataOf(await server.gql<Providers>(PROVIDERS)).providers[0];
  assert.deepEqual(before, { id: 'openai', healthy: true, lastError: null, breakerState: 'closed', backoffMs: 0 });

  fake.setMode('hang');
  const items = (await products(server, 5)).map((p) => ({ productId: p.id }));
  const r = await server.gql<Generated>(GENERATE, { input: items });
  for (const item of dataOf(r).generateDescriptions)
    assert.deepEqual([item.code, item.message], ['PROVIDER_UNAVAILABLE', 'openai: no answer in time']);
  const status = must(dataOf(await server.gql<Providers>(PROVIDERS)).providers[0], 'a provider status');
  assert.equal(status.breakerState, 'open');
  assert.equal(status.healthy, false);
  assert.match(status.lastError ?? '', /^timeout: /);
});

test('without NODE_ENV, introspection is for the internal role only, and the start warns', async () => {
  const saved = process.env.NODE_ENV;
  delete process.env.NODE_ENV;
  let server: TestServer;
  try {
    // nodeEnv left out of the options too: the test helper's default would set it.
    server = await startTestServer({ nodeEnv: undefined, gatewayApiKeys: TEST_GATEWAY_API_KEYS });
  } finally {
    if (saved !== undefined) process.env.NODE_ENV = saved;
  }
  const query = '{ __schema { queryType { name } } }';
  const mobile = await server.gql(query, {}, bearer(TEST_KEYS.mobile));
  assert.deepEqual([mobile.status, mobile.body.errors?.[0]?.extensions?.code], [403, 'FORBIDDEN']);
  const internal = await server.gql<{ __schema: { queryType: { name: string } } }>(
    query,
    {},
    bearer(TEST_KEYS.internal),
  );
  assert.equal(dataOf(internal).__schema.queryType.name, 'Query');
  await server.stop();
  assert.match(readFileSync(server.logFile, 'utf8'), /NODE_ENV is not set: introspection only for the internal role/);
});
