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
import { createPublication, type PublicationService } from './publication/index.js';
import { DESCRIPTION_PUBLISHED } from '../schema/publication/publication.resolver.js';

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
  close(): Promise<void>;
}

/** Decorators applied while building (metering): the router gets `source(registry)` and everyone gets `router(router)`. */
export interface ServiceWrappers {
  source?: (source: GeneratorSource) => GeneratorSource;
  router?: (router: GenerationRouter) => GenerationRouter;
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
  const bareRouter = createRouter({
    source,
    policies,
    logger,
    cacheTtlMs: config.cacheTtlMs,
    bulkhead: { limit: config.providerMaxConcurrency },
    ...(stateStore ? { stateStore } : {}),
  });
  const router = wrap.router ? wrap.router(bareRouter) : bareRouter;
  const prices = parsePriceTable(config.priceTable);
  const publication = await createPublication({ config, storage, vocabulary: checks.vocabulary, logger });
  publication.onPublished((notice) => pubSub.publish(DESCRIPTION_PUBLISHED, notice));
  try {
    // Before the first request: rows stored before the lifecycle get their state and check.
    await publication.sweep();
  } catch (error) {
    await publication.close();
    throw error;
  }
  const descriptions = new DescriptionService(storage, router, registry, prices, logger, publication);
  const benchmarks = new BenchmarkService({ config, storage, router, registry, descriptions, prices, logger });
  await benchmarks.runner.recover();
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
    publication,
    benchmarks,
    jobs,
    async close() {
      await worker?.close();
      await jobs?.close();
      await benchmarks.close();
      await publication.close();
      await router.close();
      await stateStore?.close();
      await registry.close();
    },
  };
}
