import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { chapter4Dir } from '../helpers/paths.js';
import { readSampleCatalog } from '../../src/seed.js';

let server: TestServer;
before(async () => {
  server = await startTestServer();
});
after(() => server.stop());

const PAGE = `query Page($first: Int!, $after: String, $filter: ProductFilterInput) {
  products(first: $first, after: $after, filter: $filter) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { id sku title category attributes colors sizes materials price referenceDescription createdAt } }
  }
}`;

test('products(first: 5) returns the sample catalog, seeded on first start', async () => {
  const catalog = readSampleCatalog();
  const { status, body } = await server.gql(PAGE, { first: 5 });
  assert.equal(status, 200);
  assert.equal(body.errors, undefined);
  assert.ok(body.data.products.totalCount >= 80);
  assert.equal(body.data.products.totalCount, catalog.length);
  assert.equal(body.data.products.edges.length, 5);
  assert.equal(body.data.products.pageInfo.hasNextPage, true);
  assert.deepEqual(
    body.data.products.edges.map((e: any) => e.node.sku),
    catalog.slice(0, 5).map((p) => p.sku),
  );
  const categories = new Set(catalog.map((p) => p.category));
  assert.ok(categories.size >= 8, `catalog has ${categories.size} categories`);
});

test('paging with cursors walks the whole catalog once, in order', async () => {
  const seen: string[] = [];
  let after: string | null = null;
  for (;;) {
    const { body }: any = await server.gql(PAGE, { first: 33, after });
    assert.equal(body.errors, undefined);
    assert.equal(body.data.products.pageInfo.hasPreviousPage, after !== null);
    seen.push(...body.data.products.edges.map((e: any) => e.node.id));
    if (!body.data.products.pageInfo.hasNextPage) break;
    after = body.data.products.pageInfo.endCursor;
  }
  assert.equal(new Set(seen).size, readSampleCatalog().length);
});

test('filters: category, search and tags narrow the list and the count', async () => {
  const catalog = readSampleCatalog();
  const category = catalog[0]!.category!;
  const byCategory = await server.gql(PAGE, { first: 100, filter: { category: category.toUpperCase() } });
  assert.equal(byCategory.body.data.products.totalCount, catalog.filter((p) => p.category === category).length);
  assert.ok(byCategory.body.data.products.edges.every((e: any) => e.node.category === category));

  const tag = catalog[0]!.attributes[0]!;
  const byTag = await server.gql(PAGE, { first: 100, filter: { tags: [tag] } });
  const expected = catalog.filter((p) => p.attributes.some((a) => a.toLowerCase() === tag.toLowerCase())).length;
  assert.equal(byTag.body.data.products.totalCount, expected);

  const word = catalog[1]!.title.split(' ')[0]!;
  const bySearch = await server.gql(PAGE, { first: 100, filter: { search: word } });
  assert.ok(bySearch.body.data.products.totalCount >= 1);
  for (const e of bySearch.body.data.products.edges) {
    const n = e.node;
    const hay = `${n.title} ${n.referenceDescription} ${n.attributes.join(' ')}`.toLowerCase();
    assert.ok(hay.includes(word.toLowerCase()), `${n.title} does not match ${word}`);
  }
  const none = await server.gql(PAGE, { first: 10, filter: { search: '100%_no_such_thing' } });
  assert.equal(none.body.data.products.totalCount, 0);
});

test('product(id) and productBySku find the same product; unknown ids give null', async () => {
  const sku = readSampleCatalog()[3]!.sku!;
  const bySku = await server.gql('query($sku: String!) { productBySku(sku: $sku) { id sku title } }', { sku });
  const id = bySku.body.data.productBySku.id;
  const byId = await server.gql('query($id: ID!) { product(id: $id) { id sku title } }', { id });
  assert.deepEqual(byId.body.data.product, bySku.body.data.productBySku);
  const missing = await server.gql('{ product(id: "nope") { id } productBySku(sku: "nope") { id } }');
  assert.deepEqual(missing.body.data, { product: null, productBySku: null });
});

test('bad paging input gets stable codes and the server stays up', async () => {
  const negative = await server.gql(PAGE, { first: -1 });
  assert.equal(negative.body.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
  for (const cursor of ['not-a-cursor', Buffer.from('product:abc').toString('base64url'), Buffer.from('other:1').toString('base64url'), '']) {
    const r = await server.gql(PAGE, { first: 5, after: cursor || 'x' });
    assert.equal(r.body.errors?.[0]?.extensions?.reason, 'INVALID_CURSOR', cursor);
  }
  const ok = await server.gql(PAGE, { first: 1 });
  assert.equal(ok.body.data.products.edges.length, 1);
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
    assert.equal(r.body.errors[0]!.extensions?.code, 'BAD_USER_INPUT');
    assert.equal(r.body.errors[0]!.extensions?.reason, 'PAGE_SIZE_OUT_OF_RANGE');
    assert.equal(r.body.errors[0]!.extensions?.max, 100);
  }
  assert.equal((await server.gql(PAGE, { first: 100 })).body.data.products.edges.length, 100);
});

