import type { Row } from '../rows.js';
import type { Statement, Steps } from '../publication-sql.js';
import type { PublicationDriver } from '../publication-store.js';
import type { PostgresConnection } from './connection.js';

/** `?` placeholders as PostgreSQL's `$1, $2, …`. */
export const numbered = (text: string) => {
  let i = 0;
  return text.replace(/\?/g, () => `$${++i}`);
};

async function drive<T>(steps: Steps<T>, query: (s: Statement) => Promise<Row[]>): Promise<T> {
  let next = steps.next();
  while (!next.done) next = steps.next(await query(next.value));
  return next.value;
}

/** The publication store's driver on PostgresStorage's pool: a write on one pooled client inside its BEGIN … COMMIT. */
export function postgresPublicationDriver(connection: PostgresConnection): PublicationDriver {
  return {
    dialect: 'postgres',
    read(steps) {
      return drive(steps, async (s) => (await connection.pool.query<Row>(numbered(s.sql), s.params as unknown[])).rows);
    },
    write(steps) {
      return connection.transaction((client) =>
        drive(steps, async (s) => (await client.query<Row>(numbered(s.sql), s.params as unknown[])).rows),
      );
    },
  };
}
