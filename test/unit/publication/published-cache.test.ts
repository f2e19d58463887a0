/**
 * The read path's cache of published texts: on its own (hits, TTL on an
 * injected clock, the bound, a load overtaken by a notice, standing aside
 * while notices may be missed), and inside PublicationService over a real
 * SQLite store, where every publish, edit-publish, unpublish and rejection
 * must show in the very next read.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { SqliteStorage } from '../../../src/storage/index.js';
import { createPublicationBus } from '../../../src/publication/publication-bus.js';
import { PublicationService } from '../../../src/publication/publication.service.js';
import { PublishedCache } from '../../../src/publication/published-cache.js';
import { slotOf } from '../../../src/publication/slot.js';
import type { Actor } from '../../../src/publication/lifecycle.js';
import type { PublicationEntry, PublicationStore } from '../../../src/storage/publication-types.js';
import { makeCatalog, makeDescription } from '../storage/storage.data.js';
import { must } from '../../helpers/must.js';

const dir = mkdtempSync(path.join(tmpdir(), 'stylesprint-published-cache-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const editor: Actor = { kind: 'person', name: 'merch-1', role: 'editor' };

/** An entry of `productId` whose text names it, enough for the cache, which only groups entries by product. */
const entryOf = (productId: string, text = `text of ${productId}`) =>
  ({ state: { slot: slotOf(productId, null) }, version: { text } }) as unknown as PublicationEntry;

/** A cache over a fake store whose answers the test sets, counting the ids each load asked for. */
function fakeStore(options: { ttlMs?: number; maxProducts?: number } = {}) {
  let now = 1_000;
  const texts = new Map<string, string>();
  const loads: string[][] = [];
  let hold: Promise<void> | null = null;
  const cache = new PublishedCache({
    ...options,
    now: () => now,
    load: async (ids) => {
      loads.push([...ids]);
      const answer = ids.filter((id) => texts.has(id)).map((id) => entryOf(id, texts.get(id)));
      if (hold) await hold;
      return answer;
    },
  });
  const read = async (...ids: string[]) => (await cache.get(ids)).map((e) => e.version.text);
  return {
    cache,
    texts,
    loads,
    read,
    advance: (ms: number) => (now += ms),
    holdLoads: () => {
      let release!: () => void;
      hold = new Promise((resolve) => (release = resolve));
      return () => ((hold = null), release());
    },
  };
}

test('a product read once is served from the cache, nothing published included, until its TTL runs out', async () => {
  const s = fakeStore({ ttlMs: 5_000 });
  s.texts.set('p1', 'live one');
  assert.deepEqual(await s.read('p1', 'p2'), ['live one']);
  assert.deepEqual(await s.read('p1', 'p2', 'p1'), ['live one']);
  assert.deepEqual(
    s.loads,
    [['p1', 'p2']],
    'the second read asked the store nothing, also not for p2, which has nothing published',
  );
  s.texts.set('p2', 'published elsewhere, notice lost');
  s.advance(4_999);
  assert.deepEqual(await s.read('p2'), []);
  s.advance(1);
  assert.deepEqual(
    await s.read('p2'),
    ['published elsewhere, notice lost'],
    'the TTL bounds how long a lost notice is felt',
  );
  assert.deepEqual(s.loads, [['p1', 'p2'], ['p2']]);
});

test('a drop sends the product back to the store; other products stay', async () => {
  const s = fakeStore();
  s.texts.set('p1', 'v1');
  s.texts.set('p2', 'other');
  await s.read('p1', 'p2');
  s.texts.set('p1', 'v2');
  s.cache.drop('p1');
  assert.deepEqual(await s.read('p1', 'p2'), ['other', 'v2']);
  assert.deepEqual(s.loads, [['p1', 'p2'], ['p1']]);
});

test('at most maxProducts are kept, the least recently read dropped first', async () => {
  const s = fakeStore({ maxProducts: 2 });
  await s.read('p1');
  await s.read('p2');
  await s.read('p1');
  await s.read('p3');
  assert.equal(s.cache.size, 2);
  s.loads.length = 0;
  await s.read('p1', 'p3');
  assert.deepEqual(s.loads, [], 'p1 (read again) and p3 stayed');
  await s.read('p2');
  assert.deepEqual(s.loads, [['p2']], 'p2 was the one dropped');
});

