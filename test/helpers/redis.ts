import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

/** A Redis key prefix of its own on the test server; `drop()` deletes every key under it. */
export interface TestRedis {
  url: string;
  prefix: string;
  drop(): Promise<void>;
}

export type TestRedisResult = { ok: true; redis: TestRedis } | { ok: false; reason: string };

/**
 * A fresh key prefix on the server named by TEST_REDIS_URL (which .ci/run
 * sets after starting a throwaway Redis). Resolves to a reason instead when
 * the variable is unset or no server answers, so the caller can skip loudly.
 */
export async function createTestRedis(env: NodeJS.ProcessEnv = process.env): Promise<TestRedisResult> {
  const url = env.TEST_REDIS_URL;
  if (!url) return { ok: false, reason: 'TEST_REDIS_URL is not set (.ci/run starts a Redis server and sets it)' };
  const client = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: 3000,
  });
  try {
    await client.connect();
    await client.ping();
  } catch (error) {
    client.disconnect();
    return { ok: false, reason: `no Redis server answers at ${url} (${(error as Error).message})` };
  }
  const prefix = `t${process.pid}${randomBytes(4).toString('hex')}`;
  return {
    ok: true,
    redis: {
      url,
      prefix,
      async drop() {
        let cursor = '0';
        do {
          const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
          if (keys.length) await client.del(...keys);
          cursor = next;
        } while (cursor !== '0');
        await client.quit();
      },
    },
  };
}

/** Skips loudly: the reason in the test report and on stderr. */
export function skipWithoutRedis(t: { skip(message?: string): void }, reason: string): void {
  console.warn(`SKIPPED (no Redis): ${reason}`);
  t.skip(`no Redis: ${reason}`);
}
