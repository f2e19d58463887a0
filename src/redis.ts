/**
 * Redis connections for the shared state of several gateway replicas (cache,
 * breakers, rate limits) and for the BullMQ queue. One place decides the
 * connection options, so every part reconnects and fails the same way.
 */
import { Redis, type RedisOptions } from 'ioredis';

export interface RedisConnectOptions {
  /** `redis://` or `rediss://` URL (a `/N` path selects database N). */
  url: string;
  /** Connection name shown by `CLIENT LIST`. Default "stylesprint". */
  name?: string;
  /**
   * Retries per command while disconnected before it fails. Default 2: the
   * request path would rather fall back than hang. BullMQ needs `null`
   * (blocking commands wait for the reconnect), see `forBullmq`.
   */
  maxRetriesPerRequest?: number | null;
}

/** Opens a client; it connects in the background and reconnects with backoff. */
export function connectRedis(options: RedisConnectOptions): Redis {
  const settings: RedisOptions = {
    connectionName: options.name ?? 'stylesprint',
    maxRetriesPerRequest: options.maxRetriesPerRequest === undefined ? 2 : options.maxRetriesPerRequest,
    // Capped backoff: a restarted Redis is picked up within a second or two.
    retryStrategy: (times) => Math.min(50 * 2 ** times, 2000),
    enableOfflineQueue: true,
  };
  return new Redis(options.url, settings);
}

/** Options for a BullMQ Queue/Worker/QueueEvents connection (blocking commands must never give up). */
export function bullmqConnection(url: string, name: string): Redis {
  return connectRedis({ url, name, maxRetriesPerRequest: null });
}

/** Closes a client, waiting for replies in flight; a client already gone is disconnected. */
export async function closeRedis(client: Redis): Promise<void> {
  if (client.status === 'end') return;
  try {
    await client.quit();
  } catch {
    client.disconnect();
  }
}

/** `prefix:part:part…`, the one key layout every Redis user here follows. */
export function redisKey(prefix: string, ...parts: string[]): string {
  return [prefix, ...parts].join(':');
}
