/**
 * Descriptions stored before the publication lifecycle: a database built at
 * the migration before it, with rows, is opened by today's gateway (SQLite,
 * and PostgreSQL when TEST_DATABASE_URL is set). Every row keeps its text and
 * gets a status and a check; the newest text of each slot is triaged by the
 * policy and the older ones are superseded; a second start changes nothing.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DatabaseSync, type SQLInputValue } from 'node:sqlite';
import pg from 'pg';
import { numbered } from '../../src/storage/postgres/postgres-publication.js';
import { createTestDatabase } from '../helpers/postgres.js';
import { migrateBefore, migrationVersion } from '../helpers/migrations.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { makeCatalog } from '../unit/storage/storage.data.js';
import { dataOf } from '../helpers/graphql.js';
import type { ConfigInput } from '../../src/config.js';
import { must } from '../helpers/must.js';

const LIFECYCLE = migrationVersion('publication_lifecycle');

const dir = mkdtempSync(path.join(tmpdir(), 'stylesprint-legacy-'));
const cleanup: Array<() => Promise<void>> = [];
after(async () => {
  for (const fn of cleanup.reverse()) await fn();
  rmSync(dir, { recursive: true, force: true });
});

type Exec = (sql: string, params?: unknown[]) => Promise<void>;

interface LegacyRow {
  id: string;
  product: number;
  text: string;
  personalization: Record<string, unknown> | null;
  finish: string;
}

/** Three products of the storage suite's catalog and six descriptions as the gateway stored them before the lifecycle. */
function legacyRows(): LegacyRow[] {
  const row = (
    product: number,
    text: string,
    personalization: LegacyRow['personalization'] = null,
    finish = 'stop',
  ): LegacyRow => ({ id: randomUUID(), product, text, personalization, finish });
  return [
    row(0, 'Meet the Floral Wrap Dress: a versatile piece for everyday wear.'),
    row(0, 'Meet the Floral Wrap Dress: an easy piece for every day.'),
    row(0, 'Meet the Floral Wrap Dress: a bright piece for the commute.', {
      segment: 'Commuters',
      locale: 'en-GB',
      tone: 'warm',
    }),
    row(1, 'Made of 100% silk, it comes in midnight blue.'),
    row(2, 'Meet the 100% Linen Maxi: a light piece for', null, 'length'),
    row(2, 'Meet the 100% Linen Maxi: a light piece for summer.', { tone: 'calm' }),
  ];
}

