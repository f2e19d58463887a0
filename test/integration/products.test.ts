import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { dataOf, errorExtensions } from '../helpers/graphql.js';
import { must, mustHave } from '../helpers/must.js';
import {
  ImportProductsDocument,
  ProductByIdDocument,
  ProductBySkuDocument,
  ProductPageDocument,
  type ProductPageQuery,
} from '../generated/graphql.js';
import { chapter4Dir } from '../helpers/paths.js';
import { readSampleCatalog } from '../../src/seed.js';

let server: TestServer;
before(async () => {
  server = await startTestServer();
});
after(() => server.stop());

const PAGE = ProductPageDocument;

test('products(first: 5) returns the sample catalog, seeded on first start', async () => {
  const catalog = readSampleCatalog();
  const r = await server.gql(PAGE, { first: 5 });
  assert.equal(r.status, 200);
  const { products } = dataOf(r);
  assert.ok(products.totalCount >= 80);
  assert.equal(products.totalCount, catalog.length);
  assert.equal(products.edges.length, 5);
  assert.equal(products.pageInfo.hasNextPage, true);
  assert.deepEqual(
    products.edges.map((e) => e.node.sku),
    catalog.slice(0, 5).map((p) => p.sku),
  );
  const categories = new Set(catalog.map((p) => p.category));
  assert.ok(categories.size >= 8, `catalog has ${categories.size} categories`);
});

test('paging with cursors walks the whole catalog once, in order', async () => {
  const seen: string[] = [];
  let after: string | null = null;
  for (;;) {
    const { products }: ProductPageQuery = dataOf(await server.gql(PAGE, { first: 33, after }));
    assert.equal(products.pageInfo.hasPreviousPage, after !== null);
    seen.push(...products.edges.map((e) => e.node.id));
    if (!products.pageInfo.hasNextPage) break;
    after = products.pageInfo.endCursor;
  }
  assert.equal(new Set(seen).size, readSampleCatalog().length);
});

test('filters: category, search and tags narrow the list and the count', async () => {
  const catalog = readSampleCatalog();
  const [first, second] = mustHave(catalog, 2, 'catalog products');
  const category = must(first.category, 'a category');
  const byCategory = await server.gql(PAGE, { first: 100, filter: { category: category.toUpperCase() } });
  assert.equal(dataOf(byCategory).products.totalCount, catalog.filter((p) => p.category === category).length);
  assert.ok(dataOf(byCategory).products.edges.every((e) => e.node.category === category));

  const tag = must(first.attributes[0], 'a tag');
  const byTag = await server.gql(PAGE, { first: 100, filter: { tags: [tag] } });
  const expected = catalog.filter((p) => p.attributes.some((a) => a.toLowerCase() === tag.toLowerCase())).length;
  assert.equal(dataOf(byTag).products.totalCount, expected);

  const word = must(second.title.split(' ')[0], 'a title word');
  const bySearch = await server.gql(PAGE, { first: 100, filter: { search: word } });
  assert.ok(dataOf(bySearch).products.totalCount >= 1);
  for (const e of dataOf(bySearch).products.edges) {
    const n = e.node;
    const hay = `${n.title} ${n.referenceDescription} ${n.attributes.join(' ')}`.toLowerCase();
    assert.ok(hay.includes(word.toLowerCase()), `${n.title} does not match ${word}`);
  }
  const none = await server.gql(PAGE, { first: 10, filter: { search: '100%_no_such_thing' } });
  assert.equal(dataOf(none).products.totalCount, 0);
});

test('product(id) and productBySku find the same product; unknown ids give null', async () => {
  const sku = must(readSampleCatalog()[3]?.sku, 'a sku');
  const bySku = dataOf(await server.gql(ProductBySkuDocument, { sku })).productBySku;
  assert.ok(bySku);
  const byId = dataOf(await server.gql(ProductByIdDocument, { id: bySku.id })).product;
  assert.deepEqual([byId?.id, byId?.sku, byId?.title], [bySku.id, bySku.sku, bySku.title]);
  const missing = await server.gql('{ product(id: "nope") { id } productBySku(sku: "nope") { id } }');
  assert.deepEqual(missing.body.data, { product: null, productBySku: null });
});

