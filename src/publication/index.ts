/**
 * The publication lifecycle: statuses and rules (lifecycle.ts), slots
 * (slot.ts), word diffs (word-diff.ts), notices across replicas
 * (publication-bus.ts) and the service. See docs/publishing.md.
 */
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { FactVocabulary } from '../evaluation/checks/facts/index.js';
import { connectRedis } from '../redis.js';
import type { Storage } from '../storage/types.js';
import { createPublicationBus } from './publication-bus.js';
import { factChecker, PublicationService } from './publication.service.js';

export { PublishedCache } from './published-cache.js';
export {
  PublicationService,
  factChecker,
  PUBLICATION_LIMITS,
  type BulkOutcome,
  type FactChecker,
} from './publication.service.js';
export type { PublicationNotice } from './publication-bus.js';

export interface CreatePublicationOptions {
  config: Pick<
    Config,
    'publishPolicy' | 'redisUrl' | 'redisPrefix' | 'databaseUrl' | 'publishedCacheTtlMs' | 'publishedCacheMaxProducts'
  >;
  /** The gateway's storage (migrated): its publication store, and the products the checks read. */
  storage: Storage;
  /** The fact check's vocabulary (FACT_CHECK_VOCAB_DIR, or the bundled one). */
  vocabulary: FactVocabulary;
  logger: Logger;
}

/** The service on the storage's publication store, with its notices shared through Redis when REDIS_URL is set. */
export async function createPublication(options: CreatePublicationOptions): Promise<PublicationService> {
  const { config, storage, logger } = options;
  const bus = await createPublicationBus({
    ...(config.redisUrl ? { redis: connectRedis({ url: config.redisUrl, name: 'stylesprint-publications' }) } : {}),
    prefix: config.redisPrefix,
    logger,
  });
  return new PublicationService({
    store: storage.publication,
    bus,
    products: (ids) => storage.catalog.productsByIds(ids),
    check: factChecker(options.vocabulary),
    policy: config.publishPolicy,
    readCache: readCacheOf(config),
    logger,
  });
}

/**
 * The read cache's settings, or null (off): off with PUBLISHED_CACHE_TTL_MS=0,
 * and off on PostgreSQL without Redis, where replicas would not hear each
 * other's publications and could serve an unpublished text until the TTL.
 */
function readCacheOf(config: CreatePublicationOptions['config']): { ttlMs: number; maxProducts: number } | null {
  if (config.publishedCacheTtlMs === 0) return null;
  if (config.databaseUrl && !config.redisUrl) return null;
  return { ttlMs: config.publishedCacheTtlMs, maxProducts: config.publishedCacheMaxProducts };
}
