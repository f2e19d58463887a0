import type { Logger } from 'pino';
import { ConfigError, ENV_NAMES, type Config } from './config.js';
import type { Storage } from './storage/types.js';
import { ProductService } from '../schema/product/product.service.js';
import { DescriptionService } from '../schema/description/description.service.js';
import { createProviderRegistry, type ProviderRegistry } from '../providers/index.js';
import type { GenerationRouter, GeneratorSource } from './routing/types.js';
import { createRouter } from './routing/router.js';
import { resolvePolicies } from './routing/policies.js';
import { parsePriceTable } from './pricing.js';
import { EvaluationService } from '../schema/evaluation/evaluation.service.js';
import { BenchmarkService } from '../schema/benchmark/benchmark.service.js';
import { JobService } from '../schema/job/job.service.js';
import { CheckService } from '../schema/check/check.service.js';
import { JOB_PROGRESS } from '../schema/job/job.resolver.js';
import { createRedisStateStore } from './routing/redis-state-store.js';
import { connectRedis } from './redis.js';
import { startJobWorker, type JobWorker } from './jobs/worker.js';
import { pubSub } from './schema.js';
import { QualityBreaker, type QualityStatus } from './routing/quality-breaker.js';
import { strongerStanding, type RouteAdvisor } from './routing/advice.js';
import { AlertActions } from './alerts/actions.js';
import { BudgetGuard, type BudgetRefusal } from './budgets/guard.js';
import { MemoryBudgetStore } from './budgets/store.js';
import { RedisBudgetStore } from './budgets/redis-store.js';
import type { RoutingPolicy } from './routing/types.js';
import type { Verdict } from './evaluation/checks/verdict.js';

/** Services shared by every request for the life of the server. */
export interface Services {
  products: ProductService;
  descriptions: DescriptionService;
  registry: ProviderRegistry;
  router: GenerationRouter;
  evaluation: EvaluationService;
  /** The fact check, with its vocabulary validated at start. */
  checks: CheckService;
  /** Benchmark runs; runs interrupted by a stop or crash are resumed when the services are built. */
  benchmarks: BenchmarkService;
  /** Catalog jobs (regenerateCatalog); null without REDIS_URL. */
  jobs: JobService | null;
  /** Routes around providers whose texts fail the checks. */
  quality: QualityBreaker;
  /** Actions taken on Alertmanager's webhook. */
  alerts: AlertActions;
  /** Spending caps (BUDGETS); null without any. */
  budgets: BudgetGuard | null;
  close(): Promise<void>;
}

/** Decorators applied while building (metering): the router gets `source(registry)` and everyone gets `router(router)`. */
export interface ServiceWrappers {
  source?: (source: GeneratorSource) => GeneratorSource;
  router?: (router: GenerationRouter) => GenerationRouter;
  /** Told of each budget refusal and each charge (metrics). */
  budgetRefused?: (refusal: BudgetRefusal) => void;
  budgetCharged?: (role: string, usd: number) => void;
  /** Told of the checks' verdict on each stored generation (metrics). */
  verdict?: (provider: string, model: string, verdict: Verdict) => void;
}

/** Provider ids a route of `policy` may use: the pinned one, or the targets of the policy and of its fallback. */
function candidatesOf(policies: readonly RoutingPolicy[]): (policy: string, pinned: string | null) => string[] {
  const byName = new Map(policies.map((p) => [p.name, p]));
  return (policy, pinned) => {
    if (pinned !== null) return [pinned];
    const own = byName.get(policy);
    const fallback = own?.fallback ? byName.get(own.fallback) : undefined;
    return [...new Set([...(own?.targets ?? []), ...(fallback?.targets ?? [])].map((t) => t.provider))];
  };
}

/** The fact check; a bad FACT_CHECK_VOCAB_DIR is a configuration error naming the file and field. */
function createCheckService(config: Config): CheckService {
  if (!config.factCheckVocabDir) return new CheckService();
  try {
    return new CheckService({ vocabularyDir: config.factCheckVocabDir });
  } catch (error) {
    throw new ConfigError(`${ENV_NAMES.factCheckVocabDir}: ${(error as Error).message}`);
  }
}

