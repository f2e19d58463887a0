import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { parse } from 'graphql';
import { createClient } from 'graphql-ws';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { startFakeOpenAI, type FakeOpenAI } from '../helpers/fake-openai.js';
import { TEST_GATEWAY_API_KEYS, TEST_KEYS, bearer } from '../helpers/keys.js';
import { buildGatewaySchema } from '../../schema/index.js';
import { operationCost } from '../../src/limits/cost.js';
import { errorExtensions, productIds, type GqlError } from '../helpers/graphql.js';
import { mustHave } from '../helpers/must.js';

const STREAM =
  'subscription S($id: ID!) { descriptionStream(productId: $id, provider: "openai") { type description { text } } }';
/** 1 + 100 × 2 under the cost model: a cheap HTTP query that still takes a big bite of a bucket. */
const HTTP_PAGE = '{ products(first: 100) { edges { node { id } } } }';

interface Outcome {
  /** Each event's data. */
  events: Array<{ descriptionStream?: { type: string } } | null | undefined>;
  errors: GqlError[];
}

/** One operation over graphql-ws with a key; resolves with what came back (refusals arrive as an error array). */
function overWs(
  server: TestServer,
  key: string,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<Outcome> {
  const client = createClient({
    url: server.url.replace('http', 'ws') + '/graphql',
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${key}` },
    retryAttempts: 0,
    lazy: true,
  });
  const out: Outcome = { events: [], errors: [] };
  return new Promise<Outcome>((resolve, reject) => {
    client.subscribe(
      { query, variables },
      {
        next: (e) =>
          e.errors
            ? out.errors.push(...(e.errors as GqlError[]))
            : out.events.push(e.data as Outcome['events'][number]),
        error: (error) =>
          Array.isArray(error) ? (out.errors.push(...(error as GqlError[])), resolve(out)) : reject(error),
        complete: () => resolve(out),
      },
    );
  }).finally(() => client.dispose());
}

let fake: FakeOpenAI;
let server: TestServer;
let productId: string;
let streamCost: number;

before(async () => {
  fake = await startFakeOpenAI();
  streamCost = operationCost(await buildGatewaySchema(), parse(STREAM), 'S', {});
  assert.ok(streamCost >= 10, `a stream is priced as a generation (${streamCost})`);
  server = await startTestServer({
    providers: ['openai'],
    openaiBaseUrl: fake.baseURL,
    gatewayApiKeys: TEST_GATEWAY_API_KEYS,
    cacheTtlMs: 0,
    // personalization: one HTTP page leaves half a stream; internal: one stream leaves less than a page.
    // A refill of 1/s cannot close either gap within the test.
    rateLimits: `mobile=off,personalization=${201 + Math.floor(streamCost / 2)}/1,internal=${streamCost + 101}/1`,
    maxCost: `mobile=${streamCost - 1}`,
  });
  [productId] = mustHave(await productIds(server.gql, 1, bearer(TEST_KEYS.mobile)), 1, 'product ids');
});
after(async () => {
  await server.stop();
  await fake.close();
});

test('graphql-ws: armor depth limit refuses the subscription before it runs', async () => {
  const nest = (n: number): string => (n === 0 ? 'text' : `a { ${nest(n - 1)} }`);
  const { events, errors } = await overWs(
    server,
    TEST_KEYS.internal,
    `subscription { descriptionStream(productId: "${productId}") { description { ${nest(20)} } } }`,
  );
  assert.deepEqual(events, []);
  assert.ok(errors.length > 0);
  assert.ok(
    errors.every((e) => e.extensions?.code === 'GRAPHQL_VALIDATION_FAILED'),
    JSON.stringify(errors),
  );
  assert.ok(errors.some((e) => /Query depth limit exceeded/.test(e.message)));
  assert.ok(!errors.some((e) => /Did you mean/.test(e.message)), 'field suggestions stay hidden');
  assert.equal(fake.count('chat.completions'), 0);
});

test('graphql-ws: MAX_TOKENS applies to the parse (GRAPHQL_PARSE_FAILED)', async () => {
  const { errors } = await overWs(
    server,
    TEST_KEYS.internal,
    `subscription { descriptionStream(productId: "${productId}") { ${'type '.repeat(2100)} } }`,
  );
  assert.equal(errors[0]?.extensions?.code, 'GRAPHQL_PARSE_FAILED');
});

test('graphql-ws: a stream over the role MAX_COST is refused with the cost, nothing generated', async () => {
  // mobile may not stream anyway, but the cost check comes first, as on HTTP.
  const { events, errors } = await overWs(server, TEST_KEYS.mobile, STREAM, { id: productId });
  assert.deepEqual(events, []);
  const refusal = errorExtensions(errors);
  assert.equal(refusal.code, 'GRAPHQL_VALIDATION_FAILED');
  assert.equal(refusal.reason, 'COST_LIMIT');
  assert.equal(refusal.cost, streamCost);
  assert.equal(refusal.http, undefined, 'no HTTP details on a socket');
  assert.equal(fake.count('chat.completions'), 0);
});

test('graphql-ws: introspection is refused by role (FORBIDDEN)', async () => {
  const { errors } = await overWs(server, TEST_KEYS.personalization, '{ __schema { queryType { name } } }');
  assert.equal(errors[0]?.extensions?.code, 'FORBIDDEN');
});

test('graphql-ws: a page size out of range is PAGE_SIZE_OUT_OF_RANGE, as on HTTP, literal or variable', async () => {
  for (const [query, variables] of [
    ['{ products(first: 10000) { totalCount } }', {}],
    ['query($n: Int!) { products(first: $n) { totalCount } }', { n: 101 }],
  ] as const) {
    const { events, errors } = await overWs(server, TEST_KEYS.internal, query, variables);
    assert.deepEqual(events, []);
    assert.deepEqual(
      errors.map((e) => [e.extensions?.code, e.extensions?.reason]),
      [['BAD_USER_INPUT', 'PAGE_SIZE_OUT_OF_RANGE']],
      JSON.stringify(errors),
    );
  }
});

test('graphql-ws and HTTP take from the same bucket: RATE_LIMITED with retryAfter over the socket', async () => {
  assert.equal((await server.gql(HTTP_PAGE, {}, bearer(TEST_KEYS.personalization))).status, 200);
  const before = fake.count('chat.completions');
  const { events, errors } = await overWs(server, TEST_KEYS.personalization, STREAM, { id: productId });
  assert.deepEqual(events, []);
  const refusal = errorExtensions(errors);
  assert.equal(refusal.code, 'RATE_LIMITED');
  const retryAfter = refusal.retryAfter;
  assert.ok(
    typeof retryAfter === 'number' && Number.isInteger(retryAfter) && retryAfter >= 1,
    `retryAfter ${JSON.stringify(retryAfter)}`,
  );
  assert.equal(fake.count('chat.completions'), before, 'nothing generated');
});

test('a stream within the bucket runs, and its cost is charged against later HTTP requests', async () => {
  const { events, errors } = await overWs(server, TEST_KEYS.internal, STREAM, { id: productId });
  assert.deepEqual(errors, []);
  assert.equal(events.at(-1)?.descriptionStream?.type, 'DONE');
  const page = await server.gql(HTTP_PAGE, {}, bearer(TEST_KEYS.internal));
  assert.equal(page.status, 429);
  assert.equal(page.body.errors?.[0]?.extensions?.code, 'RATE_LIMITED');
});
