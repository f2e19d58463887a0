/**
 * BUDGETS on a real gateway: a key past its cap is refused with
 * BUDGET_EXCEEDED before any provider call, what it was charged is what its
 * descriptions cost by the price table, and streamed generations are
 * charged too.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { createClient, type Client } from 'graphql-ws';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { startFakeOpenAI, type FakeOpenAI } from '../helpers/fake-openai.js';
import { TEST_GATEWAY_API_KEYS, TEST_KEYS, bearer } from '../helpers/keys.js';
import { errorExtensions, productIds as firstProductIds, type GqlBody } from '../helpers/graphql.js';
import { must } from '../helpers/must.js';

const GENERATE = `mutation G($input: [GenerateDescriptionInput!]!) {
  generateDescriptions(input: $input) { __typename ... on Description { id provider estimatedCostUsd } ... on GenerationError { code message } }
}`;
const STREAM = `subscription($productId: ID!) { descriptionStream(productId: $productId, provider: "openai", regenerate: true) { type description { estimatedCostUsd } } }`;
/** Room for a few generations of at most 40 tokens (the upper estimate of one is about 0.00004 USD at gpt-4o-mini's price). */
const CAP_USD = 0.00012;

type Generated =
  | { __typename: 'Description'; id: string; provider: string; estimatedCostUsd: number }
  | { __typename: 'GenerationError'; code: string; message: string };
type GenerateData = { generateDescriptions: Generated[] };
type StreamData = { descriptionStream: { type: string; description: { estimatedCostUsd: number } | null } };
type StreamEvent = StreamData['descriptionStream'];

let fake: FakeOpenAI;
let server: TestServer;
let client: Client;
let productIds: string[];
/** What before() started, closed in reverse by after(): only what did start, should before() fail. */
const closers: Array<() => Promise<unknown>> = [];

before(async () => {
  fake = await startFakeOpenAI({ chunkDelayMs: 1 });
  closers.push(() => fake.close());
  server = await startTestServer({
    providers: ['openai'],
    openaiBaseUrl: fake.baseURL,
    gatewayApiKeys: TEST_GATEWAY_API_KEYS,
    cacheTtlMs: 0,
    budgets: `role:personalization=${CAP_USD}/day,role:internal=1/day,role:mobile=0.00001/day`,
  });
  closers.push(() => server.stop());
  client = createClient({
    url: server.url.replace('http', 'ws') + '/graphql',
    lazy: true,
    retryAttempts: 0,
    connectionParams: { authorization: `Bearer ${TEST_KEYS.personalization}` },
  });
  closers.push(async () => client.dispose());
  productIds = await firstProductIds(server.gql, 20, bearer(TEST_KEYS.mobile));
});
after(async () => {
  for (const close of closers.reverse()) await close();
});

/** The value of one sample line of the exposition. */
function sampleOf(text: string, name: string, labels: Record<string, string>): number | undefined {
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && want.every((w) => l.includes(w)));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