export async function createServices(config: Config, storage: Storage, logger: Logger, wrap: ServiceWrappers = {}): Promise<Services> {
  // First, so that a brand vocabulary with a mistake stops the start before providers and queues open.
  const checks = createCheckService(config);
  const registry = await createProviderRegistry(config, logger);
  const ids = registry.generatorIds();
  const policies = resolvePolicies(ids, config.providerTimeoutMs, config.routingPolicies);
  const source = wrap.source ? wrap.source(registry) : registry;
  // With Redis, replicas share the generation cache, coalescing and breaker verdicts.
  const stateStore = config.redisUrl
    ? await createRedisStateStore({ client: connectRedis({ url: config.redisUrl, name: 'stylesprint-router' }), prefix: config.redisPrefix, logger })
    : undefined;
  const quality = new QualityBreaker({
    settings: { failureRatio: config.qualityBreakerRatio, minSamples: config.qualityBreakerMinSamples, cooldownMs: config.qualityBreakerCooldownMs },
    onChange: (q: QualityStatus) =>
      q.state === 'open'
        ? logger.warn({ provider: q.provider, model: q.model, reason: q.reason, openUntil: q.openUntil }, 'quality breaker opened: routing around the provider')
        : logger.info({ provider: q.provider, model: q.model, state: q.state }, 'quality breaker state changed'),
  });
  const jobs = config.redisUrl
    ? await JobService.open({
        redisUrl: config.redisUrl,
        prefix: config.redisPrefix,
        chunkSize: config.jobChunkSize,
        storage,
        logger,
        onProgress: (job) => pubSub.publish(JOB_PROGRESS, job.id, job),
      })
    : null;
  const alerts = new AlertActions({ providerIds: () => registry.generatorIds(), policies, jobs, logger, ttlMs: config.alertActionTtlMs });
  const advisor: RouteAdvisor = {
    policyFor: (name) => alerts.policyFor(name),
    // The demotion first: asking the quality breaker may claim its probe.
    standing: (id, model) => strongerStanding(alerts.placement(id), quality.standing(id, model)),
  };
  const bareRouter = createRouter({
    source,
    policies,
    logger,
    cacheTtlMs: config.cacheTtlMs,
    bulkhead: { limit: config.providerMaxConcurrency },
    advisor,
    ...(stateStore ? { stateStore } : {}),
  });
  const router = wrap.router ? wrap.router(bareRouter) : bareRouter;
  const prices = parsePriceTable(config.priceTable);
  let budgetWarnedAt = 0;
  const budgets = config.budgets.length
    ? new BudgetGuard({
        rules: config.budgets,
        store: config.redisUrl
          ? new RedisBudgetStore({
              client: connectRedis({ url: config.redisUrl, name: 'stylesprint-budgets' }),
              prefix: config.redisPrefix,
              onError: (error) => {
                if (Date.now() - budgetWarnedAt < 10_000) return;
                budgetWarnedAt = Date.now();
                logger.warn({ err: error }, 'budgets: Redis unavailable, counting per process');
              },
            })
          : new MemoryBudgetStore(),
        prices,
        providerOf: (id) => registry.allGenerators().find((g) => g.id === id),
        candidates: candidatesOf(policies),
        logger,
        ...(wrap.budgetRefused ? { onRefused: wrap.budgetRefused } : {}),
        ...(wrap.budgetCharged ? { onCharged: wrap.budgetCharged } : {}),
      })
    : null;
  const descriptions = new DescriptionService(storage, router, registry, prices, logger, {
    factCheck: (product, text, locale) => checks.check(product, text, locale),
    onVerdict: (provider, model, verdict) => {
      quality.record(provider, model, verdict);
      wrap.verdict?.(provider, model, verdict);
    },
    budgets,
  });
  const benchmarks = new BenchmarkService({ config, storage, router, registry, descriptions, prices, logger });
  await benchmarks.runner.recover();
  const worker: JobWorker | null =
    config.redisUrl && config.workers > 0
      ? await startJobWorker({ redisUrl: config.redisUrl, prefix: config.redisPrefix, concurrency: config.workers, lockMs: config.jobLockMs, storage, descriptions, logger })
      : null;
  return {
    products: new ProductService(storage, { maxBytes: config.maxCsvBytes, maxRows: config.maxCsvRows }),
    descriptions,
    registry,
    router,
    evaluation: new EvaluationService(() => registry.embedder),
    checks,
    benchmarks,
    jobs,
    quality,
    alerts,
    budgets,
    async close() {
      await worker?.close();
      // Before the queue closes: a pause an alert put on it is lifted.
      await alerts.close();
      await jobs?.close();
      await budgets?.close();
      await benchmarks.close();
      await router.close();
      await stateStore?.close();
      await registry.close();
    },
  };
}
