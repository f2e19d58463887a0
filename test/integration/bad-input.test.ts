import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { dataOf, errorExtensions, type GqlBody } from '../helpers/graphql.js';
import { must } from '../helpers/must.js';
import { ImportProductsDocument, type ImportProductsMutation } from '../generated/graphql.js';

let server: TestServer;
before(async () => {
  server = await startTestServer({ maxCsvBytes: 64 * 1024, maxBodyBytes: 256 * 1024 });
});
after(() => server.stop());

const IMPORT = ImportProductsDocument;
type ImportRow = ImportProductsMutation['importProducts']['rows'][number];
/** The rows of an import by their CSV line, each one there (a missing line fails the test). */
function rowsByLine(rows: ImportRow[]): (line: number) => ImportRow {
  const byLine = new Map(rows.map((x) => [x.line, x]));
  return (line) => {
    const row = byLine.get(line);
    assert.ok(row, `a row for line ${line}`);
    return row;
  };
}
const HEADER = 'product_image,product_description,product_title,product_metadata,sku,price';

async function post(body: string | Buffer, contentType = 'application/json') {
  const r = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': contentType },
    body: typeof body === 'string' ? body : new Uint8Array(body),
  });
  return { status: r.status, body: (await r.json()) as GqlBody<unknown> };
}

async function stillUp() {
  const r = await server.gql<{ products: { totalCount: number } }>('{ products(first: 1) { totalCount } }');
  assert.equal(r.status, 200);
  assert.ok(dataOf(r).products.totalCount > 0);
}

test('a CSV over the size limit is refused with PAYLOAD_TOO_LARGE and nothing is imported', async () => {
  const row = 'img.jpg,"desc",Big Row Title,"a, b",BIG-SKU,10\n';
  const csv = HEADER + '\n' + row.repeat(Math.ceil((70 * 1024) / row.length));
  const r = await server.gql(IMPORT, { csv });
  assert.equal(r.body.errors?.[0]?.extensions?.code, 'PAYLOAD_TOO_LARGE');
  assert.equal(
    dataOf(await server.gql<{ productBySku: null | { id: string } }>('{ productBySku(sku: "BIG-SKU") { id } }'))
      .productBySku,
    null,
  );
  await stillUp();
});

test('missing columns name the columns', async () => {
  const r = await server.gql(IMPORT, { csv: 'product_title,product_metadata\nA,b\n' });
  const e = errorExtensions(r.body.errors);
  assert.equal(e.code, 'BAD_USER_INPUT');
  assert.equal(e.reason, 'CSV_MISSING_COLUMNS');
  assert.deepEqual(e.missing, ['product_image', 'product_description']);
});

