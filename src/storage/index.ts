import type { Config } from '../config.js';
import type { Storage } from './types.js';
import { SqliteStorage } from './sqlite/sqlite-storage.js';

export type * from './types.js';
export { SqliteStorage } from './sqlite/sqlite-storage.js';

/** Opens the configured storage (SQLite file by default) and applies migrations. */
export async function openStorage(config: Pick<Config, 'databasePath'>): Promise<Storage> {
  return new SqliteStorage(config.databasePath);
}
