import type { Logger } from 'pino';
import { ConfigError, ENV_NAMES, type Config } from './config.js';
import type { Storage } from './storage/types.js';
import { ProductService } from './catalog/product.service.js';
import { DescriptionService } from './descriptions/description.service.js';
import { createProviderRegistry, type ProviderRegistry } from '../providers/index.js';
import type { GenerationRouter, GeneratorSource } from './routing/types.js';
import { createRouter } from './routing/router.js';
import { resolvePolicies } from './routing/policies.js';
import { parsePriceTable, type ModelPrice } from './pricing.js';
import { EvaluationService } from './evaluation/evaluation.service.js';
import { BenchmarkService } from './evaluation/benchmark/benchmark.service.js';
import { JobService } from './jobs/job.service.js';
import { CheckService } from './evaluation/check.service.js';
import { createInProcessPubSub, DESCRIPTION_PUBLISHED, JOB_PROGRESS } from './pubsub.js';
import { createRedisStateStore } from './routing/redis-state-store.js';
import type { RouterStateStore } from './routing/state-store.js';
import { connectRedis } from './redis.js';
import { startJobWorker, type JobWorker } from './jobs/worker.js';
import { QualityBreaker, type QualityStatus } from './routing/quality-breaker.js';
import { strongerStanding, type RouteAdvisor } from './routing/advice.js';
import { AlertActions } from './alerts/actions.js';
import { createRedisActionShare } from './alerts/action-share.js';
import { BudgetGuard, type BudgetRefusal } from './budgets/guard.js';
import { MemoryBudgetStore } from './budgets/store.js';
import { RedisBudgetStore } from './budgets/redis-store.js';
import type { RoutingPolicy } from './routing/types.js';
import type { Verdict } from './evaluation/checks/verdict.js';
import type { PubSub } from 'type-graphql';
import { createPublication, type PublicationService } from './publication/index.js';
import { ExperimentService } from './experiments/experiment.service.js';

/** Services shared by every request for the life of the server. */
export interface Services {
  products: ProductService;
  descriptions: DescriptionService;
  registry: ProviderRegistry;
  router: GenerationRouter;
  evaluation: EvaluationService;
  /** The fact check, with its vocabulary validated at start. */
  checks: CheckService;
  /** The publication lifecycle (PUBLISH_POLICY); `onPublished` is the hook for a cache of published texts. */
  publication: PublicationService;
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
  /** Topic publish/subscribe of this server (job progress, publication notices); subscriptions read it from the context. */
  pubSub: PubSub;
  /** Experiments, their assignment and the app's events. */
  experiments: ExperimentService;
  close(): Promise<void>;
}