test('bad paging input gets stable codes and the server stays up', async () => {
  const negative = await server.gql(PAGE, { first: -1 });
  assert.equal(negative.body.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
  for (const cursor of [
    'not-a-cursor',
    Buffer.from('product:abc').toString('base64url'),
    Buffer.from('other:1').toString('base64url'),
    '',
  ]) {
    const r = await server.gql(PAGE, { first: 5, after: cursor || 'x' });
    assert.equal(r.body.errors?.[0]?.extensions?.reason, 'INVALID_CURSOR', cursor);
  }
  const ok = await server.gql(PAGE, { first: 1 });
  assert.equal(dataOf(ok).products.edges.length, 1);
});

test('a page size out of range is one answer whatever its size, literal or variable, cheap or costly', async () => {
  const answers = [];
  for (const first of [101, 10_000, -1]) {
    answers.push(await server.gql(PAGE, { first }));
    answers.push(await server.gql(`{ products(first: ${first}) { totalCount } }`));
    // With a generated field per row, armor's cost rule and ours would otherwise refuse first: 10000 as too costly.
    answers.push(await server.gql(`{ products(first: ${first}) { edges { node { description { text } } } } }`));
  }
  for (const r of answers) {
    assert.equal(r.status, 400, JSON.stringify(r.body));
    assert.equal(r.body.data, undefined, 'refused before anything ran');
    assert.equal(r.body.errors?.length, 1, JSON.stringify(r.body.errors));
    const extensions = errorExtensions(r.body.errors);
    assert.deepEqual(
      [extensions.code, extensions.reason, extensions.max],
      ['BAD_USER_INPUT', 'PAGE_SIZE_OUT_OF_RANGE', 100],
    );
  }
  assert.equal(dataOf(await server.gql(PAGE, { first: 100 })).products.edges.length, 100);
});

test('first: 0 answers an empty page whose hasNextPage is true only when products follow', async () => {
  const all = dataOf(await server.gql(PAGE, { first: 100 })).products;
  const zero = dataOf(await server.gql(PAGE, { first: 0 })).products;
  assert.deepEqual(zero.edges, []);
  assert.equal(zero.totalCount, all.totalCount);
  assert.deepEqual(zero.pageInfo, { hasNextPage: true, hasPreviousPage: false, startCursor: null, endCursor: null });
  const last = dataOf(await server.gql(PAGE, { first: 100, after: all.pageInfo.endCursor })).products;
  const atEnd = dataOf(await server.gql(PAGE, { first: 0, after: last.pageInfo.endCursor })).products;
  assert.deepEqual(atEnd.pageInfo, { hasNextPage: false, hasPreviousPage: true, startCursor: null, endCursor: null });
  const mid = dataOf(await server.gql(PAGE, { first: 0, after: must(all.edges[10], 'an 11th edge').cursor })).products;
  assert.equal(mid.pageInfo.hasNextPage, true);
  const none = dataOf(await server.gql(PAGE, { first: 0, filter: { search: 'no such product anywhere' } })).products;
  assert.deepEqual([none.totalCount, none.pageInfo.hasNextPage], [0, false]);
});

test('a cursor re-encoded as padded or standard base64 pages the same; garbage is still INVALID_CURSOR', async () => {
  const first = dataOf(await server.gql(PAGE, { first: 30 })).products;
  const next = async (after: string) => (await server.gql(PAGE, { first: 3, after })).body;
  const ids = (body: Awaited<ReturnType<typeof next>>): string[] =>
    (body.data?.products.edges ?? []).map((e) => e.node.id);
  // Cursors whose base64 needs padding, and one whose bytes encode to - or _ (+ or / in standard base64).
  const cursors = first.edges.map((e) => e.cursor);
  const padded = cursors.find((c) => c.length % 4 !== 0);
  assert.ok(padded, 'some cursor needs padding');
  for (const cursor of cursors.slice(0, 30)) {
    const bytes = Buffer.from(cursor, 'base64url');
    const expected = ids(await next(cursor));
    assert.equal(expected.length, 3);
    for (const form of [
      bytes.toString('base64'),
      bytes.toString('base64').replace(/=+$/, ''),
      bytes.toString('base64url') + '='.repeat((4 - (cursor.length % 4)) % 4),
    ]) {
      const r = await next(form);
      assert.equal(r.errors, undefined, `${form}: ${JSON.stringify(r.errors)}`);
      assert.deepEqual(ids(r), expected, form);
    }
  }
  for (const garbage of [
    `${padded}=`,
    `${padded}===`,
    `${padded.slice(0, -1)}=`,
    `=${padded}`,
    `${padded} `,
    `${padded}%3D`,
    'cHJvZHVjdDoxMA.',
    Buffer.from('product:01').toString('base64'),
  ]) {
    const r = await next(garbage);
    assert.equal(r.errors?.[0]?.extensions?.reason, 'INVALID_CURSOR', garbage);
  }
});

test('the chapter-4 CSV imports 20 products with no errors, idempotently', async () => {
  const csv = readFileSync(path.join(chapter4Dir, 'product_data.csv'), 'utf8');
  const mutation = ImportProductsDocument;
  const before = dataOf(await server.gql(PAGE, { first: 1 })).products.totalCount;
  const r = dataOf(await server.gql(mutation, { csv })).importProducts;
  assert.equal(r.failed, 0);
  assert.equal(r.created, 20);
  assert.equal(r.rows.length, 20);
  const again = dataOf(await server.gql(mutation, { csv })).importProducts;
  assert.deepEqual([again.created, again.updated, again.unchanged, again.failed], [0, 0, 20, 0]);
  assert.deepEqual(
    again.rows.map((x) => x.productId),
    r.rows.map((x) => x.productId),
  );
  const afterCount = dataOf(await server.gql(PAGE, { first: 1 })).products.totalCount;
  assert.equal(afterCount, before + 20);
  const gown = r.rows.find((x) => /gown/i.test(x.title ?? ''));
  assert.ok(gown?.productId, 'a gown was imported');
  const product = dataOf(await server.gql(ProductByIdDocument, { id: gown.productId })).product;
  assert.ok(product && product.attributes.length >= 2);
  assert.match(product.imageUrl ?? '', /\.jpe?g$/);
});

test('the SQLite file keeps its data across a restart', async () => {
  const s1 = await startTestServer();
  const dbFile = s1.config.databasePath;
  const csv =
    'product_image,product_description,product_title,product_metadata,sku\nimg.jpg,"A test coat.",Restart Coat,"warm, wool",RESTART-1\n';
  await s1.gql('mutation($csv: String!) { importProducts(csv: $csv) { created } }', { csv });
  await s1.close();
  const s2 = await startTestServer({ databasePath: dbFile });
  const restored = dataOf(await s2.gql(ProductBySkuDocument, { sku: 'RESTART-1' })).productBySku;
  assert.deepEqual([restored?.title, restored?.attributes], ['Restart Coat', ['warm', 'wool']]);
  const count = dataOf(await s2.gql(PAGE, { first: 1 })).products.totalCount;
  assert.equal(count, readSampleCatalog().length + 1, 'no second seeding');
  await s2.stop();
  await s1.stop();
});

test('SEED_CATALOG=false starts with an empty catalog', async () => {
  const empty = await startTestServer({ seedCatalog: false });
  try {
    assert.equal(dataOf(await empty.gql(PAGE, { first: 1 })).products.totalCount, 0);
  } finally {
    await empty.stop();
  }
});