test('a load overtaken by a notice answers what it read but does not keep it', async () => {
  const s = fakeStore();
  s.texts.set('p1', 'about to be unpublished');
  const release = s.holdLoads();
  const reading = s.read('p1');
  s.texts.delete('p1');
  s.cache.drop('p1');
  release();
  assert.deepEqual(await reading, ['about to be unpublished'], 'the read began before the unpublish');
  assert.deepEqual(await s.read('p1'), [], 'the next read does not get the stale answer from the cache');
  assert.equal(s.loads.length, 2);
});

test('while notices may be missed the cache stands aside, and starts empty when they are live again', async () => {
  const s = fakeStore();
  s.texts.set('p1', 'v1');
  await s.read('p1');
  s.cache.setNoticesLive(false);
  assert.equal(s.cache.size, 0);
  s.texts.set('p1', 'v2, published while the subscription was down');
  assert.deepEqual(await s.read('p1'), ['v2, published while the subscription was down']);
  await s.read('p1');
  assert.equal(s.loads.length, 3, 'every read went to the store');
  assert.equal(s.cache.size, 0);
  s.cache.setNoticesLive(true);
  await s.read('p1');
  await s.read('p1');
  assert.equal(s.loads.length, 4, 'cached again');
});

/** The service over a real SQLite store with the read cache on; counts the store's reads of published texts. */
async function setup() {
  const file = path.join(mkdtempSync(path.join(dir, 'db-')), 'gateway.db');
  const storage = new SqliteStorage(file);
  const products = (await storage.catalog.upsertProducts(makeCatalog())).map((o) => o.product);
  let storeReads = 0;
  const store: PublicationStore = Object.create(storage.publication, {
    publishedForProducts: {
      value: (ids: readonly string[]) => {
        storeReads++;
        return storage.publication.publishedForProducts(ids);
      },
    },
  });
  const bus = await createPublicationBus();
  const service = new PublicationService({
    store,
    bus,
    products: (ids) => storage.catalog.productsByIds(ids),
    check: () => ({ verdict: 'PASS', findings: [] }),
    policy: 'review',
    readCache: { ttlMs: 60_000 },
    logger: pino({ level: 'silent' }),
  });
  const product = must(products[0], 'the first product');
  return {
    service,
    storeReads: () => storeReads,
    /** What the product's base slot serves, as a shopper's read gets it. */
    served: async () =>
      (await service.publishedForProducts([product.id])).map((e) => [
        e.state.descriptionId,
        e.version.version,
        e.version.text,
      ]),
    approved: async (text: string) => {
      const d = await storage.descriptions.insertDescription(makeDescription(product.id, { text }));
      const entry = await service.admitGenerated(d, product, slotOf(product.id, null));
      await service.approve(entry.state.descriptionId, editor);
      return entry.state.descriptionId;
    },
    async close() {
      await service.close();
      await storage.close();
    },
  };
}

test('in the service: publish, edit-publish, unpublish and reject each show in the next read, and reads between them hit the cache', async () => {
  const s = await setup();
  try {
    const first = await s.approved('first text');
    assert.deepEqual(await s.served(), [], 'approved is not published');
    await s.served();
    const quiet = s.storeReads();
    assert.deepEqual(await s.served(), []);
    assert.equal(s.storeReads(), quiet, 'a repeated read is served from the cache');

    await s.service.publish(first, editor);
    assert.deepEqual(await s.served(), [[first, 1, 'first text']], 'publish');

    await s.service.edit(first, editor, { text: 'first text, edited', expectedVersion: 1 });
    assert.deepEqual(
      await s.served(),
      [[first, 1, 'first text']],
      'an edit of a live text leaves the live version live',
    );
    await s.service.publish(first, editor);
    assert.deepEqual(await s.served(), [[first, 2, 'first text, edited']], 'edit-publish');

    const second = await s.approved('second text');
    await s.service.publish(second, editor);
    assert.deepEqual(await s.served(), [[second, 1, 'second text']], 'a publish that supersedes');

    await s.service.unpublish(second, editor);
    assert.deepEqual(await s.served(), [], 'unpublish: the superseded text does not come back');

    await s.service.publish(second, editor);
    assert.deepEqual(await s.served(), [[second, 1, 'second text']]);
    await s.service.reject(second, editor, { reason: 'wrong fabric' });
    assert.deepEqual(await s.served(), [], 'reject of a live text');
    const reads = s.storeReads();
    await s.served();
    assert.equal(s.storeReads(), reads, 'and cached again after');
  } finally {
    await s.close();
  }
});