/** What createServer hands in besides config: decorators applied while building (metering) and the server's pub/sub. */
export interface ServiceOptions {
  /** Wraps the registry the router reads (metering, tracing). Default: none. */
  source?: (source: GeneratorSource) => GeneratorSource;
  /** Wraps the router everyone gets. Default: none. */
  router?: (router: GenerationRouter) => GenerationRouter;
  /** Where job progress is published. Default: a new in-process pub/sub. */
  pubSub?: PubSub;
  /** Told of each budget refusal and each charge (metrics). Default: none. */
  budgetRefused?: (refusal: BudgetRefusal) => void;
  budgetCharged?: (role: string, usd: number) => void;
  /** Clock in ms of the experiments (roll-up buckets, Thompson epochs): simulations pass time faster. Default Date.now. */
  clock?: () => number;
  /** Told of the checks' verdict on each stored generation (metrics). Default: none. */
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

/** The quality breaker, which logs its trips and recoveries. */
function createQualityBreaker(config: Config, logger: Logger): QualityBreaker {
  return new QualityBreaker({
    settings: {
      failureRatio: config.qualityBreakerRatio,
      minSamples: config.qualityBreakerMinSamples,
      cooldownMs: config.qualityBreakerCooldownMs,
    },
    onChange: (q: QualityStatus) =>
      q.state === 'open'
        ? logger.warn(
            { provider: q.provider, model: q.model, reason: q.reason, openUntil: q.openUntil },
            'quality breaker opened: routing around the provider',
          )
        : logger.info({ provider: q.provider, model: q.model, state: q.state }, 'quality breaker state changed'),
  });
}

/** What planning asks before a route runs: the alerts' actions, then the quality breaker. */
function routeAdvisor(alerts: AlertActions, quality: QualityBreaker): RouteAdvisor {
  return {
    policyFor: (name) => alerts.policyFor(name),
    // The demotion first: asking the quality breaker may claim its probe.
    standing: (id, model) => strongerStanding(alerts.placement(id), quality.standing(id, model)),
  };
}

interface BudgetDeps {
  registry: ProviderRegistry;
  policies: readonly RoutingPolicy[];
  prices: Record<string, ModelPrice>;
  logger: Logger;
  wrap: ServiceOptions;
}

/** The BUDGETS guard (null without rules): on Redis when REDIS_URL is set, so that replicas share one cap. */
function createBudgets(config: Config, { registry, policies, prices, logger, wrap }: BudgetDeps): BudgetGuard | null {
  if (!config.budgets.length) return null;
  let budgetWarnedAt = 0;
  return new BudgetGuard({
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
  });
}

/** The actions Alertmanager's webhook takes, shared with the other replicas through Redis when REDIS_URL is set; started (the share's actions loaded). */
async function startAlertActions(
  config: Config,
  {
    registry,
    policies,
    jobs,
    logger,
  }: Pick<BudgetDeps, 'registry' | 'policies' | 'logger'> & { jobs: JobService | null },
): Promise<AlertActions> {
  const alerts = new AlertActions({
    providerIds: () => registry.generatorIds(),
    policies,
    jobs,
    logger,
    ttlMs: config.alertActionTtlMs,
    share: config.redisUrl
      ? createRedisActionShare({
          client: connectRedis({ url: config.redisUrl, name: 'stylesprint-alert-actions' }),
          prefix: config.redisPrefix,
          logger,
        })
      : null,
  });
  await alerts.start();
  return alerts;
}

/**
 * The publication lifecycle, its notices relayed to this server's pub/sub,
 * after the start-up sweep: before the first request, rows stored before the
 * lifecycle get their state and check.
 */
async function openPublication(
  config: Config,
  storage: Storage,
  checks: CheckService,
  pubSub: PubSub,
  logger: Logger,
): Promise<PublicationService> {
  const publication = await createPublication({ config, storage, vocabulary: checks.vocabulary, logger });
  publication.onPublished((notice) => pubSub.publish(DESCRIPTION_PUBLISHED, notice));
  try {
    await publication.sweep();
  } catch (error) {
    await publication.close();
    throw error;
  }
  return publication;
}

/** The catalog job queue (needs REDIS_URL), its progress relayed to this server's pub/sub; null without Redis. */
async function openJobs(config: Config, storage: Storage, pubSub: PubSub, logger: Logger): Promise<JobService | null> {
  if (!config.redisUrl) return null;
  return JobService.open({
    redisUrl: config.redisUrl,
    prefix: config.redisPrefix,
    chunkSize: config.jobChunkSize,
    catalog: storage.catalog,
    logger,
    onProgress: (job) => pubSub.publish(JOB_PROGRESS, job.id, job),
  });
}

/** The router's shared state on Redis when REDIS_URL is set; undefined keeps it in this process. */
async function openStateStore(config: Config, logger: Logger): Promise<RouterStateStore | undefined> {
  if (!config.redisUrl) return undefined;
  return createRedisStateStore({
    client: connectRedis({ url: config.redisUrl, name: 'stylesprint-router' }),
    prefix: config.redisPrefix,
    logger,
  });
}

interface DescriptionDeps {
  router: GenerationRouter;
  registry: ProviderRegistry;
  prices: Record<string, ModelPrice>;
  publication: PublicationService;
  checks: CheckService;
  quality: QualityBreaker;
  budgets: BudgetGuard | null;
  logger: Logger;
  wrap: ServiceOptions;
}

/** The description service, whose verdicts feed the quality breaker (and the metrics). */
function createDescriptionService(storage: Storage, deps: DescriptionDeps): DescriptionService {
  const { router, registry, prices, publication, quality, budgets, logger, wrap } = deps;
  return new DescriptionService(storage.descriptions, router, registry, prices, logger, publication, {
    onVerdict: (provider, model, verdict) => {
      quality.record(provider, model, verdict);
      wrap.verdict?.(provider, model, verdict);
    },
    budgets,
  });
}

/** The benchmark runs, after the runs a stop or crash interrupted are resumed. */
async function startBenchmarks(
  config: Config,
  storage: Storage,
  deps: Pick<DescriptionDeps, 'router' | 'registry' | 'prices' | 'checks' | 'logger'> & {
    descriptions: DescriptionService;
  },
): Promise<BenchmarkService> {
  const { router, registry, prices, checks, logger, descriptions } = deps;
  const benchmarks = new BenchmarkService({
    config,
    storage,
    router,
    registry,
    descriptions,
    prices,
    logger,
    vocabulary: checks.vocabulary,
  });
  await benchmarks.runner.recover();
  return benchmarks;
}

/** The catalog job worker (needs REDIS_URL and WORKERS above 0); null otherwise. */
async function startWorker(
  config: Config,
  storage: Storage,
  descriptions: DescriptionService,
  logger: Logger,
): Promise<JobWorker | null> {
  if (!config.redisUrl || config.workers <= 0) return null;
  return startJobWorker({
    redisUrl: config.redisUrl,
    prefix: config.redisPrefix,
    concurrency: config.workers,
    lockMs: config.jobLockMs,
    storage,
    descriptions,
    logger,
  });
}

export async function createServices(
  config: Config,
  storage: Storage,
  logger: Logger,
  wrap: ServiceOptions = {},
): Promise<Services> {
  // First, so that a brand vocabulary with a mistake stops the start before providers and queues open.
  const checks = createCheckService(config);
  const pubSub = wrap.pubSub ?? createInProcessPubSub();
  const registry = await createProviderRegistry(config, logger);
  const ids = registry.generatorIds();
  const policies = resolvePolicies(ids, config.providerTimeoutMs, config.routingPolicies);
  const source = wrap.source ? wrap.source(registry) : registry;
  // With Redis, replicas share the generation cache, coalescing and breaker verdicts.
  const stateStore = await openStateStore(config, logger);
  const quality = createQualityBreaker(config, logger);
  // Before the router: an alert's action may pause the job queue, and the router's advisor asks the alerts' actions.
  const jobs = await openJobs(config, storage, pubSub, logger);
  const alerts = await startAlertActions(config, { registry, policies, jobs, logger });
  const bareRouter = createRouter({
    source,
    policies,
    logger,
    cacheTtlMs: config.cacheTtlMs,
    bulkhead: { limit: config.providerMaxConcurrency },
    advisor: routeAdvisor(alerts, quality),
    ...(stateStore ? { stateStore } : {}),
  });
  const router = wrap.router ? wrap.router(bareRouter) : bareRouter;
  const prices = parsePriceTable(config.priceTable);
  const budgets = createBudgets(config, { registry, policies, prices, logger, wrap });
  const publication = await openPublication(config, storage, checks, pubSub, logger);
  const descriptionDeps = { router, registry, prices, publication, checks, quality, budgets, logger, wrap };
  const descriptions = createDescriptionService(storage, descriptionDeps);
  const benchmarks = await startBenchmarks(config, storage, { ...descriptionDeps, descriptions });
  const worker = await startWorker(config, storage, descriptions, logger);
  return {
    products: new ProductService(storage.catalog, { maxBytes: config.maxCsvBytes, maxRows: config.maxCsvRows }),
    descriptions,
    registry,
    router,
    evaluation: new EvaluationService(() => registry.embedder),
    checks,
    publication,
    benchmarks,
    jobs,
    quality,
    alerts,
    budgets,
    pubSub,
    experiments: new ExperimentService(storage, publication, {
      ...(wrap.clock ? { now: wrap.clock } : {}),
      generator: descriptions,
    }),
    async close() {
      await worker?.close();
      // Before the queue closes: a pause an alert put on it is lifted.
      await alerts.close();
      await jobs?.close();
      await budgets?.close();
      await benchmarks.close();
      await publication.close();
      await router.close();
      await stateStore?.close();
      await registry.close();
    },
  };
}
