/**
 * The cache step around a plan's run: the generation cache read, joining an
 * identical generation in flight (in this process, and across replicas when
 * the state store coalesces), and the cache write on success.
 */
import type { Logger } from 'pino';
import type { GenerationRequest } from '../../providers/types.js';
import { raceAbort } from './abort.js';
import { generationCacheKey } from './cache-key.js';
import { Coalescer } from './coalesce.js';
import { abortedFailure, type Plan, type RoutedResult } from './executor.js';
import type { RouterStateStore } from './state-store.js';
import type { Routed, RouteOptions } from './types.js';

export interface CachedRunOptions {
  store: RouterStateStore;
  /** How long a successful generation is served from cache, ms; 0: no cache (coalescing in the process stays on). */
  cacheTtlMs: number;
  logger: Logger | undefined;
  /** Runs the plan (executor.ts's runPlan with the router's lanes). */
  run: (plan: Plan, request: GenerationRequest, signal: AbortSignal) => Promise<RoutedResult>;
  /** The model a provider runs, for the cache key. */
  modelOf: (providerId: string) => string;
}

/** The generation cache key of a request under a plan and its route options. */
function planCacheKey(
  plan: Plan,
  request: GenerationRequest,
  routeOptions: RouteOptions,
  modelOf: (providerId: string) => string,
): string {
  return generationCacheKey(request, {
    policy: routeOptions.policy,
    pinned: routeOptions.provider ?? null,
    // Sorted: a load-balanced order is a per-call draw, not part of what the text depends on.
    models: plan.targets.map((t) => `${t.provider}:${modelOf(t.provider)}`).sort(),
  });
}

/** The cached generation of a key as a routed hit; undefined on a miss or a failed read. */
async function readCache(
  store: RouterStateStore,
  key: string,
  logger: Logger | undefined,
): Promise<Routed | undefined> {
  const hit = await store.getResult(key).catch((error: unknown) => {
    logger?.warn({ err: error }, 'generation cache read failed');
    return undefined;
  });
  return hit
    ? { ok: true, result: hit.result, attempts: hit.attempts.map((a) => ({ ...a })), cached: true }
    : undefined;
}

/** One signalled request through the cache: a hit, a share of an identical generation, or a run of its own. */
export function createCachedRun(
  options: CachedRunOptions,
): (plan: Plan, request: GenerationRequest, routeOptions: RouteOptions, signal: AbortSignal) => Promise<Routed> {
  const { store, cacheTtlMs, logger } = options;
  const coalescer = new Coalescer<RoutedResult>();

  async function runAndStore(
    plan: Plan,
    request: GenerationRequest,
    key: string,
    signal: AbortSignal,
  ): Promise<RoutedResult> {
    const routed = await options.run(plan, request, signal);
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
  async function runShared(
    plan: Plan,
    request: GenerationRequest,
    key: string,
    signal: AbortSignal,
  ): Promise<RoutedResult> {
    if (!(cacheTtlMs > 0 && store.lockGeneration && store.waitForResult))
      return runAndStore(plan, request, key, signal);
    const lock = await store.lockGeneration(key).catch((error: unknown) => {
      logger?.warn({ err: error }, 'generation lock unavailable: generating locally');
      return undefined;
    });
    if (lock === null) {
      const shared = await store.waitForResult(key, signal).catch((error: unknown) => {
        logger?.warn({ err: error }, 'waiting for another replica failed: generating locally');
        return undefined;
      });
      if (shared)
        return { ok: true, result: shared.result, attempts: shared.attempts.map((a) => ({ ...a })), cached: true };
      if (signal.aborted) return abortedFailure([]);
      return runAndStore(plan, request, key, signal);
    }
    try {
      return await runAndStore(plan, request, key, signal);
    } finally {
      await lock?.release().catch((error: unknown) => logger?.warn({ err: error }, 'generation lock not released'));
    }
  }

  return async (plan, request, routeOptions, signal) => {
    if (signal.aborted) return abortedFailure([]);
    const key = planCacheKey(plan, request, routeOptions, options.modelOf);
    const bypass = routeOptions.bypassCache === true;
    if (cacheTtlMs > 0 && !bypass) {
      const hit = await readCache(store, key, logger);
      if (hit) return hit;
    }
    if (bypass) return raceAbort(runAndStore(plan, request, key, signal), signal, () => abortedFailure([]));
    const { promise, joined } = coalescer.run(key, signal, (shared) => runShared(plan, request, key, shared));
    const routed = await raceAbort(promise, signal, () => abortedFailure([]));
    if (!joined) return routed;
    // A follower gets its own copy, marked as served without a generation of its own.
    return routed.ok
      ? { ...routed, attempts: routed.attempts.map((a) => ({ ...a })), cached: true }
      : { ...routed, attempts: routed.attempts.map((a) => ({ ...a })) };
  };
}
