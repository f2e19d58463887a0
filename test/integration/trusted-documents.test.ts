import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { startFakeOpenAI, type FakeOpenAI } from '../helpers/fake-openai.js';
import { TEST_GATEWAY_API_KEYS, TEST_KEYS, bearer } from '../helpers/keys.js';
import { errorExtensions, type GqlBody } from '../helpers/graphql.js';
import { repoRoot } from '../helpers/paths.js';
import { REVIEW_DOCUMENTS } from '../../src/http/review/documents.js';
import { must } from '../helpers/must.js';

/** The manifest codegen writes for the clients (`npm run codegen`), as the gateway loads it. */
const MANIFEST_FILE = path.join(repoRoot, 'clients', 'generated', 'persisted-documents.json');
const manifest = JSON.parse(readFileSync(MANIFEST_FILE, 'utf8')) as Record<string, string>;
/** The manifest's id of the named operation (whatever its hash is today). */
function idOf(operation: string): string {
  const entry = Object.entries(manifest).find(
    ([, text]) => text.startsWith(`query ${operation}(`) || text.startsWith(`mutation ${operation}(`),
  );
  assert.ok(entry, `${operation} is in the manifest`);
  return entry[0];
}
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

type Page = {
  products: {
    edges: Array<{ node: { id: string; title: string; price: number; description: { text: string } | null } }>;
  };
};

let fake: FakeOpenAI;
let server: TestServer;
const EDITOR_KEY = 'test-editor-key-trusted-4c2a8e';

before(async () => {
  fake = await startFakeOpenAI();
  server = await startTestServer({
    providers: ['openai'],
    openaiBaseUrl: fake.baseURL,
    openaiApiKey: 'sk-test-trusted-documents',
    gatewayApiKeys: `${TEST_GATEWAY_API_KEYS},editor:${EDITOR_KEY}`,
    trustedDocumentsManifest: MANIFEST_FILE,
    trustedDocuments: 'mobile=require,personalization=allow,editor=require,internal=off',
  });
});
after(async () => {
  await server.stop();
  await fake.close();
});

async function post<T = unknown>(body: unknown, key: string): Promise<{ status: number; body: GqlBody<T> }> {
  const response = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...bearer(key) },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as GqlBody<T> };
}

test("mobile (require) runs the manifest's product page by its documentId", async () => {
  const { status, body } = await post<Page>(
    { documentId: idOf('MobileProductPage'), variables: { first: 2 } },
    TEST_KEYS.mobile,
  );
  assert.equal(status, 200, JSON.stringify(body.errors));
  assert.equal(body.errors, undefined);
  const edges = must(body.data, 'data').products.edges;
  assert.equal(edges.length, 2);
  for (const { node } of edges) {
    assert.ok(node.title.length > 0);
    assert.equal(typeof node.price, 'number');
    assert.ok(node.description?.text, 'the description is there');
  }
});

test('mobile (require) is refused an unknown documentId, text outside the manifest and an unknown APQ hash; nothing runs', async () => {
  const before = fake.count();
  const unknownId = await post({ documentId: `sha256:${'0'.repeat(64)}`, variables: { first: 2 } }, TEST_KEYS.mobile);
  assert.equal(unknownId.status, 400);
  assert.equal(unknownId.body.errors?.[0]?.extensions?.code, 'PERSISTED_DOCUMENT_NOT_FOUND');
  const text = await post(
    { query: '{ products(first: 2) { edges { node { id description { text } } } } }' },
    TEST_KEYS.mobile,
  );
  assert.equal(text.status, 400);
  assert.equal(text.body.errors?.[0]?.extensions?.code, 'TRUSTED_DOCUMENT_REQUIRED');
  // Registering a document through APQ is refused as well: the hash is not the manifest's.
  const query = '{ products(first: 1) { edges { node { id } } } }';
  const register = await post(
    { query, extensions: { persistedQuery: { version: 1, sha256Hash: sha256(query) } } },
    TEST_KEYS.mobile,
  );
  assert.equal(register.body.errors?.[0]?.extensions?.code, 'TRUSTED_DOCUMENT_REQUIRED');
  const badId = await post({ documentId: 'MobileProductPage' }, TEST_KEYS.mobile);
  const badIdError = errorExtensions(badId.body.errors);
  assert.equal(badIdError.code, 'BAD_USER_INPUT');
  assert.equal(badIdError.reason, 'INVALID_DOCUMENT_ID');
  assert.equal(fake.count(), before, 'no generation was started');
});

