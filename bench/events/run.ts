/**
 * Events per second that the event store takes: recordEvents' batches (50
 * and 500 events in one transaction, with the sessions and roll-ups kept in
 * it) against the baseline of one event per call, in the same run, on SQLite
 * and, when a server is given, on PostgreSQL. The events are a shopping
 * day's: each session an IMPRESSION, one in twenty an ADD_TO_CART too, all
 * in one running experiment, so every event updates the roll-ups.
 *
 * Run: npm run bench:events [-- --database-url postgresql://… --events N]
 * (PostgreSQL also with TEST_DATABASE_URL, in a database made and dropped
 * for the run; --database-url may be given more than once, say for a server
 * that syncs every commit beside one that does not, and each gets its row;
 * writes the "events" section of docs/benchmarks.md).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { PostgresStorage, SqliteStorage } from '../../src/storage/index.js';
import { MAX_EVENTS_PER_CALL } from '../../src/experiments/event-input.js';
import type { EventInput, Storage } from '../../src/storage/types.js';
import { createTestDatabase, type TestDatabase } from '../../test/helpers/postgres.js';
import { writeSection } from '../report.js';
import pg from 'pg';

const ROUNDS = 3;
/** Events of the baseline (one per call) per round: it is slow, and its rate does not depend on how many. */
const BASELINE_EVENTS = 2000;
/** Batch sizes measured against the baseline: a small one, and recordEvents' largest. */
const BATCH_SIZES = [50, MAX_EVENTS_PER_CALL];

let serial = 0;

/** The product of session `serial`, going round the experiment's products. */
function productAt(products: readonly string[], serial: number): string {
  const product = products[serial % products.length];
  if (product === undefined) throw new Error('an experiment without products');
  return product;
}

/** `count` events of fresh sessions over the experiment's products, as the app reports them. */
function shoppingDay(experimentId: string, products: readonly string[], count: number): EventInput[] {
  const events: EventInput[] = [];
  const occurredAt = new Date().toISOString();
  while (events.length < count) {
    const session = `bench-${++serial}`;
    const variantId = serial % 2 ? 'A' : 'B';
    const base = {
      sessionId: session,
      productId: productAt(products, serial),
      descriptionId: null,
      experimentId,
      variantId,
      occurredAt,
      value: null,
    };
    events.push({ ...base, eventId: `${session}-i`, type: 'IMPRESSION' });
    if (serial % 20 === 0 && events.length < count)
      events.push({ ...base, eventId: `${session}-a`, type: 'ADD_TO_CART' });
  }
  return events;
}

interface Measured {
  /** Events per second in each of BATCH_SIZES, in order. */
  batched: number[];
  single: number;
}

/** Events per second, best of the rounds, in batches of each size and one per call. */
async function measure(storage: Storage, events: number): Promise<Measured> {
  const products = ['p1', 'p2', 'p3', 'p4'];
  const experiment = await storage.experiments.create({
    name: `bench events ${Date.now()}`,
    metric: 'ADD_TO_CART_RATE',
    allocation: 'FIXED',
    minSample: null,
    refreshSeconds: 3600,
    productIds: products,
    variants: ['A', 'B'].map((id) => ({
      id,
      name: id,
      weight: 1,
      descriptionIds: Object.fromEntries(products.map((p) => [p, `${id}-${p}`])),
    })),
  });
  const conversions = new Map([[experiment.id, 'ADD_TO_CART' as const]]);
  const run = async (all: EventInput[], size: number): Promise<number> => {
    const t0 = performance.now();
    for (let i = 0; i < all.length; i += size) {
      const now = Date.now();
      await storage.events.record({
        events: all.slice(i, i + size),
        receivedAt: new Date(now).toISOString(),
        bucket: Math.floor(now / 3_600_000),
        conversions,
      });
    }
    return all.length / ((performance.now() - t0) / 1000);
  };
  await run(shoppingDay(experiment.id, products, 2 * MAX_EVENTS_PER_CALL), MAX_EVENTS_PER_CALL); // warm-up
  const batched = BATCH_SIZES.map((size) => ({ size, best: 0 }));
  let single = 0;
  for (let r = 0; r < ROUNDS; r++) {
    single = Math.max(single, await run(shoppingDay(experiment.id, products, BASELINE_EVENTS), 1));
    for (const b of batched) b.best = Math.max(b.best, await run(shoppingDay(experiment.id, products, events), b.size));
  }
  await storage.experiments.setStatus(experiment.id, 'CONCLUDED', 'A');
  return { batched: batched.map((b) => b.best), single };
}

