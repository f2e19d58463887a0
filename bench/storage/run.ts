/**
 * SQLite storage on the gateway's per-request path: the reads and the write
 * that one generated description costs, through SqliteStorage (prepared
 * statements cached) against the same SQL prepared on every call, on the
 * same database file in the same run.
 * Run: npm run bench:storage   (writes the "storage" section of docs/benchmarks.md)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { DatabaseSync } from 'node:sqlite';
import { SqliteStorage } from '../../src/storage/sqlite/sqlite-storage.js';
import { readSampleCatalog } from '../../src/seed.js';
import type { DescriptionInput } from '../../src/storage/types.js';
import { writeSection } from '../report.js';
import { storedDescription } from '../stored-description.js';

const ROUNDS = 5;
const REQUESTS = 3000;

const dir = mkdtempSync(path.join(tmpdir(), 'stylesprint-bench-storage-'));
const file = path.join(dir, 'bench.db');
const storage = new SqliteStorage(file);
await storage.catalog.upsertProducts(readSampleCatalog());
const ids = (await storage.catalog.listProducts({}, 100, null)).rows.map((p) => p.id);
/** The product for request `i`, going round the catalog. */
function idAt(i: number): string {
  const id = ids[i % ids.length];
  if (id === undefined) throw new Error('the sample catalog is empty');
  return id;
}
const description = (productId: string): DescriptionInput => storedDescription(productId, 'A bench description.', 'v3');

/** One generated description's storage work: load the product, look for a stored description, store the new one. */
async function ours(i: number): Promise<void> {
  const id = idAt(i);
  await storage.catalog.productsByIds([id]);
  await storage.descriptions.latestDescriptions([{ productId: id, personalizationKey: '', provider: null }]);
  await storage.descriptions.insertDescription(description(id));
}

// The baseline: the same statements, prepared on every call.
const raw = new DatabaseSync(file);
raw.exec('PRAGMA busy_timeout = 5000;');
function baseline(i: number): void {
  const id = idAt(i);
  raw.prepare('SELECT * FROM products WHERE id IN (SELECT value FROM json_each(?))').all(JSON.stringify([id]));
  raw
    .prepare(
      `SELECT k.key AS lookup_index, d.* FROM json_each(?) k JOIN descriptions d ON d.seq = (
        SELECT x.seq FROM descriptions x WHERE x.product_id = json_extract(k.value, '$.p') AND x.personalization_key = json_extract(k.value, '$.k')
          AND (json_extract(k.value, '$.v') IS NULL OR x.provider = json_extract(k.value, '$.v')) ORDER BY x.seq DESC LIMIT 1)`,
    )
    .all(JSON.stringify([{ p: id, k: '', v: null }]));
  const d = description(id);
  const newId = randomUUID();
  raw
    .prepare(
      `INSERT INTO descriptions (id, product_id, text, provider, model, prompt_version, personalization_key, personalization, parameters, finish_reason,
        latency_ms, prompt_tokens, completion_tokens, estimated_cost_usd, attempts, flags, attribute_coverage, created_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(
      newId,
      id,
      d.text,
      d.provider,
      d.model,
      d.promptVersion,
      '',
      null,
      '{}',
      'stop',
      1,
      10,
      20,
      0,
      '[]',
      '[]',
      null,
      new Date().toISOString(),
    );
  raw.prepare('SELECT * FROM descriptions WHERE id = ?').get(newId);
}

async function best(fn: (i: number) => unknown): Promise<number> {
  let min = Infinity;
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = performance.now();
    for (let i = 0; i < REQUESTS; i++) await fn(i);
    min = Math.min(min, performance.now() - t0);
  }
  return (min / REQUESTS) * 1000;
}

await best(ours); // warm-up
const baselineUs = await best(baseline);
const oursUs = await best(ours);
raw.close();
await storage.close();
rmSync(dir, { recursive: true, force: true });

const body = `Per generated description, the storage work of the request path (product by id, newest stored description, insert and read back), ${REQUESTS} requests, best of ${ROUNDS} rounds, on one SQLite file (WAL) holding the sample catalog; the baseline runs the same SQL prepared on every call, in the same run.

| path | µs per request | vs baseline |
|---|---|---|
| statements prepared on every call (baseline) | ${baselineUs.toFixed(0)} | 1.00× |
| SqliteStorage (prepared statements cached) | ${oursUs.toFixed(0)} | ${(baselineUs / oursUs).toFixed(2)}× faster |

The gateway profile (\`npm run bench:gateway\`) showed statement preparation inside the storage frames; caching them removes it. Reproduce: \`npm run bench:storage\`.`;
console.log(body);
writeSection('storage', 'SQLite storage on the request path', body);
