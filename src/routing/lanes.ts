/**
 * One lane per provider, made the first time the router needs it: its
 * breaker (snapshots saved to the state store, and shared with other
 * replicas when the store can), retry budget, health and batch dispatcher.
 */
import { bulkhead as createBulkhead } from 'cockatiel';
import type { Logger } from 'pino';
import { ProviderBreaker, type BreakerSettings } from './breaker.js';
import { BatchDispatcher } from './dispatcher.js';
import type { ProviderLane } from './executor.js';
import { LaneHealth } from './lane-health.js';
import { RetryBudget, type RetrySettings } from './retry.js';
import type { RouterStateStore } from './state-store.js';
import type { GeneratorSource } from './types.js';

export interface BulkheadSettings {
  /** Upstream calls (batches) in flight per provider. Default 16. */
  limit: number;
  /** Calls waiting for a slot per provider; beyond it a call fails over at once. Default 256. */
  queue: number;
}

export interface LaneSettings {
  source: GeneratorSource;
  store: RouterStateStore;
  breaker: BreakerSettings;
  retry: RetrySettings;
  bulkhead: BulkheadSettings;
  /** Extra wait past a target's timeout for a provider that ignores its abort signal, ms. */
  graceMs: number;
  now: () => number;
  logger: Logger | undefined;
}

export interface Lanes {
  /** The provider's lane, made on first use; undefined for a provider that is not configured. */
  get(id: string): ProviderLane | undefined;
  /** The lane made so far for a provider, without making one. */
  peek(id: string): ProviderLane | undefined;
  all(): IterableIterator<ProviderLane>;
}

export function createLanes(settings: LaneSettings): Lanes {
  const lanes = new Map<string, ProviderLane>();
  return {
    get(id) {
      const existing = lanes.get(id);
      if (existing) return existing;
      const generator = settings.source.generator(id);
      if (!generator) return undefined;
      const created: ProviderLane = {
        id,
        model: generator.model,
        breaker: laneBreaker(id, settings),
        budget: new RetryBudget(settings.retry, settings.now),
        health: new LaneHealth(settings.now),
        dispatcher: new BatchDispatcher({
          generator,
          bulkhead: createBulkhead(settings.bulkhead.limit, settings.bulkhead.queue),
          graceMs: settings.graceMs,
        }),
      };
      lanes.set(id, created);
      return created;
    },
    peek: (id) => lanes.get(id),
    all: () => lanes.values(),
  };
}

function laneBreaker(id: string, { breaker: breakerSettings, store, now, logger }: LaneSettings): ProviderBreaker {
  const breaker: ProviderBreaker = new ProviderBreaker({
    settings: breakerSettings,
    now,
    initialState: store.loadBreaker(id),
    onStateChange: (state) => {
      if (state === 'open') logger?.warn({ provider: id }, 'circuit breaker opened');
      else logger?.info({ provider: id, state }, 'circuit breaker state changed');
      Promise.resolve(store.saveBreaker(id, breaker.toJSON())).catch((error: unknown) =>
        logger?.warn({ err: error, provider: id }, 'breaker snapshot not saved'),
      );
      // Other replicas skip the provider for the same cooldown; a closed circuit (a probe got through) frees it for all.
      if (store.shareBreaker && state !== 'half_open') {
        Promise.resolve(store.shareBreaker(id, state === 'open' ? now() + breakerSettings.cooldownMs : 0)).catch(
          (error: unknown) => logger?.warn({ err: error, provider: id }, 'breaker state not shared'),
        );
      }
    },
  });
  return breaker;
}
