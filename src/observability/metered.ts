/**
 * Metering decorators: the router and the providers stay unaware of
 * metrics. `meteredSource` wraps every generator the router asks for, so each
 * upstream call is timed and its outcome counted; `meteredRouter` counts
 * cache hits; `meteredStorage` counts flags and cost of stored descriptions.
 */
import type { GatewayMetrics } from './metrics.js';
import type { GenerationRouter, GeneratorSource, Routed } from '../routing/types.js';
import type { DescriptionInput, Storage } from '../storage/types.js';
import { isProviderError, type TextGenerator } from '../../providers/types.js';
import { wrapGenerators } from './wrap-source.js';

/** Reads a property of the wrapped object; methods stay bound to it (private `#fields` need the real `this`). */
export function passThrough(target: object, property: string | symbol): unknown {
  const value: unknown = Reflect.get(target, property, target);
  return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
}

function meteredGenerator(inner: TextGenerator, metrics: GatewayMetrics): TextGenerator {
  const provider = inner.id;
  return new Proxy(inner, {
    get(target, property) {
      if (property !== 'generate') return passThrough(target, property);
      const generate: TextGenerator['generate'] = async (requests, options) => {
        const started = performance.now();
        metrics.batchSize.observe({ provider }, requests.length);
        // A call that ended because every caller had gone failed no one: it is
        // counted as cancelled, not as the timeout its abort maps to.
        const failed = (kind: string, count = 1): void => {
          if (kind === 'timeout' && options?.callerGone?.aborted) {
            metrics.providerCalls.inc({ provider, outcome: 'cancelled' }, count);
            return;
          }
          metrics.providerCalls.inc({ provider, outcome: kind }, count);
          metrics.providerErrors.inc({ provider, kind }, count);
        };
        try {
          const results = await target.generate(requests, options);
          for (const r of results) {
            if (isProviderError(r)) {
              failed(r.kind);
              continue;
            }
            metrics.tokens.inc({ provider, type: 'prompt' }, r.promptTokens);
            metrics.tokens.inc({ provider, type: 'completion' }, r.completionTokens);
            // A row the local model stopped on abort: the router reports it as a timeout unless its callers had gone.
            if (r.finishReason === 'cancelled') failed('timeout');
            else metrics.providerCalls.inc({ provider, outcome: 'ok' });
          }
          return results;
        } catch (error) {
          failed(isProviderError(error) ? error.kind : 'unexpected', requests.length);
          throw error;
        } finally {
          metrics.providerDuration.observe({ provider }, (performance.now() - started) / 1000);
        }
      };
      return generate;
    },
  });
}

/** The registry (or any GeneratorSource) with every generator metered; wrappers are made once per id. */
export function meteredSource(source: GeneratorSource, metrics: GatewayMetrics): GeneratorSource {
  return wrapGenerators(source, (inner) => meteredGenerator(inner, metrics));
}

/**
 * Counts cache hits (served from cache or joined an identical call in flight)
 * and misses, and every routed generation by policy and outcome (streams too).
 */
export function meteredRouter(router: GenerationRouter, metrics: GatewayMetrics): GenerationRouter {
  const count = (policy: string, routed: Routed): void => {
    // Policy names come from clients: an unknown one is counted as such, not as a label of its own.
    const label = router.policyNames().includes(policy) ? policy : 'unknown';
    metrics.generations.inc({
      policy: label,
      outcome: routed.ok ? (routed.cached ? 'cached' : 'ok') : routed.code.toLowerCase(),
    });
  };
  return new Proxy(router, {
    get(target, property) {
      if (property === 'stream') {
        const stream: GenerationRouter['stream'] = async (request, options) => {
          const routed = await target.stream(request, options);
          count(options.policy, routed);
          return routed;
        };
        return stream;
      }
      if (property !== 'generate') return passThrough(target, property);
      const generate: GenerationRouter['generate'] = async (items) => {
        const results = await target.generate(items);
        results.forEach((r, i) => {
          if (r.ok) metrics.cache.inc({ result: r.cached ? 'hit' : 'miss' });
          // One result per item, in order; a metric is never worth failing the call for.
          const item = items[i];
          if (item) count(item.options.policy, r);
        });
        return results;
      };
      return generate;
    },
  });
}

/** Counts the flags and estimated cost of every description stored (alone, or with its admission); the other stores pass through. */
export function meteredStorage(storage: Storage, metrics: GatewayMetrics): Storage {
  const count = (input: DescriptionInput): void => {
    for (const flag of input.flags) metrics.flags.inc({ category: flag.category });
    if (input.estimatedCostUsd) metrics.costUsd.inc({ provider: input.provider }, input.estimatedCostUsd);
  };
  const descriptions = meteredMethod(storage.descriptions, 'insertDescription', async (input) => {
    const record = await storage.descriptions.insertDescription(input);
    count(input);
    return record;
  });
  const publication = meteredMethod(storage.publication, 'storeGenerated', async (input, planner) => {
    const result = await storage.publication.storeGenerated(input, planner);
    count(input.description);
    return result;
  });
  return new Proxy(storage, {
    get: (target, property) =>
      property === 'descriptions'
        ? descriptions
        : property === 'publication'
          ? publication
          : passThrough(target, property),
  });
}

/** `store` with method `name` replaced by `metered`. */
function meteredMethod<T extends object, K extends keyof T>(store: T, name: K, metered: T[K]): T {
  return new Proxy(store, { get: (target, property) => (property === name ? metered : passThrough(target, property)) });
}
