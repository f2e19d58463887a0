/**
 * `createRouter`: the layer between resolvers and providers. Shared by every
 * request: one breaker, retry budget, bulkhead and batch dispatcher per
 * provider, one generation cache and one table of generations in flight.
 *
 * Order of work for one item: plan (policy, pin, load-balanced order) →
 * cache read → join an identical generation in flight, or start one →
 * `runPlan` (executor.ts) → cache write on success.
 */
import { bulkhead as createBulkhead } from 'cockatiel';
import type { Logger } from 'pino';
import { linkSignals, type LinkedSignal } from '../../providers/call-scope.js';
import type { GenerationRequest } from '../../providers/types.js';
import { honoursLocale, ProviderError } from '../../providers/types.js';
import { raceAbort } from './abort.js';
import { DEFAULT_BREAKER_SETTINGS, ProviderBreaker, type BreakerSettings } from './breaker.js';
import { generationCacheKey } from './cache-key.js';
import { LaneHealth } from './lane-health.js';
import { Coalescer } from './coalesce.js';
import { BatchDispatcher } from './dispatcher.js';
import { ROUTER_ID, abortedFailure, failure, runPlan, type Plan, type ProviderLane, type RoutedResult } from './executor.js';
import { DEFAULT_RETRY_SETTINGS, RetryBudget, type RetrySettings } from './retry.js';
import { createMemoryStateStore, type RouterStateStore } from './state-store.js';
import type { BreakerState, GenerationRouter, GeneratorSource, Routed, RouteOptions, RoutingPolicy, StreamOptions } from './types.js';
import { weightedFirst } from './weighted.js';
import { arrangeTargets, type RouteAdvisor } from './advice.js';

export interface BulkheadSettings {
  /** Upstream calls (batches) in flight per provider. Default 16. */
  limit: number;
  /** Calls waiting for a slot per provider; beyond it a call fails over at once. Default 256. */
  queue: number;
}

export interface RouterOptions {
  /** The provider registry (or anything with the same two methods). */
  source: GeneratorSource;
  /** Routing policies by name; names must be unique. */
  policies: RoutingPolicy[];
  /** Breaker changes are logged at warn/info, skips at debug. Default: no logging. */
  logger?: Logger;
  /** How long a successful generation is served from cache, ms. Default 0 (no cache; coalescing stays on). */
  cacheTtlMs?: number;
  /** Most cached generations in the default in-memory store. Default 1000. */
  cacheMaxEntries?: number;
  /** Breaker settings. Defaults: ≥ 50% of ≥ 20 calls in 30 s (5 in a row while fewer calls are in the window); 30 s cooldown. */
  breaker?: Partial<BreakerSettings>;
  /** Retry settings. Defaults: 100 ms initial backoff, 2 s max, Retry-After up to 5 s (a longer one keeps the provider off for up to 30 s), budget 20% + 10 per 10 s. */
  retry?: Partial<RetrySettings>;
  /** Bulkhead per provider. Defaults: 16 in flight, 256 queued. */
  bulkhead?: Partial<BulkheadSettings>;
  /** Extra wait past a target's timeout for a provider that ignores its abort signal, ms. Default 1000. */
  timeoutGraceMs?: number;
  /** Clock for windows and cache expiry, ms. Default Date.now. */
  now?: () => number;
  /** Random source in [0, 1) for load balancing. Default Math.random. */
  random?: () => number;
  /** Where cache entries and breaker snapshots live. Default: in memory, per process. */
  stateStore?: RouterStateStore;
  /** Quality breaker and alert actions, consulted while planning an unpinned route (advice.ts). Default: none. */
  advisor?: RouteAdvisor;
}

/** Timeout for a pinned provider that the policy does not list, when the policy has no targets either. */
const DEFAULT_PINNED_TIMEOUT_MS = 20_000;

