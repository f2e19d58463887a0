/**
 * regenerateCatalog on BullMQ: progress over graphql-ws from in-gateway
 * workers, the Redis requirement, and the crash test: 500 imported products,
 * a worker process SIGKILLed halfway and another started, and the job ends
 * with exactly one description per product. Real Redis (TEST_REDIS_URL) and,
 * for the multi-process test, real PostgreSQL (TEST_DATABASE_URL).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import pg from 'pg';
import { createClient } from 'graphql-ws';
import { print } from 'graphql';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { bullPrefix, CATALOG_QUEUE } from '../../src/jobs/queue.js';
import { startTestServer } from '../helpers/server.js';
import { startFakeOpenAI } from '../helpers/fake-openai.js';
import { spawnGateway, type ChildGateway } from '../helpers/gateway-process.js';
import { createTestRedis, skipWithoutRedis } from '../helpers/redis.js';
import { createTestDatabase } from '../helpers/postgres.js';
import { TEST_GATEWAY_API_KEYS, TEST_KEYS, bearer } from '../helpers/keys.js';
import { waitFor } from '../helpers/wait.js';
import { dataOf } from '../helpers/graphql.js';
import { must } from '../helpers/must.js';
import { ImportProductsDocument, JobDocument, RegenerateCatalogDocument } from '../generated/graphql.js';

const REGENERATE = RegenerateCatalogDocument;
const JOB = JobDocument;
const IMPORT = ImportProductsDocument;
const internal = bearer(TEST_KEYS.internal);

const cleanup: Array<() => Promise<unknown>> = [];
after(async () => {
  for (const fn of cleanup.reverse()) await fn().catch((error: unknown) => console.warn('cleanup failed', error));
});

test('without REDIS_URL, regenerateCatalog says Redis is required (BAD_USER_INPUT, REDIS_REQUIRED)', async () => {
  const server = await startTestServer({ providers: ['onnx'], gatewayApiKeys: TEST_GATEWAY_API_KEYS });
  cleanup.push(() => server.stop());
  const { body } = await server.gql(REGENERATE, {}, internal);
  const refusal = must(body.errors?.[0], 'an error');
  assert.equal(refusal.extensions?.code, 'BAD_USER_INPUT');
  assert.equal(refusal.extensions.reason, 'REDIS_REQUIRED');
  assert.match(refusal.message, /REDIS_URL/);
  // A role below internal may not start one at all.
  const denied = await server.gql(REGENERATE, {}, bearer(TEST_KEYS.personalization));
  assert.equal(denied.body.errors?.[0]?.extensions?.code, 'FORBIDDEN');
});

test('in-gateway workers run a job; jobProgress streams it to COMPLETED; every product gets a description with the job id', async (t) => {
  const r = await createTestRedis();
  if (!r.ok) return skipWithoutRedis(t, r.reason);
  cleanup.push(() => r.redis.drop());
  const fake = await startFakeOpenAI({ latencyMs: 100 });
  cleanup.push(() => fake.close());
  const server = await startTestServer({
    providers: ['openai'],
    openaiBaseUrl: fake.baseURL,
    gatewayApiKeys: TEST_GATEWAY_API_KEYS,
    redisUrl: r.redis.url,
    redisPrefix: r.redis.prefix,
    workers: 2,
    jobChunkSize: 10,
  });
  cleanup.push(() => server.stop());

  const unknownPolicy = await server.gql(REGENERATE, { policy: 'nope' }, internal);
  assert.equal(unknownPolicy.body.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');

  const job = dataOf(await server.gql(REGENERATE, {}, internal)).regenerateCatalog;
  const total = await server.storage.catalog.countProducts({});
  assert.equal(job.total, total);
  assert.equal(job.chunks, Math.ceil(total / 10));
  assert.equal(job.policy, 'internal');

  const client = createClient({
    url: server.url.replace('http', 'ws') + '/graphql',
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${TEST_KEYS.internal}` },
    retryAttempts: 0,
    lazy: true,
  });
  cleanup.push(async () => client.dispose());
  const events: Array<{ status: string; done: number; failed: number; total: number }> = [];
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no COMPLETED event; got ${JSON.stringify(events.at(-1))}`)),
      30_000,
    );
    const stop = client.subscribe<{ jobProgress: (typeof events)[number] }>(
      {
        query: 'subscription P($id: ID!) { jobProgress(id: $id) { status done failed total } }',
        variables: { id: job.id },
      },
      {
        next: (event) => {
          if (event.errors) return reject(new Error(JSON.stringify(event.errors)));
          if (!event.data) return reject(new Error('a progress event without data'));
          events.push(event.data.jobProgress);
          if (event.data.jobProgress.status === 'COMPLETED') {
            clearTimeout(timer);
            stop();
            resolve();
          }
        },
        error: reject,
        complete: () => undefined,
      },
    );
  });
  assert.ok(events.length >= 2, `${events.length} progress events`);
  assert.deepEqual(
    events.map((e) => e.done),
    [...events.map((e) => e.done)].sort((x, y) => x - y),
    'done never goes back',
  );
  assert.deepEqual(events.at(-1), { status: 'COMPLETED', done: total, failed: 0, total });

  const finished = dataOf(await server.gql(JOB, { id: job.id }, internal)).job;
  assert.equal(finished?.status, 'COMPLETED');
  assert.ok(finished.startedAt && finished.finishedAt && finished.finishedAt >= finished.startedAt);
  const page = await server.storage.catalog.listProducts({}, 1000, null);
  const latest = await server.storage.descriptions.latestDescriptions(
    page.rows.map((p) => ({ productId: p.id, personalizationKey: '' })),
  );
  assert.ok(
    latest.every((d) => d?.parameters.jobId === job.id && d.provider === 'openai'),
    'each product has a description stored by the job, with provenance',
  );
  assert.equal(fake.count('chat.completions'), total, 'one generation per product');
});

function catalogCsv(n: number, tag: string): string {
  const rows = ['product_title,product_description,product_image,product_metadata,sku,category'];
  for (let i = 0; i < n; i++)
    rows.push(`Crash Test Tee ${i},A soft tee number ${i}.,,"[""cotton"",""crew neck""]",${tag}-${i},${tag}`);
  return rows.join('\n') + '\n';
}

test('a job of 500 products survives a worker SIGKILLed halfway: exactly 500 descriptions for the job, none twice', async (t) => {
  const r = await createTestRedis();
  if (!r.ok) return skipWithoutRedis(t, r.reason);
  cleanup.push(() => r.redis.drop());
  const db = await createTestDatabase();
  if (!db.ok) {
    console.warn(`SKIPPED (no PostgreSQL): ${db.reason}`);
    return t.skip(`gateway and worker processes share one database: ${db.reason}`);
  }
  cleanup.push(() => db.database.drop());
  const fake = await startFakeOpenAI({ latencyMs: 40 });
  cleanup.push(() => fake.close());
  const env = {
    PROVIDERS: 'openai',
    OPENAI_BASE_URL: fake.baseURL,
    OPENAI_API_KEY: 'sk-jobs-crash-test-0000',
    GATEWAY_API_KEYS: TEST_GATEWAY_API_KEYS,
    DATABASE_URL: db.database.url,
    REDIS_URL: r.redis.url,
    REDIS_PREFIX: r.redis.prefix,
    JOB_CHUNK_SIZE: '10',
    // Short locks: the dead worker's chunk goes back to the queue within a few seconds.
    JOB_LOCK_MS: '2000',
    RATE_LIMITS: 'internal=off',
  };
  const gateway = await spawnGateway('index', { ...env, WORKERS: '0' }, 'jobs-gateway');
  cleanup.push(() => gateway.stop());
  const imported = await gateway.gql(IMPORT, { csv: catalogCsv(500, 'crashtest') }, internal);
  assert.equal(imported.body.data?.importProducts.created, 500, JSON.stringify(imported.body));

  // The category keeps the sample catalog, seeded into the empty database, out of the job.
  const started = dataOf(
    await gateway.gql(REGENERATE, { filter: { category: 'crashtest' } }, internal),
  ).regenerateCatalog;
  const { id } = started;
  assert.equal(started.total, 500);
  const poll = async () => {
    const job = dataOf(await gateway.gql(JOB, { id }, internal)).job;
    assert.ok(job, `job ${id}`);
    return job;
  };

  // The gateway runs no worker: its subscribers hear of chunks finished in the worker processes through BullMQ's queue events.
  const relayed: Array<{ status: string; done: number }> = [];
  const ws = createClient({
    url: gateway.url.replace('http', 'ws') + '/graphql',
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${TEST_KEYS.internal}` },
    retryAttempts: 0,
    lazy: true,
  });
  cleanup.push(async () => ws.dispose());
  const subscriptionFailed = new Promise<never>((_, reject) => {
    ws.subscribe<{ jobProgress: { status: string; done: number } }>(
      { query: 'subscription P($id: ID!) { jobProgress(id: $id) { status done } }', variables: { id } },
      {
        next: (event) =>
          event.data ? relayed.push(event.data.jobProgress) : reject(new Error(JSON.stringify(event.errors))),
        error: reject,
        complete: () => undefined,
      },
    );
  });
  // A query on the same socket after it: once it is answered, the server has taken the subscribe message sent before it.
  await Promise.race([
    subscriptionFailed,
    new Promise<void>((resolve, reject) =>
      ws.subscribe(
        { query: print(JOB), variables: { id } },
        { next: () => undefined, error: reject, complete: resolve },
      ),
    ),
  ]);

  const first: ChildGateway = await spawnGateway('worker', { ...env, WORKERS: '2' }, 'jobs-worker-1');
  cleanup.push(() => first.stop());
  let progress = await poll();
  await waitFor(async () => (progress = await poll()).done >= 150, {
    timeoutMs: 30_000,
    intervalMs: 20,
    what: () => `150 of 500 done (${progress.done} so far)`,
  });
  await first.kill();
  const atKill = await poll();
  assert.ok(atKill.done >= 150 && atKill.done < 500, `killed halfway: ${atKill.done} of 500 done`);

  const second = await spawnGateway('worker', { ...env, WORKERS: '2' }, 'jobs-worker-2');
  cleanup.push(() => second.stop());
  await waitFor(async () => (progress = await poll()).status === 'COMPLETED', {
    timeoutMs: 60_000,
    intervalMs: 100,
    what: () => `the job to complete (${JSON.stringify(progress)})`,
  });
  assert.deepEqual(
    { status: progress.status, done: progress.done, failed: progress.failed },
    { status: 'COMPLETED', done: 500, failed: 0 },
  );
  await waitFor(() => relayed.at(-1)?.status === 'COMPLETED', { what: 'the COMPLETED event to be relayed' });
  assert.ok(relayed.length >= 10, `${relayed.length} progress events relayed from the worker processes`);
  assert.deepEqual(relayed.at(-1), { status: 'COMPLETED', done: 500 });

  // The crash did hit chunks in flight: BullMQ found them stalled and ran them again.
  const connection = new Redis(r.redis.url, { maxRetriesPerRequest: null });
  const queue = new Queue(CATALOG_QUEUE, { connection, prefix: bullPrefix(r.redis.prefix) });
  const chunks = await queue.getJobs(['completed']);
  await queue.close();
  connection.disconnect();
  assert.equal(chunks.length, 50);
  assert.ok(
    chunks.some((c) => c.stalledCounter > 0 || c.attemptsMade > 1),
    'at least one chunk was taken over from the killed worker',
  );

  const client = new pg.Client({ connectionString: db.database.url });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: string; products: string }>(
      `SELECT count(*) AS n, count(DISTINCT product_id) AS products FROM descriptions WHERE parameters->>'jobId' = $1`,
      [id],
    );
    assert.deepEqual(rows[0], { n: '500', products: '500' });
  } finally {
    await client.end();
  }
});
