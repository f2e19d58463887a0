/**
 * Token buckets in Redis, shared by every gateway replica: the same rule as
 * `MemoryRateLimitStore` (refill by elapsed time up to the capacity; a cost
 * over the capacity charges a full bucket), run as one Lua script so a take
 * is atomic across replicas. The script reads Redis's own clock (`TIME`), so
 * replicas with drifting clocks still agree on the refill.
 */
import type { Redis } from 'ioredis';
import type { BucketSettings } from './role-settings.js';
import { MemoryRateLimitStore, type RateLimitStore, type TakeResult } from './rate-limit.js';
import { closeRedis, redisKey } from '../redis.js';

// KEYS[1] bucket hash; ARGV: capacity, refill per second, cost, idle ttl ms.
// Returns {allowed (0/1), tokens left as a string} (Lua numbers would be truncated to integers).
const TAKE_SCRIPT = `
local capacity = tonumber(ARGV[1])
local refill = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local saved = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(saved[1])
local ts = tonumber(saved[2])
if tokens == nil or ts == nil then tokens = capacity; ts = now end
tokens = math.min(capacity, tokens + math.max(0, now - ts) / 1000 * refill)
local charge = math.min(cost, capacity)
local allowed = 0
if tokens >= charge then
  tokens = tokens - charge
  allowed = 1
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return {allowed, tostring(tokens)}
`;

type TakeCommand = (
  key: string,
  capacity: number,
  refill: number,
  cost: number,
  ttlMs: number,
) => Promise<[number, string]>;

export interface RedisRateLimitStoreOptions {
  /** A connected client; closed by `close()` only when `ownsClient` is true. */
  client: Redis;
  /** Key prefix. Default "stylesprint". */
  prefix?: string;
  /** Close the client on `close()`. Default true. */
  ownsClient?: boolean;
  /**
   * Called when Redis cannot answer; the take is then served by a bucket in
   * this process's memory, so a Redis outage degrades limits to per-replica
   * instead of failing every request. Default: ignore.
   */
  onError?: (error: unknown) => void;
}

export class RedisRateLimitStore implements RateLimitStore {
  readonly #client: Redis;
  readonly #prefix: string;
  readonly #owns: boolean;
  readonly #fallback = new MemoryRateLimitStore();
  readonly #onError: ((error: unknown) => void) | undefined;

  constructor(options: RedisRateLimitStoreOptions) {
    this.#client = options.client;
    this.#prefix = options.prefix ?? 'stylesprint';
    this.#owns = options.ownsClient ?? true;
    this.#onError = options.onError;
    // defineCommand sends EVALSHA and falls back to EVAL once when the script is not cached yet.
    if (!('stylesprintTakeTokens' in this.#client))
      this.#client.defineCommand('stylesprintTakeTokens', { numberOfKeys: 1, lua: TAKE_SCRIPT });
  }

  async take(key: string, cost: number, settings: BucketSettings): Promise<TakeResult> {
    // A bucket idle long enough to be full again is the same as no bucket: let Redis drop it.
    const refillMs =
      settings.refillPerSecond > 0 ? Math.ceil((settings.capacity / settings.refillPerSecond) * 1000) : 86_400_000;
    const take = (this.#client as unknown as { stylesprintTakeTokens: TakeCommand }).stylesprintTakeTokens.bind(
      this.#client,
    );
    let reply: [number, string];
    try {
      reply = await take(
        redisKey(this.#prefix, 'ratelimit', key),
        settings.capacity,
        settings.refillPerSecond,
        cost,
        refillMs + 1000,
      );
    } catch (error) {
      this.#onError?.(error);
      return this.#fallback.take(key, cost, settings);
    }
    const [allowed, left] = reply;
    const tokens = Number(left);
    if (allowed === 1) return { allowed: true, remaining: Math.floor(tokens), retryAfterSeconds: 0 };
    const missing = Math.min(cost, settings.capacity) - tokens;
    const retryAfterSeconds =
      settings.refillPerSecond > 0 ? Math.max(1, Math.ceil(missing / settings.refillPerSecond)) : 3600;
    return { allowed: false, remaining: Math.floor(tokens), retryAfterSeconds };
  }

  async close(): Promise<void> {
    await this.#fallback.close();
    if (this.#owns) await closeRedis(this.#client);
  }
}
