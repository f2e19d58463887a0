import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import WebSocket from 'ws';
import { createClient, type Client } from 'graphql-ws';
import { startFakeOpenAI } from '../helpers/fake-openai.js';
import { spawnGateway } from '../helpers/gateway-process.js';
import { startTestServer } from '../helpers/server.js';
import { TEST_GATEWAY_API_KEYS, TEST_KEYS, bearer } from '../helpers/keys.js';
import { tempDir, type AfterHook } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait.js';
import { productIds, type GqlBody } from '../helpers/graphql.js';

const GENERATE =
  'mutation G($input: [GenerateDescriptionInput!]!) { generateDescriptions(input: $input) { __typename } }';
const STREAM = 'subscription S($id: ID!) { descriptionStream(productId: $id, provider: "openai") { type token } }';

interface StreamOutcome {
  events: Array<{ type: string }>;
  errors: Array<{ extensions?: Record<string, unknown> }>;
  /** How it ended: complete, or an error (GraphQL errors, or the socket's close event). */
  ended: 'complete' | 'error';
}

/** Subscribes and collects until the operation completes or fails. */
function stream(client: Client, query: string, variables: Record<string, unknown>): Promise<StreamOutcome> {
  const out: StreamOutcome = { events: [], errors: [], ended: 'complete' };
  return new Promise((resolve) => {
    client.subscribe(
      { query, variables },
      {
        next: (msg: GqlBody<{ descriptionStream: { type: string } }>) => {
          if (msg.errors) out.errors.push(...msg.errors);
          if (msg.data?.descriptionStream) out.events.push(msg.data.descriptionStream);
        },
        error: (error) => {
          if (Array.isArray(error)) out.errors.push(...error);
          resolve({ ...out, ended: 'error' });
        },
        complete: () => resolve(out),
      },
    );
  });
}

/** A graphql-ws client that records how its socket closed. */
function wsClient(url: string, key?: string): { client: Client; closes: number[] } {
  const closes: number[] = [];
  const client = createClient({
    url: url.replace('http', 'ws') + '/graphql',
    webSocketImpl: WebSocket,
    ...(key ? { connectionParams: { authorization: `Bearer ${key}` } } : {}),
    lazy: true,
    retryAttempts: 0,
    on: { closed: (event) => closes.push((event as { code: number }).code) },
  });
  return { client, closes };
}

/**
 * The real process (`node dist/src/index.js`) under a NODE_ENV other than
 * test, where Apollo would otherwise install its own SIGTERM handler: 50
 * generations and one token stream are held at a slow fake provider when
 * SIGTERM arrives.
 */
