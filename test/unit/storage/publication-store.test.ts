import { after, describe, test } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DatabaseSync, type SQLInputValue } from 'node:sqlite';
import pg from 'pg';
import { PostgresStorage, SqliteStorage } from '../../../src/storage/index.js';
import { numbered } from '../../../src/storage/postgres/postgres-publication.js';
import { createTestDatabase } from '../../helpers/postgres.js';
import { publicationSuite } from './publication.suite.js';

const dir = mkdtempSync(path.join(tmpdir(), 'stylesprint-publication-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('SQLite publication store', () => {
  const file = path.join(dir, 'publication.db');
  publicationSuite({
    open: async () => {
      const storage = new SqliteStorage(file);
      return { storage, store: storage.publication };
    },
    async raw(sql, params) {
      const db = new DatabaseSync(file);
      try {
        db.prepare(sql).run(...(params as SQLInputValue[]));
      } finally {
        db.close();
      }
    },
  });
});

// The PostgreSQL half needs a real server; without one it is skipped, never passed.
const postgres = await createTestDatabase();
if (!postgres.ok) {
  console.warn(`[publication-store.test] PostgreSQL publication suite SKIPPED: ${postgres.reason}`);
  test('PostgreSQL publication store', { skip: postgres.reason }, () => {});
} else {
  const { database } = postgres;
  describe('PostgreSQL publication store', () => {
    publicationSuite({
      open: async () => {
        const storage = await PostgresStorage.open({ connectionString: database.url });
        return { storage, store: storage.publication };
      },
      async raw(sql, params) {
        const client = new pg.Client({ connectionString: database.url });
        await client.connect();
        try {
          await client.query(numbered(sql), params);
        } finally {
          await client.end();
        }
      },
    });
    after(() => database.drop());
  });
}
