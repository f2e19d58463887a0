import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { print } from 'graphql';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { dataOf, errorExtensions } from '../helpers/graphql.js';
import { described } from '../helpers/generation-results.js';
import { tempDir } from '../helpers/temp-dir.js';
import { TEST_GATEWAY_API_KEYS, TEST_KEYS, bearer } from '../helpers/keys.js';
import {
  CheckDescriptionDocument,
  DescriptionCheckDocument,
  GenerateDescriptionsDocument,
  ProductBySkuDocument,
} from '../generated/graphql.js';
import { checkFacts } from '../../src/evaluation/checks/facts/index.js';
import { createGateway } from '../../schema/index.js';
import { ConfigError } from '../../src/config.js';
import { must } from '../helpers/must.js';

const CHECK = CheckDescriptionDocument;
const STORED = DescriptionCheckDocument;
const BY_SKU = ProductBySkuDocument;
const internal = bearer(TEST_KEYS.internal);

let server: TestServer;
const ids = new Map<string, string>();

before(async () => {
  server = await startTestServer({ gatewayApiKeys: TEST_GATEWAY_API_KEYS, cacheTtlMs: 0 });
  for (const sku of ['SS-ACT-001', 'SS-OUT-006', 'SS-TRS-001'])
    ids.set(sku, must(dataOf(await server.gql(BY_SKU, { sku }, internal)).productBySku, sku).id);
});
after(async () => {
  await server.stop();
});
/** A product id from the seeded catalog, by SKU (looked up in before()). */
const idOf = (sku: string): string => {
  const id = ids.get(sku);
  assert.ok(id, sku);
  return id;
};

test('checkDescription reports findings with codes, severities, spans and the record’s values', async () => {
  const text = 'These leggings are made of 25% spandex. Perfect for a night out, and wash cool.';
  const check = dataOf(await server.gql(CHECK, { productId: idOf('SS-ACT-001'), text }, internal)).checkDescription;
  assert.equal(check.verdict, 'BLOCK');
  const found = check.findings.map((f) => [f.code, f.severity, text.slice(f.start, f.end), f.expected]);
  assert.deepEqual(found, [
    ['COMPOSITION_MISMATCH', 'BLOCK', '25% spandex', '22% elastane'],
    ['COMPOSITION_PARTIAL', 'BLOCK', '25% spandex', '78% recycled polyamide, 22% elastane'],
    ['CARE_CLAIM', 'REVIEW', 'wash cool', null],
  ]);
  assert.ok(check.findings.every((f) => typeof f.message === 'string' && f.message.length > 10));

  const clean = await server.gql(
    CHECK,
    { productId: idOf('SS-ACT-001'), text: 'Pair these high-waist leggings with your favourite trainers for the gym.' },
    internal,
  );
  assert.deepEqual(dataOf(clean).checkDescription, { verdict: 'PASS', findings: [] });
});

test('the locale argument sets the language the text must be in', async () => {
  const text = 'Wide-leg linen trousers for warm days, with an elastic back waist and front pleats.';
  const fr = await server.gql(CHECK, { productId: idOf('SS-TRS-001'), text, locale: 'fr-FR' }, internal);
  assert.deepEqual(
    dataOf(fr).checkDescription.findings.map((f) => [f.code, f.expected]),
    [['WRONG_LANGUAGE', 'fr-FR']],
  );
  const en = await server.gql(CHECK, { productId: idOf('SS-TRS-001'), text }, internal);
  assert.equal(dataOf(en).checkDescription.verdict, 'PASS');
});

