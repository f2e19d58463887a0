import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createTestRedis, type TestRedis } from './redis.js';
import { createTestDatabase, type TestDatabase } from './postgres.js';

/** What gateway replicas in a scale-out test share: the test Redis, and the test PostgreSQL or else one SQLite file. */
export interface SharedStores {
  redis: TestRedis;
  /** The test PostgreSQL, when asked for and reachable. */
  database: TestDatabase | undefined;
  /** REDIS_URL, REDIS_PREFIX, and DATABASE_URL or DATABASE_PATH, for every replica's environment. */
  env: Record<string, string>;
  /** Drops the Redis keys and the database, removes the SQLite folder. */
  close(): Promise<void>;
}

export type SharedStoresResult = { ok: true; stores: SharedStores } | { ok: false; reason: string };

/**
 * The stores for `name`'s replicas, or why there are none (no test Redis).
 * With `postgres`, the replicas share the test PostgreSQL when there is one
 * (a warning says when there is not); otherwise one SQLite file.
 */
export async function createSharedStores(name: string, options: { postgres?: boolean } = {}): Promise<SharedStoresResult> {
  const r = await createTestRedis();
  if (!r.ok) return r;
  const redis = r.redis;
  const dir = mkdtempSync(path.join(tmpdir(), `stylesprint-${name}-`));
  let database: TestDatabase | undefined;
  if (options.postgres) {
    const pg = await createTestDatabase();
    if (pg.ok) database = pg.database;
    else console.warn(`${name} test: no PostgreSQL (${pg.reason}); both gateways share one SQLite file`);
  }
  const env = {
    REDIS_URL: redis.url,
    REDIS_PREFIX: redis.prefix,
    ...(database ? { DATABASE_URL: database.url } : { DATABASE_PATH: path.join(dir, 'shared.db') }),
  };
  return {
    ok: true,
    stores: {
      redis,
      database,
      env,
      async close() {
        await redis.drop();
        await database?.drop();
        rmSync(dir, { recursive: true, force: true });
      },
    },
  };
}
