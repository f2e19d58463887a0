import type { StatementSync } from 'node:sqlite';

/** What SqliteStorage lends the stores on its connection. */
export interface SqliteConnection {
  /** A cached prepared statement. */
  sql(text: string): StatementSync;
  /** Runs `fn` in one BEGIN IMMEDIATE transaction (synchronous, so no other statement interleaves). */
  transaction<T>(fn: () => T): T;
  /** Counts a write, for the WAL checkpointer. */
  wrote(): void;
}