test('a semicolon-, tab- or pipe-delimited CSV imports like a comma one, idempotently, compositions whole', async () => {
  const rows = [
    ['product_image', 'product_title', 'product_description', 'product_metadata', 'sku', 'price', 'materials'],
    [
      'a.jpg',
      'Alpaca Blend Scarf',
      'Soft; warm, light.',
      'winter, soft',
      'DELIM-1',
      '39.5',
      '50% wool, 30% alpaca, 20% nylon',
    ],
    ['b.jpg', 'Leather Belt', 'A belt.', 'classic', 'DELIM-2', '25', 'full-grain leather, brass buckle'],
  ];
  const csvWith = (d: string) =>
    rows.map((r) => r.map((c) => (/[,;|\t"]/.test(c) ? `"${c.replaceAll('"', '""')}"` : c)).join(d)).join('\n') + '\n';
  const first = dataOf(await server.gql(IMPORT, { csv: csvWith(';') })).importProducts;
  assert.deepEqual([first.delimiter, first.created, first.failed], [';', 2, 0]);
  const ids = first.rows.map((r) => r.productId);
  // The same products in any delimiter are the same import: nothing changes, nothing is duplicated.
  for (const d of [';', ',', '\t', '|']) {
    const again = dataOf(await server.gql(IMPORT, { csv: csvWith(d) })).importProducts;
    assert.deepEqual(
      [again.delimiter, again.created, again.updated, again.unchanged, again.failed],
      [d, 0, 0, 2, 0],
      JSON.stringify(d),
    );
    assert.deepEqual(
      again.rows.map((r) => r.productId),
      ids,
    );
  }
  const scarf = dataOf(
    await server.gql<{ productBySku: unknown }>(
      '{ productBySku(sku: "DELIM-1") { title price attributes materials referenceDescription } }',
    ),
  ).productBySku;
  assert.deepEqual(scarf, {
    title: 'Alpaca Blend Scarf',
    price: 39.5,
    attributes: ['winter', 'soft'],
    materials: ['50% wool, 30% alpaca, 20% nylon'],
    referenceDescription: 'Soft; warm, light.',
  });
  const belt = dataOf(
    await server.gql<{ productBySku: unknown }>('{ productBySku(sku: "DELIM-2") { materials } }'),
  ).productBySku;
  assert.deepEqual(belt, { materials: ['full-grain leather', 'brass buckle'] });
});

test('a header no delimiter splits into the columns says what it read', async () => {
  const r = await server.gql(IMPORT, {
    csv: 'product_image/product_description/product_title/product_metadata\na/b/c/d\n',
  });
  const e = must(r.body.errors?.[0], 'an error');
  assert.equal(e.extensions?.reason, 'CSV_MISSING_COLUMNS');
  assert.deepEqual(e.extensions.found, ['product_image/product_description/product_title/product_metadata']);
  assert.equal(e.extensions.delimiter, ',');
  assert.match(
    e.message,
    /has "product_image\/product_description\/product_title\/product_metadata" \(columns may be delimited by , ; tab or \|\)/,
  );
  await stillUp();
});

test('bad rows get per-row errors while the good rows import', async () => {
  const csv = [
    HEADER,
    'a.jpg,"Good one.",Good Row One,"x, y",GOOD-1,12.5',
    'b.jpg,"No title.",,"x",NOTITLE-1,3',
    'c.jpg,"Bad price.",Bad Price Row,"x",BADPRICE-1,cheap',
    'd.jpg,"Too many",Extra Column Row,"x",EXTRA-1,4,unexpected',
    'e.jpg,"Good two.",Good Row Two,"z",GOOD-2,',
  ].join('\n');
  const result = dataOf(await server.gql(IMPORT, { csv })).importProducts;
  assert.equal(result.created, 2);
  assert.equal(result.failed, 3);
  const line = rowsByLine(result.rows);
  assert.equal(line(2).status, 'CREATED');
  assert.equal(line(3).errorCode, 'MISSING_TITLE');
  assert.equal(line(4).errorCode, 'INVALID_PRICE');
  assert.equal(line(5).errorCode, 'MALFORMED_ROW');
  assert.equal(line(6).status, 'CREATED');
  const good = await server.gql(
    '{ a: productBySku(sku: "GOOD-1") { price } b: productBySku(sku: "GOOD-2") { price } }',
  );
  assert.deepEqual(dataOf(good), { a: { price: 12.5 }, b: { price: null } });
});

test('broken quoting becomes a row error, not a crash, and earlier good rows import', async () => {
  const csv = `${HEADER}\nok.jpg,"Fine.",Quote Good Row,"a",QGOOD-1,5\nx.jpg,"never closed,Broken Quote,"a",Q-1,1\n`;
  const result = dataOf(await server.gql(IMPORT, { csv })).importProducts;
  assert.equal(result.created, 1);
  assert.ok(result.failed >= 1);
  assert.ok(result.rows.some((x) => x.errorCode === 'MALFORMED_ROW' && /quote/i.test(x.error ?? '')));
  const unclosed = dataOf(
    await server.gql(IMPORT, { csv: `${HEADER}\nx.jpg,"runs to the end,Open Quote,a,Q-2,1\n` }),
  ).importProducts;
  assert.equal(unclosed.created, 0);
  assert.match(unclosed.rows[0]?.error ?? '', /Quote Not Closed/);
  const kept = await server.gql<{ productBySku: { title: string } | null }>(
    '{ productBySku(sku: "QGOOD-1") { title } }',
  );
  assert.equal(dataOf(kept).productBySku?.title, 'Quote Good Row');
  await stillUp();
});

test('empty CSV and header-only CSV', async () => {
  assert.equal((await server.gql(IMPORT, { csv: '' })).body.errors?.[0]?.extensions?.reason, 'CSV_EMPTY');
  const headerOnly = await server.gql(IMPORT, { csv: HEADER + '\n' });
  assert.deepEqual(dataOf(headerOnly).importProducts.rows, []);
});

test('malformed GraphQL and unknown fields get stable codes', async () => {
  const parse = await server.gql('{ products(first: ');
  assert.equal(parse.status, 400);
  assert.equal(parse.body.errors?.[0]?.extensions?.code, 'GRAPHQL_PARSE_FAILED');
  const unknown = await server.gql('{ products(first: 1) { nope } }');
  assert.equal(unknown.status, 400);
  assert.equal(unknown.body.errors?.[0]?.extensions?.code, 'GRAPHQL_VALIDATION_FAILED');
  const wrongType = await server.gql('{ products(first: "five") { totalCount } }');
  assert.equal(wrongType.body.errors?.[0]?.extensions?.code, 'GRAPHQL_VALIDATION_FAILED');
  await stillUp();
});

test('HTTP-level problems: bad JSON, invalid UTF-8, a body over the limit, batched arrays', async () => {
  const badJson = await post('{"query": "{ products');
  assert.equal(badJson.status, 400);
  const badJsonError = errorExtensions(badJson.body.errors);
  assert.equal(badJsonError.code, 'BAD_USER_INPUT');
  assert.equal(badJsonError.reason, 'INVALID_JSON');

  const utf8 = await post(
    Buffer.concat([
      Buffer.from('{"query":"{ products(first: 1) { totalCount } }","x":"'),
      Buffer.from([0xc3, 0x28]),
      Buffer.from('"}'),
    ]),
  );
  assert.equal(utf8.status, 400);
  assert.equal(utf8.body.errors?.[0]?.extensions?.reason, 'INVALID_UTF8');

  const huge = await post(
    JSON.stringify({ query: `{ products(first: 1) { totalCount } } # ${'x'.repeat(300 * 1024)}` }),
  );
  assert.equal(huge.status, 413);
  assert.equal(huge.body.errors?.[0]?.extensions?.code, 'PAYLOAD_TOO_LARGE');

  const batch = await post(
    JSON.stringify([
      { query: '{ products(first: 1) { totalCount } }' },
      { query: '{ products(first: 1) { totalCount } }' },
    ]),
  );
  assert.equal(batch.status, 400);
  assert.equal(batch.body.errors?.[0]?.extensions?.reason, 'BATCHING_DISABLED');
  await stillUp();
});

test('CSRF prevention: a simple GET without a preflight header is refused', async () => {
  const r = await fetch(`${server.url}/graphql?query=${encodeURIComponent('{ products(first: 1) { totalCount } }')}`);
  assert.equal(r.status, 400);
  const withHeader = await fetch(
    `${server.url}/graphql?query=${encodeURIComponent('{ products(first: 1) { totalCount } }')}`,
    {
      headers: { 'apollo-require-preflight': 'true' },
    },
  );
  assert.equal(withHeader.status, 200);
});

test('health and readiness answer JSON', async () => {
  const health = await fetch(`${server.url}/healthz`);
  assert.equal(health.status, 200);
  assert.equal(((await health.json()) as { status: string }).status, 'ok');
  const ready = await fetch(`${server.url}/readyz`);
  assert.equal(ready.status, 200);
  const body = (await ready.json()) as { status: string; checks: { database: boolean; providers: string[] } };
  assert.equal(body.status, 'ready');
  assert.equal(body.checks.database, true);
  assert.deepEqual(body.checks.providers, ['onnx']);
  assert.equal((await fetch(`${server.url}/nope`)).status, 404);
});

test("no GraphQL answer may be kept by a shared cache: no-store, but a GET's data private, no-cache (revalidated by its ETag)", async () => {
  const answers = [
    await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ products(first: 1) { totalCount } }' }),
    }),
    await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ nope }' }),
    }),
    await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{not json',
    }),
    await fetch(`${server.url}/graphql?query=${encodeURIComponent('{ products(first: 1) { totalCount } }')}`, {
      headers: { 'apollo-require-preflight': 'true' },
    }),
  ];
  assert.deepEqual(
    answers.map((r) => r.status),
    [200, 400, 400, 200],
  );
  assert.deepEqual(
    answers.map((r) => r.headers.get('cache-control')),
    ['no-store', 'no-store', 'no-store', 'private, no-cache'],
  );
  assert.ok(answers[3]?.headers.get('etag'));
});

