import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { print } from 'graphql';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { TEST_GATEWAY_API_KEYS, TEST_KEYS, bearer } from '../helpers/keys.js';
import { CheckDescriptionDocument, DescriptionCheckDocument } from '../generated/graphql.js';
import { checkFacts } from '../../src/evaluation/checks/facts/index.js';
import { createServer } from '../../src/server.js';
import { ConfigError } from '../../src/config.js';

const CHECK = print(CheckDescriptionDocument);
const STORED = print(DescriptionCheckDocument);
const BY_SKU = 'query($sku: String!) { productBySku(sku: $sku) { id title } }';
const internal = bearer(TEST_KEYS.internal);

let server: TestServer;
const ids = new Map<string, string>();
const cleanup: string[] = [];

before(async () => {
  server = await startTestServer({ gatewayApiKeys: TEST_GATEWAY_API_KEYS, cacheTtlMs: 0 });
  for (const sku of ['SS-ACT-001', 'SS-OUT-006', 'SS-TRS-001']) ids.set(sku, (await server.gql(BY_SKU, { sku }, internal)).body.data.productBySku.id);
});
after(async () => {
  await server.stop();
  for (const dir of cleanup) rmSync(dir, { recursive: true, force: true });
});

test('checkDescription reports findings with codes, severities, spans and the record’s values', async () => {
  const text = 'These leggings are made of 25% spandex. Perfect for a night out, and wash cool.';
  const r = await server.gql(CHECK, { productId: ids.get('SS-ACT-001'), text }, internal);
  assert.equal(r.body.errors, undefined, JSON.stringify(r.body.errors));
  const check = r.body.data.checkDescription;
  assert.equal(check.verdict, 'BLOCK');
  const found = check.findings.map((f: any) => [f.code, f.severity, text.slice(f.start, f.end), f.expected]);
  assert.deepEqual(found, [
    ['COMPOSITION_MISMATCH', 'BLOCK', '25% spandex', '22% elastane'],
    ['COMPOSITION_PARTIAL', 'BLOCK', '25% spandex', '78% recycled polyamide, 22% elastane'],
    ['CARE_CLAIM', 'REVIEW', 'wash cool', null],
  ]);
  assert.ok(check.findings.every((f: any) => typeof f.message === 'string' && f.message.length > 10));

  const clean = await server.gql(CHECK, { productId: ids.get('SS-ACT-001'), text: 'Pair these high-waist leggings with your favourite trainers for the gym.' }, internal);
  assert.deepEqual(clean.body.data.checkDescription, { verdict: 'PASS', findings: [] });
});

test('the locale argument sets the language the text must be in', async () => {
  const text = 'Wide-leg linen trousers for warm days, with an elastic back waist and front pleats.';
  const fr = await server.gql(CHECK, { productId: ids.get('SS-TRS-001'), text, locale: 'fr-FR' }, internal);
  assert.deepEqual(fr.body.data.checkDescription.findings.map((f: any) => [f.code, f.expected]), [['WRONG_LANGUAGE', 'fr-FR']]);
  const en = await server.gql(CHECK, { productId: ids.get('SS-TRS-001'), text }, internal);
  assert.equal(en.body.data.checkDescription.verdict, 'PASS');
});

test('bad input gets a stable code and reason, an unknown product NOT_FOUND', async () => {
  const productId = ids.get('SS-TRS-001');
  const cases: Array<[Record<string, unknown>, string, string | undefined]> = [
    [{ productId, text: '   ' }, 'BAD_USER_INPUT', 'EMPTY_TEXT'],
    [{ productId, text: 'a'.repeat(20_001) }, 'BAD_USER_INPUT', 'TEXT_TOO_LONG'],
    [{ productId, text: 'A linen dress.', locale: 'english please' }, 'BAD_USER_INPUT', 'INVALID_LOCALE'],
    [{ productId: 'no-such-product', text: 'A linen dress.' }, 'NOT_FOUND', undefined],
  ];
  for (const [variables, code, reason] of cases) {
    const r = await server.gql(CHECK, variables, internal);
    assert.equal(r.body.data, null);
    assert.equal(r.body.errors?.[0]?.extensions?.code, code, JSON.stringify(r.body.errors));
    assert.equal(r.body.errors?.[0]?.extensions?.reason, reason);
  }
});

test('only the internal role may run the check', async () => {
  for (const role of ['mobile', 'personalization'] as const) {
    const r = await server.gql(CHECK, { productId: ids.get('SS-TRS-001'), text: 'A linen dress.' }, bearer(TEST_KEYS[role]));
    assert.equal(r.body.errors?.[0]?.extensions?.code, 'FORBIDDEN', role);
  }
});

test('Description.check is the checker’s verdict on a stored description', async () => {
  const productId = ids.get('SS-OUT-006')!;
  const generated = await server.gql(
    'mutation($id: ID!) { generateDescriptions(input: [{ productId: $id, provider: "onnx", params: { seed: 2075 } }]) { __typename ... on Description { id text } } }',
    { id: productId },
    internal,
  );
  const d = generated.body.data.generateDescriptions[0];
  assert.equal(d.__typename, 'Description', JSON.stringify(generated.body));
  const r = await server.gql(STORED, { id: d.id }, internal);
  assert.equal(r.body.errors, undefined, JSON.stringify(r.body.errors));
  const record = (await server.gql('query($id: ID!) { product(id: $id) { title category gender price attributes colors sizes materials } }', { id: productId }, internal)).body.data.product;
  const expected = checkFacts(d.text, record);
  assert.equal(r.body.data.description.check.verdict, expected.verdict);
  assert.deepEqual(
    r.body.data.description.check.findings.map((f: any) => [f.code, f.start, f.end]),
    expected.findings.map((f) => [f.code, f.start, f.end]),
  );
});

test('FACT_CHECK_VOCAB_DIR: a brand vocabulary is used; a bad one stops the start naming the file and field', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fact-vocab-'));
  cleanup.push(dir);
  writeFileSync(path.join(dir, 'colours.json'), JSON.stringify({ version: 1, base: ['blue'], colours: [{ name: 'blue', terms: ['blue'], family: ['blue'] }, { name: 'sea glass', terms: ['sea glass'], family: ['blue'] }] }));
  const brand = await startTestServer({ factCheckVocabDir: dir });
  try {
    const productId = (await brand.gql(BY_SKU, { sku: 'SS-TRS-001' })).body.data.productBySku.id;
    const r = await brand.gql(CHECK, { productId, text: 'Linen trousers in sea glass.' });
    assert.deepEqual(r.body.data.checkDescription.findings.map((f: any) => f.code), ['COLOUR_NOT_OFFERED']);
  } finally {
    await brand.stop();
  }
  const bad = mkdtempSync(path.join(tmpdir(), 'fact-vocab-'));
  cleanup.push(bad);
  writeFileSync(path.join(bad, 'materials.json'), JSON.stringify({ version: 1, materials: [{ name: 'silk' }] }));
  const db = mkdtempSync(path.join(tmpdir(), 'fact-vocab-db-'));
  cleanup.push(db);
  await assert.rejects(
    createServer({ host: '127.0.0.1', port: 0, nodeEnv: 'test', logLevel: 'silent', databasePath: path.join(db, 'g.db'), factCheckVocabDir: bad }),
    (e: unknown) => e instanceof ConfigError && /FACT_CHECK_VOCAB_DIR: .*materials\.json: materials\.0\.terms/.test(e.message),
  );
});
