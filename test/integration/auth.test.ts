import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import WebSocket from 'ws';
import { createClient } from 'graphql-ws';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { recordTestSecrets } from '../helpers/run-dir.js';
import { startFakeOpenAI, type FakeOpenAI } from '../helpers/fake-openai.js';
import { TEST_GATEWAY_API_KEYS, TEST_KEYS, bearer } from '../helpers/keys.js';
import { dataOf, type GqlBody } from '../helpers/graphql.js';
import { repoRoot } from '../helpers/paths.js';
import { createGateway } from '../../schema/index.js';
import { ConfigError } from '../../src/config.js';
import { hashKey } from '../../src/auth/api-keys.js';
import { must } from '../helpers/must.js';

const run = promisify(execFile);
const PRODUCTS = '{ products(first: 2) { edges { node { id title } } } }';
type Products = { products: { edges: Array<{ node: { id: string; title: string } }> } };
const GENERATE =
  'mutation G($input: [GenerateDescriptionInput!]!) { generateDescriptions(input: $input) { __typename ... on Description { text } } }';

let fake: FakeOpenAI;
let server: TestServer;
/** The first server, closed by a test and replaced by one on its database: stopped last, which removes its folder. */
let first: TestServer | undefined;
let productId: string;

before(async () => {
  fake = await startFakeOpenAI();
  server = await startTestServer({
    providers: ['openai'],
    openaiBaseUrl: fake.baseURL,
    openaiApiKey: 'sk-test-auth-provider-secret',
    gatewayApiKeys: TEST_GATEWAY_API_KEYS,
    cacheTtlMs: 0,
  });
  productId = must(
    dataOf(await server.gql<Products>(PRODUCTS, {}, bearer(TEST_KEYS.mobile))).products.edges[0],
    'a product',
  ).node.id;
});
after(async () => {
  await server.stop();
  await first?.stop();
  await fake.close();
});

test('no key, a malformed header and an unknown key are UNAUTHENTICATED (401)', async () => {
  for (const headers of [{}, { authorization: 'Basic abc' }, bearer('test-unknown-key-000000000')]) {
    const { status, body } = await server.gql(PRODUCTS, {}, headers);
    assert.equal(status, 401);
    assert.equal(body.errors?.[0]?.extensions?.code, 'UNAUTHENTICATED');
    assert.equal(body.data, undefined);
  }
});

test('roles are hierarchical: mobile reads, personalization generates, internal imports and sees providers', async () => {
  for (const key of Object.values(TEST_KEYS)) {
    const r = await server.gql<Products>(PRODUCTS, {}, bearer(key));
    assert.equal(r.status, 200);
    assert.equal(dataOf(r).products.edges.length, 2);
  }
  const input = { input: [{ productId }] };
  const mobileGen = await server.gql(GENERATE, input, bearer(TEST_KEYS.mobile));
  assert.equal(mobileGen.body.errors?.[0]?.extensions?.code, 'FORBIDDEN');
  assert.equal(fake.count('chat.completions'), 0, 'a forbidden mutation never reaches a provider');
  const personal = await server.gql<{ generateDescriptions: Array<{ __typename: string }> }>(
    GENERATE,
    input,
    bearer(TEST_KEYS.personalization),
  );
  assert.equal(dataOf(personal).generateDescriptions[0]?.__typename, 'Description');

  const importCsv = 'mutation I($csv: String!) { importProducts(csv: $csv) { created } }';
  const csv = 'product_title,product_description,product_image,product_metadata\nAuth Test Tee,ref,,"[]"\n';
  assert.equal(
    (await server.gql(importCsv, { csv }, bearer(TEST_KEYS.personalization))).body.errors?.[0]?.extensions?.code,
    'FORBIDDEN',
  );
  assert.equal((await server.gql(importCsv, { csv }, bearer(TEST_KEYS.internal))).body.errors, undefined);

  const providers = '{ providers { id } }';
  assert.equal(
    (await server.gql(providers, {}, bearer(TEST_KEYS.personalization))).body.errors?.[0]?.extensions?.code,
    'FORBIDDEN',
  );
  assert.deepEqual(
    dataOf(await server.gql<{ providers: unknown }>(providers, {}, bearer(TEST_KEYS.internal))).providers,
    [{ id: 'openai' }],
  );
});

test('introspection needs the internal role outside development', async () => {
  const query = '{ __schema { queryType { name } } }';
  const mobile = await server.gql(query, {}, bearer(TEST_KEYS.mobile));
  assert.equal(mobile.body.errors?.[0]?.extensions?.code, 'FORBIDDEN');
  const viaFragment = await server.gql(
    '{ ...F } fragment F on Query { __type(name: "Product") { name } }',
    {},
    bearer(TEST_KEYS.personalization),
  );
  assert.equal(viaFragment.body.errors?.[0]?.extensions?.code, 'FORBIDDEN');
  const internal = await server.gql<{ __schema: { queryType: { name: string } } }>(
    query,
    {},
    bearer(TEST_KEYS.internal),
  );
  assert.equal(dataOf(internal).__schema.queryType.name, 'Query');
});

