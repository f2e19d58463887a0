import pg from 'pg';
import type { PoolClient } from 'pg';
import type { BenchmarkStore } from '../../evaluation/benchmark/types.js';
import type { ApiKeyStore, CatalogStore, DescriptionStore, Storage } from '../types.js';
import type { PublicationStore } from '../publication-types.js';
import { MIGRATIONS, SCHEMA_MIGRATIONS_DDL, type AppliedMigration } from '../migrations.js';
import type { Row } from '../rows.js';
import { pgTypeParsers } from './pg-types.js';
import { ApiKeySql } from '../api-key-sql.js';
import { SqlBenchmarkStore } from '../benchmark-store.js';
import { PostgresCatalogStore } from './postgres-catalog.js';
import { PostgresDescriptionStore } from './postgres-descriptions.js';
import { PostgresEventStore } from './postgres-events.js';
import { ExperimentSql } from '../experiment-sql.js';
import type { EventStore, ExperimentStore } from '../experiment-types.js';
import { SqlPublicationStore } from '../publication-store.js';
import { numbered, postgresPublicationDriver } from './postgres-publication.js';

export interface PostgresStorageOptions {
  /** A `postgres://` or `postgresql://` URL (required). */
  connectionString: string;
  /** Most pooled connections (default 10). */
  maxConnections?: number;
  /** How long to wait for a connection before a query fails, in ms (default 5000). */
  connectTimeoutMs?: number;
}

/**
 * Session-level advisory lock held while migrating, so that two gateways
 * starting against one database never both apply a migration. Advisory locks
 * are scoped to the current database, so separate databases never contend.
 */
const MIGRATION_LOCK_SQL = "hashtext('stylesprint-gateway:schema_migrations')";

/** PostgreSQL through a `pg.Pool`; open with `PostgresStorage.open()`, which migrates. */
export class PostgresStorage implements Storage {
  readonly kind = 'postgres' as const;
  readonly catalog: CatalogStore;
  readonly descriptions: DescriptionStore;
  readonly apiKeys: ApiKeyStore;
  readonly benchmarks: BenchmarkStore;
  readonly experiments: ExperimentStore;
  readonly events: EventStore;
  readonly publication: PublicationStore;
  private open = false;

  private constructor(private readonly pool: pg.Pool) {
    const connection = { pool, transaction: <T>(fn: (client: PoolClient) => Promise<T>) => this.transaction(fn) };
    this.catalog = new PostgresCatalogStore(connection);
    this.descriptions = new PostgresDescriptionStore(connection);
    this.publication = new SqlPublicationStore(postgresPublicationDriver(connection));
    // API keys and benchmark runs: the statements every backend shares, with `?` placeholders.
    const query = async (sql: string, params: readonly unknown[]): Promise<Row[]> => {
      return (await pool.query<Row>(numbered(sql), params as unknown[])).rows;
    };
    this.apiKeys = new ApiKeySql(query);
    this.benchmarks = new SqlBenchmarkStore(query);
    this.experiments = new ExperimentSql(query);
    this.events = new PostgresEventStore(connection);
    // An idle pooled connection that the server drops emits 'error' on the
    // pool; unhandled, that would crash the process. The pool discards the
    // client, and the next query reconnects or fails with its own error.
    pool.on('error', () => {});
  }

  /** Connects, applies pending migrations, and returns the open storage. */
  static async open(options: PostgresStorageOptions): Promise<PostgresStorage> {
    const pool = new pg.Pool({
      connectionString: options.connectionString,
      max: options.maxConnections ?? 10,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
      types: pgTypeParsers,
    });
    const storage = new PostgresStorage(pool);
    try {
      await storage.migrate();
    } catch (error) {
      await pool.end();
      throw error;
    }
    storage.open = true;
    return storage;
  }

  /** Every applied migration, oldest first (the same shape as SqliteStorage's). */
  async migrationHistory(): Promise<AppliedMigration[]> {
    const { rows } = await this.pool.query<Row>(
      'SELECT version, name, applied_at FROM schema_migrations ORDER BY version',
    );
    return rows.map((r) => ({ version: Number(r.version), name: String(r.name), appliedAt: String(r.applied_at) }));
  }

  private async migrate(): Promise<void> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      await client.query(`SELECT pg_advisory_lock(${MIGRATION_LOCK_SQL})`);
      try {
        // Under the lock: even CREATE TABLE IF NOT EXISTS races with itself.
        await client.query(SCHEMA_MIGRATIONS_DDL.postgres);
        const { rows } = await client.query<Row>('SELECT version FROM schema_migrations');
        const applied = new Set(rows.map((r) => Number(r.version)));
        for (const m of MIGRATIONS) {
          if (applied.has(m.version)) continue;
          await inTransaction(client, async () => {
            await client.query(m.postgres);
            await client.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [
              m.version,
              m.name,
              new Date().toISOString(),
            ]);
          });
        }
      } finally {
        await client.query(`SELECT pg_advisory_unlock(${MIGRATION_LOCK_SQL})`);
      }
    } catch (error) {
      broken = error as Error;
      throw error;
    } finally {
      // A connection that failed mid-way is destroyed, which also drops the lock.
      client.release(broken);
    }
  }

  private async transaction<T>(fn: (client: PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      return await inTransaction(client, () => fn(client));
    } catch (error) {
      broken = error as Error;
      throw error;
    } finally {
      client.release(broken);
    }
  }

  isOpen(): boolean {
    return this.open && !this.pool.ending && !this.pool.ended;
  }

  async close(): Promise<void> {
    if (this.pool.ending || this.pool.ended) return;
    this.open = false;
    await this.pool.end();
  }
}

async function inTransaction<T>(client: PoolClient, fn: () => Promise<T>): Promise<T> {
  await client.query('BEGIN');
  try {
    const result = await fn();
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  }
}
