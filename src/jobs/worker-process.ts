/**
 * The catalog-job worker process behind src/worker.ts (`npm run worker`): the
 * same configuration as the gateway, no HTTP server.
 */
import 'reflect-metadata';
import { ConfigError, ENV_NAMES, loadConfig, type Config } from '../config.js';
import { createLogger } from '../logger.js';
import { openStorage } from '../storage/index.js';
import { createProviderRegistry } from '../../providers/index.js';
import { resolvePolicies } from '../routing/policies.js';
import { createRouter } from '../routing/router.js';
import { createRedisStateStore } from '../routing/redis-state-store.js';
import { connectRedis } from '../redis.js';
import { parsePriceTable } from '../pricing.js';
import { DescriptionService } from '../descriptions/description.service.js';
import { startJobWorker } from './worker.js';
import { setGcThreadNice } from '../observability/gc-threads.js';
import { createPublication } from '../publication/index.js';
import { defaultFactVocabulary, loadFactVocabulary, type FactVocabulary } from '../evaluation/checks/facts/index.js';

/** The gateways' vocabulary: what a worker writes is checked and triaged as theirs is; its publications reach them through Redis. */
function factVocabulary(config: Config): FactVocabulary {
  try {
    return config.factCheckVocabDir ? loadFactVocabulary(config.factCheckVocabDir) : defaultFactVocabulary();
  } catch (error) {
    throw new ConfigError(`${ENV_NAMES.factCheckVocabDir}: ${(error as Error).message}`);
  }
}

/** Opens storage, providers and the router, and starts taking chunks; stops on SIGTERM/SIGINT after the chunks in hand. */
export async function startWorkerProcess(): Promise<void> {
  const config = loadConfig();
  if (!config.redisUrl)
    throw new ConfigError('REDIS_URL: the worker needs Redis (it takes chunks from the BullMQ queue)');
  const logger = createLogger(config).child({ role: 'worker' });
  // As in the gateway: concurrent marking yields the core to the event loop that drives the jobs.
  const gcThreads = setGcThreadNice(config.gcThreadNice);
  logger.info({ gcThreadNice: config.gcThreadNice, gcThreads }, 'GC helper threads set');
  const storage = await openStorage(config);
  const registry = await createProviderRegistry(config, logger);
  const stateStore = await createRedisStateStore({
    client: connectRedis({ url: config.redisUrl, name: 'stylesprint-router' }),
    prefix: config.redisPrefix,
    logger,
  });
  const router = createRouter({
    source: registry,
    policies: resolvePolicies(registry.generatorIds(), config.providerTimeoutMs, config.routingPolicies),
    logger,
    cacheTtlMs: config.cacheTtlMs,
    stateStore,
  });
  const publication = await createPublication({ config, storage, vocabulary: factVocabulary(config), logger });
  const descriptions = new DescriptionService(
    storage.descriptions,
    router,
    registry,
    parsePriceTable(config.priceTable),
    logger,
    publication,
  );
  const worker = await startJobWorker({
    redisUrl: config.redisUrl,
    prefix: config.redisPrefix,
    concurrency: Math.max(1, config.workers),
    lockMs: config.jobLockMs,
    storage,
    descriptions,
    logger,
  });
  const stop = (signal: string): void => {
    logger.info({ signal }, 'worker stopping');
    (async () => {
      await worker.close();
      await publication.close();
      await router.close();
      await stateStore.close();
      await registry.close();
      await storage.close();
    })().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'worker stop failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}
