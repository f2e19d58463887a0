/**
 * BullMQ workers for catalog jobs. They run inside a gateway (`WORKERS=n`)
 * or in their own process (`npm run worker`, src/worker.ts); either way
 * BullMQ hands each chunk to one worker under a lock. A worker that dies
 * stops renewing its lock, and after about `lockMs` another worker's stalled
 * check puts the chunk back in the queue; `processChunk` makes the rerun safe.
 */
import { Worker } from 'bullmq';
import type { Logger } from 'pino';
import type { DescriptionService } from '../descriptions/description.service.js';
import type { Storage } from '../storage/types.js';
import { bullmqConnection, closeRedis, connectRedis } from '../redis.js';
import { processChunk, type ChunkData, type ChunkOutcome } from './chunk.processor.js';
import { JobStore } from './job-store.js';
import { bullPrefix, CATALOG_QUEUE, CHUNK_JOB_OPTIONS } from './queue.js';

export interface JobWorkerOptions {
  redisUrl: string;
  /** Redis key prefix (REDIS_PREFIX). */
  prefix: string;
  /** Chunks worked on at once. */
  concurrency: number;
  /** Chunk lock lifetime without renewal, ms (JOB_LOCK_MS); a dead worker's chunk is retried after about this long. */
  lockMs: number;
  storage: Storage;
  descriptions: DescriptionService;
  logger: Logger;
}

export interface JobWorker {
  /** Waits for the chunks in hand to finish, then disconnects. */
  close(): Promise<void>;
}

/** Progress sent with each finished chunk; relayed to `jobProgress` subscribers by every gateway. */
export interface ChunkProgress {
  jobId: string;
  done: number;
  failed: number;
  total: number;
}

export async function startJobWorker(options: JobWorkerOptions): Promise<JobWorker> {
  const { logger } = options;
  const client = connectRedis({ url: options.redisUrl, name: 'stylesprint-jobs' });
  const jobs = new JobStore(client, options.prefix);
  const deps = { storage: options.storage, descriptions: options.descriptions, jobs };
  // BullMQ leaves a connection it was given open on close(): closed below.
  const connection = bullmqConnection(options.redisUrl, 'stylesprint-worker');
  const worker = new Worker<ChunkData, ChunkOutcome>(
    CATALOG_QUEUE,
    async (job, _token, signal) => {
      const outcome = await processChunk(deps, job.data, signal);
      const counts = await jobs.settle(job.data.jobId);
      if (counts.finishedNow) logger.info({ jobId: job.data.jobId, ...counts }, 'catalog job finished');
      await job.updateProgress({
        jobId: job.data.jobId,
        done: counts.done,
        failed: counts.failed,
        total: counts.total,
      } satisfies ChunkProgress);
      return outcome;
    },
    {
      connection,
      prefix: bullPrefix(options.prefix),
      concurrency: options.concurrency,
      lockDuration: options.lockMs,
      // Checked twice per lock lifetime, so a dead worker's chunk waits at most about 1.5 × lockMs.
      stalledInterval: Math.max(500, Math.floor(options.lockMs / 2)),
      // A chunk may outlive a few crashed workers before it counts as failed.
      maxStalledCount: CHUNK_JOB_OPTIONS.attempts ?? 5,
    },
  );
  worker.on('failed', (job, error) => {
    if (!job) return;
    logger.warn({ err: error, chunk: job.id, attempt: job.attemptsMade }, 'catalog chunk failed');
    if (job.attemptsMade < (job.opts.attempts ?? 1)) return;
    // Out of attempts: its products still pending count as failed, so the job can finish.
    void (async () => {
      const flags = await jobs.doneAmong(job.data.jobId, job.data.productIds);
      const failed = job.data.productIds
        .filter((_, i) => !flags[i])
        .map((productId) => ({ productId, message: `chunk failed: ${error.message}` }));
      await jobs.record(job.data.jobId, [], failed);
      await jobs.settle(job.data.jobId);
    })().catch((cause: unknown) => logger.error({ err: cause, chunk: job.id }, 'failed chunk not recorded'));
  });
  worker.on('error', (error) => logger.error({ err: error }, 'job worker error'));
  await worker.waitUntilReady();
  logger.info({ concurrency: options.concurrency }, 'catalog job worker started');
  return {
    async close() {
      await worker.close();
      await closeRedis(connection);
      await closeRedis(client);
    },
  };
}