test('mobile (require) may send a manifest document as its exact text or by its APQ hash', async () => {
  const id = idOf('MobileProduct');
  const productId = (
    await post<Page>({ documentId: idOf('MobileProductPage'), variables: { first: 1 } }, TEST_KEYS.mobile)
  ).body.data?.products.edges[0]?.node.id;
  assert.ok(productId, 'a product');
  const asText = await post<{ product: { id: string } }>(
    { query: manifest[id], variables: { id: productId } },
    TEST_KEYS.mobile,
  );
  assert.equal(asText.body.data?.product.id, productId, JSON.stringify(asText.body.errors));
  const byHash = await post<{ product: { id: string } }>(
    {
      variables: { id: productId },
      extensions: { persistedQuery: { version: 1, sha256Hash: id.slice('sha256:'.length) } },
    },
    TEST_KEYS.mobile,
  );
  assert.equal(byHash.body.data?.product.id, productId, JSON.stringify(byHash.body.errors));
});

test('a trusted document still meets the operation limits: first comes from its variables', async () => {
  const { status, body } = await post(
    { documentId: idOf('MobileProductPage'), variables: { first: 101 } },
    TEST_KEYS.mobile,
  );
  assert.equal(status, 400);
  const refusal = errorExtensions(body.errors);
  assert.equal(refusal.code, 'BAD_USER_INPUT');
  assert.equal(refusal.reason, 'PAGE_SIZE_OUT_OF_RANGE');
});

test('a GET names the document by documentId in the query string', async () => {
  const search = new URLSearchParams({
    documentId: idOf('MobileProductPage'),
    variables: JSON.stringify({ first: 1 }),
  });
  // A GET with no preflight header is refused by CSRF prevention; apps send this one.
  const response = await fetch(`${server.url}/graphql?${search}`, {
    headers: { ...bearer(TEST_KEYS.mobile), 'apollo-require-preflight': 'true' },
  });
  const body = (await response.json()) as GqlBody<Page>;
  assert.equal(response.status, 200, JSON.stringify(body.errors));
  assert.equal(body.data?.products.edges.length, 1);
});

test('personalization (allow) sends text or ids, and APQ registers and then hits a document of its own', async () => {
  const byId = await post<Page>(
    { documentId: idOf('MobileProductPage'), variables: { first: 1 } },
    TEST_KEYS.personalization,
  );
  assert.equal(byId.body.data?.products.edges.length, 1);
  const query = 'query Titles { products(first: 3) { edges { node { title } } } }';
  const persistedQuery = { version: 1, sha256Hash: sha256(query) };
  const miss = await post({ extensions: { persistedQuery } }, TEST_KEYS.personalization);
  assert.equal(miss.body.errors?.[0]?.extensions?.code, 'PERSISTED_QUERY_NOT_FOUND');
  const register = await post<Page>({ query, extensions: { persistedQuery } }, TEST_KEYS.personalization);
  assert.equal(register.body.data?.products.edges.length, 3);
  const hit = await post<Page>({ extensions: { persistedQuery } }, TEST_KEYS.personalization);
  assert.deepEqual(hit.body.data, register.body.data);
  const unknownId = await post({ documentId: `sha256:${sha256(query)}` }, TEST_KEYS.personalization);
  assert.equal(
    unknownId.body.errors?.[0]?.extensions?.code,
    'PERSISTED_DOCUMENT_NOT_FOUND',
    'an APQ registration is not a trusted document',
  );
});