export function createRouter(options: RouterOptions): GenerationRouter {
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  const logger = options.logger;
  const cacheTtlMs = Math.max(0, options.cacheTtlMs ?? 0);
  const breakerSettings: BreakerSettings = { ...DEFAULT_BREAKER_SETTINGS, ...options.breaker };
  const retrySettings: RetrySettings = { ...DEFAULT_RETRY_SETTINGS, ...options.retry };
  const bulkheadSettings: BulkheadSettings = { limit: 16, queue: 256, ...options.bulkhead };
  const graceMs = options.timeoutGraceMs ?? 1000;
  const ownStore = options.stateStore === undefined;
  const store = options.stateStore ?? createMemoryStateStore({ maxEntries: options.cacheMaxEntries ?? 1000, now });

  const policies = new Map<string, RoutingPolicy>();
  for (const policy of options.policies) {
    if (policies.has(policy.name)) throw new TypeError(`duplicate routing policy "${policy.name}"`);
    policies.set(policy.name, policy);
  }

  const lanes = new Map<string, ProviderLane>();
  const coalescer = new Coalescer<RoutedResult>();
  const closing = new AbortController();
  const inFlight = new Set<Promise<unknown>>();
  let closed = false;

  function lane(id: string): ProviderLane | undefined {
    const existing = lanes.get(id);
    if (existing) return existing;
    const generator = options.source.generator(id);
    if (!generator) return undefined;
    const breaker = new ProviderBreaker({
      settings: breakerSettings,
      now,
      initialState: store.loadBreaker(id),
      onStateChange: (state) => {
        if (state === 'open') logger?.warn({ provider: id }, 'circuit breaker opened');
        else logger?.info({ provider: id, state }, 'circuit breaker state changed');
        Promise.resolve(store.saveBreaker(id, breaker.toJSON())).catch((error: unknown) => logger?.warn({ err: error, provider: id }, 'breaker snapshot not saved'));
        // Other replicas skip the provider for the same cooldown; a closed circuit (a probe got through) frees it for all.
        if (store.shareBreaker && state !== 'half_open') {
          Promise.resolve(store.shareBreaker(id, state === 'open' ? now() + breakerSettings.cooldownMs : 0)).catch((error: unknown) =>
            logger?.warn({ err: error, provider: id }, 'breaker state not shared'),
          );
        }
      },
    });
    const created: ProviderLane = {
      id,
      model: generator.model,
      breaker,
      budget: new RetryBudget(retrySettings, now),
      health: new LaneHealth(now),
      dispatcher: new BatchDispatcher({ generator, bulkhead: createBulkhead(bulkheadSettings.limit, bulkheadSettings.queue), graceMs }),
    };
    lanes.set(id, created);
    return created;
  }

  const sharedOpen = store.breakerOpenUntil ? (id: string): boolean => (store.breakerOpenUntil?.(id) ?? 0) > now() : undefined;
  const deps = { lane, retry: retrySettings, logger, sharedOpen };

  function breakerState(providerId: string): BreakerState {
    const local = lane(providerId)?.breaker.state ?? 'closed';
    return local === 'closed' && sharedOpen?.(providerId) ? 'open' : local;
  }

  function planFor(routeOptions: RouteOptions, request: GenerationRequest): Plan | Routed {
    const advisor = options.advisor;
    const policy = policies.get(advisor ? advisor.policyFor(routeOptions.policy) : routeOptions.policy);
    if (!policy) {
      const known = [...policies.keys()].join(', ');
      return failure(new ProviderError('bad_request', ROUTER_ID, `unknown routing policy "${routeOptions.policy}" (known: ${known})`), [], 'BAD_USER_INPUT');
    }
    const pinned = routeOptions.provider ?? null;
    if (pinned !== null) {
      if (!options.source.generator(pinned)) {
        return failure(new ProviderError('unavailable', pinned, `provider "${pinned}" is not configured`), [], 'PROVIDER_NOT_CONFIGURED');
      }
      const fromPolicy = policy.targets.find((t) => t.provider === pinned);
      const timeoutMs = policy.targets.reduce((max, t) => Math.max(max, t.timeoutMs), 0) || DEFAULT_PINNED_TIMEOUT_MS;
      return { pinned: true, targets: [fromPolicy ?? { provider: pinned, timeoutMs, retries: 1 }] };
    }
    const configured = policy.targets.filter((t) => options.source.generator(t.provider) !== undefined);
    // A provider that cannot write the asked-for language is left out while another can; with none, all stay (and the description says so).
    const locale = request.parts.personalization?.locale;
    const speaking = configured.filter((t) => honoursLocale(options.source.generator(t.provider)?.capabilities.honours, locale));
    const eligible = speaking.length ? speaking : configured;
    const ordered = policy.strategy === 'loadbalance' ? weightedFirst(eligible, (t) => t.weight ?? 1, random) : eligible;
    const targets = advisor ? arrangeTargets(ordered, (t) => advisor.standing(t.provider, options.source.generator(t.provider)?.model ?? '')) : ordered;
    return { pinned: false, targets };
  }

  /** The request's signal joined to the router's close signal; dispose it when the request is answered. */
  function signalFor(routeOptions: RouteOptions): LinkedSignal {
    return routeOptions.signal ? linkSignals([routeOptions.signal, closing.signal]) : { signal: closing.signal, dispose: () => undefined };
  }

  function track<T>(promise: Promise<T>): Promise<T> {
    inFlight.add(promise);
    void promise.finally(() => inFlight.delete(promise)).catch(() => undefined);
    return promise;
  }

  async function runAndStore(plan: Plan, request: GenerationRequest, key: string, signal: AbortSignal): Promise<RoutedResult> {
    const routed = await runPlan(deps, plan, request, signal);
    if (routed.ok && cacheTtlMs > 0) {
      await store
        .setResult(key, { result: routed.result, attempts: routed.attempts }, cacheTtlMs)
        .catch((error: unknown) => logger?.warn({ err: error }, 'generation not cached'));
    }
    return routed;
  }

  /**
   * With a shared store that coalesces (Redis), one replica generates a key
   * while the others wait for its cached result; if it fails or dies, each
   * waiter generates for itself. Without one: `runAndStore`.
   */
  async function runShared(plan: Plan, request: GenerationRequest, key: string, signal: AbortSignal): Promise<RoutedResult> {
    if (!(cacheTtlMs > 0 && store.lockGeneration && store.waitForResult)) return runAndStore(plan, request, key, signal);
    const lock = await store.lockGeneration(key).catch((error: unknown) => {
      logger?.warn({ err: error }, 'generation lock unavailable: generating locally');
      return undefined;
    });
    if (lock === null) {
      const shared = await store.waitForResult(key, signal).catch((error: unknown) => {
        logger?.warn({ err: error }, 'waiting for another replica failed: generating locally');
        return undefined;
      });
      if (shared) return { ok: true, result: shared.result, attempts: shared.attempts.map((a) => ({ ...a })), cached: true };
      if (signal.aborted) return abortedFailure([]);
      return runAndStore(plan, request, key, signal);
    }
    try {
      return await runAndStore(plan, request, key, signal);
    } finally {
      await lock?.release().catch((error: unknown) => logger?.warn({ err: error }, 'generation lock not released'));
    }
  }

  async function routeOne(request: GenerationRequest, routeOptions: RouteOptions): Promise<Routed> {
    if (closed) return failure(new ProviderError('unavailable', ROUTER_ID, 'router is closed'), []);
    const plan = planFor(routeOptions, request);
    if (!('targets' in plan)) return plan;
    const linked = signalFor(routeOptions);
    try {
      return await routeSignalled(request, routeOptions, plan, linked.signal);
    } finally {
      linked.dispose();
    }
  }

  async function routeSignalled(request: GenerationRequest, routeOptions: RouteOptions, plan: Plan, signal: AbortSignal): Promise<Routed> {
    if (signal.aborted) return abortedFailure([]);
    const key = generationCacheKey(request, {
      policy: routeOptions.policy,
      pinned: routeOptions.provider ?? null,
      // Sorted: a load-balanced order is a per-call draw, not part of what the text depends on.
      models: plan.targets.map((t) => `${t.provider}:${lanes.get(t.provider)?.model ?? options.source.generator(t.provider)?.model ?? ''}`).sort(),
    });
    const bypass = routeOptions.bypassCache === true;
    if (cacheTtlMs > 0 && !bypass) {
      const hit = await store.getResult(key).catch((error: unknown) => {
        logger?.warn({ err: error }, 'generation cache read failed');
        return undefined;
      });
      if (hit) return { ok: true, result: hit.result, attempts: hit.attempts.map((a) => ({ ...a })), cached: true };
    }
    if (bypass) return raceAbort(runAndStore(plan, request, key, signal), signal, () => abortedFailure([]));
    const { promise, joined } = coalescer.run(key, signal, (shared) => runShared(plan, request, key, shared));
    const routed = await raceAbort(promise, signal, () => abortedFailure([]));
    if (!joined) return routed;
    // A follower gets its own copy, marked as served without a generation of its own.
    return routed.ok ? { ...routed, attempts: routed.attempts.map((a) => ({ ...a })), cached: true } : { ...routed, attempts: routed.attempts.map((a) => ({ ...a })) };
  }

  function guarded<T extends Routed>(work: () => Promise<T>): Promise<T | Routed> {
    return track(
      work().catch((error: unknown) => {
        // A bug, not a provider failure: log it, and still answer with a value.
        logger?.error({ err: error }, 'router failed unexpectedly');
        return failure(new ProviderError('unavailable', ROUTER_ID, 'internal routing error', { cause: error }), []);
      }),
    );
  }

  return {
    generate(items) {
      return Promise.all(items.map((item) => guarded(() => routeOne(item.request, item.options))));
    },

    async stream(request, streamOptions: StreamOptions) {
      const routed = await guarded<RoutedResult>(async () => {
        if (closed) return failure(new ProviderError('unavailable', ROUTER_ID, 'router is closed'), []);
        const plan = planFor(streamOptions, request);
        if (!('targets' in plan)) return plan;
        const linked = signalFor(streamOptions);
        const signal = linked.signal;
        // Streams skip the cache and coalescing: each caller wants its own tokens as they come.
        try {
          return await raceAbort(runPlan(deps, plan, request, signal, { onToken: streamOptions.onToken, started: false }), signal, () => abortedFailure([]));
        } finally {
          linked.dispose();
        }
      });
      return routed;
    },

    breakerState,

    providerHealth(providerId) {
      const l = lane(providerId);
      // Not configured: nothing routed to it, so nothing to say; the provider's own health says why.
      if (!l) return { breakerState: 'closed', healthy: true, lastError: null, backoffMs: 0 };
      return l.health.snapshot(breakerState(providerId), l.breaker.window(), breakerSettings.failureRate);
    },

    policyNames() {
      return [...policies.keys()];
    },

    async close() {
      if (closed) return;
      closed = true;
      closing.abort(new Error('router closed'));
      for (const l of lanes.values()) l.dispatcher.close();
      await Promise.allSettled([...inFlight]);
      if (ownStore) await store.close();
    },
  };
}
