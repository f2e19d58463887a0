import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { startFakeOpenAI, type FakeOpenAI } from '../helpers/fake-openai.js';
import { TEST_GATEWAY_API_KEYS, TEST_KEYS, bearer } from '../helpers/keys.js';
import { waitFor } from '../helpers/wait.js';
import { dataOf, productIds } from '../helpers/graphql.js';

type ProductIdsOnly = { products: { edges: Array<{ node: { id: string } }> } };

let fake: FakeOpenAI;
let server: TestServer;

/** The value of one sample line, e.g. sample(text, 'gateway_requests_total', {operation: 'P', outcome: 'ok'}). */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && want.every((w) => l.includes(w)));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

before(async () => {
  fake = await startFakeOpenAI();
  server = await startTestServer({
    providers: ['openai'],
    openaiBaseUrl: fake.baseURL,
    gatewayApiKeys: TEST_GATEWAY_API_KEYS,
    cacheTtlMs: 0,
  });
});
after(async () => {
  await server.stop();
  await fake.close();
});

test('/metrics on the main port needs an internal key', async () => {
  assert.equal((await fetch(`${server.url}/metrics`)).status, 401);
  assert.equal((await fetch(`${server.url}/metrics`, { headers: bearer(TEST_KEYS.mobile) })).status, 403);
  const ok = await fetch(`${server.url}/metrics`, { headers: bearer(TEST_KEYS.internal) });
  assert.equal(ok.status, 200);
  assert.match(ok.headers.get('content-type') ?? '', /text\/plain/);
});

test('requests, provider calls, tokens, batch sizes, cache and breaker state are counted', async () => {
  // Named: the request counter is labelled by operation name.
  const page = await server.gql<ProductIdsOnly>(
    'query Page { products(first: 3) { edges { node { id } } } }',
    {},
    bearer(TEST_KEYS.mobile),
  );
  const ids = dataOf(page).products.edges.map((e) => e.node.id);
  await server.gql('{ nope }', {}, bearer(TEST_KEYS.mobile));
  const generated = await server.gql(
    'mutation Gen($input: [GenerateDescriptionInput!]!) { generateDescriptions(input: $input) { __typename } }',
    { input: ids.map((productId) => ({ productId })) },
    bearer(TEST_KEYS.personalization),
  );
  assert.equal(generated.body.errors, undefined);
  fake.setMode('503');
  await server.gql(
    'mutation Gen($input: [GenerateDescriptionInput!]!) { generateDescriptions(input: $input) { __typename } }',
    { input: [{ productId: ids[0], params: { seed: 7 } }] },
    bearer(TEST_KEYS.personalization),
  );
  fake.setMode('ok');

  const text = await (await fetch(`${server.url}/metrics`, { headers: bearer(TEST_KEYS.internal) })).text();
  assert.equal(sample(text, 'gateway_requests_total', { operation: 'Page', outcome: 'ok' }), 1);
  assert.ok((sample(text, 'gateway_requests_total', { operation: 'anonymous', outcome: 'error' }) ?? 0) >= 1);
  assert.equal(sample(text, 'gateway_request_duration_seconds_count', { operation: 'Gen' }), 2);
  assert.equal(
    sample(text, 'gateway_provider_calls_total', { provider: 'openai', outcome: 'ok' }),
    fake.count('chat.completions') -
      (sample(text, 'gateway_provider_calls_total', { provider: 'openai', outcome: 'unavailable' }) ?? 0),
  );
  assert.ok((sample(text, 'gateway_provider_errors_total', { provider: 'openai', kind: 'unavailable' }) ?? 0) >= 1);
  assert.ok((sample(text, 'gateway_tokens_total', { provider: 'openai', type: 'completion' }) ?? 0) > 0);
  assert.ok((sample(text, 'gateway_provider_batch_size_count', { provider: 'openai' }) ?? 0) >= 1);
  assert.equal(sample(text, 'gateway_generation_cache_total', { result: 'miss' }), 3);
  assert.notEqual(sample(text, 'gateway_breaker_state', { provider: 'openai' }), undefined);
  assert.match(text, /gateway_process_resident_memory_bytes \d/);
});

test('METRICS_PORT: a separate listener without a key, and none on the main port', async () => {
  const separate = await startTestServer({
    providers: ['openai'],
    openaiBaseUrl: fake.baseURL,
    gatewayApiKeys: TEST_GATEWAY_API_KEYS,
    metricsPort: 0,
  });
  try {
    assert.ok(separate.metricsPort && separate.metricsPort !== separate.port);
    const scraped = await fetch(`http://127.0.0.1:${separate.metricsPort}/metrics`);
    assert.equal(scraped.status, 200);
    assert.match(await scraped.text(), /gateway_requests_total/);
    assert.equal((await fetch(`${separate.url}/metrics`, { headers: bearer(TEST_KEYS.internal) })).status, 404);
  } finally {
    await separate.stop();
  }
});

