import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { openStorage, PostgresStorage, SqliteStorage } from '../../../src/storage/index.js';
import { ConfigError, loadConfig } from '../../../src/config.js';
import { createTestDatabase } from '../../helpers/postgres.js';
import { storageSuite } from './storage.suite.js';
import { makeCatalog, makeDescription } from './storage.data.js';
import { DatabaseSync } from 'node:sqlite';
import { tempDir } from '../../helpers/temp-dir.js';
import { waitFor } from '../../helpers/wait.js';
import { must } from '../../helpers/must.js';

const dir = tempDir('stylesprint-storage');

describe('SQLite storage', () => {
  const file = path.join(dir, 'suite.db');
  storageSuite({
    kind: 'sqlite',
    open: async () => new SqliteStorage(file),
    history: (s) => (s as SqliteStorage).migrationHistory(),
  });
});

test('SQLite: past 100 writes a worker thread checkpoints the WAL, and close() ends it and leaves no WAL behind', async () => {
  const file = path.join(dir, 'checkpoints.db');
  const storage = new SqliteStorage(file);
  const created = must((await storage.catalog.upsertProducts(makeCatalog().slice(0, 1)))[0], 'the stored product');
  // About 700 WAL pages: under SQLite's own 1000-page mark, so without the
  // worker every page would still sit in the WAL and the file would not grow.
  for (let i = 0; i < 150; i++)
    await storage.descriptions.insertDescription(makeDescription(created.product.id, { text: `description ${i}` }));
  const initial = 4096;
  // The worker checkpoints in the background: wait for the file to grow.
  await waitFor(() => statSync(file).size > initial, { what: 'a checkpoint into the database file' });
  await storage.close();
  assert.equal(existsSync(`${file}-wal`), false, 'the last connection to close removed the WAL');
  const reopened = new DatabaseSync(file);
  try {
    assert.equal(Number(reopened.prepare('SELECT count(*) AS n FROM descriptions').get()?.n), 150);
  } finally {
    reopened.close();
  }
});

// The Postgres half needs a real server; without one it is skipped, never passed.
const postgres = await createTestDatabase();
if (!postgres.ok) {
  console.warn(`[storage.test] PostgreSQL storage suite SKIPPED: ${postgres.reason}`);
  test('PostgreSQL storage suite', { skip: postgres.reason }, () => {});
} else {
  const { database } = postgres;
  describe('PostgreSQL storage', () => {
    storageSuite({
      kind: 'postgres',
      open: () => PostgresStorage.open({ connectionString: database.url }),
      history: (s) => (s as PostgresStorage).migrationHistory(),
    });

    test('openStorage picks PostgreSQL for a postgres:// or postgresql:// DATABASE_URL', async () => {
      for (const scheme of ['postgres:', 'postgresql:']) {
        const url = new URL(database.url);
        url.protocol = scheme;
        const config = loadConfig({ databasePath: path.join(dir, 'unused.db') }, { DATABASE_URL: url.toString() });
        const storage = await openStorage(config);
        try {
          assert.equal(storage.kind, 'postgres');
          assert.equal(storage.isOpen(), true);
        } finally {
          await storage.close();
        }
        assert.equal(storage.isOpen(), false);
      }
    });

    // Registered last, so it runs after the suite has closed its storage.
    after(() => database.drop());
  });
}

test('openStorage picks SQLite when DATABASE_URL is unset', async () => {
  const storage = await openStorage(loadConfig({ databasePath: path.join(dir, 'default.db') }, {}));
  assert.equal(storage.kind, 'sqlite');
  await storage.close();
});

test('a DATABASE_URL that is not a PostgreSQL URL is a config error', () => {
  assert.throws(
    () => loadConfig({}, { DATABASE_URL: 'mysql://localhost/db' }),
    (e: unknown) => e instanceof ConfigError && /DATABASE_URL/.test(e.message),
  );
});

test('a PostgreSQL server that does not answer fails the start with the connection error', async () => {
  // Port 1 on loopback: nothing listens there, so the connection is refused at once.
  await assert.rejects(
    PostgresStorage.open({ connectionString: 'postgresql://nobody:x@127.0.0.1:1/none', connectTimeoutMs: 2000 }),
    /ECONNREFUSED/,
  );
});
