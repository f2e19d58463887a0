/**
 * Two gateway processes sharing one Redis and one database: a description
 * published on one replica is announced to the other's subscribers (and its
 * onPublished hooks), and served by both at once. Real processes, a real
 * Redis (TEST_REDIS_URL) and PostgreSQL (TEST_DATABASE_URL) when there is
 * one, else one SQLite file; skipped loudly without Redis.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { createClient } from 'graphql-ws';
import type { ChildGateway } from '../helpers/gateway-process.js';
import { skipWithoutRedis } from '../helpers/redis.js';
import { startReplicas, type Replicas } from '../helpers/replicas.js';
import { TEST_KEYS, bearer } from '../helpers/keys.js';
import { dataOf, productIds } from '../helpers/graphql.js';
import { must } from '../helpers/must.js';

let replicas: Replicas | undefined;
let skipReason = '';
let a: ChildGateway;
let b: ChildGateway;

before(async () => {
  const started = await startReplicas('publication-replicas', { postgres: true });
  if (!started.ok) {
    skipReason = started.reason;
    return;
  }
  replicas = started.replicas;
  ({ a, b } = replicas);
});

after(async () => {
  await replicas?.close();
});

test('a publication on one replica reaches the other replica’s subscribers, and both serve it from the next read', async (t) => {
  if (!replicas) return skipWithoutRedis(t, skipReason);
  const internal = bearer(TEST_KEYS.internal);
  const [productId] = await productIds(a.gql, 1, internal);

  const client = createClient({
    url: `${b.url.replace('http', 'ws')}/graphql`,
    connectionParams: { authorization: `Bearer ${TEST_KEYS.mobile}` },
    lazy: true,
    retryAttempts: 0,
  });
  const notices: Array<{ type: string; descriptionId: string; text: string | null }> = [];
  let heard: (() => void) | undefined;
  const stop = client.subscribe<{ descriptionPublished: (typeof notices)[number] }>(
    {
      query: 'subscription($id: ID) { descriptionPublished(productId: $id) { type descriptionId text } }',
      variables: { id: productId },
    },
    {
      next: (m) => (m.data && notices.push(m.data.descriptionPublished), heard?.()),
      error: () => {},
      complete: () => {},
    },
  );
  // The subscription is registered once the server has handled it: a later operation on the same socket orders after it.
  await new Promise<void>((resolve, reject) =>
    client.subscribe({ query: '{ __typename }' }, { next: () => {}, error: reject, complete: resolve }),
  );

  const generated = await a.gql<{ generateDescriptions: Array<{ id: string; text: string; status: string }> }>(
    'mutation($id: ID!) { generateDescriptions(input: [{productId: $id}]) { ... on Description { id text status } } }',
    { id: productId },
    bearer(TEST_KEYS.personalization),
  );
  const d = must(dataOf(generated).generateDescriptions[0], 'a generated description');
  assert.equal(d.status, 'IN_REVIEW');
  const read = async (gateway: ChildGateway) =>
    dataOf(
      await gateway.gql<{ product: { description: { id: string; source: string } | null } }>(
        'query($id: ID!) { product(id: $id) { description { id source } } }',
        { id: productId },
        bearer(TEST_KEYS.mobile),
      ),
    ).product.description;
  assert.equal((await read(b))?.source, 'REFERENCE');

  const published = new Promise<void>((resolve) => (heard = () => notices.length > 0 && resolve()));
  const both = await a.gql(
    'mutation($id: ID!) { a: approveDescription(id: $id) { status } p: publishDescription(id: $id) { status } }',
    { id: d.id },
    internal,
  );
  assert.deepEqual(both.body.data, { a: { status: 'APPROVED' }, p: { status: 'PUBLISHED' } });
  await published;
  stop();
  await client.dispose();
  assert.deepEqual(notices, [{ type: 'PUBLISHED', descriptionId: d.id, text: d.text }]);
  for (const gateway of [a, b]) assert.deepEqual(await read(gateway), { id: d.id, source: 'CACHED' });
});