test('a call every caller has left counts as cancelled, not as a provider timeout; a call past its own timeout stays a timeout', async () => {
  const GEN =
    'mutation Gen($input: [GenerateDescriptionInput!]!) { generateDescriptions(input: $input) { __typename } }';
  const [productId] = await productIds(server.gql, 1, bearer(TEST_KEYS.mobile));
  const scrape = async (at: TestServer) =>
    (await fetch(`${at.url}/metrics`, { headers: bearer(TEST_KEYS.internal) })).text();
  const counts = (text: string) => ({
    cancelled: sample(text, 'gateway_provider_calls_total', { provider: 'openai', outcome: 'cancelled' }) ?? 0,
    timeouts: sample(text, 'gateway_provider_errors_total', { provider: 'openai', kind: 'timeout' }) ?? 0,
    timeoutCalls: sample(text, 'gateway_provider_calls_total', { provider: 'openai', outcome: 'timeout' }) ?? 0,
  });
  const before = counts(await scrape(server));
  fake.setMode('hang');
  try {
    // The client gives up after 300 ms; the gateway then cancels the upstream call.
    await assert.rejects(
      fetch(`${server.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...bearer(TEST_KEYS.personalization) },
        body: JSON.stringify({ query: GEN, variables: { input: [{ productId, params: { seed: 11 } }] } }),
        signal: AbortSignal.timeout(300),
      }),
    );
    let after = before;
    await waitFor(async () => (after = counts(await scrape(server))).cancelled !== before.cancelled, {
      intervalMs: 100,
      what: 'the cancelled call to be counted',
    });
    assert.deepEqual(after, { ...before, cancelled: before.cancelled + 1 });

    // The provider's own timeout, with the caller still waiting, is a timeout.
    const short = await startTestServer({
      providers: ['openai'],
      openaiBaseUrl: fake.baseURL,
      gatewayApiKeys: TEST_GATEWAY_API_KEYS,
      cacheTtlMs: 0,
      providerTimeoutMs: 300,
    });
    try {
      const [ownId] = await productIds(short.gql, 1, bearer(TEST_KEYS.mobile));
      const input = [{ productId: ownId, params: { seed: 12 } }];
      const answer = await short.gql<{ generateDescriptions: unknown }>(
        GEN,
        { input },
        bearer(TEST_KEYS.personalization),
      );
      assert.deepEqual(answer.body.data?.generateDescriptions, [{ __typename: 'GenerationError' }]);
      const own = counts(await scrape(short));
      assert.equal(own.cancelled, 0);
      assert.ok(own.timeouts >= 1 && own.timeoutCalls === own.timeouts, JSON.stringify(own));
    } finally {
      await short.stop();
    }
  } finally {
    fake.setMode('ok');
  }
});

test('the local model: queue depth, rows running, forward passes and tokens, counted as the provider reports them', async () => {
  const local = await startTestServer({
    providers: ['onnx'],
    gatewayApiKeys: TEST_GATEWAY_API_KEYS,
    cacheTtlMs: 0,
    localMaxBatch: 4,
    localMaxQueueDelayMs: 20,
  });
  try {
    const scrape = async () => (await fetch(`${local.url}/metrics`, { headers: bearer(TEST_KEYS.internal) })).text();
    const ids = await productIds(local.gql, 3, bearer(TEST_KEYS.mobile));
    const generate = () =>
      local.gql(
        'mutation Gen($input: [GenerateDescriptionInput!]!) { generateDescriptions(input: $input) { __typename } }',
        { input: ids.map((productId: string) => ({ productId })) },
        bearer(TEST_KEYS.personalization),
      );
    assert.equal((await generate()).body.errors, undefined);
    const onnx = local.services.registry.generator('onnx') as unknown as {
      stats(): { forwardPasses: number; generatedTokens: number };
    };
    const first = await scrape();
    const passes = sample(first, 'gateway_local_forward_passes_total', { provider: 'onnx' }) ?? 0;
    const tokens = sample(first, 'gateway_local_generated_tokens_total', { provider: 'onnx' }) ?? 0;
    assert.equal(passes, onnx.stats().forwardPasses);
    assert.equal(tokens, onnx.stats().generatedTokens);
    // Three requests in one batch: a pass carried more than one row's token on average.
    assert.ok(tokens > passes, `${tokens} tokens in ${passes} passes`);
    assert.equal(sample(first, 'gateway_local_queue_depth', { provider: 'onnx' }), 0);
    assert.equal(sample(first, 'gateway_local_rows_running', { provider: 'onnx' }), 0);
    assert.equal(sample(first, 'gateway_local_queue_rejected_total', { provider: 'onnx' }), 0);
    // Counters follow the provider's totals from scrape to scrape.
    await generate();
    const second = await scrape();
    assert.equal(
      sample(second, 'gateway_local_generated_tokens_total', { provider: 'onnx' }),
      onnx.stats().generatedTokens,
    );
    assert.ok(onnx.stats().generatedTokens > tokens);
  } finally {
    await local.stop();
  }
});
