/**
 * The lifecycle's reads on the request path (storing a generated text, a
 * shopper's read of published texts) find their rows by index instead of
 * walking a slot's or the catalog's history: every statement SQLite prepares
 * for them is explained, and each read of publication_states must go by the
 * status index or by a description's own key. Without it, storing a text cost
 * more with every text the slot had held before. The status indexes are
 * partial (live rows only, migration 9), and SQLite takes a partial index
 * only where the query repeats its predicate: the test also checks that the
 * index each read goes by is the partial one.
 */
import { test, after, mock } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { SqliteStorage } from '../../../src/storage/index.js';
import { createPublicationBus } from '../../../src/publication/publication-bus.js';
import { PublicationService } from '../../../src/publication/publication.service.js';
import { slotOf } from '../../../src/publication/slot.js';
import { makeCatalog, makeDescription } from './storage.data.js';
import { must } from '../../helpers/must.js';

const dir = mkdtempSync(path.join(tmpdir(), 'stylesprint-publication-plans-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Every SQL text prepared on any node:sqlite connection while `fn` runs. */
async function prepared(fn: () => Promise<void>): Promise<string[]> {
  const prepare = mock.method(DatabaseSync.prototype, 'prepare');
  try {
    await fn();
  } finally {
    prepare.mock.restore();
  }
  return prepare.mock.calls.map((call) => call.arguments[0]);
}

test('storing generated texts in one slot and reading the published ones never walks publication_states', async () => {
  const file = path.join(dir, 'gateway.db');
  const storage = new SqliteStorage(file);
  const products = (await storage.catalog.upsertProducts(makeCatalog())).map((o) => o.product);
  const service = new PublicationService({
    store: storage.publication,
    bus: await createPublicationBus(),
    products: (ids) => storage.catalog.productsByIds(ids),
    check: () => ({ verdict: 'PASS', findings: [] }),
    policy: 'auto',
  });
  const product = must(products[0], 'the first product');
  const statements = await prepared(async () => {
    for (const text of ['first', 'second', 'third']) {
      await service.storeGenerated(makeDescription(product.id, { text }), product, slotOf(product.id, null));
    }
    assert.equal((await service.publishedForProducts(products.map((p) => p.id))).length, 1);
    // Generating on read asks which slots are in use; the start-up sweep asks for untriaged drafts.
    assert.deepEqual(await service.slotsInUse([slotOf(product.id, null)]), [true]);
    assert.deepEqual(await storage.publication.untriaged(10), []);
  });
  await service.close();
  await storage.close();

  const db = new DatabaseSync(file);
  try {
    const reads = statements.filter((sql) => /^\s*select/i.test(sql) && /publication_states/.test(sql));
    // Storing reads the slot once (its live text and untouched drafts); the shopper's read, the slots in use and the sweep are the others.
    assert.ok(reads.length >= 4, `the lifecycle's reads were seen: ${reads.length}`);
    const partial = new Set(
      db
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'index' AND sql LIKE '%WHERE status <> ''SUPERSEDED''%'")
        .all()
        .map((r) => String(r.name)),
    );
    assert.deepEqual([...partial].sort(), ['publication_queue', 'publication_status_slot']);
    for (const sql of reads) {
      const plan = (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as Array<{ detail: string }>).map((r) => r.detail);
      const states = plan.filter((d) => / s( |$)|publication_states/.test(d) && !/^SEARCH (d|v|p) /.test(d));
      for (const step of states) {
        assert.match(
          step,
          /USING (COVERING )?INDEX (publication_status_slot|publication_queue|sqlite_autoindex_publication_states_1) /,
          `${sql.replace(/\s+/g, ' ').slice(0, 160)}…\n  ${plan.join(' | ')}`,
        );
        const index = /INDEX (\w+)/.exec(step)?.[1] ?? '';
        if (/\bstatus (=|IN)/.test(sql.replace(/s\.status/g, 'status')))
          assert.ok(partial.has(index), `a read by status goes by a partial index: ${index}\n  ${plan.join(' | ')}`);
      }
    }
  } finally {
    db.close();
  }
});
