/**
 * A page of products read with a session: its assignments are loaded per
 * request, so the page costs the same number of store reads whatever its
 * size, and serves each product what a read of that product alone serves.
 * Real SQLite file; the stores are wrapped to count their calls.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { startFakeOpenAI } from '../helpers/fake-openai.js';
import { dataOf, productIds } from '../helpers/graphql.js';
import { bearer, TEST_GATEWAY_API_KEYS, TEST_KEYS } from '../helpers/keys.js';
import type { Storage } from '../../src/storage/types.js';
import { must } from '../helpers/must.js';

const internal = bearer(TEST_KEYS.internal);
const mobile = bearer(TEST_KEYS.mobile);
const PAGE = 20;

const cleanup: Array<() => Promise<void>> = [];
after(async () => {
  for (const fn of cleanup.reverse()) await fn();
});

type Served = {
  id: string;
  experiment: { experimentId: string; variantId: string; servedControl: boolean } | null;
} | null;
const PAGE_QUERY = `query Page($first: Int!, $session: String!) { products(first: $first) { edges { node { id description(sessionId: $session) { id experiment { experimentId variantId servedControl } } } } } }`;
const ONE = `query One($id: ID!, $session: String!) { product(id: $id) { description(sessionId: $session) { id experiment { experimentId variantId servedControl } } } }`;

/** Counts every call of the stores a description read touches; returns the running list of `store.method` names. */
function countCalls(storage: Storage): string[] {
  const calls: string[] = [];
  for (const name of ['catalog', 'descriptions', 'experiments', 'publication', 'events'] as const) {
    const store = storage[name] as unknown as Record<string, unknown>;
    for (
      let proto = Object.getPrototypeOf(store);
      proto && proto !== Object.prototype;
      proto = Object.getPrototypeOf(proto)
    ) {
      for (const method of Object.getOwnPropertyNames(proto)) {
        const original = store[method];
        if (method === 'constructor' || typeof original !== 'function' || Object.hasOwn(store, method)) continue;
        store[method] = (...args: unknown[]) => {
          calls.push(`${name}.${method}`);
          return (original as (...a: unknown[]) => unknown).apply(store, args);
        };
      }
    }
  }
  return calls;
}

async function generated(server: TestServer, products: string[], temperature: number): Promise<string[]> {
  const r = await server.gql<{ generateDescriptions: Array<{ id: string }> }>(
    'mutation G($input: [GenerateDescriptionInput!]!) { generateDescriptions(input: $input) { ... on Description { id } } }',
    { input: products.map((productId) => ({ productId, params: { temperature, seed: 1 } })) },
    internal,
  );
  return dataOf(r).generateDescriptions.map((d) => d.id);
}

async function move(
  server: TestServer,
  action: 'approveDescription' | 'publishDescription',
  ids: string[],
): Promise<void> {
  for (const id of ids)
    dataOf(await server.gql(`mutation L($id: ID!) { ${action}(id: $id) { status } }`, { id }, internal));
}

/** Two experiments over the page's products, one FIXED and one THOMPSON: A's texts published, B's approved. */
async function experiments(server: TestServer, products: string[]): Promise<string[]> {
  const a = await generated(server, products, 0.2);
  await move(server, 'approveDescription', a);
  await move(server, 'publishDescription', a);
  const b = await generated(server, products, 0.9);
  await move(server, 'approveDescription', b);
  const half = products.length / 2;
  const ids: string[] = [];
  for (const [allocation, from] of [
    ['FIXED', 0],
    ['THOMPSON', half],
  ] as const) {
    const input = {
      name: `${allocation.toLowerCase()} page`,
      productIds: products.slice(from, from + half),
      metric: 'ADD_TO_CART_RATE',
      allocation,
      variants: [
        { id: 'A', descriptionIds: a.slice(from, from + half) },
        { id: 'B', descriptionIds: b.slice(from, from + half) },
      ],
    };
    const created = await server.gql<{ createExperiment: { id: string } }>(
      'mutation C($input: CreateExperimentInput!) { createExperiment(input: $input) { id } }',
      { input },
      internal,
    );
    ids.push(dataOf(created).createExperiment.id);
  }
  return ids;
}

test(`a ${PAGE}-product page with a session: a fixed number of store reads, whatever the page size, and each product's assignment unchanged`, async () => {
  const fake = await startFakeOpenAI();
  cleanup.push(() => fake.close());
  const server = await startTestServer({
    providers: ['openai'],
    openaiBaseUrl: fake.baseURL,
    openaiApiKey: 'sk-test-loading-secret',
    gatewayApiKeys: TEST_GATEWAY_API_KEYS,
    cacheTtlMs: 0,
  });
  cleanup.push(() => server.stop());
  const products = await productIds(server.gql, PAGE, internal);
  const experimentIds = await experiments(server, products);

  const page = async (first: number, session: string) =>
    dataOf(
      await server.gql<{ products: { edges: Array<{ node: { id: string; description: Served } }> } }>(
        PAGE_QUERY,
        { first, session },
        mobile,
      ),
    ).products.edges.map((e) => e.node);
  // The Thompson allocator reads the roll-ups once per epoch for the whole process, not per request: warmed here.
  await page(PAGE, 'warm-up');
  const calls = countCalls(server.storage);
  const readsOf = async (first: number, session: string) => {
    calls.length = 0;
    const nodes = await page(first, session);
    return { nodes, reads: [...calls] };
  };
  const small = await readsOf(2, 'shopper-1');
  const full = await readsOf(PAGE, 'shopper-1');
  assert.equal(full.nodes.length, PAGE);
  assert.deepEqual(full.reads.sort(), small.reads.sort(), 'the same reads for 2 products and for 20');
  assert.ok(full.reads.length <= 6, `${full.reads.length} store calls: ${full.reads.join(', ')}`);
  assert.equal(full.reads.filter((r) => r === 'experiments.activeForProducts').length, 1);

  // Each product of the page is served what a read of it alone serves: the same text, experiment and variant.
  const variants = new Set<string>();
  for (const node of full.nodes) {
    const alone = dataOf(
      await server.gql<{ product: { description: Served } }>(ONE, { id: node.id, session: 'shopper-1' }, mobile),
    ).product.description;
    assert.deepEqual(node.description, alone, node.id);
    const experiment = must(node.description?.experiment, `the experiment of ${node.id}`);
    assert.ok(experimentIds.includes(experiment.experimentId));
    assert.equal(experiment.servedControl, false, 'both variants have an approved or published text');
  }
  for (let s = 0; s < 40; s++)
    for (const node of await page(PAGE, `shopper-${s}`)) {
      const experiment = must(node.description?.experiment, `the experiment of ${node.id}`);
      variants.add(`${experiment.experimentId}/${experiment.variantId}`);
    }
  assert.equal(variants.size, 4, 'sessions of the page are spread over both variants of both experiments');

  const bad = await server.gql(PAGE_QUERY, { first: 2, session: 'has space' }, mobile);
  assert.deepEqual(
    [bad.body.errors?.[0]?.extensions?.code, bad.body.errors?.[0]?.extensions?.reason],
    ['BAD_USER_INPUT', 'BAD_SESSION_ID'],
  );
});
