import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createTestRedis, type TestRedis } from './redis.js';
import { createTestDatabase, type TestDatabase } from './postgres.js';
import { startFakeOpenAI, type FakeOpenAI } from './fake-openai.js';
import { spawnGateway, type ChildGateway } from './gateway-process.js';
import { TEST_GATEWAY_API_KEYS } from './keys.js';

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
export async function createSharedStores(
  name: string,
  options: { postgres?: boolean } = {},
): Promise<SharedStoresResult> {
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

/** Two gateway processes (and any spawned later) sharing their stores, in front of one fake OpenAI. */
export interface Replicas {
  stores: SharedStores;
  openai: FakeOpenAI;
  /** Every replica's environment: the fake OpenAI as the one provider, the test keys, no response cache, the shared stores, and the caller's settings over these. */
  env: Record<string, string>;
  /** The first replica (`${name}-a`): it migrated and seeded the shared database. */
  a: ChildGateway;
  /** The second replica (`${name}-b`), started once the first was up. */
  b: ChildGateway;
  /** Starts one more replica, `${name}-${label}`, with the same environment (stopped by `close`). */
  spawn(label: string): Promise<ChildGateway>;
  /** Stops every replica and the fake, drops the stores. */
  close(): Promise<void>;
}

export type ReplicasResult = { ok: true; replicas: Replicas } | { ok: false; reason: string };

/**
 * Two replicas of the gateway named `name`, started one after the other so
 * that the first migrates and seeds the shared database; or why there are
 * none (no test Redis). `env` adds settings or overrides the defaults;
 * `postgres` as for `createSharedStores`.
 */
export async function startReplicas(
  name: string,
  options: { env?: Record<string, string>; postgres?: boolean } = {},
): Promise<ReplicasResult> {
  const shared = await createSharedStores(name, { postgres: options.postgres ?? false });
  if (!shared.ok) return shared;
  const { stores } = shared;
  const openai = await startFakeOpenAI();
  const env = {
    PROVIDERS: 'openai',
    OPENAI_BASE_URL: openai.baseURL,
    OPENAI_API_KEY: `sk-${name}-test-0000`,
    GATEWAY_API_KEYS: TEST_GATEWAY_API_KEYS,
    CACHE_TTL_MS: '0',
    ...stores.env,
    ...options.env,
  };
  const started: ChildGateway[] = [];
  const spawn = async (label: string): Promise<ChildGateway> => {
    const gateway = await spawnGateway('index', env, `${name}-${label}`);
    started.push(gateway);
    return gateway;
  };
  const close = async (): Promise<void> => {
    for (const gateway of started) await gateway.stop();
    await openai.close();
    await stores.close();
  };
  try {
    const a = await spawn('a');
    const b = await spawn('b');
    return { ok: true, replicas: { stores, openai, env, a, b, spawn, close } };
  } catch (error) {
    await close();
    throw error;
  }
}