test('keys are stored hashed, never in clear', async () => {
  await server.close();
  const db = new DatabaseSync(server.config.databasePath, { readOnly: true });
  const rows = db.prepare('SELECT * FROM api_keys').all();
  db.close();
  assert.equal(rows.length, 3);
  const dump = JSON.stringify(rows);
  for (const key of Object.values(TEST_KEYS)) assert.ok(!dump.includes(key), 'a key is stored in clear');
  // Not even a piece of one: an environment key's stored prefix is empty.
  assert.deepEqual(
    rows.map((r) => r.prefix),
    ['', '', ''],
  );
  assert.deepEqual(rows.map((r) => r.role).sort(), ['internal', 'mobile', 'personalization']);
  first = server;
  server = await startTestServer({
    databasePath: server.config.databasePath,
    providers: ['openai'],
    openaiBaseUrl: fake.baseURL,
    gatewayApiKeys: TEST_GATEWAY_API_KEYS,
  });
});

test('CLI: create prints the key once, list shows no secret, revoke takes effect on the next request', async () => {
  const cli = path.join(repoRoot, 'dist', 'tools', 'keys.js');
  const env = { ...process.env, DATABASE_PATH: server.config.databasePath, NODE_ENV: 'test' };
  const created = await run(process.execPath, [cli, 'create', '--role', 'mobile', '--name', 'ios-app'], { env });
  const key = created.stdout.trim();
  recordTestSecrets('auth-cli', [key]);
  assert.match(key, /^ssk_[\w-]{43}$/);
  assert.equal((await server.gql(PRODUCTS, {}, bearer(key))).status, 200);
  assert.equal(
    (await server.gql(GENERATE, { input: [{ productId }] }, bearer(key))).body.errors?.[0]?.extensions?.code,
    'FORBIDDEN',
  );

  const listed = await run(process.execPath, [cli, 'list'], { env });
  assert.match(
    listed.stdout,
    new RegExp(`ios-app\tmobile\t${hashKey(key).slice(0, 12)}\t`),
    'the fingerprint is the start of the hash',
  );
  assert.ok(!listed.stdout.includes(key.slice(4, 12)), 'list printed characters of a generated key');
  for (const envKey of Object.values(TEST_KEYS))
    assert.ok(!listed.stdout.includes(envKey.slice(0, 4)), 'list printed characters of an environment key');

  await run(process.execPath, [cli, 'revoke', 'ios-app'], { env });
  const revoked = await server.gql(PRODUCTS, {}, bearer(key));
  assert.equal(revoked.status, 401);
  assert.equal(revoked.body.errors?.[0]?.extensions?.reason, 'REVOKED');
  await assert.rejects(run(process.execPath, [cli, 'revoke', 'ios-app'], { env }), /no active key/);
});

test('graphql-ws: connectionParams carry the key; a socket without one is refused', async () => {
  const url = server.url.replace('http', 'ws') + '/graphql';
  const subscribe = (connectionParams: Record<string, unknown>) =>
    new Promise<{ events: unknown[]; error?: unknown }>((resolve) => {
      const client = createClient({ url, webSocketImpl: WebSocket, connectionParams, retryAttempts: 0, lazy: true });
      const events: unknown[] = [];
      client.subscribe(
        {
          query: 'subscription S($id: ID!) { descriptionStream(productId: $id) { type } }',
          variables: { id: productId },
        },
        {
          next: (e) => events.push(e),
          error: (error) => {
            void client.dispose();
            resolve({ events, error });
          },
          complete: () => {
            void client.dispose();
            resolve({ events });
          },
        },
      );
    });
  const none = await subscribe({});
  assert.equal((none.error as { code?: number }).code, 4403);
  const mobile = await subscribe({ authorization: `Bearer ${TEST_KEYS.mobile}` });
  assert.equal((mobile.events[0] as GqlBody<unknown>).errors?.[0]?.extensions?.code, 'FORBIDDEN');
  const personal = await subscribe({ authorization: `Bearer ${TEST_KEYS.personalization}` });
  assert.equal(personal.error, undefined);
  assert.equal(
    (personal.events.at(-1) as GqlBody<{ descriptionStream: { type: string } }>).data?.descriptionStream.type,
    'DONE',
  );
});

test('open mode outside production: no key configured, every caller is internal, with a loud warning', async () => {
  const open = await startTestServer({ providers: ['openai'], openaiBaseUrl: fake.baseURL });
  try {
    assert.equal((await open.gql('{ providers { id } }')).body.errors, undefined);
  } finally {
    await open.stop();
  }
  // Read after stop(): the log stream is flushed when it ends.
  assert.match(readFileSync(open.logFile, 'utf8'), /NO API KEYS CONFIGURED/);
});

test('production refuses to start without keys', async () => {
  await assert.rejects(
    createGateway({
      nodeEnv: 'production',
      port: 0,
      host: '127.0.0.1',
      databasePath: ':memory:',
      providers: ['openai'],
      openaiBaseUrl: fake.baseURL,
      seedCatalog: false,
    }),
    (error: unknown) => error instanceof ConfigError && /no API keys in production/.test(error.message),
  );
});