test('a role set to off sends text; a documentId is refused', async () => {
  const { status, body } = await post(
    { documentId: idOf('MobileProductPage'), variables: { first: 1 } },
    TEST_KEYS.internal,
  );
  assert.equal(status, 400);
  const refusal = errorExtensions(body.errors);
  assert.equal(refusal.code, 'PERSISTED_DOCUMENT_NOT_FOUND');
  assert.equal(refusal.reason, 'TRUSTED_DOCUMENTS_OFF');
  const text = await post<Page>({ query: '{ products(first: 1) { edges { node { title } } } }' }, TEST_KEYS.internal);
  assert.equal(text.body.data?.products.edges.length, 1);
});

test('editor (require) runs every operation of the review page as the page sends it; any other text is refused', async () => {
  const products = await post<Page>({ query: '{ products(first: 1) { edges { node { id } } } }' }, TEST_KEYS.internal);
  const productId = products.body.data?.products.edges[0]?.node.id;
  assert.ok(productId, 'a product');
  const generated = await post<{ generateDescriptions: Array<{ id: string; status: string }> }>(
    {
      query:
        'mutation($id: ID!) { generateDescriptions(input: [{productId: $id}]) { ... on Description { id status } } }',
      variables: { id: productId },
    },
    TEST_KEYS.personalization,
  );
  const draft = generated.body.data?.generateDescriptions[0];
  assert.equal(draft?.status, 'IN_REVIEW', JSON.stringify(generated.body));
  const ran = new Set<string>();
  const run = async <T>(operation: keyof typeof REVIEW_DOCUMENTS, variables: Record<string, unknown>): Promise<T> => {
    const { status, body } = await post<T>({ query: REVIEW_DOCUMENTS[operation], variables }, EDITOR_KEY);
    assert.equal(status, 200, `${operation}: ${JSON.stringify(body.errors)}`);
    assert.equal(body.errors, undefined, operation);
    ran.add(operation);
    return must(body.data, operation);
  };
  const queue = await run<{ reviewQueue: { edges: Array<{ node: { id: string } }> } }>('ReviewQueue', { filter: null });
  assert.ok(queue.reviewQueue.edges.some((e) => e.node.id === draft.id));
  assert.equal(
    (await run<{ description: { id: string } }>('ReviewDescription', { id: draft.id })).description.id,
    draft.id,
  );
  assert.deepEqual(await run('ReviewBulkApprove', { ids: [] }), { bulkApproveDescriptions: [] });
  assert.equal(
    (await run<{ approveDescription: { status: string } }>('ReviewApprove', { id: draft.id, expectedVersion: 1 }))
      .approveDescription.status,
    'APPROVED',
  );
  assert.equal(
    (
      await run<{ publishDescription: { status: string } }>('ReviewPublish', {
        id: draft.id,
        override: true,
        note: 'checked by hand',
      })
    ).publishDescription.status,
    'PUBLISHED',
  );
  await run('ReviewEdit', { id: draft.id, expectedVersion: 1, text: 'A wrap dress, edited by the content team.' });
  assert.equal(
    (await run<{ rejectDescription: { status: string } }>('ReviewReject', { id: draft.id, reason: 'wrong fabric' }))
      .rejectDescription.status,
    'REJECTED',
  );
  // The experiments page's operations are the internal role's: the editor key's trusted text is let through, and the role refused.
  const experimentOperations = ['ReviewExperiments', 'ReviewExperiment'] as const;
  for (const operation of experimentOperations) {
    const refused = await post(
      { query: REVIEW_DOCUMENTS[operation], variables: { id: 'no-such-experiment' } },
      EDITOR_KEY,
    );
    assert.equal(refused.body.errors?.[0]?.extensions?.code, 'FORBIDDEN', operation);
    const internal = await post(
      { query: REVIEW_DOCUMENTS[operation], variables: { id: 'no-such-experiment' } },
      TEST_KEYS.internal,
    );
    assert.equal(internal.body.errors, undefined, operation);
    ran.add(operation);
  }
  assert.deepEqual([...ran].sort(), Object.keys(REVIEW_DOCUMENTS).sort(), 'every operation the pages send was run');

  const other = await post({ query: '{ reviewQueue(first: 1) { totalCount } }' }, EDITOR_KEY);
  assert.equal(other.status, 400);
  assert.equal(other.body.errors?.[0]?.extensions?.code, 'TRUSTED_DOCUMENT_REQUIRED');
});
