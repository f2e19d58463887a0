import type pg from 'pg';
import type { PoolClient } from 'pg';

/** What PostgresStorage lends the stores on its pool. */
export interface PostgresConnection {
  pool: pg.Pool;
  /** Runs `fn` on one pooled client inside BEGIN … COMMIT (ROLLBACK when it throws). */
  transaction<T>(fn: (client: PoolClient) => Promise<T>): Promise<T>;
}
