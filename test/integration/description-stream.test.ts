import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createClient, type Client } from 'graphql-ws';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { startFakeOpenAI, type FakeOpenAI } from '../helpers/fake-openai.js';

const STREAM = `subscription($productId: ID!, $provider: String) {
  descriptionStream(productId: $productId, provider: $provider) { type index token description { id text provider source } }
}`;

const cleanup: Array<() => Promise<void> | void> = [];
after(async () => {
  for (const fn of cleanup.reverse()) await fn();
});

interface Collected {
  events: Array<{ type: string; index: number; token: string | null; description: any }>;
  errors: Array<{ message: string; extensions?: Record<string, any> }>;
}

function collect(client: Client, variables: Record<string, unknown>): Promise<Collected> {
  const out: Collected = { events: [], errors: [] };
  return new Promise((resolve, reject) => {
    client.subscribe(
      { query: STREAM, variables },
      {
        next: (msg: any) => {
          if (msg.errors) out.errors.push(...msg.errors);
          if (msg.data?.descriptionStream) out.events.push(msg.data.descriptionStream);
        },
        error: (err) => (Array.isArray(err) ? (out.errors.push(...(err as any)), resolve(out)) : reject(err)),
        complete: () => resolve(out),
      },
    );
  });
}

async function setup(): Promise<{ server: TestServer; fake: FakeOpenAI; client: Client; productId: string }> {
  const fake = await startFakeOpenAI({ chunkDelayMs: 2, streamCutAfter: 3 });
  const server = await startTestServer({
    providers: ['openai', 'onnx'],
    openaiBaseUrl: fake.baseURL,
    cacheTtlMs: 0,
  });
  const client = createClient({ url: server.url.replace('http', 'ws') + '/graphql', lazy: true, retryAttempts: 0 });
  cleanup.push(() => fake.close(), () => server.stop(), () => client.dispose());
  const r = await server.gql('{ products(first: 1) { edges { node { id } } } }');
  return { server, fake, client, productId: r.body.data.products.edges[0].node.id };
}

test('tokens stream in order, then the stored description', async () => {
  const { client, productId, server } = await setup();
  const { events, errors } = await collect(client, { productId, provider: 'openai' });
  assert.deepEqual(errors, []);
  const tokens = events.filter((e) => e.type === 'TOKEN');
  assert.ok(tokens.length >= 2, `only ${tokens.length} tokens`);
  assert.deepEqual(tokens.map((t) => t.index), tokens.map((_, i) => i));
  const done = events.at(-1)!;
  assert.equal(done.type, 'DONE');
  assert.equal(done.description.text, tokens.map((t) => t.token).join(''));
  const stored = await server.gql('query($id: ID!) { description(id: $id) { text provider } }', { id: done.description.id });
  assert.deepEqual(stored.body.data.description, { text: done.description.text, provider: 'openai' });
});

test('a failure before the first token fails over to the next provider', async () => {
  const { client, productId, fake } = await setup();
  fake.setMode('503');
  const { events, errors } = await collect(client, { productId });
  assert.deepEqual(errors, []);
  assert.equal(events.at(-1)!.type, 'DONE');
  assert.equal(events.at(-1)!.description.provider, 'onnx');
  assert.ok(fake.count('chat.completions') >= 1);
});

test('a cut after the first token ends with STREAM_INTERRUPTED, never a truncated success', async () => {
  const { client, productId, fake, server } = await setup();
  fake.setMode('stream_cut');
  const { events, errors } = await collect(client, { productId, provider: 'openai' });
  assert.ok(events.some((e) => e.type === 'TOKEN'), 'some tokens arrived first');
  assert.ok(!events.some((e) => e.type === 'DONE'), 'no DONE after a cut');
  assert.equal(errors[0]?.extensions?.code, 'STREAM_INTERRUPTED');
  const stored = await server.gql('{ products(first: 1) { edges { node { description(provider: "openai") { source } } } } }');
  assert.notEqual(stored.body.data.products.edges[0].node.description?.source, 'CACHED', 'nothing truncated was stored');
});
