import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ProductFilter, ProductInput, ProductRecord, Storage } from '../../../src/storage/types.js';
import { MIGRATIONS, type AppliedMigration } from '../../../src/storage/migrations.js';
import { filterCombinations, makeCatalog, makeDescription, matches } from './storage.data.js';
import { must } from '../../helpers/must.js';

/** How the suite reaches one backend; every `open()` uses the same, initially empty, database. */
export interface StorageHarness {
  kind: Storage['kind'];
  open(): Promise<Storage>;
  history(storage: Storage): Promise<AppliedMigration[]>;
}

/** The format of `new Date().toISOString()`, which both backends must return. */
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

const inputFields = (p: ProductRecord): ProductInput => {
  const { id: _id, seq: _seq, createdAt: _c, updatedAt: _u, ...rest } = p;
  return rest;
};

/**
 * The behaviour every Storage must have, registered as tests that run in
 * order on one database. Call inside a `describe`.
 */
export function storageSuite(h: StorageHarness): void {
  // Unset until before() has opened the database, which may fail.
  let storage: Storage | undefined;
  const db = (): Storage => must(storage, 'storage opened by before()');
  /** What the database should hold, by seq order: the suite's own model. */
  let known: ProductRecord[] = [];
  const knownAt = (i: number): ProductRecord => must(known[i], `known product ${i}`);
  const remember = (p: ProductRecord) => {
    known = [...known.filter((k) => k.id !== p.id), p].sort((a, b) => a.seq - b.seq);
  };

  before(async () => {
    // Two starts at once against an empty database: only one may migrate.
    const opened = await Promise.allSettled([h.open(), h.open()]);
    const stores = opened.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    const [first, second] = stores;
    if (first === undefined || second === undefined) {
      await Promise.all(stores.map((s) => s.close()));
      throw (opened.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason;
    }
    await second.close();
    storage = first;
  });
  after(async () => {
    await storage?.close();
  });

  test('migrations are applied once and recorded', async () => {
    assert.equal(db().kind, h.kind);
    assert.equal(db().isOpen(), true);
    const history = await h.history(db());
    assert.deepEqual(
      history.map(({ version, name }) => ({ version, name })),
      MIGRATIONS.map(({ version, name }) => ({ version, name })),
    );
    for (const m of history) assert.match(m.appliedAt, ISO);
    const again = await h.open();
    try {
      assert.deepEqual(await h.history(again), history, 'a second start applies nothing');
    } finally {
      await again.close();
    }
  });

  test('upsert creates, then leaves unchanged, by SKU and by title', async () => {
    const catalog = makeCatalog();
    const created = await db().catalog.upsertProducts(catalog);
    assert.deepEqual(
      created.map((o) => o.action),
      catalog.map(() => 'created'),
    );
    let previous: ProductRecord | undefined;
    for (const [i, o] of created.entries()) {
      assert.deepEqual(inputFields(o.product), { ...catalog[i] });
      assert.match(o.product.createdAt, ISO);
      assert.equal(o.product.updatedAt, o.product.createdAt);
      if (previous) assert.ok(o.product.seq > previous.seq, 'seq follows insertion order');
      previous = o.product;
      remember(o.product);
    }
    const again = await db().catalog.upsertProducts(makeCatalog());
    assert.deepEqual(
      again.map((o) => o.action),
      catalog.map(() => 'unchanged'),
    );
    assert.deepEqual(
      again.map((o) => o.product),
      created.map((o) => o.product),
    );
  });

  test('upsert updates by SKU and by normalised title, and creates new keys', async () => {
    const catalog = makeCatalog();
    const dress = must(catalog[0], 'the catalog dress');
    const skirt = must(catalog[3], 'the catalog skirt');
    const bySku = { ...dress, sku: '  DR-1 ', price: 59, attributes: ['floral', 'wrap'] };
    const byTitle = { ...skirt, title: '  snake_print   SKIRT', colors: ['green'] };
    const fresh: ProductInput = { ...skirt, title: 'Quilted Vest', category: 'Outerwear', attributes: ['quilted'] };
    const outcomes = await db().catalog.upsertProducts([bySku, byTitle, fresh]);
    assert.deepEqual(
      outcomes.map((o) => o.action),
      ['updated', 'updated', 'created'],
    );
    const [sku, title, created] = outcomes.map((o) => o.product) as [ProductRecord, ProductRecord, ProductRecord];
    const prior = (n: string) =>
      must(
        known.find((k) => k.title === n),
        `known product ${n}`,
      );
    assert.equal(sku.id, prior('Floral Wrap Dress').id);
    assert.equal(sku.sku, 'DR-1', 'the stored SKU keeps its first spelling');
    assert.deepEqual([sku.price, sku.attributes], [59, ['floral', 'wrap']]);
    assert.equal(title.id, prior('Snake_Print Skirt').id);
    assert.deepEqual([title.title, title.colors], ['  snake_print   SKIRT', ['green']]);
    for (const p of [sku, title]) {
      assert.equal(p.createdAt, prior(p.id === sku.id ? 'Floral Wrap Dress' : 'Snake_Print Skirt').createdAt);
      assert.ok(p.updatedAt >= p.createdAt);
      assert.match(p.updatedAt, ISO);
    }
    assert.ok(created.seq > Math.max(...known.map((k) => k.seq)));
    outcomes.forEach((o) => remember(o.product));
  });

  test('a failing row rolls back the whole upsert batch', async () => {
    const count = await db().catalog.countProducts({});
    const good: ProductInput = {
      ...must(makeCatalog()[0], 'first catalog product'),
      sku: 'ROLLBACK-1',
      title: 'Never Stored',
    };
    // A blank SKU keys the row by title but still fills the UNIQUE sku column,
    // so the third row fails in the database after two rows went in.
    const blank1: ProductInput = { ...good, sku: ' ', title: 'Blank One' };
    const blank2: ProductInput = { ...good, sku: ' ', title: 'Blank Two' };
    await assert.rejects(db().catalog.upsertProducts([good, blank1, blank2]));
    assert.equal(await db().catalog.countProducts({}), count);
    assert.equal(await db().catalog.productBySku('ROLLBACK-1'), null);
  });

  test('productsByIds keeps the order asked for, with null for missing ids', async () => {
    const [a, b] = [knownAt(0), knownAt(3)];
    assert.deepEqual(await db().catalog.productsByIds([b.id, 'no-such-id', a.id, b.id]), [b, null, a, b]);
    assert.deepEqual(await db().catalog.productsByIds([]), []);
  });

  test('productBySku finds the exact SKU only', async () => {
    const withSku = must(
      known.find((k) => k.sku),
      'a known product with a SKU',
    );
    const sku = must(withSku.sku, 'its SKU');
    assert.deepEqual(await db().catalog.productBySku(sku), withSku);
    assert.equal(await db().catalog.productBySku(sku.toLowerCase()), null);
    assert.equal(await db().catalog.productBySku('NO-SUCH-SKU'), null);
  });

  test('listProducts pages through every filter combination in seq order, and countProducts agrees', async () => {
    const filters = filterCombinations();
    const nonEmpty = new Set<number>();
    for (const filter of filters) {
      const expected = known.filter((p) => matches(p, filter));
      if (expected.length) nonEmpty.add(expected.length);
      assert.equal(await db().catalog.countProducts(filter), expected.length, JSON.stringify(filter));
      for (const first of [2, 50])
        assert.deepEqual(await pageAll(db(), filter, first), expected, `${JSON.stringify(filter)} first=${first}`);
    }
    // Guards against a model that matches nothing: the combinations must select different subsets.
    assert.ok(nonEmpty.size >= 5, `only ${nonEmpty.size} distinct non-empty result sizes`);
  });

  test('insertDescription round-trips every field', async () => {
    const input = makeDescription(knownAt(0).id, {
      personalization: { tone: 'playful', audience: { age: '25-34' } },
      personalizationKey: 'tone=playful',
    });
    const stored = await db().descriptions.insertDescription(input);
    const { id, createdAt, ...rest } = stored;
    assert.deepEqual(rest, input);
    assert.equal(JSON.stringify(rest), JSON.stringify(input), 'key order and values are kept');
    assert.match(createdAt, ISO);
    assert.ok(id.length > 0);
    assert.deepEqual(await db().descriptions.descriptionById(id), stored);
    assert.equal(await db().descriptions.descriptionById('no-such-id'), null);
    const plain = await db().descriptions.insertDescription(
      makeDescription(knownAt(1).id, { estimatedCostUsd: 0.000123, attributeCoverage: null, flags: [] }),
    );
    assert.deepEqual(await db().descriptions.descriptionById(plain.id), plain);
    assert.equal(plain.personalization, null);
  });

  test('latestDescriptions returns the newest per lookup, filtered by provider, null for misses', async () => {
    const [a, b] = [knownAt(4).id, knownAt(5).id];
    await db().descriptions.insertDescription(
      makeDescription(a, { personalizationKey: 'k1', provider: 'openai', text: 'one' }),
    );
    const d2 = await db().descriptions.insertDescription(
      makeDescription(a, { personalizationKey: 'k1', provider: 'onnx', text: 'two' }),
    );
    const d3 = await db().descriptions.insertDescription(
      makeDescription(a, { personalizationKey: 'k1', provider: 'openai', text: 'three' }),
    );
    const d4 = await db().descriptions.insertDescription(
      makeDescription(a, { personalizationKey: 'k2', provider: 'onnx', text: 'four' }),
    );
    const got = await db().descriptions.latestDescriptions([
      { productId: a, personalizationKey: 'k1' },
      { productId: a, personalizationKey: 'k1', provider: 'onnx' },
      { productId: a, personalizationKey: 'k1', provider: 'huggingface' },
      { productId: b, personalizationKey: 'k1' },
      { productId: a, personalizationKey: 'k2', provider: null },
      { productId: a, personalizationKey: 'k1', provider: 'openai' },
      { productId: 'no-such-id', personalizationKey: 'k1' },
    ]);
    assert.deepEqual(got, [d3, d2, null, null, d4, d3, null]);
    assert.deepEqual(await db().descriptions.latestDescriptions([]), []);
  });

  test('newestDescriptionsForProducts returns each product’s newest, any personalization', async () => {
    const [a, b, none] = [knownAt(6).id, knownAt(7).id, knownAt(8).id];
    await db().descriptions.insertDescription(makeDescription(a, { personalizationKey: 'x', text: 'old' }));
    const newestA = await db().descriptions.insertDescription(
      makeDescription(a, { personalizationKey: 'y', text: 'new' }),
    );
    const onlyB = await db().descriptions.insertDescription(makeDescription(b, { text: 'b' }));
    assert.deepEqual(await db().descriptions.newestDescriptionsForProducts([none, b, a, 'no-such-id', a]), [
      null,
      onlyB,
      newestA,
      null,
      newestA,
    ]);
    assert.deepEqual(await db().descriptions.newestDescriptionsForProducts([]), []);
  });

  test('provisionApiKey stores a key once, even from two callers at once; returns it revoked; setApiKeyRole changes role and name', async () => {
    const input = { name: 'env-mobile-suite01', role: 'mobile' as const, prefix: 'test', hash: 'a'.repeat(64) };
    const [one, two] = await Promise.all([db().apiKeys.insertIfAbsent(input), db().apiKeys.insertIfAbsent(input)]);
    assert.ok(one && two);
    assert.equal(one.id, two.id);
    assert.equal((await db().apiKeys.list()).filter((k) => k.hash === input.hash).length, 1);
    // Another key under an active key's name: nothing stored, null.
    assert.equal(await db().apiKeys.insertIfAbsent({ ...input, hash: 'b'.repeat(64) }), null);
    assert.equal(await db().apiKeys.byHash('b'.repeat(64)), null);

    await db().apiKeys.setRole(one.id, 'personalization', 'env-personalization-suite01');
    const moved = await db().apiKeys.byHash(input.hash);
    assert.deepEqual(
      { role: moved?.role, name: moved?.name, id: moved?.id },
      { role: 'personalization', name: 'env-personalization-suite01', id: one.id },
    );
    assert.equal(await db().apiKeys.revoke(one.id), 1);
    const again = await db().apiKeys.insertIfAbsent(input);
    assert.equal(again?.id, one.id, 'a revoked key is returned, not stored anew');
    assert.match(again.revokedAt ?? '', ISO);
  });

  test('data survives close and reopen', async () => {
    const description = must(
      (await db().descriptions.newestDescriptionsForProducts([knownAt(6).id]))[0],
      'the newest description',
    );
    await db().close();
    assert.equal(db().isOpen(), false);
    await db().close(); // closing twice is harmless
    storage = await h.open();
    assert.equal(db().isOpen(), true);
    assert.deepEqual(await db().catalog.productsByIds(known.map((k) => k.id)), known);
    assert.deepEqual(await db().descriptions.descriptionById(description.id), description);
    assert.deepEqual(await pageAll(db(), {}, 5), known);
  });
}

async function pageAll(storage: Storage, filter: ProductFilter, first: number): Promise<ProductRecord[]> {
  const rows: ProductRecord[] = [];
  let after: number | null = null;
  for (let page = 0; page < 1000; page++) {
    const result = await storage.catalog.listProducts(filter, first, after);
    assert.ok(result.rows.length <= first);
    rows.push(...result.rows);
    if (!result.hasNextPage) return rows;
    assert.equal(result.rows.length, first, 'a page before the last is full');
    after = must(result.rows.at(-1), 'last row of the page').seq;
  }
  throw new Error('pagination did not end');
}
