/**
 * processChunk is idempotent: a product the job already did is skipped,
 * whether Redis recorded it or the worker died between the database write and
 * that record. Real SQLite, real Redis (TEST_REDIS_URL), the real router and
 * OpenAI provider against the fake server.
 */
import 'reflect-metadata';
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { Redis } from 'ioredis';
import { loadConfig } from '../../../src/config.js';
import { SqliteStorage } from '../../../src/storage/index.js';
import type { ProductRecord } from '../../../src/storage/types.js';
import { createProviderRegistry, type ProviderRegistry } from '../../../providers/index.js';
import { createRouter } from '../../../src/routing/router.js';
import { resolvePolicies } from '../../../src/routing/policies.js';
import type { GenerationRouter } from '../../../src/routing/types.js';
import { DescriptionService } from '../../../src/descriptions/description.service.js';
import { createPublication, type PublicationService } from '../../../src/publication/index.js';
import { defaultFactVocabulary } from '../../../src/evaluation/checks/facts/index.js';
import { JobStore } from '../../../src/jobs/job-store.js';
import { processChunk, type ChunkData } from '../../../src/jobs/chunk.processor.js';
import { startFakeOpenAI, type FakeOpenAI } from '../../helpers/fake-openai.js';
import { createTestRedis, skipWithoutRedis, type TestRedis } from '../../helpers/redis.js';
import { must } from '../../helpers/must.js';

let redis: TestRedis | undefined;
let skipReason = '';
let dir: string;
let storage: SqliteStorage;
let fake: FakeOpenAI;
let registry: ProviderRegistry;
let router: GenerationRouter;
let client: Redis;
let jobs: JobStore;
let descriptions: DescriptionService;
let publication: PublicationService;
let products: ProductRecord[];

before(async () => {
  const r = await createTestRedis();
  if (!r.ok) {
    skipReason = r.reason;
    return;
  }
  redis = r.redis;
  dir = mkdtempSync(path.join(tmpdir(), 'stylesprint-chunk-'));
  storage = new SqliteStorage(path.join(dir, 'chunk.db'));
  const outcomes = await storage.catalog.upsertProducts(
    Array.from({ length: 5 }, (_, i) => ({
      sku: `CHUNK-${i}`,
      title: `Chunk Tee ${i}`,
      category: 'tops',
      attributes: ['cotton'],
      colors: [],
      sizes: [],
      materials: [],
    })),
  );
  products = outcomes.map((o) => o.product);
  fake = await startFakeOpenAI();
  const logger = pino({ level: 'silent' });
  const config = loadConfig(
    {
      providers: ['openai'],
      openaiBaseUrl: fake.baseURL,
      openaiApiKey: 'sk-chunk-test-0000',
      databasePath: path.join(dir, 'chunk.db'),
      publishPolicy: 'auto',
    },
    {},
  );
  registry = await createProviderRegistry(config, logger);
  router = createRouter({
    source: registry,
    policies: resolvePolicies(registry.generatorIds(), 5000, undefined),
    cacheTtlMs: 0,
  });
  publication = await createPublication({ config, storage, vocabulary: defaultFactVocabulary(), logger });
  descriptions = new DescriptionService(storage.descriptions, router, registry, {}, logger, publication);
  client = new Redis(redis.url);
  jobs = new JobStore(client, redis.prefix);
});

after(async () => {
  if (!redis) return;
  await publication.close();
  await router.close();
  await registry.close();
  await storage.close();
  await fake.close();
  client.disconnect();
  await redis.drop();
  rmSync(dir, { recursive: true, force: true });
});