async function drainsUnder(nodeEnv: string | undefined, t: AfterHook): Promise<void> {
  const fake = await startFakeOpenAI({ latencyMs: 1500 });
  const dir = tempDir('stylesprint-shutdown', t);
  const gateway = await spawnGateway(
    'index',
    {
      NODE_ENV: nodeEnv,
      DATABASE_PATH: path.join(dir, 'gateway.db'),
      DATABASE_URL: undefined,
      REDIS_URL: undefined,
      PROVIDERS: 'openai',
      OPENAI_BASE_URL: fake.baseURL,
      OPENAI_API_KEY: 'sk-test-shutdown-provider-secret',
      GATEWAY_API_KEYS: TEST_GATEWAY_API_KEYS,
      CACHE_TTL_MS: '0',
      SHUTDOWN_GRACE_MS: '10000',
      RATE_LIMITS: 'personalization=off',
    },
    `shutdown-${nodeEnv ?? 'unset'}`,
  );
  const { client, closes } = wsClient(gateway.url, TEST_KEYS.personalization);
  try {
    const auth = bearer(TEST_KEYS.personalization);
    const ids = await productIds(gateway.gql, 50, auth);
    assert.equal(ids.length, 50);

    // A cut socket is recorded as status 0, so a failure is reported here, not as a stray rejection.
    const requests = ids.map((productId) =>
      gateway
        .gql<{ generateDescriptions: Array<{ __typename: string }> }>(GENERATE, { input: [{ productId }] }, auth)
        .catch(() => ({ status: 0, body: null })),
    );
    const streamed = stream(client, STREAM, { id: ids[0] });
    // Wait until every generation and the stream are held at the fake (1.5 s latency), then stop.
    await waitFor(() => fake.inFlight() >= 51, {
      intervalMs: 20,
      what: () => `all 50 generations and the stream in flight before SIGTERM (${fake.inFlight()})`,
    });
    assert.equal(fake.inFlight(), 51);
    gateway.child.kill('SIGTERM');
    // The gateway turns to draining before it logs so.
    await waitFor(() => gateway.logs.some((l) => l.msg === 'draining'), { what: 'the drain to start' });

    const ready = await fetch(`${gateway.url}/readyz`);
    assert.equal(ready.status, 503);
    assert.equal(((await ready.json()) as { status: string }).status, 'draining');
    const late = await gateway.gql(GENERATE, { input: [{ productId: ids[0] }] }, auth);
    assert.equal(late.status, 503);
    assert.equal(late.body.errors?.[0]?.extensions?.code, 'SHUTTING_DOWN');
    // A new operation on the open socket is refused with the same code; a new socket at the handshake.
    const lateStream = await stream(client, STREAM, { id: ids[1] });
    assert.equal(lateStream.ended, 'error');
    assert.equal(lateStream.errors[0]?.extensions?.code, 'SHUTTING_DOWN');
    const handshake = await new Promise<number>((resolve, reject) => {
      const socket = new WebSocket(gateway.url.replace('http', 'ws') + '/graphql', 'graphql-transport-ws');
      socket.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      socket.once('open', () => reject(new Error('a socket opened during the drain')));
      socket.once('error', () => {});
    });
    assert.equal(handshake, 503);

    const results = await Promise.all(requests);
    assert.deepEqual(
      results.map((r) => r.status),
      new Array(50).fill(200),
    );
    assert.ok(results.every((r) => r.body?.data?.generateDescriptions[0]?.__typename === 'Description'));
    const streamedOutcome = await streamed;
    assert.equal(streamedOutcome.ended, 'complete');
    assert.deepEqual(streamedOutcome.errors, []);
    assert.equal(streamedOutcome.events.at(-1)?.type, 'DONE', 'the stream in flight finished');
    assert.equal(await gateway.exited, 0);
    // The socket ended with a close frame (1000 from the client, or 1001 going away), never cut (1006).
    assert.ok(
      closes.length > 0 && closes.every((code) => code === 1000 || code === 1001),
      `close codes ${closes.join(', ')}`,
    );
    assert.ok(
      gateway.logs.some((l) => l.msg === 'draining'),
      'the drain is logged',
    );
  } finally {
    await client.dispose();
    if (gateway.child.exitCode === null) await gateway.kill();
    await fake.close();
  }
}

test('SIGTERM with NODE_ENV=production: /readyz 503, the 50 generations and the stream in flight finish, new work gets SHUTTING_DOWN, exit 0', (t) =>
  drainsUnder('production', t));

test('SIGTERM with NODE_ENV unset (development): the same drain, exit 0', (t) => drainsUnder(undefined, t));

test('a stream still running when the grace period ends is closed with 1001 (going away), not cut', async () => {
  const fake = await startFakeOpenAI();
  fake.setMode('hang');
  const server = await startTestServer({
    providers: ['openai'],
    openaiBaseUrl: fake.baseURL,
    cacheTtlMs: 0,
    shutdownGraceMs: 300,
  });
  const { client, closes } = wsClient(server.url);
  try {
    const [id] = await productIds(server.gql, 1);
    const streamed = stream(client, STREAM, { id });
    await waitFor(() => fake.inFlight() >= 1, { what: 'the stream to reach the provider' });
    const started = Date.now();
    await server.close();
    assert.ok(Date.now() - started >= 280, 'close() waited for the grace period');
    const outcome = await streamed;
    assert.equal(outcome.ended, 'error');
    assert.deepEqual(closes, [1001]);
  } finally {
    await client.dispose();
    await server.stop();
    await fake.close();
  }
});