test('a repeated SKU keeps the first row and reports the later ones; odd prices, control and bidi characters, script URLs and long titles are row errors', async () => {
  const emoji = '👗'.repeat(101);
  const csv = [
    HEADER,
    'first.jpg,"First.",Dup First,"a",DUP-1,10',
    'second.jpg,"Second.",Dup Second,"a",DUP-1,20',
    'https://cdn.example.com/t.jpg,"Same title.",No Sku Twin,"a",,5',
    'twin.jpg,"Same title.",no sku twin,"a",,6',
    'h.jpg,"Hex.",Hex Price,"a",HEX-1,0x10',
    'e.jpg,"Exp.",Exp Price,"a",EXP-1,1e308',
    'c.jpg,"Cents.",Cents Price,"a",CENTS-1,9.999',
    'n.jpg,"Nul.",Nul\u0000Title,"a",NUL-1,1',
    'r.jpg,"Rlo.",Evil\u202Egnp.exe,"a",RLO-1,1',
    'javascript:alert(1),"Script.",Script Image,"a",JS-1,1',
    `e.jpg,"Emoji.",${emoji},"a",EMOJI-1,1`,
    `e.jpg,"Emoji.",${'👗'.repeat(201)},"a",EMOJI-2,1`,
    'ok.jpg,"Line one.\nLine two.",Multiline Description,"a",ML-1,€ 49.90',
  ].join('\n');
  const result = dataOf(await server.gql(IMPORT, { csv })).importProducts;
  const line = rowsByLine(result.rows);
  assert.equal(line(2).status, 'CREATED');
  assert.deepEqual([line(3).errorCode, line(3).sku], ['DUPLICATE_SKU', 'DUP-1']);
  assert.match(line(3).error ?? '', /already on line 2: the first row is imported/);
  assert.equal(line(4).status, 'CREATED');
  assert.equal(line(5).errorCode, 'DUPLICATE_TITLE');
  for (const n of [6, 7, 8]) assert.equal(line(n).errorCode, 'INVALID_PRICE', `line ${n}`);
  assert.equal(line(9).errorCode, 'INVALID_CHARACTERS');
  assert.match(line(9).error ?? '', /product_title contains U\+0000/);
  assert.equal(line(10).errorCode, 'INVALID_CHARACTERS');
  assert.match(line(10).error ?? '', /U\+202E \(a bidirectional control\)/);
  assert.equal(line(11).errorCode, 'INVALID_IMAGE_URL');
  assert.equal(line(12).status, 'CREATED', '101 emoji are 101 characters');
  assert.equal(line(13).errorCode, 'FIELD_TOO_LONG');
  // A record over two lines is numbered by the line it ends on.
  assert.equal(line(15).status, 'CREATED');
  assert.deepEqual([result.created, result.failed], [4, 9]);
  const read = await server.gql(
    '{ a: productBySku(sku: "DUP-1") { title price } b: productBySku(sku: "ML-1") { price referenceDescription } }',
  );
  assert.deepEqual(dataOf(read), {
    a: { title: 'Dup First', price: 10 },
    b: { price: 49.9, referenceDescription: 'Line one.\nLine two.' },
  });
  await stillUp();
});
