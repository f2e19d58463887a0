import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { startFakeOpenAI, type FakeOpenAI } from '../helpers/fake-openai.js';
import { TEST_GATEWAY_API_KEYS, TEST_KEYS, bearer } from '../helpers/keys.js';
import { dataOf, errorExtensions, productIds, type GqlBody } from '../helpers/graphql.js';

const PAGE_WITH_DESCRIPTIONS = (n: number) =>
  `{ products(first: ${n}) { edges { node { id description { text } } } } }`;

let fake: FakeOpenAI;
let server: TestServer;

before(async () => {
  fake = await startFakeOpenAI();
  server = await startTestServer({
    providers: ['openai'],
    openaiBaseUrl: fake.baseURL,
    gatewayApiKeys: TEST_GATEWAY_API_KEYS,
    // Tight for mobile so one test can empty the bucket; generous elsewhere.
    rateLimits: 'mobile=300/1,personalization=off',
    cacheTtlMs: 0,
  });
});
after(async () => {
  await server.stop();
  await fake.close();
});

test('cost: a page of 100 generated descriptions is over the mobile limit; nothing is generated', async () => {
  const { status, body } = await server.gql(PAGE_WITH_DESCRIPTIONS(100), {}, bearer(TEST_KEYS.mobile));
  assert.equal(status, 400);
  const refusal = errorExtensions(body.errors);
  assert.equal(refusal.code, 'GRAPHQL_VALIDATION_FAILED');
  assert.equal(refusal.reason, 'COST_LIMIT');
  assert.equal(refusal.cost, 1201);
  assert.equal(fake.count('chat.completions'), 0);
  // The same page without generation is cheap.
  assert.equal(
    (await server.gql('{ products(first: 100) { edges { node { id } } } }', {}, bearer(TEST_KEYS.personalization))).body
      .errors,
    undefined,
  );
});

test('a page size out of range is refused as such before the cost, which it would also exceed', async () => {
  const variable = 'query($n: Int!) { products(first: $n) { edges { node { id description { text } } } } }';
  for (const [query, variables] of [
    [PAGE_WITH_DESCRIPTIONS(101), {}],
    [PAGE_WITH_DESCRIPTIONS(10_000), {}],
    [variable, { n: 101 }],
    [variable, { n: 10_000 }],
  ] as const) {
    const { status, body } = await server.gql(query, variables, bearer(TEST_KEYS.mobile));
    assert.equal(status, 400);
    assert.deepEqual(
      body.errors?.map((e) => [e.extensions?.code, e.extensions?.reason]),
      [['BAD_USER_INPUT', 'PAGE_SIZE_OUT_OF_RANGE']],
      JSON.stringify(body.errors),
    );
  }
  assert.equal(fake.count('chat.completions'), 0);
  // In range, the same page is the cost model's to refuse.
  assert.equal(
    (await server.gql(variable, { n: 100 }, bearer(TEST_KEYS.mobile))).body.errors?.[0]?.extensions?.reason,
    'COST_LIMIT',
  );
});

test('cost limits are per role and configurable', async () => {
  const custom = await startTestServer({
    providers: ['openai'],
    openaiBaseUrl: fake.baseURL,
    gatewayApiKeys: TEST_GATEWAY_API_KEYS,
    maxCost: 'mobile=100',
    rateLimits: 'mobile=off',
  });
  try {
    const query = '{ products(first: 10) { edges { node { id description { text } } } } }'; // 1 + 10 × 12 = 121
    assert.equal(
      (await custom.gql(query, {}, bearer(TEST_KEYS.mobile))).body.errors?.[0]?.extensions?.reason,
      'COST_LIMIT',
    );
    const internal = await custom.gql<{ products: { edges: unknown[] } }>(query, {}, bearer(TEST_KEYS.internal));
    assert.equal(dataOf(internal).products.edges.length, 10);
  } finally {
    await custom.stop();
  }
});

test('armor: depth, aliases, directives and tokens are refused before execution', async () => {
  const nest = (n: number): string => (n === 0 ? 'id' : `a { ${nest(n - 1)} }`);
  const deep = await server.gql(
    `{ products(first: 1) { edges { node { ${nest(20)} } } } }`,
    {},
    bearer(TEST_KEYS.internal),
  );
  assert.equal(errorExtensions(deep.body.errors).code, 'GRAPHQL_VALIDATION_FAILED');
  assert.ok(deep.body.errors?.some((e) => /Query depth limit exceeded/.test(e.message)));
  assert.ok(!deep.body.errors?.some((e) => /\b10\b/.test(e.message)), 'limits are not echoed');
  const aliases = `{ ${Array.from({ length: 16 }, (_, i) => `a${i}: products(first: 1) { totalCount }`).join(' ')} }`;
  const aliased = await server.gql(aliases, {}, bearer(TEST_KEYS.internal));
  assert.equal(aliased.status, 400);
  assert.equal(errorExtensions(aliased.body.errors).code, 'GRAPHQL_VALIDATION_FAILED');
  assert.ok(aliased.body.errors?.some((e) => /Too many aliases/.test(e.message)));
  const directives = `{ products(first: 1) { totalCount ${'@skip(if: false) '.repeat(11)} } }`;
  const directed = await server.gql(directives, {}, bearer(TEST_KEYS.internal));
  assert.equal(errorExtensions(directed.body.errors).code, 'GRAPHQL_VALIDATION_FAILED');
  assert.ok(directed.body.errors?.some((e) => /Too many directives/.test(e.message)));
  const tokens = `{ products(first: 1) { ${'totalCount '.repeat(2100)} } }`;
  const tooMany = await server.gql(tokens, {}, bearer(TEST_KEYS.internal));
  assert.equal(tooMany.status, 400);
  assert.equal(tooMany.body.errors?.[0]?.extensions?.code, 'GRAPHQL_PARSE_FAILED');
});

