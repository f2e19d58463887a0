import { DatabaseSync, type SQLInputValue, type StatementSync } from 'node:sqlite';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { BenchmarkStore } from '../../evaluation/benchmark/types.js';
import type { ApiKeyStore, CatalogStore, DescriptionStore, Storage } from '../types.js';
import type { PublicationStore } from '../publication-types.js';
import { MIGRATIONS, SCHEMA_MIGRATIONS_DDL, type AppliedMigration } from '../migrations.js';
import type { Row } from '../rows.js';
import { ApiKeySql } from '../api-key-sql.js';
import { SqlBenchmarkStore } from '../benchmark-store.js';
import { FALLBACK_AUTOCHECKPOINT_PAGES, WalCheckpointer } from './checkpointer.js';
import { SqliteCatalogStore } from './sqlite-catalog.js';
import { SqliteDescriptionStore } from './sqlite-descriptions.js';
import { SqliteEventStore } from './sqlite-events.js';
import { ExperimentSql } from '../experiment-sql.js';
import type { EventStore, ExperimentStore } from '../experiment-types.js';
import { SqlPublicationStore } from '../publication-store.js';
import { sqlitePublicationDriver } from './sqlite-publication.js';

/** The embedded default: one SQLite file in WAL mode, migrated at open. */
const MAX_CACHED_STATEMENTS = 256;
/** Writes after which checkpoints move to a worker thread; short-lived databases (tests, tools) never start one. */
const WRITES_BEFORE_CHECKPOINTER = 100;

export class SqliteStorage implements Storage {
  readonly kind = 'sqlite' as const;
  readonly catalog: CatalogStore;
  readonly descriptions: DescriptionStore;
  readonly apiKeys: ApiKeyStore;
  readonly benchmarks: BenchmarkStore;
  readonly experiments: ExperimentStore;
  readonly events: EventStore;
  readonly publication: PublicationStore;
  private readonly db: DatabaseSync;
  private open = true;
  /** Prepared statements by SQL text: preparing costs more than running these small queries. */
  private readonly statements = new Map<string, StatementSync>();
  /** Whether each shared statement returns rows, by SQL text. */
  private readonly returnsRows = new Map<string, boolean>();
  private checkpointer: WalCheckpointer | undefined;
  private writes = 0;

  constructor(private readonly file: string) {
    if (file !== ':memory:') mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    this.db = new DatabaseSync(file);
    this.db.exec(
      'PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000; PRAGMA synchronous = NORMAL;',
    );
    this.migrate();
    const connection = {
      sql: (text: string) => this.sql(text),
      transaction: <T>(fn: () => T) => this.transaction(fn),
      wrote: () => this.wrote(),
    };
    this.catalog = new SqliteCatalogStore(connection);
    this.descriptions = new SqliteDescriptionStore(connection);
    this.publication = new SqlPublicationStore(sqlitePublicationDriver(connection));
    // API keys and benchmark runs: the statements every backend shares, with `?` placeholders.
    const query = async (sql: string, params: readonly unknown[]): Promise<Row[]> => {
      const stmt = this.sql(sql);
      let rows = this.returnsRows.get(sql);
      if (rows === undefined) this.returnsRows.set(sql, (rows = /^\s*select|returning/i.test(sql)));
      if (rows) return stmt.all(...(params as SQLInputValue[]));
      stmt.run(...(params as SQLInputValue[]));
      return [];
    };
    this.apiKeys = new ApiKeySql(query);
    this.benchmarks = new SqlBenchmarkStore(query);
    this.experiments = new ExperimentSql(query);
    this.events = new SqliteEventStore(connection);
  }

  /** A cached prepared statement. Filter SQL varies with the filter's shape, so the cache is bounded. */
  private sql(text: string): StatementSync {
    let statement = this.statements.get(text);
    if (!statement) {
      if (this.statements.size >= MAX_CACHED_STATEMENTS) this.statements.clear();
      statement = this.db.prepare(text);
      this.statements.set(text, statement);
    }
    return statement;
  }

  /** Versions applied so far, for tests and `/readyz`. */
  appliedMigrations(): number[] {
    return this.sql('SELECT version FROM schema_migrations ORDER BY version')
      .all()
      .map((r) => Number(r.version));
  }

  /** Every applied migration, oldest first (the same shape as PostgresStorage's). */
  async migrationHistory(): Promise<AppliedMigration[]> {
    return this.sql('SELECT version, name, applied_at FROM schema_migrations ORDER BY version')
      .all()
      .map((r) => ({ version: Number(r.version), name: String(r.name), appliedAt: String(r.applied_at) }));
  }

  journalMode(): string {
    return String(this.sql('PRAGMA journal_mode').get()?.journal_mode);
  }

  private migrate(): void {
    this.db.exec(SCHEMA_MIGRATIONS_DDL.sqlite);
    const applied = new Set(this.appliedMigrations());
    for (const m of MIGRATIONS) {
      if (applied.has(m.version)) continue;
      this.transaction(() => {
        this.db.exec(m.sqlite);
        this.sql('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
          m.version,
          m.name,
          new Date().toISOString(),
        );
      });
    }
  }

  private transaction<T>(fn: () => T): T {
    this.db.exec('BEGIN IMMEDIATE');
    try {
      const result = fn();
      this.db.exec('COMMIT');
      return result;
    } catch (error) {
      this.db.exec('ROLLBACK');
      throw error;
    }
  }

  isOpen(): boolean {
    return this.open;
  }

  /** Counts writes; past WRITES_BEFORE_CHECKPOINTER, WAL checkpoints move to a worker thread (checkpointer.ts). */
  private wrote(): void {
    this.writes += 1;
    if (this.checkpointer || this.writes < WRITES_BEFORE_CHECKPOINTER || this.file === ':memory:' || !this.open) return;
    this.checkpointer = new WalCheckpointer(this.file);
    this.db.exec(`PRAGMA wal_autocheckpoint = ${FALLBACK_AUTOCHECKPOINT_PAGES}`);
  }

  async close(): Promise<void> {
    if (!this.open) return;
    this.open = false;
    await this.checkpointer?.close();
    this.db.close();
  }
}
