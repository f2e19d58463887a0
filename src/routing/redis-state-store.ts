/**
 * `RouterStateStore` on Redis, for several gateway replicas behind one load
 * balancer:
 * - the generation cache: `SET key json PX ttl`;
 * - coalescing across replicas: the first replica to miss takes a short lock
 *   (`SET NX PX`, renewed while it generates); the others poll for the
 *   result key and generate themselves if the lock lapses without one;
 * - breakers: a provider one replica found dead is skipped by all. "Open
 *   until" timestamps live in one hash and are announced on a channel; each
 *   replica keeps a local mirror fed by that channel, so the check on every
 *   call costs no round trip.
 * Cockatiel's own snapshots (`loadBreaker`/`saveBreaker`) stay per process:
 * the shared part is the "open" verdict, not the failure counts.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { closeRedis, redisKey } from '../redis.js';
import type { CachedGeneration, GenerationLock, RouterStateStore } from './state-store.js';

export interface RedisStateStoreOptions {
  /** A client for commands; its `duplicate()` carries the subscription. Closed by `close()`. */
  client: Redis;
  /** Key prefix. Default "stylesprint". */
  prefix?: string;
  /** Lifetime of a generation lock without renewal, ms; a dead holder is noticed after this. Default 10000. */
  lockMs?: number;
  /** Longest wait for another replica's result, ms. Default 60000. */
  maxWaitMs?: number;
  /** How often a waiter looks for the result, ms. Default 25. */
  pollMs?: number;
  /** Clock in ms. Default Date.now. */
  now?: () => number;
  logger?: Logger;
}

