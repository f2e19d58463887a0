import { after, describe, test } from 'node:test';
import path from 'node:path';
import { PostgresStorage, SqliteStorage } from '../../../src/storage/index.js';
import { createTestDatabase } from '../../helpers/postgres.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { experimentStorageSuite } from './experiment-storage.suite.js';

const dir = tempDir('stylesprint-experiment-storage');

describe('SQLite experiment and event storage', () => {
  const file = path.join(dir, 'experiments.db');
  experimentStorageSuite({ open: async () => new SqliteStorage(file) });
});

// The PostgreSQL half needs a real server; without one it is skipped, never passed.
const postgres = await createTestDatabase();
if (!postgres.ok) {
  console.warn(`[experiment-storage.test] PostgreSQL suite SKIPPED: ${postgres.reason}`);
  test('PostgreSQL experiment and event storage', { skip: postgres.reason }, () => {});
} else {
  const { database } = postgres;
  describe('PostgreSQL experiment and event storage', () => {
    experimentStorageSuite({ open: () => PostgresStorage.open({ connectionString: database.url }) });
    // Registered last, so it runs after the suite has closed its storage.
    after(() => database.drop());
  });
}
