import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createClient, type Client } from 'graphql-ws';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { startFakeOpenAI, type FakeOpenAI } from '../helpers/fake-openai.js';
import { dataOf, productIds, type GqlBody, type GqlError } from '../helpers/graphql.js';
import { must, mustHave } from '../helpers/must.js';

const STREAM = `subscription($productId: ID!, $provider: String, $regenerate: Boolean! = false) {
  descriptionStream(productId: $productId, provider: $provider, regenerate: $regenerate) { type index token replay description { id text provider source } }
}`;

const cleanup: Array<() => Promise<void> | void> = [];
after(async () => {
  for (const fn of cleanup.reverse()) await fn();
});

interface StreamEvent {
  type: string;
  index: number;
  token: string | null;
  replay: boolean;
  /** Set on DONE. */
  description: { id: string; text: string; provider: string; source: string } | null;
}

interface Collected {
  events: StreamEvent[];
  errors: GqlError[];
}

/** The description a stream's last event (DONE) carries; fails the test when it carries none. */
function finalDescription(events: StreamEvent[]): NonNullable<StreamEvent['description']> {
  return must(events.at(-1)?.description, "the last event's description");
}

function collect(client: Client, variables: Record<string, unknown>): Promise<Collected> {
  const out: Collected = { events: [], errors: [] };
  return new Promise((resolve, reject) => {
    client.subscribe(
      { query: STREAM, variables },
      {
        next: (msg: GqlBody<{ descriptionStream: StreamEvent }>) => {
          if (msg.errors) out.errors.push(...msg.errors);
          if (msg.data?.descriptionStream) out.events.push(msg.data.descriptionStream);
        },
        error: (err) => (Array.isArray(err) ? (out.errors.push(...(err as GqlError[])), resolve(out)) : reject(err)),
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
  cleanup.push(
    () => fake.close(),
    () => server.stop(),
    () => client.dispose(),
  );
  const [productId] = mustHave(await productIds(server.gql, 1), 1, 'product ids');
  return { server, fake, client, productId: productId };
}

test('tokens stream in order, then the stored description', async () => {
  const { client, productId, server } = await setup();
  const { events, errors } = await collect(client, { productId, provider: 'openai' });
  assert.deepEqual(errors, []);
  const tokens = events.filter((e) => e.type === 'TOKEN');
  assert.ok(tokens.length >= 2, `only ${tokens.length} tokens`);
  assert.deepEqual(
    tokens.map((t) => t.index),
    tokens.map((_, i) => i),
  );
  assert.equal(events.at(-1)?.type, 'DONE');
  const done = finalDescription(events);
  assert.equal(done.text, tokens.map((t) => t.token).join(''));
  assert.equal(done.source, 'GENERATED');
  assert.ok(events.every((e) => !e.replay));
  const stored = await server.gql<{ description: unknown }>(
    'query($id: ID!) { description(id: $id) { text provider } }',
    { id: done.id },
  );
  assert.deepEqual(dataOf(stored).description, { text: done.text, provider: 'openai' });
});

test('a failure before the first token fails over to the next provider', async () => {
  const { client, productId, fake } = await setup();
  fake.setMode('503');
  const { events, errors } = await collect(client, { productId });
  assert.deepEqual(errors, []);
  assert.equal(events.at(-1)?.type, 'DONE');
  assert.equal(finalDescription(events).provider, 'onnx');
  assert.ok(fake.count('chat.completions') >= 1);
});

test('a cut after the first token ends with STREAM_INTERRUPTED, never a truncated success', async () => {
  const { client, productId, fake, server } = await setup();
  fake.setMode('stream_cut');
  const { events, errors } = await collect(client, { productId, provider: 'openai' });
  assert.ok(
    events.some((e) => e.type === 'TOKEN'),
    'some tokens arrived first',
  );
  assert.ok(!events.some((e) => e.type === 'DONE'), 'no DONE after a cut');
  assert.equal(errors[0]?.extensions?.code, 'STREAM_INTERRUPTED');
  const stored = await server.gql<{ products: { edges: Array<{ node: { description: { source: string } | null } }> } }>(
    '{ products(first: 1) { edges { node { description(provider: "openai") { source } } } } }',
  );
  assert.notEqual(dataOf(stored).products.edges[0]?.node.description?.source, 'CACHED', 'nothing truncated was stored');
});

test('the local model streams whole words in a few chunks, not one message per sub-word token', async () => {
  const { client, productId } = await setup();
  const { events, errors } = await collect(client, { productId, provider: 'onnx' });
  assert.deepEqual(errors, []);
  const tokens = events.filter((e) => e.type === 'TOKEN').map((t) => must(t.token, 'a token'));
  const text = finalDescription(events).text;
  assert.equal(tokens.join(''), text);
  const words = text.split(/\s+/).length;
  assert.ok(tokens.length >= 1 && tokens.length < words, `${tokens.length} chunks for ${words} words`);
  // Every chunk but the last ends a word; one that does not is a word that stayed unfinished a whole interval (allowed, but rare).
  const unfinished = tokens.slice(0, -1).filter((t) => !/\s$/.test(t));
  assert.ok(unfinished.length <= 1, `chunks cut inside a word: ${JSON.stringify(unfinished)}`);
});

test('asking again replays the stored description without a provider call; regenerate: true writes a new one', async () => {
  const { client, productId, fake } = await setup();
  const first = await collect(client, { productId, provider: 'openai' });
  const generated = finalDescription(first.events);
  assert.equal(generated.source, 'GENERATED');
  const calls = fake.count('chat.completions');

  const again = await collect(client, { productId, provider: 'openai' });
  assert.deepEqual(again.errors, []);
  assert.equal(fake.count('chat.completions'), calls, 'no provider call for a replay');
  assert.ok(again.events.every((e) => e.replay));
  const replayed = again.events.filter((e) => e.type === 'TOKEN');
  assert.ok(replayed.length >= 2, `${replayed.length} chunks`);
  assert.deepEqual(
    replayed.map((t) => t.index),
    replayed.map((_, i) => i),
  );
  assert.equal(replayed.map((t) => t.token).join(''), generated.text);
  assert.deepEqual(finalDescription(again.events), { ...generated, source: 'CACHED' });

  // Unpinned, the stored description of any provider matches too.
  assert.equal(finalDescription((await collect(client, { productId })).events).id, generated.id);

  const fresh = await collect(client, { productId, provider: 'openai', regenerate: true });
  assert.deepEqual(fresh.errors, []);
  assert.equal(fake.count('chat.completions'), calls + 1);
  assert.ok(fresh.events.every((e) => !e.replay));
  assert.equal(finalDescription(fresh.events).source, 'GENERATED');
  assert.notEqual(finalDescription(fresh.events).id, generated.id);
});

test('a provider name: unknown is BAD_USER_INPUT naming the known ones; known but not configured is PROVIDER_NOT_CONFIGURED', async () => {
  const { client, productId, fake } = await setup();
  const unknown = await collect(client, { productId, provider: 'gpt5' });
  assert.deepEqual(unknown.events, []);
  const refusal = must(unknown.errors[0], 'an error');
  assert.equal(refusal.extensions?.code, 'BAD_USER_INPUT');
  assert.equal(refusal.extensions.reason, 'UNKNOWN_PROVIDER');
  assert.deepEqual(refusal.extensions.known, ['openai', 'huggingface', 'onnx']);
  assert.match(refusal.message, /unknown provider "gpt5": known providers are openai, huggingface, onnx/);
  const unconfigured = await collect(client, { productId, provider: 'huggingface' });
  assert.deepEqual(unconfigured.events, []);
  assert.equal(unconfigured.errors[0]?.extensions?.code, 'PROVIDER_NOT_CONFIGURED');
  assert.equal(fake.count('chat.completions'), 0);
});