test('products done before (recorded, or stored but not recorded) are skipped; a rerun does nothing', async (t) => {
  if (!redis) return skipWithoutRedis(t, skipReason);
  const jobId = 'job-idempotent';
  await jobs.create({ id: jobId, total: 5, chunks: 1, policy: 'internal' });
  const [recorded, storedOnly] = products;
  assert.ok(recorded && storedOnly, 'two catalog products');
  // Done and recorded in Redis before a crash.
  await jobs.record(jobId, [recorded.id], []);
  // Stored in the database by this job, then the worker died before recording it.
  const [first] = await descriptions.generate([
    { product: storedOnly, policy: 'internal', params: {}, promptVersion: 'v3', jobId },
  ]);
  assert.ok(first?.ok);
  fake.reset();

  const data: ChunkData = {
    jobId,
    chunk: 0,
    productIds: products.map((p) => p.id),
    policy: 'internal',
    personalization: null,
    promptVersion: 'v3',
  };
  assert.deepEqual(await processChunk({ storage, descriptions, jobs }, data), { done: 3, failed: 0, skipped: 2 });
  assert.equal(fake.count('chat.completions'), 3, 'only the three products not done yet were generated');
  const latest = await storage.descriptions.latestDescriptions(
    products.map((p) => ({ productId: p.id, personalizationKey: '' })),
  );
  assert.equal(
    latest.filter((d) => d?.parameters.jobId === jobId).length,
    4,
    'four stored by the job (the recorded one was not stored here)',
  );
  assert.equal(
    (await storage.descriptions.latestDescriptions([{ productId: storedOnly.id, personalizationKey: '' }]))[0]?.id,
    (first as { description: { id: string } }).description.id,
    'not written twice',
  );

  assert.deepEqual(await processChunk({ storage, descriptions, jobs }, data), { done: 0, failed: 0, skipped: 5 });
  assert.equal(fake.count('chat.completions'), 3);

  const settled = await jobs.settle(jobId);
  assert.deepEqual(settled, { done: 5, failed: 0, total: 5, finishedNow: true });
  assert.equal((await jobs.settle(jobId)).finishedNow, false, 'finished exactly once');
  const job = await jobs.get(jobId);
  assert.equal(job?.status, 'completed');
  assert.ok(job.startedAt && job.finishedAt && job.startedAt <= job.finishedAt, 'a one-chunk job has both times');
});

test('a provider failure is recorded per product, and a later success clears it', async (t) => {
  if (!redis) return skipWithoutRedis(t, skipReason);
  const jobId = 'job-failures';
  await jobs.create({ id: jobId, total: 2, chunks: 1, policy: 'internal' });
  const data: ChunkData = {
    jobId,
    chunk: 0,
    productIds: products.slice(0, 2).map((p) => p.id),
    policy: 'internal',
    personalization: null,
    promptVersion: 'v3',
  };
  fake.setMode('400');
  assert.deepEqual(await processChunk({ storage, descriptions, jobs }, data), { done: 0, failed: 2, skipped: 0 });
  assert.deepEqual(await jobs.settle(jobId), { done: 0, failed: 2, total: 2, finishedNow: true });
  assert.equal((await jobs.get(jobId))?.status, 'failed', 'nothing written');
  fake.setMode('ok');
  assert.deepEqual(await processChunk({ storage, descriptions, jobs }, data), { done: 2, failed: 0, skipped: 0 });
  const job = await jobs.get(jobId);
  assert.deepEqual([job?.done, job?.failed], [2, 0]);
});

test('the texts a chunk writes go through the publication policy, in the job’s channel, and their history names the job', async (t) => {
  if (!redis) return skipWithoutRedis(t, skipReason);
  const jobId = 'job-policy';
  const product = must(products[4], 'catalog product 4');
  await jobs.create({ id: jobId, total: 1, chunks: 1, policy: 'internal' });
  const data: ChunkData = {
    jobId,
    chunk: 0,
    productIds: [product.id],
    policy: 'internal',
    personalization: null,
    promptVersion: 'v3',
    channel: 'app',
  };
  assert.deepEqual(await processChunk({ storage, descriptions, jobs }, data), { done: 1, failed: 0, skipped: 0 });
  const live = (await publication.publishedForProducts([product.id])).filter((e) => e.state.slot.channel === 'app');
  assert.deepEqual(
    live.map((e) => [e.description.parameters.jobId, e.state.verdict]),
    [[jobId, 'PASS']],
    'published at once under auto: the fake writes a text that passes',
  );
  const history = await publication.history(product.id, { locale: 'en', channel: 'app', segment: '' });
  assert.deepEqual(
    history.events.map((e) => [e.action, e.actorName]),
    [
      ['CREATE', `catalog-job:${jobId}`],
      ['PUBLISH', 'publish-policy:auto'],
    ],
  );
});