interface Postgres {
  storage: Storage;
  drop: () => Promise<void>;
  /** The server's durability settings, said beside its numbers: a throwaway test server runs without fsync unless started durable. */
  durability: string;
}

async function postgresStorage(url: string | undefined): Promise<Postgres | string> {
  let connectionString = url;
  let drop = async () => {};
  if (!connectionString) {
    const made = await createTestDatabase();
    if (!made.ok) return made.reason;
    const database: TestDatabase = made.database;
    connectionString = database.url;
    drop = () => database.drop();
  }
  const client = new pg.Client({ connectionString });
  await client.connect();
  const settings = await client.query<{ name: string; setting: string }>(
    `SELECT name, setting FROM pg_settings WHERE name IN ('fsync', 'full_page_writes', 'synchronous_commit') ORDER BY name`,
  );
  await client.end();
  return {
    storage: await PostgresStorage.open({ connectionString }),
    drop,
    durability: settings.rows.map((r) => `${r.name}=${r.setting}`).join(', '),
  };
}

const { values } = parseArgs({
  options: { 'database-url': { type: 'string', multiple: true }, events: { type: 'string', default: '100000' } },
});
const events = Number(values.events);
if (!Number.isSafeInteger(events) || events < MAX_EVENTS_PER_CALL)
  throw new Error(`--events must be a whole number ≥ ${MAX_EVENTS_PER_CALL}`);

const dir = mkdtempSync(path.join(tmpdir(), 'stylesprint-bench-events-'));
const rows: string[] = [];
const rate = (n: number) => Math.round(n).toLocaleString('en-US');
const row = (db: string, m: Measured) =>
  `| ${db} | ${rate(m.single)} | ${m.batched.map((b) => `${rate(b)} (${(b / m.single).toFixed(1)}×)`).join(' | ')} |`;
try {
  const sqlite = new SqliteStorage(path.join(dir, 'events.db'));
  const s = await measure(sqlite, events);
  await sqlite.close();
  rows.push(row('SQLite (one file, WAL)', s));
  console.log(rows.at(-1));
  for (const url of values['database-url'] ?? [undefined]) {
    const pg = await postgresStorage(url);
    if (typeof pg === 'string') {
      console.log(`PostgreSQL skipped: ${pg}`);
      continue;
    }
    try {
      rows.push(row(`PostgreSQL (local server, ${pg.durability})`, await measure(pg.storage, events)));
      console.log(rows.at(-1));
    } finally {
      await pg.storage.close();
      await pg.drop();
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const body = `Events per second into the event store (\`storage.events.record\`: append-only, idempotent by event id, the experiment's session rows and hourly roll-ups kept in the same transaction), best of ${ROUNDS} rounds: ${events.toLocaleString('en-US')} events per round in batches of each size (${MAX_EVENTS_PER_CALL} is recordEvents' largest), against the baseline of one event per call (${BASELINE_EVENTS.toLocaleString('en-US')} per round), in the same run. Each session an IMPRESSION and one in twenty an ADD_TO_CART, in one running experiment. The target is ≥ 20,000 events/s on SQLite. The machine is shared with other work: the rates of one run and the next differ by up to half, so read each row's ratios, measured together.

| database | one per call (baseline), events/s | ${BATCH_SIZES.map((n) => `batches of ${n}, events/s (vs baseline)`).join(' | ')} |
|---|---|${BATCH_SIZES.map(() => '---|').join('')}
${rows.join('\n')}

Each PostgreSQL row names the server's fsync, full_page_writes and synchronous_commit. The throwaway server of \`.ci/test-postgres.sh\` turns them off (\`start_test_postgres\`); \`start_test_postgres durable\` keeps PostgreSQL's defaults, all on, so every commit waits for its WAL flush to the disk, as in a deployment: with batches, a flush is paid once per batch rather than once per event.

Reproduce: \`npm run bench:events\` (PostgreSQL with \`-- --database-url postgresql://…\`, repeatable, one row each, or \`TEST_DATABASE_URL\` set; the rows above: one server of each kind, both on this machine's disk).`;
writeSection('events', 'Event storage (recordEvents batches)', body);
console.log('wrote docs/benchmarks.md');