async function spent(role: string): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`, { headers: bearer(TEST_KEYS.internal) })).text();
  return sampleOf(text, 'gateway_budget_spent_usd', { scope: 'role', name: role, period: 'day' }) ?? NaN;
}

/** A GraphQL error as a graphql-ws message or error event carries it. */
type WsError = { message?: string; extensions?: { code?: string; http?: unknown } };

function stream(productId: string): Promise<{ done: StreamEvent | null; errors: WsError[] }> {
  return new Promise((resolve, reject) => {
    const out: { done: StreamEvent | null; errors: WsError[] } = { done: null, errors: [] };
    client.subscribe<StreamData>(
      { query: STREAM, variables: { productId } },
      {
        next: (msg) => {
          if (msg.errors) out.errors.push(...msg.errors);
          if (msg.data?.descriptionStream.type === 'DONE') out.done = msg.data.descriptionStream;
        },
        error: (err) => (Array.isArray(err) ? (out.errors.push(...(err as WsError[])), resolve(out)) : reject(err)),
        complete: () => resolve(out),
      },
    );
  });
}

test('generations are charged their actual cost; past the cap the request is refused with BUDGET_EXCEEDED and no provider call', async () => {
  let charged = 0;
  let seed = 0;
  for (;;) {
    const input = [{ productId: productIds[seed % productIds.length], params: { maxTokens: 40, seed: ++seed } }];
    const callsBefore = fake.count('chat.completions');
    const response = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...bearer(TEST_KEYS.personalization) },
      body: JSON.stringify({ query: GENERATE, variables: { input } }),
    });
    const body = (await response.json()) as GqlBody<GenerateData>;
    if (body.errors) {
      assert.equal(response.status, 429);
      const [error] = body.errors;
      assert.ok(error?.extensions);
      assert.equal(error.extensions.code, 'BUDGET_EXCEEDED');
      assert.equal(error.extensions.reason, 'ROLE_BUDGET');
      assert.equal(error.extensions.limitUsd, CAP_USD);
      assert.equal(error.extensions.http, undefined, 'Apollo strips the HTTP status from the body');
      const retryAfter = error.extensions.retryAfter;
      assert.equal(Number(response.headers.get('retry-after')), retryAfter);
      assert.ok(typeof retryAfter === 'number' && retryAfter > 0 && retryAfter <= 86_400);
      assert.match(error.message, /budget of 0.00012 USD per day for the personalization role has no room/);
      assert.equal(fake.count('chat.completions'), callsBefore, 'no provider was called for the refused request');
      break;
    }
    const [generated] = body.data?.generateDescriptions ?? [];
    assert.equal(generated?.__typename, 'Description');
    charged += generated.estimatedCostUsd;
    assert.ok(seed < 20, 'the cap was never reached');
  }
  assert.ok(seed >= 3, `only ${seed - 1} generations fitted`);
  // What the budget holds is what the stored descriptions cost, to the nano-dollar.
  assert.ok(
    Math.abs((await spent('personalization')) - charged) < 1e-8,
    `spent ${await spent('personalization')} vs charged ${charged}`,
  );
  const text = await (await fetch(`${server.url}/metrics`, { headers: bearer(TEST_KEYS.internal) })).text();
  assert.equal(
    sampleOf(text, 'gateway_budget_limit_usd', { scope: 'role', name: 'personalization', period: 'day' }),
    CAP_USD,
  );
  assert.equal(sampleOf(text, 'gateway_budget_refused_total', { scope: 'role', period: 'day' }), 1);
  // Another role's cap is its own.
  const internal = await server.gql<GenerateData>(
    GENERATE,
    { input: [{ productId: productIds[0], params: { maxTokens: 40, seed: 999 } }] },
    bearer(TEST_KEYS.internal),
  );
  assert.equal(internal.body.data?.generateDescriptions[0]?.__typename, 'Description');
});

test('a streamed generation is charged like any other, and refused like any other once the cap is full', async () => {
  const before = await spent('internal');
  const internalClient = createClient({
    url: server.url.replace('http', 'ws') + '/graphql',
    lazy: true,
    retryAttempts: 0,
    connectionParams: { authorization: `Bearer ${TEST_KEYS.internal}` },
  });
  try {
    const done = await new Promise<StreamEvent | undefined>((resolve, reject) => {
      let last: StreamEvent | undefined;
      internalClient.subscribe<StreamData>(
        { query: STREAM, variables: { productId: productIds[1] } },
        { next: (m) => (last = m.data?.descriptionStream ?? last), error: reject, complete: () => resolve(last) },
      );
    });
    assert.equal(done?.type, 'DONE');
    assert.ok(done.description);
    assert.ok(done.description.estimatedCostUsd > 0);
    assert.ok(
      Math.abs((await spent('internal')) - before - done.description.estimatedCostUsd) < 1e-8,
      'the stream was charged what it cost',
    );
  } finally {
    await internalClient.dispose();
  }
  // The personalization role's cap is full (previous test): its stream is refused before any call.
  const calls = fake.count('chat.completions');
  const { done, errors } = await stream(must(productIds[2], 'a third product'));
  assert.equal(done, null);
  const refusal = errorExtensions(errors);
  assert.equal(refusal.code, 'BUDGET_EXCEEDED');
  assert.equal(refusal.http, undefined);
  assert.equal(fake.count('chat.completions'), calls);
});

test('Product.description past the cap is a BUDGET_EXCEEDED field error; the rest of the query answers', async () => {
  const calls = fake.count('chat.completions');
  // A product nothing was written for yet, so the field must generate.
  const { status, body } = await server.gql<{ product: { id: string; description: { text: string } | null } | null }>(
    'query($id: ID!) { product(id: $id) { id description { text } } }',
    { id: productIds[15] },
    bearer(TEST_KEYS.mobile),
  );
  assert.equal(status, 429, JSON.stringify(body));
  const fieldError = must(body.errors?.[0], 'a field error');
  assert.equal(fieldError.extensions?.code, 'BUDGET_EXCEEDED');
  assert.deepEqual(fieldError.path, ['product', 'description']);
  assert.deepEqual(body.data?.product, { id: productIds[15], description: null });
  assert.equal(fake.count('chat.completions'), calls);
});