// Delete / extend a lock only while it still holds our token (it may have lapsed and been taken).
const RELEASE_SCRIPT = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;
const RENEW_SCRIPT = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`;

interface BreakerMessage {
  provider: string;
  openUntil: number;
}

/** The keys of one deployment (REDIS_PREFIX). */
interface StoreKeys {
  breakers: string;
  channel: string;
  result(key: string): string;
  lock(key: string): string;
}

function storeKeys(prefix: string): StoreKeys {
  return {
    breakers: redisKey(prefix, 'breakers'),
    channel: redisKey(prefix, 'breakers', 'events'),
    result: (key) => redisKey(prefix, 'gen', key),
    lock: (key) => redisKey(prefix, 'gen-lock', key),
  };
}

/** Connects the subscription and loads the breakers already open before answering: the mirror is read synchronously. */
export async function createRedisStateStore(options: RedisStateStoreOptions): Promise<RouterStateStore> {
  const { client, logger } = options;
  const lockMs = options.lockMs ?? 10_000;
  const now = options.now ?? Date.now;
  const keys = storeKeys(options.prefix ?? 'stylesprint');
  const snapshots = new Map<string, unknown>();
  const { openUntil, subscriber } = await mirrorBreakers(client, keys, now, logger);
  return {
    async getResult(key) {
      const text = await client.get(keys.result(key));
      return text === null ? undefined : (JSON.parse(text) as CachedGeneration);
    },
    async setResult(key, value, ttlMs) {
      if (!(ttlMs > 0)) return;
      await client.set(keys.result(key), JSON.stringify(value), 'PX', Math.ceil(ttlMs));
    },
    loadBreaker: (providerId) => snapshots.get(providerId),
    saveBreaker(providerId, snapshot) {
      snapshots.set(providerId, snapshot);
    },
    breakerOpenUntil(providerId) {
      const until = openUntil.get(providerId) ?? 0;
      return until > now() ? until : 0;
    },
    async shareBreaker(providerId, until) {
      // The mirror first: this replica must not wait for its own echo.
      if (until > 0) openUntil.set(providerId, until);
      else openUntil.delete(providerId);
      const multi = client.multi();
      if (until > 0) multi.hset(keys.breakers, providerId, String(until));
      else multi.hdel(keys.breakers, providerId);
      multi.publish(keys.channel, JSON.stringify({ provider: providerId, openUntil: until } satisfies BreakerMessage));
      await multi.exec();
    },
    lockGeneration: (key) => lockGeneration(client, keys.lock(key), lockMs, logger),
    waitForResult: (key, signal) =>
      waitForResult(client, keys, key, signal, {
        maxWaitMs: options.maxWaitMs ?? 60_000,
        pollMs: options.pollMs ?? 25,
        now,
      }),
    async close() {
      await closeRedis(subscriber);
      await closeRedis(client);
    },
  };
}

/** The local mirror of every replica's "open until" verdicts, fed by the channel and reloaded from the hash on every (re)connect. */
async function mirrorBreakers(
  client: Redis,
  keys: StoreKeys,
  now: () => number,
  logger: Logger | undefined,
): Promise<{ openUntil: Map<string, number>; subscriber: Redis }> {
  const openUntil = new Map<string, number>();
  const subscriber = client.duplicate({ connectionName: 'stylesprint-breakers' });
  subscriber.on('message', (from: string, text: string) => {
    if (from !== keys.channel) return;
    try {
      const message = JSON.parse(text) as BreakerMessage;
      if (message.openUntil > 0) openUntil.set(message.provider, message.openUntil);
      else openUntil.delete(message.provider);
    } catch (error) {
      logger?.warn({ err: error }, 'unreadable breaker event');
    }
  });
  // After a reconnect, events sent while away are lost: reload the hash.
  const reload = async (): Promise<void> => {
    const all = await client.hgetall(keys.breakers);
    openUntil.clear();
    for (const [provider, until] of Object.entries(all))
      if (Number(until) > now()) openUntil.set(provider, Number(until));
  };
  subscriber.on(
    'ready',
    () => void reload().catch((error: unknown) => logger?.warn({ err: error }, 'breaker states not reloaded')),
  );
  await subscriber.subscribe(keys.channel);
  await reload();
  return { openUntil, subscriber };
}

/** Takes the lock of one generation (null when another replica holds it), renewed while held. */
async function lockGeneration(
  client: Redis,
  lockKey: string,
  lockMs: number,
  logger: Logger | undefined,
): Promise<GenerationLock | null> {
  const token = randomUUID();
  const taken = await client.set(lockKey, token, 'PX', lockMs, 'NX');
  if (taken !== 'OK') return null;
  // Renewed while held, so a slow generation keeps it and a dead holder loses it within lockMs.
  const renew = setInterval(
    () => {
      client
        .eval(RENEW_SCRIPT, 1, lockKey, token, lockMs)
        .catch((error: unknown) => logger?.warn({ err: error }, 'generation lock not renewed'));
    },
    Math.max(100, Math.floor(lockMs / 3)),
  );
  renew.unref();
  return {
    async release() {
      clearInterval(renew);
      await client.eval(RELEASE_SCRIPT, 1, lockKey, token);
    },
  };
}

/** Polls for another replica's result until it is there, its lock is gone, the wait is over or the caller gives up. */
async function waitForResult(
  client: Redis,
  keys: StoreKeys,
  key: string,
  signal: AbortSignal,
  { maxWaitMs, pollMs, now }: { maxWaitMs: number; pollMs: number; now: () => number },
): Promise<CachedGeneration | undefined> {
  const deadline = now() + maxWaitMs;
  while (!signal.aborted && now() < deadline) {
    const [[, text], [, held]] = (await client.multi().get(keys.result(key)).exists(keys.lock(key)).exec()) as [
      [unknown, string | null],
      [unknown, number],
    ];
    if (text !== null) return JSON.parse(text) as CachedGeneration;
    // MULTI reads both at once, and the holder stores before it releases: no lock and no result means it failed or died.
    if (held === 0) return undefined;
    await sleep(pollMs, signal);
  }
  return undefined;
}

/** Resolves after `ms`, or at once when `signal` aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