test('bad input gets a stable code and reason, an unknown product NOT_FOUND', async () => {
  const productId = idOf('SS-TRS-001');
  const cases: Array<[Record<string, unknown>, string, string | undefined]> = [
    [{ productId, text: '   ' }, 'BAD_USER_INPUT', 'EMPTY_TEXT'],
    [{ productId, text: 'a'.repeat(20_001) }, 'BAD_USER_INPUT', 'TEXT_TOO_LONG'],
    [{ productId, text: 'A linen dress.', locale: 'english please' }, 'BAD_USER_INPUT', 'INVALID_LOCALE'],
    [{ productId: 'no-such-product', text: 'A linen dress.' }, 'NOT_FOUND', undefined],
  ];
  for (const [variables, code, reason] of cases) {
    // Some are wrong on purpose, so sent as text: the typed document would not let them through the compiler.
    const r = await server.gql(print(CHECK), variables, internal);
    assert.equal(r.body.data, null);
    const refusal = errorExtensions(r.body.errors);
    assert.equal(refusal.code, code, JSON.stringify(r.body.errors));
    assert.equal(refusal.reason, reason);
  }
});

test('only the internal role may run the check', async () => {
  for (const role of ['mobile', 'personalization'] as const) {
    const r = await server.gql(
      CHECK,
      { productId: idOf('SS-TRS-001'), text: 'A linen dress.' },
      bearer(TEST_KEYS[role]),
    );
    assert.equal(r.body.errors?.[0]?.extensions?.code, 'FORBIDDEN', role);
  }
});

test('Description.check is the checker’s verdict on a stored description', async () => {
  const productId = idOf('SS-OUT-006');
  const generated = await server.gql(
    GenerateDescriptionsDocument,
    { input: [{ productId, provider: 'onnx', params: { seed: 2075 } }] },
    internal,
  );
  const d = described(dataOf(generated).generateDescriptions[0]);
  const stored = dataOf(await server.gql(STORED, { id: d.id }, internal)).description;
  assert.ok(stored);
  type ProductRecord = { product: Parameters<typeof checkFacts>[1] };
  const record = dataOf(
    await server.gql<ProductRecord>(
      'query($id: ID!) { product(id: $id) { title category gender price attributes colors sizes materials } }',
      { id: productId },
      internal,
    ),
  ).product;
  const expected = checkFacts(d.text, record);
  assert.equal(stored.check.verdict, expected.verdict);
  assert.deepEqual(
    stored.check.findings.map((f) => [f.code, f.start, f.end]),
    expected.findings.map((f) => [f.code, f.start, f.end]),
  );
});

test('FACT_CHECK_VOCAB_DIR: a brand vocabulary is used; a bad one stops the start naming the file and field', async (t) => {
  const dir = tempDir('fact-vocab', t);
  writeFileSync(
    path.join(dir, 'colours.json'),
    JSON.stringify({
      version: 1,
      base: ['blue'],
      colours: [
        { name: 'blue', terms: ['blue'], family: ['blue'] },
        { name: 'sea glass', terms: ['sea glass'], family: ['blue'] },
      ],
    }),
  );
  const brand = await startTestServer({ factCheckVocabDir: dir });
  try {
    const productId = must(dataOf(await brand.gql(BY_SKU, { sku: 'SS-TRS-001' })).productBySku, 'SS-TRS-001').id;
    const r = await brand.gql(CHECK, { productId, text: 'Linen trousers in sea glass.' });
    assert.deepEqual(
      dataOf(r).checkDescription.findings.map((f) => f.code),
      ['COLOUR_NOT_OFFERED'],
    );
  } finally {
    await brand.stop();
  }
  const bad = tempDir('fact-vocab', t);
  writeFileSync(path.join(bad, 'materials.json'), JSON.stringify({ version: 1, materials: [{ name: 'silk' }] }));
  const db = tempDir('fact-vocab-db', t);
  await assert.rejects(
    createGateway({
      host: '127.0.0.1',
      port: 0,
      nodeEnv: 'test',
      logLevel: 'silent',
      databasePath: path.join(db, 'g.db'),
      factCheckVocabDir: bad,
    }),
    (e: unknown) =>
      e instanceof ConfigError && /FACT_CHECK_VOCAB_DIR: .*materials\.json: materials\.0\.terms/.test(e.message),
  );
});
