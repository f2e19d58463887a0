/**
 * The publication store over SQLite or PostgreSQL: the operations of
 * publication-sql.ts, run by a driver. The SQLite driver runs an operation's
 * statements synchronously, a write inside BEGIN IMMEDIATE … COMMIT that
 * never yields to the event loop; the PostgreSQL driver awaits each one, a
 * write on one pooled connection inside BEGIN … COMMIT. Each backend gets a
 * connection of its own, as the benchmark store does: SQLite's WAL mode and
 * a Postgres pool both allow a second one.
 */
import { DatabaseSync, type SQLInputValue, type StatementSync } from 'node:sqlite';
import pg from 'pg';
import { pgTypeParsers } from './postgres/pg-types.js';
import type { Row } from './rows.js';
import * as sql from './publication-sql.js';
import type { Dialect, Statement, Steps } from './publication-sql.js';
import type { ActorRecord, AdmitInput, Planner, PublicationStore, QueueFilter } from './publication-types.js';
import { slotOf, DEFAULT_CHANNEL, type Slot } from '../publication/slot.js';

/** Runs operations; `write` in one transaction. */
export interface PublicationDriver {
  readonly dialect: Dialect;
  read<T>(steps: Steps<T>): Promise<T>;
  write<T>(steps: Steps<T>): Promise<T>;
  close(): Promise<void>;
}

/** Who adopts the descriptions stored before the lifecycle. */
const MIGRATION_ACTOR: ActorRecord = { name: 'migration', role: 'system' };

export class SqlPublicationStore implements PublicationStore {
  constructor(
    private readonly driver: PublicationDriver,
    private readonly now: () => string = () => new Date().toISOString(),
  ) {}

  admit(input: AdmitInput, planner: Planner) {
    return this.driver.write(sql.admit(this.driver.dialect, input, planner, this.now()));
  }

  change(descriptionId: string, planner: Planner) {
    return this.driver.write(sql.change(this.driver.dialect, descriptionId, planner, this.now()));
  }

  async adoptOrphans(limit: number): Promise<number> {
    const found = await this.driver.read(sql.orphans(limit));
    if (found.length === 0) return 0;
    // Rows stored before channels existed belong to the default channel; their personalization gives locale and segment.
    const items = found.map((description) => ({
      description,
      slot: slotOf(description.productId, description.personalization as { locale?: string; segment?: string } | null, DEFAULT_CHANNEL),
      complete: description.finishReason !== 'length',
    }));
    return this.driver.write(sql.adopt(items, MIGRATION_ACTOR, this.now()));
  }

  untriaged(limit: number) {
    return this.driver.read(sql.untriaged(limit));
  }

  entries(descriptionIds: readonly string[]) {
    return this.driver.read(sql.entries(descriptionIds));
  }

  publishedForProducts(productIds: readonly string[]) {
    return this.driver.read(sql.publishedForProducts(productIds));
  }

  slotsInUse(slots: readonly Slot[]) {
    return this.driver.read(sql.slotsInUse(slots));
  }

  queue(filter: QueueFilter, first: number, afterSeq: number | null) {
    return this.driver.read(sql.queue(filter, first, afterSeq));
  }

  countByStatus(filter: QueueFilter) {
    return this.driver.read(sql.countByStatus(filter));
  }

  history(productId: string, slot: Omit<Slot, 'productId'> | null) {
    return this.driver.read(sql.history(productId, slot));
  }

  close(): Promise<void> {
    return this.driver.close();
  }
}

const MAX_CACHED_STATEMENTS = 128;

/** SQLite: a second connection to the gateway's file (migrated by SqliteStorage). */
export function sqlitePublicationDriver(file: string): PublicationDriver {
  const db = new DatabaseSync(file);
  db.exec('PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;');
  const statements = new Map<string, StatementSync>();
  const exec = (s: Statement): Row[] => {
    let stmt = statements.get(s.sql);
    if (!stmt) {
      if (statements.size >= MAX_CACHED_STATEMENTS) statements.clear();
      stmt = db.prepare(s.sql);
      statements.set(s.sql, stmt);
    }
    const params = s.params as SQLInputValue[];
    if (/^\s*select|returning/i.test(s.sql)) return stmt.all(...params) as Row[];
    stmt.run(...params);
    return [];
  };
  // Synchronous from first statement to last: nothing else runs on this thread in between.
  const drive = <T>(steps: Steps<T>): T => {
    let next = steps.next();
    while (!next.done) next = steps.next(exec(next.value));
    return next.value;
  };
  let open = true;
  return {
    dialect: 'sqlite',
    async read(steps) {
      return drive(steps);
    },
    async write(steps) {
      db.exec('BEGIN IMMEDIATE');
      try {
        const result = drive(steps);
        db.exec('COMMIT');
        return result;
      } catch (error) {
        db.exec('ROLLBACK');
        throw error;
      }
    },
    async close() {
      if (open) db.close();
      open = false;
    },
  };
}

const numbered = (text: string) => {
  let i = 0;
  return text.replace(/\?/g, () => `$${++i}`);
};

/** PostgreSQL: a small pool of its own (migrated by PostgresStorage). */
export function postgresPublicationDriver(connectionString: string): PublicationDriver {
  const pool = new pg.Pool({ connectionString, max: 4, types: pgTypeParsers });
  // An idle connection the server drops would otherwise crash the process (see PostgresStorage).
  pool.on('error', () => {});
  const drive = async <T>(steps: Steps<T>, query: (s: Statement) => Promise<Row[]>): Promise<T> => {
    let next = steps.next();
    while (!next.done) next = steps.next(await query(next.value));
    return next.value;
  };
  return {
    dialect: 'postgres',
    read(steps) {
      return drive(steps, async (s) => (await pool.query<Row>(numbered(s.sql), s.params as unknown[])).rows);
    },
    async write(steps) {
      const client = await pool.connect();
      let broken: Error | undefined;
      try {
        await client.query('BEGIN');
        const result = await drive(steps, async (s) => (await client.query<Row>(numbered(s.sql), s.params as unknown[])).rows);
        await client.query('COMMIT');
        return result;
      } catch (error) {
        // A connection that cannot even roll back is dropped from the pool.
        if (!(await client.query('ROLLBACK').then(() => true, () => false))) broken = error as Error;
        throw error;
      } finally {
        client.release(broken);
      }
    },
    async close() {
      if (!pool.ending && !pool.ended) await pool.end();
    },
  };
}

/** The store beside the configured storage: PostgreSQL with a `databaseUrl`, else the SQLite file. */
export function openPublicationStore(options: { kind: 'sqlite' | 'postgres'; databasePath: string; databaseUrl?: string | undefined }): SqlPublicationStore {
  if (options.kind === 'postgres' && options.databaseUrl) return new SqlPublicationStore(postgresPublicationDriver(options.databaseUrl));
  return new SqlPublicationStore(sqlitePublicationDriver(options.databasePath));
}