test('first: 0 answers an empty page whose hasNextPage is true only when products follow', async () => {
  const all = (await server.gql(PAGE, { first: 100 })).body.data.products;
  const zero = (await server.gql(PAGE, { first: 0 })).body.data.products;
  assert.deepEqual(zero.edges, []);
  assert.equal(zero.totalCount, all.totalCount);
  assert.deepEqual(zero.pageInfo, { hasNextPage: true, hasPreviousPage: false, startCursor: null, endCursor: null });
  const last = (await server.gql(PAGE, { first: 100, after: all.pageInfo.endCursor })).body.data.products;
  const atEnd = (await server.gql(PAGE, { first: 0, after: last.pageInfo.endCursor })).body.data.products;
  assert.deepEqual(atEnd.pageInfo, { hasNextPage: false, hasPreviousPage: true, startCursor: null, endCursor: null });
  const mid = (await server.gql(PAGE, { first: 0, after: all.edges[10].cursor })).body.data.products;
  assert.equal(mid.pageInfo.hasNextPage, true);
  const none = (await server.gql(PAGE, { first: 0, filter: { search: 'no such product anywhere' } })).body.data.products;
  assert.deepEqual([none.totalCount, none.pageInfo.hasNextPage], [0, false]);
});

test('a cursor re-encoded as padded or standard base64 pages the same; garbage is still INVALID_CURSOR', async () => {
  const first = (await server.gql(PAGE, { first: 30 })).body.data.products;
  const next = async (after: string) => (await server.gql(PAGE, { first: 3, after })).body;
  // Cursors whose base64 needs padding, and one whose bytes encode to - or _ (+ or / in standard base64).
  const cursors = first.edges.map((e: any) => e.cursor as string);
  const padded = cursors.find((c: string) => c.length % 4 !== 0)!;
  assert.ok(padded, 'some cursor needs padding');
  for (const cursor of cursors.slice(0, 30)) {
    const bytes = Buffer.from(cursor, 'base64url');
    const expected = (await next(cursor)).data.products.edges.map((e: any) => e.node.id);
    for (const form of [bytes.toString('base64'), bytes.toString('base64').replace(/=+$/, ''), bytes.toString('base64url') + '='.repeat((4 - (cursor.length % 4)) % 4)]) {
      const r = await next(form);
      assert.equal(r.errors, undefined, `${form}: ${JSON.stringify(r.errors)}`);
      assert.deepEqual(r.data.products.edges.map((e: any) => e.node.id), expected, form);
    }
  }
  for (const garbage of [`${padded}=`, `${padded}===`, `${padded.slice(0, -1)}=`, `=${padded}`, `${padded} `, `${padded}%3D`, 'cHJvZHVjdDoxMA.', Buffer.from('product:01').toString('base64')]) {
    const r = await next(garbage);
    assert.equal(r.errors?.[0]?.extensions?.reason, 'INVALID_CURSOR', garbage);
  }
});

test('the chapter-4 CSV imports 20 products with no errors, idempotently', async () => {
  const csv = readFileSync(path.join(chapter4Dir, 'product_data.csv'), 'utf8');
  const mutation = `mutation($csv: String!) { importProducts(csv: $csv) { created updated unchanged failed rows { line status productId title errorCode error } } }`;
  const before = (await server.gql(PAGE, { first: 1 })).body.data.products.totalCount;
  const first = await server.gql(mutation, { csv });
  assert.equal(first.body.errors, undefined);
  const r = first.body.data.importProducts;
  assert.equal(r.failed, 0);
  assert.equal(r.created, 20);
  assert.equal(r.rows.length, 20);
  const again = (await server.gql(mutation, { csv })).body.data.importProducts;
  assert.deepEqual([again.created, again.updated, again.unchanged, again.failed], [0, 0, 20, 0]);
  assert.deepEqual(again.rows.map((x: any) => x.productId), r.rows.map((x: any) => x.productId));
  const afterCount = (await server.gql(PAGE, { first: 1 })).body.data.products.totalCount;
  assert.equal(afterCount, before + 20);
  const gown = r.rows.find((x: any) => /gown/i.test(x.title));
  const product = await server.gql('query($id: ID!) { product(id: $id) { title attributes imageUrl referenceDescription } }', { id: gown.productId });
  assert.ok(product.body.data.product.attributes.length >= 2);
  assert.match(product.body.data.product.imageUrl, /\.jpe?g$/);
});

test('the SQLite file keeps its data across a restart', async () => {
  const s1 = await startTestServer();
  const dbFile = s1.config.databasePath;
  const csv = 'product_image,product_description,product_title,product_metadata,sku\nimg.jpg,"A test coat.",Restart Coat,"warm, wool",RESTART-1\n';
  await s1.gql('mutation($csv: String!) { importProducts(csv: $csv) { created } }', { csv });
  await s1.close();
  const s2 = await startTestServer({ databasePath: dbFile });
  const r = await s2.gql('{ productBySku(sku: "RESTART-1") { title attributes } }');
  assert.deepEqual(r.body.data.productBySku, { title: 'Restart Coat', attributes: ['warm', 'wool'] });
  const count = await s2.gql('{ products(first: 1) { totalCount } }');
  assert.equal(count.body.data.products.totalCount, readSampleCatalog().length + 1, 'no second seeding');
  await s2.stop();
  await s1.stop();
});

test('SEED_CATALOG=false starts with an empty catalog', async () => {
  const empty = await startTestServer({ seedCatalog: false });
  try {
    const r = await empty.gql('{ products(first: 1) { totalCount } }');
    assert.equal(r.body.data.products.totalCount, 0);
  } finally {
    await empty.stop();
  }
});
