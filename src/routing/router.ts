/**
 * `createRouter`: the layer between resolvers and providers. Shared by every
 * request: one breaker, retry budget, bulkhead and batch dispatcher per
 * provider, one generation cache and one table of generations in flight.
 *
 * Order of work for one item: plan (policy, pin, load-balanced order) →
 * cache read → join an identical generation in flight, or start one →
 * `runPlan` (executor.ts) → cache write on success.
 */
import type { Logger } from 'pino';
import { linkSignals, type LinkedSignal } from '../../providers/call-scope.js';
import type { GenerationRequest } from '../../providers/types.js';
import { ProviderError } from '../../providers/types.js';
import { raceAbort } from './abort.js';
import { DEFAULT_BREAKER_SETTINGS, type BreakerSettings } from './breaker.js';
import { createCachedRun } from './cached-run.js';
import {
  ROUTER_ID,
  abortedFailure,
  failure,
  runPlan,
  type ExecutorDeps,
  type Plan,
  type RoutedResult,
} from './executor.js';
import { createLanes, type BulkheadSettings } from './lanes.js';
import { planRoute, policiesByName } from './plan.js';
import { DEFAULT_RETRY_SETTINGS, type RetrySettings } from './retry.js';
import { createMemoryStateStore, type RouterStateStore } from './state-store.js';
import type {
  BreakerState,
  GenerationRouter,
  GeneratorSource,
  RouteOptions,
  RoutingPolicy,
  StreamOptions,
} from './types.js';
import type { RouteAdvisor } from './advice.js';

export type { BulkheadSettings };

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

/** The router's shared state: settings with their defaults, the state store, the lanes and the cache step. */
function routerParts(options: RouterOptions) {
  const now = options.now ?? Date.now;
  const breakerSettings: BreakerSettings = { ...DEFAULT_BREAKER_SETTINGS, ...options.breaker };
  const retry: RetrySettings = { ...DEFAULT_RETRY_SETTINGS, ...options.retry };
  const store = options.stateStore ?? createMemoryStateStore({ maxEntries: options.cacheMaxEntries ?? 1000, now });
  const bulkhead: BulkheadSettings = { limit: 16, queue: 256, ...options.bulkhead };
  const lanes = createLanes({
    source: options.source,
    store,
    breaker: breakerSettings,
    retry,
    bulkhead,
    graceMs: options.timeoutGraceMs ?? 1000,
    now,
    logger: options.logger,
  });
  const sharedOpen = store.breakerOpenUntil
    ? (id: string): boolean => (store.breakerOpenUntil?.(id) ?? 0) > now()
    : undefined;
  const deps: ExecutorDeps = { lane: (id) => lanes.get(id), retry, logger: options.logger, sharedOpen };
  const cachedRun = createCachedRun({
    store,
    cacheTtlMs: Math.max(0, options.cacheTtlMs ?? 0),
    logger: options.logger,
    run: (plan, request, signal) => runPlan(deps, plan, request, signal),
    modelOf: (id) => lanes.peek(id)?.model ?? options.source.generator(id)?.model ?? '',
  });
  return {
    breakerSettings,
    store,
    ownStore: options.stateStore === undefined,
    policies: policiesByName(options.policies),
    lanes,
    sharedOpen,
    deps,
    cachedRun,
  };
}

/** A bug in routing, not a provider failure: logged, and still answered with a value. */
function internalFailure(logger: RouterOptions['logger'], error: unknown): RoutedResult {
  logger?.error({ err: error }, 'router failed unexpectedly');
  return failure(new ProviderError('unavailable', ROUTER_ID, 'internal routing error', { cause: error }), []);
}

/** Runs `run` with the request's signal (if any) joined to the router's close signal, and unlinks them after. */
async function withLinkedSignal<T>(
  requestSignal: AbortSignal | undefined,
  closeSignal: AbortSignal,
  run: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const linked: LinkedSignal = requestSignal
    ? linkSignals([requestSignal, closeSignal])
    : { signal: closeSignal, dispose: () => undefined };
  try {
    return await run(linked.signal);
  } finally {
    linked.dispose();
  }
}

export function createRouter(options: RouterOptions): GenerationRouter {
  const random = options.random ?? Math.random;
  const logger = options.logger;
  const { breakerSettings, store, ownStore, policies, lanes, sharedOpen, deps, cachedRun } = routerParts(options);
  const closing = new AbortController();
  const inFlight = new Set<Promise<unknown>>();
  let closed = false;

  function breakerState(providerId: string): BreakerState {
    const local = lanes.get(providerId)?.breaker.state ?? 'closed';
    return local === 'closed' && sharedOpen?.(providerId) ? 'open' : local;
  }

  /**
   * Plans the request and runs `work` with the request's signal joined to
   * the router's close signal; a bug in it is logged and still answered with
   * a value, and close() waits for it.
   */
  function route(
    request: GenerationRequest,
    routeOptions: RouteOptions,
    work: (plan: Plan, signal: AbortSignal) => Promise<RoutedResult>,
  ): Promise<RoutedResult> {
    const routed = (async (): Promise<RoutedResult> => {
      if (closed) return failure(new ProviderError('unavailable', ROUTER_ID, 'router is closed'), []);
      const plan = planRoute(policies, options.source, routeOptions, request, random, options.advisor);
      if (!('targets' in plan)) return plan;
      return await withLinkedSignal(routeOptions.signal, closing.signal, (signal) => work(plan, signal));
    })().catch((error: unknown) => internalFailure(logger, error));
    inFlight.add(routed);
    void routed.finally(() => inFlight.delete(routed));
    return routed;
  }

  return {
    generate(items) {
      return Promise.all(
        items.map((item) =>
          route(item.request, item.options, (plan, signal) => cachedRun(plan, item.request, item.options, signal)),
        ),
      );
    },

    stream(request, streamOptions: StreamOptions) {
      // Streams skip the cache and coalescing: each caller wants its own tokens as they come.
      return route(request, streamOptions, (plan, signal) =>
        raceAbort(
          runPlan(deps, plan, request, signal, { onToken: streamOptions.onToken, started: false }),
          signal,
          () => abortedFailure([]),
        ),
      );
    },

    breakerState,

    providerHealth(providerId) {
      const l = lanes.get(providerId);
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
      for (const l of lanes.all()) l.dispatcher.close();
      await Promise.allSettled([...inFlight]);
      if (ownStore) await store.close();
    },
  };
}
