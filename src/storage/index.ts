import type { Config } from '../config.js';
import type { Storage } from './types.js';
import { SqliteStorage } from './sqlite/sqlite-storage.js';
import { PostgresStorage } from './postgres/postgres-storage.js';

export type * from './types.js';
export { SqliteStorage } from './sqlite/sqlite-storage.js';
export { PostgresStorage, type PostgresStorageOptions } from './postgres/postgres-storage.js';
export { MIGRATIONS, type AppliedMigration, type Migration } from './migrations.js';

/** True for a URL that names a PostgreSQL server. */
export const isPostgresUrl = (url: string | undefined): url is string => /^postgres(ql)?:\/\//i.test(url ?? '');

/**
 * Opens the configured storage and applies migrations: PostgreSQL when
 * `databaseUrl` is a `postgres://` or `postgresql://` URL, else the SQLite
 * file at `databasePath`.
 */
export async function openStorage(
  config: Pick<Config, 'databasePath'> & { databaseUrl?: string | undefined },
): Promise<Storage> {
  if (isPostgresUrl(config.databaseUrl)) return PostgresStorage.open({ connectionString: config.databaseUrl });
  return new SqliteStorage(config.databasePath);
}
