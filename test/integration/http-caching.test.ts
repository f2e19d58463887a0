import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { startFakeOpenAI, type FakeOpenAI } from '../helpers/fake-openai.js';
import { TEST_GATEWAY_API_KEYS, TEST_KEYS, bearer } from '../helpers/keys.js';
import { repoRoot } from '../helpers/paths.js';
import { must } from '../helpers/must.js';

const MANIFEST_FILE = path.join(repoRoot, 'clients', 'generated', 'persisted-documents.json');
const manifest = JSON.parse(readFileSync(MANIFEST_FILE, 'utf8')) as Record<string, string>;
const [PAGE_ID] = must(
  Object.entries(manifest).find(([, text]) => text.startsWith('query MobileProductPage(')),
  'the MobileProductPage document',
);

let fake: FakeOpenAI;
let server: TestServer;

before(async () => {
  fake = await startFakeOpenAI();
  server = await startTestServer({
    providers: ['openai'],
    openaiBaseUrl: fake.baseURL,
    openaiApiKey: 'sk-test-http-caching',
    gatewayApiKeys: TEST_GATEWAY_API_KEYS,
    trustedDocumentsManifest: MANIFEST_FILE,
    trustedDocuments: 'mobile=require',
  });
});
after(async () => {
  await server.stop();
  await fake.close();
});

/** The mobile app's page over GET, by documentId. */
function getPage(headers: Record<string, string> = {}): Promise<Response> {
  const search = new URLSearchParams({ documentId: PAGE_ID, variables: JSON.stringify({ first: 3 }) });
  return fetch(`${server.url}/graphql?${search}`, {
    headers: { ...bearer(TEST_KEYS.mobile), 'apollo-require-preflight': 'true', ...headers },
  });
}

test('a GET answer has an ETag; sent back, it gets 304 with no body until the answer changes', async () => {
  const first = await getPage();
  assert.equal(first.status, 200);
  const etag = must(first.headers.get('etag'), 'an ETag');
  assert.match(etag, /^"[\w-]+"$/);
  assert.equal(
    first.headers.get('cache-control'),
    'private, no-cache',
    'the app revalidates; no shared cache keeps it',
  );
  const page = (await first.json()) as {
    data: { products: { edges: Array<{ node: { id: string; title: string } }> } };
  };

  const again = await getPage({ 'if-none-match': etag });
  assert.equal(again.status, 304);
  assert.equal(await again.text(), '');
  assert.equal(again.headers.get('etag'), etag);
  assert.equal(
    (await getPage({ 'if-none-match': `"other", W/${etag}` })).status,
    304,
    'weak comparison, any tag of a list',
  );
  assert.equal((await getPage({ 'if-none-match': '"other"' })).status, 200);

  // A title on the page changes: the same request gets the new answer and another tag.
  const shown = must(page.data.products.edges[0], 'a product on the page').node;
  const record = must((await server.storage.catalog.productsByIds([shown.id]))[0], 'the record');
  await server.storage.catalog.upsertProducts([{ ...record, title: `${record.title} (new season)` }]);
  const changed = await getPage({ 'if-none-match': etag });
  assert.equal(changed.status, 200);
  assert.notEqual(changed.headers.get('etag'), etag);
  const body = (await changed.json()) as typeof page;
  assert.equal(body.data.products.edges[0]?.node.title, `${record.title} (new season)`);
});

test('a POST answer, and a GET that fails, stay no-store and get no ETag', async () => {
  const post = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...bearer(TEST_KEYS.mobile) },
    body: JSON.stringify({ documentId: PAGE_ID, variables: { first: 1 } }),
  });
  assert.equal(post.status, 200);
  assert.equal(post.headers.get('etag'), null);
  assert.equal(post.headers.get('cache-control'), 'no-store');
  const search = new URLSearchParams({ documentId: PAGE_ID, variables: JSON.stringify({ first: 101 }) });
  const refused = await fetch(`${server.url}/graphql?${search}`, {
    headers: { ...bearer(TEST_KEYS.mobile), 'apollo-require-preflight': 'true' },
  });
  assert.equal(refused.status, 400);
  assert.equal(refused.headers.get('etag'), null);
  assert.equal(refused.headers.get('cache-control'), 'no-store');
});
