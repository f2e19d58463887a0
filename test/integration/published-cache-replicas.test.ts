/**
 * The read path's cache of published texts on two gateway processes sharing
 * one Redis and one database: a replica that has served a product from its
 * cache serves, from its very next read after the notice, each publish, each
 * edit-publish, each unpublish and each rejection made on the other replica.
 * Real processes, a real Redis (TEST_REDIS_URL) and PostgreSQL
 * (TEST_DATABASE_URL) when there is one, else one SQLite file; skipped
 * loudly without Redis.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { createClient, type Client } from 'graphql-ws';
import type { ChildGateway } from '../helpers/gateway-process.js';
import { skipWithoutRedis } from '../helpers/redis.js';
import { startReplicas, type Replicas } from '../helpers/replicas.js';
import { TEST_KEYS, bearer } from '../helpers/keys.js';
import { dataOf, productIds } from '../helpers/graphql.js';
import { must, mustHave } from '../helpers/must.js';

let replicas: Replicas | undefined;
let skipReason = '';

before(async () => {
  // A TTL long enough that only a notice can explain a fresh read within this test.
  const started = await startReplicas('published-cache', { postgres: true, env: { PUBLISHED_CACHE_TTL_MS: '600000' } });
  if (started.ok) replicas = started.replicas;
  else skipReason = started.reason;
});

after(async () => {
  await replicas?.close();
});

/** Notices of one product as replica b's subscribers hear them; `next(type)` resolves when the next of that type has arrived. */
async function listen(
  gateway: ChildGateway,
  productId: string,
): Promise<{ next: (type: string) => Promise<void>; close: () => Promise<void> }> {
  const client: Client = createClient({
    url: `${gateway.url.replace('http', 'ws')}/graphql`,
    connectionParams: { authorization: `Bearer ${TEST_KEYS.mobile}` },
    lazy: true,
    retryAttempts: 0,
  });
  const heard: string[] = [];
  let waiter: { type: string; resolve: () => void } | undefined;
  const stop = client.subscribe<{ descriptionPublished: { type: string } }>(
    { query: 'subscription($id: ID) { descriptionPublished(productId: $id) { type } }', variables: { id: productId } },
    {
      next: (m) => {
        if (m.data) heard.push(m.data.descriptionPublished.type);
        if (waiter && heard.includes(waiter.type)) waiter.resolve();
      },
      error: () => {},
      complete: () => {},
    },
  );
  // Registered once the server has handled it: a later operation on the same socket orders after it.
  await new Promise<void>((resolve, reject) =>
    client.subscribe({ query: '{ __typename }' }, { next: () => {}, error: reject, complete: resolve }),
  );
  return {
    next: (type) =>
      new Promise<void>((resolve) => {
        const done = () => (heard.splice(heard.indexOf(type), 1), (waiter = undefined), resolve());
        if (heard.includes(type)) done();
        else waiter = { type, resolve: done };
      }),
    async close() {
      stop();
      await client.dispose();
    },
  };
}

async function cacheHits(gateway: ChildGateway): Promise<number> {
  const res = await fetch(`${gateway.url}/metrics`, { headers: { authorization: `Bearer ${TEST_KEYS.internal}` } });
  const line = (await res.text()).split('\n').find((l) => l.startsWith('gateway_published_cache_total{result="hit"}'));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

test('publish, edit-publish, unpublish and reject on one replica show in the other replica’s next read, which serves from its cache in between', async (t) => {
  if (!replicas) return skipWithoutRedis(t, skipReason);
  const { a, b } = replicas;
  const internal = bearer(TEST_KEYS.internal);
  const [productId] = mustHave(await productIds(a.gql, 1, internal), 1, 'product ids');
  const read = async () =>
    dataOf(
      await b.gql<{ product: { description: { id: string; source: string; text: string } | null } }>(
        'query($id: ID!) { product(id: $id) { description { id source text } } }',
        { id: productId },
        bearer(TEST_KEYS.mobile),
      ),
    ).product.description;
  const act = async (mutation: string, variables: Record<string, unknown>) =>
    dataOf(await a.gql(mutation, variables, internal));
  const notices = await listen(b, productId);
  try {
    const generated = await a.gql<{ generateDescriptions: Array<{ id: string; text: string }> }>(
      'mutation($id: ID!) { generateDescriptions(input: [{productId: $id}]) { ... on Description { id text } } }',
      { id: productId },
      bearer(TEST_KEYS.personalization),
    );
    const d = must(dataOf(generated).generateDescriptions[0], 'a generated description');
    await act('mutation($id: ID!) { approveDescription(id: $id) { status } }', { id: d.id });

    const reference = await read();
    assert.equal(reference?.source, 'REFERENCE');
    const hits = await cacheHits(b);
    assert.deepEqual(await read(), reference);
    assert.ok((await cacheHits(b)) > hits, 'the second read was served from b’s cache');

    await act('mutation($id: ID!) { publishDescription(id: $id) { status } }', { id: d.id });
    await notices.next('PUBLISHED');
    assert.deepEqual(await read(), { id: d.id, source: 'CACHED', text: d.text }, 'publish');

    const edited = `${d.text} Edited by the content team.`;
    await act(
      'mutation($id: ID!, $text: String!) { editDescription(id: $id, text: $text, expectedVersion: 1) { version } }',
      { id: d.id, text: edited },
    );
    assert.equal((await read())?.text, d.text, 'an edit of a live text leaves the live version live');
    await act('mutation($id: ID!) { publishDescription(id: $id) { publishedVersion } }', { id: d.id });
    await notices.next('PUBLISHED');
    assert.equal((await read())?.text, edited, 'edit-publish');

    await act('mutation($id: ID!) { unpublishDescription(id: $id) { status } }', { id: d.id });
    await notices.next('UNPUBLISHED');
    assert.deepEqual(await read(), reference, 'unpublish');

    await act('mutation($id: ID!) { publishDescription(id: $id) { status } }', { id: d.id });
    await notices.next('PUBLISHED');
    assert.equal((await read())?.text, edited);
    await act('mutation($id: ID!) { rejectDescription(id: $id, reason: "wrong fabric") { status } }', { id: d.id });
    await notices.next('UNPUBLISHED');
    assert.deepEqual(await read(), reference, 'reject of a live text');
  } finally {
    await notices.close();
  }
});
