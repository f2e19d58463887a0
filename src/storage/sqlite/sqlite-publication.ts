import type { SQLInputValue } from 'node:sqlite';
import type { Row } from '../rows.js';
import type { Statement, Steps } from '../publication-sql.js';
import type { PublicationDriver } from '../publication-store.js';
import type { SqliteConnection } from './connection.js';

/** The publication store's driver on SqliteStorage's connection, with its statement cache. */
export function sqlitePublicationDriver(connection: SqliteConnection): PublicationDriver {
  const exec = (s: Statement): Row[] => {
    const stmt = connection.sql(s.sql);
    const params = s.params as SQLInputValue[];
    if (/^\s*select|returning/i.test(s.sql)) return stmt.all(...params);
    stmt.run(...params);
    return [];
  };
  // Synchronous from first statement to last: nothing else runs on this thread in between.
  const drive = <T>(steps: Steps<T>): T => {
    let next = steps.next();
    while (!next.done) next = steps.next(exec(next.value));
    return next.value;
  };
  return {
    dialect: 'sqlite',
    async read(steps) {
      return drive(steps);
    },
    async write(steps) {
      const result = connection.transaction(() => drive(steps));
      connection.wrote();
      return result;
    },
  };
}
