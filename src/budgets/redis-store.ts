/**
 * Budget windows in Redis, shared by every replica: a reservation checks
 * every window and adds to all of them in one Lua script, so two replicas
 * can never both take the last room under a cap. Counters are integers
 * (nano-USD) and expire a day after their period ends.
 */
import type { Redis } from 'ioredis';
import { closeRedis, redisKey } from '../redis.js';
import { MemoryBudgetStore, type BudgetStore, type BudgetWindow, type ReserveResult } from './store.js';

/** Kept past the period's end, so a late adjustment (a slow call settling after midnight) still finds its counter. */
const KEEP_AFTER_END_MS = 86_400_000;

// KEYS: the windows' counters. ARGV[1]: amount; ARGV[1+i]: limit of window i; ARGV[1+n+i]: its expiry, epoch ms.
// Returns {1} when reserved, or {0, i (1-based), spent as a string}.
const RESERVE_SCRIPT = `
local amount = tonumber(ARGV[1])
local n = #KEYS
for i = 1, n do
  local spent = tonumber(redis.call('GET', KEYS[i]) or '0')
  if spent + amount > tonumber(ARGV[1 + i]) then return {0, i, tostring(spent)} end
end
for i = 1, n do
  redis.call('INCRBY', KEYS[i], amount)
  redis.call('PEXPIREAT', KEYS[i], ARGV[1 + n + i])
end
return {1}
`;

// KEYS: the windows' counters. ARGV[1]: delta; ARGV[1+i]: expiry of window i. A counter never goes below 0.
const ADJUST_SCRIPT = `
local delta = tonumber(ARGV[1])
for i = 1, #KEYS do
  local now = redis.call('INCRBY', KEYS[i], delta)
  if now < 0 then redis.call('SET', KEYS[i], 0) end
  redis.call('PEXPIREAT', KEYS[i], ARGV[1 + i])
end
return 1
`;

type Script = (...args: Array<string | number>) => Promise<unknown>;

export interface RedisBudgetStoreOptions {
  /** A connected client; closed by `close()` only when `ownsClient` is true. */
  client: Redis;
  /** Key prefix (REDIS_PREFIX). Default "stylesprint". */
  prefix?: string;
  /** Close the client on `close()`. Default true. */
  ownsClient?: boolean;
  /**
   * Called when Redis cannot answer; the call is then served by counters in
   * this process's memory (caps per replica until Redis is back), as the
   * rate limits do. Default: ignore.
   */
  onError?: (error: unknown) => void;
}

export class RedisBudgetStore implements BudgetStore {
  readonly #client: Redis;
  readonly #prefix: string;
  readonly #owns: boolean;
  readonly #fallback = new MemoryBudgetStore();
  readonly #onError: ((error: unknown) => void) | undefined;

  constructor(options: RedisBudgetStoreOptions) {
    this.#client = options.client;
    this.#prefix = options.prefix ?? 'stylesprint';
    this.#owns = options.ownsClient ?? true;
    this.#onError = options.onError;
    if (!('stylesprintBudgetReserve' in this.#client)) {
      this.#client.defineCommand('stylesprintBudgetReserve', { lua: RESERVE_SCRIPT });
      this.#client.defineCommand('stylesprintBudgetAdjust', { lua: ADJUST_SCRIPT });
    }
  }

  async reserve(windows: readonly BudgetWindow[], amount: number): Promise<ReserveResult> {
    if (!windows.length) return { allowed: true };
    try {
      const reply = (await this.#script('stylesprintBudgetReserve')(
        windows.length,
        ...this.#keys(windows),
        amount,
        ...windows.map((w) => w.limit),
        ...windows.map((w) => w.endsAt + KEEP_AFTER_END_MS),
      )) as [number, number?, string?];
      if (reply[0] === 1) return { allowed: true };
      return { allowed: false, window: Number(reply[1]) - 1, spent: Number(reply[2]) };
    } catch (error) {
      this.#onError?.(error);
      return this.#fallback.reserve(windows, amount);
    }
  }

  async adjust(windows: readonly BudgetWindow[], delta: number): Promise<void> {
    if (!windows.length || delta === 0) return;
    try {
      await this.#script('stylesprintBudgetAdjust')(
        windows.length,
        ...this.#keys(windows),
        delta,
        ...windows.map((w) => w.endsAt + KEEP_AFTER_END_MS),
      );
    } catch (error) {
      this.#onError?.(error);
      await this.#fallback.adjust(windows, delta);
    }
  }

  async read(ids: readonly string[]): Promise<number[]> {
    if (!ids.length) return [];
    try {
      const values = await this.#client.mget(ids.map((id) => this.#key(id)));
      return values.map((v) => Number(v ?? 0));
    } catch (error) {
      this.#onError?.(error);
      return this.#fallback.read(ids);
    }
  }

  async close(): Promise<void> {
    await this.#fallback.close();
    if (this.#owns) await closeRedis(this.#client);
  }

  #key(id: string): string {
    return redisKey(this.#prefix, 'budget', id);
  }

  #keys(windows: readonly BudgetWindow[]): string[] {
    return windows.map((w) => this.#key(w.id));
  }

  #script(name: string): Script {
    const script = (this.#client as unknown as Record<string, Script | undefined>)[name];
    if (!script) throw new Error(`redis budget store: script ${name} is not defined on the client`);
    return script.bind(this.#client);
  }
}