/** Builds the database at the migration before the lifecycle, with the legacy rows. */
async function buildLegacy(exec: Exec, postgres: boolean): Promise<{ products: string[]; rows: LegacyRow[] }> {
  await migrateBefore(exec, postgres ? 'postgres' : 'sqlite', LIFECYCLE, new Date().toISOString());
  const catalog = makeCatalog().slice(0, 3);
  const products = catalog.map(() => randomUUID());
  const now = new Date().toISOString();
  for (const [i, p] of catalog.entries()) {
    await exec(
      `INSERT INTO products (id, natural_key, sku, title, category, gender, attributes, colors, sizes, materials, image_url, reference_description, price, created_at, updated_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        products[i],
        `legacy-${i}`,
        p.sku,
        p.title,
        p.category,
        p.gender,
        JSON.stringify(p.attributes),
        JSON.stringify(p.colors),
        JSON.stringify(p.sizes),
        JSON.stringify(p.materials),
        p.imageUrl,
        p.referenceDescription,
        p.price,
        now,
        now,
      ],
    );
  }
  const rows = legacyRows();
  for (const [i, r] of rows.entries()) {
    await exec(
      `INSERT INTO descriptions (id, product_id, text, provider, model, prompt_version, personalization_key, personalization, parameters, finish_reason,
        latency_ms, prompt_tokens, completion_tokens, estimated_cost_usd, attempts, flags, attribute_coverage, created_at)
        VALUES (?, ?, ?, 'openai', 'gpt-4o-mini', 'v4', ?, ?, '{}', ?, 10, 20, 30, NULL, '[]', '[]', NULL, ?)`,
      [
        r.id,
        products[r.product],
        r.text,
        JSON.stringify(r.personalization),
        r.personalization ? JSON.stringify(r.personalization) : null,
        r.finish,
        new Date(Date.parse(now) + i).toISOString(),
      ],
    );
  }
  return { products, rows };
}

const HISTORY = `query H($id: ID!) { descriptionHistory(productId: $id) {
  description { id text status version slot { locale channel segment } check { verdict } }
  versions { version text author { name role } verdict }
  events { action from to actor { name role } note }
} }`;

interface Actor {
  name: string;
  role: string;
}

/** What HISTORY asks for. */
interface History {
  description: {
    id: string;
    text: string;
    status: string;
    version: number;
    slot: { locale: string; channel: string; segment: string };
    check: { verdict: string };
  };
  versions: Array<{ version: number; text: string; author: Actor; verdict: string | null }>;
  events: Array<{ action: string; from: string | null; to: string; actor: Actor; note: string | null }>;
}

async function histories(server: TestServer, products: string[]): Promise<History[]> {
  const all: History[] = [];
  for (const id of products) {
    const r = await server.gql<{ descriptionHistory: History[] }>(HISTORY, { id });
    assert.equal(r.body.errors, undefined, JSON.stringify(r.body.errors));
    all.push(...dataOf(r).descriptionHistory);
  }
  return all;
}

const backends: Array<{
  name: string;
  make: () => Promise<{ exec: Exec; config: Partial<ConfigInput>; postgres: boolean }>;
}> = [
  {
    name: 'SQLite',
    make: async () => {
      const file = path.join(mkdtempSync(path.join(dir, 'db-')), 'legacy.db');
      const db = new DatabaseSync(file);
      cleanup.push(async () => db.close());
      return {
        exec: async (sql, params) => void (params ? db.prepare(sql).run(...(params as SQLInputValue[])) : db.exec(sql)),
        config: { databasePath: file },
        postgres: false,
      };
    },
  },
];
const probe = await createTestDatabase();
if (probe.ok) {
  await probe.database.drop();
  backends.push({
    name: 'PostgreSQL',
    make: async () => {
      const made = await createTestDatabase();
      if (!made.ok) throw new Error(made.reason);
      const client = new pg.Client({ connectionString: made.database.url });
      await client.connect();
      cleanup.push(
        () => made.database.drop(),
        () => client.end(),
      );
      const exec: Exec = async (sql, params) => {
        await client.query(params ? numbered(sql) : sql, params);
      };
      return { exec, config: { databaseUrl: made.database.url }, postgres: true };
    },
  });
} else {
  console.warn(`[publication-migration.test] PostgreSQL half SKIPPED: ${probe.reason}`);
  test('legacy descriptions on PostgreSQL', { skip: probe.reason }, () => {});
}

for (const backend of backends) {
  for (const policy of ['review', 'auto'] as const) {
    test(`${backend.name}, PUBLISH_POLICY=${policy}: every stored description keeps its text and gets a status and a check; slots are triaged once`, async () => {
      const { exec, config, postgres } = await backend.make();
      const { products, rows } = await buildLegacy(exec, postgres);
      const start = () =>
        startTestServer({
          ...config,
          seedCatalog: false,
          providers: ['openai'],
          openaiBaseUrl: 'http://127.0.0.1:1/v1',
          publishPolicy: policy,
        });
      const server = await start();
      cleanup.push(() => server.stop().catch(() => {}));
      const migrated = await histories(server, products);

      // None lost, each with its text as version 1, a status and a stored check.
      assert.deepEqual(migrated.map((h) => h.description.id).sort(), rows.map((r) => r.id).sort());
      for (const h of migrated) {
        const row = must(
          rows.find((r) => r.id === h.description.id),
          `the row of ${h.description.id}`,
        );
        assert.deepEqual(
          h.versions.map((v) => [v.version, v.text, v.author, v.verdict !== null]),
          [[1, row.text, { name: 'openai/gpt-4o-mini', role: 'generator' }, true]],
        );
        assert.ok(
          h.description.status && h.description.check.verdict === h.versions[0]?.verdict,
          JSON.stringify(h.description),
        );
        assert.deepEqual(h.events[0], {
          action: 'CREATE',
          from: null,
          to: 'DRAFT',
          actor: { name: 'migration', role: 'system' },
          note: null,
        });
      }
      const byRow = (i: number) => {
        const id = must(rows[i], `row ${i}`).id;
        return must(
          migrated.find((h) => h.description.id === id),
          `the history of row ${i}`,
        );
      };
      assert.deepEqual(byRow(2).description.slot, { locale: 'en-GB', channel: 'web', segment: 'commuters' });
      assert.equal(byRow(3).description.check.verdict, 'BLOCK');
      // The older base text of product 0 and the cut text of product 2 were replaced by newer ones of their slot before the lifecycle.
      for (const i of [0, 4]) assert.equal(byRow(i).description.status, 'SUPERSEDED', `row ${i}`);
      const newest = [1, 2, 3, 5];
      const expected =
        policy === 'auto'
          ? ['PUBLISHED', 'PUBLISHED', 'IN_REVIEW', 'PUBLISHED']
          : ['IN_REVIEW', 'IN_REVIEW', 'IN_REVIEW', 'IN_REVIEW'];
      assert.deepEqual(
        newest.map((i) => byRow(i).description.status),
        expected,
        JSON.stringify(newest.map((i) => byRow(i).description.check)),
      );

      const read = await server.gql<{ product: { description: { id: string; source: string } | null } }>(
        `query($id: ID!) { product(id: $id) { description { id source } } }`,
        { id: products[0] },
      );
      assert.deepEqual(
        dataOf(read).product.description,
        policy === 'auto' ? { id: must(rows[1], 'row 1').id, source: 'CACHED' } : null,
        'product 0 has no reference: nothing is shown until a text is published',
      );

      await server.stop();
      const again = await start();
      cleanup.push(() => again.stop().catch(() => {}));
      assert.deepEqual(await histories(again, products), migrated, 'a second start changes nothing');
    });
  }
}
