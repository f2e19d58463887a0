/**
 * What the publication lifecycle costs on the request path, on one SQLite
 * file (WAL) holding the sample catalog, each product with several stored
 * descriptions of which one is published, measured against a baseline in
 * the same run:
 * - a shopper's page of 20 descriptions: the published texts of the page's
 *   products (the lifecycle's read) against the newest stored description per
 *   product (the read it replaced, still in SqliteStorage);
 * - storing a generated text: the insert alone against the insert, its fact
 *   check and its admission (state, version and events in one transaction);
 * - a person's publish (the check rerun, the slot's last publication
 *   superseded) against an approve (one status change).
 * Run: npm run bench:publication   (writes the "publication" section of docs/benchmarks.md)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SqliteStorage } from '../../src/storage/sqlite/sqlite-storage.js';
import { createPublicationBus } from '../../src/publication/publication-bus.js';
import { factChecker, PublicationService } from '../../src/publication/publication.service.js';
import { slotOf } from '../../src/publication/slot.js';
import { defaultFactVocabulary } from '../../src/evaluation/checks/facts/index.js';
import type { Actor } from '../../src/publication/lifecycle.js';
import { readSampleCatalog } from '../../src/seed.js';
import type { DescriptionInput, ProductRecord } from '../../src/storage/types.js';
import { writeSection } from '../report.js';
import { storedDescription } from '../stored-description.js';

const ROUNDS = 5;
const PAGES = 500;
const WRITES = 300;
const PAGE = 20;
const STORED_PER_PRODUCT = 5;

const dir = mkdtempSync(path.join(tmpdir(), 'stylesprint-bench-publication-'));
const file = path.join(dir, 'bench.db');
const storage = new SqliteStorage(file);
await storage.catalog.upsertProducts(readSampleCatalog());
const products = (await storage.catalog.listProducts({}, 100, null)).rows;
/** The product for call `i`, going round the catalog. */
function productAt(i: number): (typeof products)[number] {
  const product = products[i % products.length];
  if (!product) throw new Error('the sample catalog is empty');
  return product;
}
const byId = new Map(products.map((p) => [p.id, p]));
const publication = new PublicationService({
  store: storage.publication,
  bus: await createPublicationBus(),
  products: async (ids) => ids.map((id) => byId.get(id) ?? null),
  check: factChecker(defaultFactVocabulary()),
  policy: 'auto',
});
const editor: Actor = { kind: 'person', name: 'bench-editor', role: 'editor' };
const description = (p: ProductRecord, n: number): DescriptionInput =>
  storedDescription(p.id, `Meet the ${p.title}: a versatile piece for everyday wear, take ${n}.`);
const admit = async (p: ProductRecord, n: number) =>
  publication.admitGenerated(await storage.descriptions.insertDescription(description(p, n)), p, slotOf(p.id, null));

// History first: every product with several texts, the newest published under auto (the others superseded).
for (const p of products) for (let n = 0; n < STORED_PER_PRODUCT; n++) await admit(p, n);

async function best(count: number, fn: (i: number) => Promise<unknown>): Promise<number> {
  let min = Infinity;
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = performance.now();
    for (let i = 0; i < count; i++) await fn(i);
    min = Math.min(min, performance.now() - t0);
  }
  return (min / count) * 1000;
}

const page = (i: number) => Array.from({ length: PAGE }, (_, j) => productAt(i * PAGE + j).id);
const readNewest = (i: number) =>
  storage.descriptions.latestDescriptions(
    page(i).map((productId) => ({ productId, personalizationKey: '', provider: null })),
  );
const readPublished = (i: number) => publication.publishedForProducts(page(i));
let n = STORED_PER_PRODUCT;
const insertOnly = (i: number) => storage.descriptions.insertDescription(description(productAt(i), n++));
const insertAndAdmit = (i: number) => admit(productAt(i), n++);

// An approve, and a publish of an approved text, each on a fresh text in review (made outside the timing).
async function inReview(count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const p = productAt(i);
    const d = await storage.descriptions.insertDescription({ ...description(p, n++), finishReason: 'length' });
    ids.push((await publication.admitGenerated(d, p, slotOf(p.id, null, `bench-${i}`))).state.descriptionId);
  }
  return ids;
}
async function timeEach(ids: readonly string[], fn: (id: string) => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  for (const id of ids) await fn(id);
  return ((performance.now() - t0) / ids.length) * 1000;
}
async function bestOf(prepare: () => Promise<string[]>, fn: (id: string) => Promise<unknown>): Promise<number> {
  let min = Infinity;
  for (let r = 0; r < ROUNDS; r++) min = Math.min(min, await timeEach(await prepare(), fn));
  return min;
}

await best(50, readPublished); // warm-up
const newestUs = await best(PAGES, readNewest);
const publishedUs = await best(PAGES, readPublished);
const insertUs = await best(WRITES, insertOnly);
const admitUs = await best(WRITES, insertAndAdmit);
const approveUs = await bestOf(
  () => inReview(WRITES),
  (id) => publication.approve(id, editor),
);
// An incomplete text cannot be published: these are edited into complete ones first, outside the timing.
const approvedComplete = async () => {
  const ids = await inReview(WRITES);
  for (const id of ids) {
    await publication.edit(id, editor, { text: 'An easy piece for every day.', expectedVersion: 1 });
    await publication.approve(id, editor);
  }
  return ids;
};
const publishUs = await bestOf(approvedComplete, (id) => publication.publish(id, editor));
await publication.close();
await storage.close();
rmSync(dir, { recursive: true, force: true });

const ratio = (x: number, base: number) => `${(x / base).toFixed(2)}×`;
const body = `On one SQLite file (WAL) holding the sample catalog, ${products.length} of its products each with ${STORED_PER_PRODUCT} generated texts of which the newest is published; best of ${ROUNDS} rounds. Each row's baseline runs in the same process on the same file, in the same run.

| operation | µs each | vs its baseline |
|---|---|---|
| a page of ${PAGE} products: newest stored description per product (baseline: the read \`Product.description\` did before the lifecycle) | ${newestUs.toFixed(0)} | 1.00× |
| a page of ${PAGE} products: their published descriptions, live version (the read it does now) | ${publishedUs.toFixed(0)} | ${ratio(publishedUs, newestUs)} |
| storing a generated text: the insert alone (baseline) | ${insertUs.toFixed(0)} | 1.00× |
| storing a generated text: insert, fact check and admission under \`auto\` (publish, supersede) | ${admitUs.toFixed(0)} | ${ratio(admitUs, insertUs)} |
| a person's approve (baseline: one status change and its event) | ${approveUs.toFixed(0)} | 1.00× |
| a person's publish (the check rerun, the check stored, the slot's last publication superseded) | ${publishUs.toFixed(0)} | ${ratio(publishUs, approveUs)} |

Reproduce: \`npm run bench:publication\`.`;
console.log(body);
writeSection('publication', 'Publication lifecycle on the request path (SQLite)', body);