test('rate limit: the bucket is charged by cost; over it, 429 with Retry-After and RATE_LIMITED', async () => {
  const query = '{ products(first: 50) { edges { node { id } } } }'; // 1 + 50 × 2 = 101
  const statuses: number[] = [];
  let limited: Awaited<ReturnType<TestServer['gql']>> | undefined;
  let retryAfterHeader: string | null = null;
  for (let i = 0; i < 4; i++) {
    const response = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...bearer(TEST_KEYS.mobile) },
      body: JSON.stringify({ query }),
    });
    statuses.push(response.status);
    if (response.status === 429) {
      retryAfterHeader = response.headers.get('retry-after');
      limited = { status: 429, body: (await response.json()) as GqlBody<unknown> };
    } else await response.arrayBuffer();
  }
  assert.deepEqual(statuses, [200, 200, 429, 429], '300-token bucket: two 101-cost queries pass, the third does not');
  const refusal = errorExtensions(limited?.body.errors);
  assert.equal(refusal.code, 'RATE_LIMITED');
  const retryAfter = refusal.retryAfter;
  assert.ok(
    typeof retryAfter === 'number' && Number.isInteger(retryAfter) && retryAfter >= 1,
    `retryAfter ${JSON.stringify(retryAfter)}`,
  );
  assert.equal(retryAfterHeader, String(retryAfter));
  // Buckets are per key: another key is unaffected.
  assert.equal((await server.gql(query, {}, bearer(TEST_KEYS.personalization))).status, 200);
});

test('one app key: stored descriptions are charged as reads, and only generations draw on the generation bucket; past it, stale fallbacks', async () => {
  const shared = await startTestServer({
    providers: ['openai'],
    openaiBaseUrl: fake.baseURL,
    gatewayApiKeys: TEST_GATEWAY_API_KEYS,
    rateLimits: 'mobile=300/1',
    // No refill, so that the test does not depend on how long it runs.
    generationRateLimits: 'mobile=5/0',
    cacheTtlMs: 0,
    // The fake's texts pass the fact check: published as they are generated.
    publishPolicy: 'auto',
  });
  try {
    type Page = {
      products: {
        pageInfo: { endCursor: string | null };
        edges: Array<{ node: { description: { source: string; stale: boolean } } }>;
      };
    };
    const page = (after: string | null) =>
      shared.gql<Page>(
        'query P($after: String) { products(first: 3, after: $after) { pageInfo { endCursor } edges { node { id description { text source stale } } } } }',
        { after },
        bearer(TEST_KEYS.mobile),
      );
    fake.reset();
    const first = dataOf(await page(null));
    assert.deepEqual(
      first.products.edges.map((e) => e.node.description.source),
      ['GENERATED', 'GENERATED', 'GENERATED'],
    );
    assert.equal(fake.count('chat.completions'), 3, 'three generations: 2 left in the bucket');
    // Read again and again: stored, charged 1 + 3 × 3 = 10 each, far within the request bucket (the worst case would be 37).
    for (let i = 0; i < 20; i += 1) {
      const again = await page(null);
      assert.equal(again.status, 200, `read ${i + 1}`);
      assert.deepEqual(
        dataOf(again).products.edges.map((e) => e.node.description.source),
        ['CACHED', 'CACHED', 'CACHED'],
      );
    }
    assert.equal(fake.count('chat.completions'), 3);
    // The next page has three products with nothing stored: more than the 2 generations left.
    const next = await page(first.products.pageInfo.endCursor);
    assert.equal(next.status, 200);
    assert.deepEqual(
      dataOf(next).products.edges.map((e) => [e.node.description.source, e.node.description.stale]),
      [
        ['REFERENCE', true],
        ['REFERENCE', true],
        ['REFERENCE', true],
      ],
    );
    assert.match(
      (next.body.extensions?.warnings as string[] | undefined)?.[0] ?? '',
      /generation rate limit reached for this key/,
    );
    assert.equal(fake.count('chat.completions'), 3, 'nothing generated past the bucket');
  } finally {
    await shared.stop();
  }
});

test('request timeout: a slow provider past REQUEST_TIMEOUT_MS is answered TIMEOUT (504)', async () => {
  // A provider that never answers: only the request timeout can end the request.
  const slow = await startFakeOpenAI();
  slow.setMode('hang');
  const timed = await startTestServer({
    providers: ['openai'],
    openaiBaseUrl: slow.baseURL,
    gatewayApiKeys: TEST_GATEWAY_API_KEYS,
    requestTimeoutMs: 400,
    cacheTtlMs: 0,
  });
  try {
    const [id] = await productIds(timed.gql, 1, bearer(TEST_KEYS.personalization));
    const { status, body } = await timed.gql(
      'mutation G($input: [GenerateDescriptionInput!]!) { generateDescriptions(input: $input) { __typename } }',
      { input: [{ productId: id }] },
      bearer(TEST_KEYS.personalization),
    );
    assert.equal(status, 504);
    assert.equal(body.errors?.[0]?.extensions?.code, 'TIMEOUT');
    assert.equal((await timed.gql('{ products(first: 1) { totalCount } }', {}, bearer(TEST_KEYS.mobile))).status, 200);
  } finally {
    await timed.stop();
    await slow.close();
  }
});
