import { randomUUID } from 'node:crypto';
import { Queue, QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Personalization } from '../../providers/types.js';
import type { CatalogStore, ProductFilter } from '../storage/types.js';
import { bullmqConnection, closeRedis, connectRedis } from '../redis.js';
import { JobStore, type JobRecord } from './job-store.js';
import { bullPrefix, CATALOG_QUEUE, CHUNK_JOB_OPTIONS, chunkJobId, jobIdOfChunk } from './queue.js';
import type { ChunkData } from './chunk.processor.js';
import type { PromptVersion } from '../prompts/templates.js';

export interface JobServiceOptions {
  redisUrl: string;
  /** Redis key prefix (REDIS_PREFIX). */
  prefix: string;
  /** Products per chunk (JOB_CHUNK_SIZE). */
  chunkSize: number;
  /** Where the job's products are listed from. */
  catalog: CatalogStore;
  logger: Logger;
  /** Called with the job's record whenever a chunk of it finishes or fails, in any process. */
  onProgress?: (job: JobRecord) => void;
}

export interface StartJobInput {
  filter: ProductFilter;
  policy: string;
  personalization: Personalization | undefined;
  promptVersion: PromptVersion;
  /** The sales channel of the slots the drafts are written for. Default "web". */
  channel?: string;
}

/** Products read from storage per page while a job is split into chunks. */
const PAGE = 500;

/**
 * Starts catalog jobs and reads their state. Shared by every request. The
 * work itself happens in BullMQ workers (src/jobs/worker.ts); progress comes
 * back through BullMQ's QueueEvents, so a chunk finished in another process
 * still reaches this process's subscribers.
 */
export class JobService {
  private constructor(
    private readonly options: JobServiceOptions,
    private readonly clients: Redis[],
    private readonly store: JobStore,
    private readonly queue: Queue<ChunkData>,
    private readonly events: QueueEvents,
  ) {}

  static async open(options: JobServiceOptions): Promise<JobService> {
    const client = connectRedis({ url: options.redisUrl, name: 'stylesprint-job-service' });
    const prefix = bullPrefix(options.prefix);
    // BullMQ leaves connections it was given open on close(): close() below closes them.
    const connections = [
      bullmqConnection(options.redisUrl, 'stylesprint-queue'),
      bullmqConnection(options.redisUrl, 'stylesprint-queue-events'),
    ] as const;
    const queue = new Queue<ChunkData>(CATALOG_QUEUE, { connection: connections[0], prefix });
    const events = new QueueEvents(CATALOG_QUEUE, { connection: connections[1], prefix });
    const service = new JobService(
      options,
      [client, ...connections],
      new JobStore(client, options.prefix),
      queue,
      events,
    );
    const relay = ({ jobId }: { jobId: string }): void => service.relay(jobIdOfChunk(jobId));
    events.on('progress', relay);
    events.on('failed', relay);
    events.on('error', (error) => options.logger.warn({ err: error }, 'job events connection error'));
    await Promise.all([queue.waitUntilReady(), events.waitUntilReady()]);
    return service;
  }

  private relay(jobId: string | undefined): void {
    if (!jobId || !this.options.onProgress) return;
    const publish = this.options.onProgress;
    this.store.get(jobId).then(
      (job) => job && publish(job),
      (error: unknown) => this.options.logger.warn({ err: error, jobId }, 'job progress not relayed'),
    );
  }

  /** Splits the matching products into chunks and queues them; returns the new job, queued. */
  async start(input: StartJobInput): Promise<JobRecord> {
    const ids: string[] = [];
    let after: number | null = null;
    for (;;) {
      const page = await this.options.catalog.listProducts(input.filter, PAGE, after);
      ids.push(...page.rows.map((p) => p.id));
      const last = page.rows.at(-1);
      if (!page.hasNextPage || !last) break;
      after = last.seq;
    }
    const id = randomUUID();
    const size = this.options.chunkSize;
    const chunks: ChunkData[] = [];
    for (let i = 0; i < ids.length; i += size) {
      chunks.push({
        jobId: id,
        chunk: chunks.length,
        productIds: ids.slice(i, i + size),
        policy: input.policy,
        personalization: input.personalization ?? null,
        promptVersion: input.promptVersion,
        ...(input.channel ? { channel: input.channel } : {}),
      });
    }
    // The record first: a fast worker may settle a chunk before addBulk returns.
    const job = await this.store.create({ id, total: ids.length, chunks: chunks.length, policy: input.policy });
    if (!chunks.length) {
      await this.store.settle(id);
      return (await this.store.get(id)) ?? job;
    }
    await this.queue.addBulk(
      chunks.map((data) => ({
        name: 'chunk',
        data,
        opts: { ...CHUNK_JOB_OPTIONS, jobId: chunkJobId(id, data.chunk) },
      })),
    );
    this.options.logger.info({ jobId: id, total: ids.length, chunks: chunks.length }, 'catalog job queued');
    return job;
  }

  /** Stops every worker, in any process, from taking new chunks (those running finish); BullMQ keeps the pause in Redis. */
  pause(): Promise<void> {
    return this.queue.pause();
  }

  resume(): Promise<void> {
    return this.queue.resume();
  }

  isPaused(): Promise<boolean> {
    return this.queue.isPaused();
  }

  get(id: string): Promise<JobRecord | null> {
    return this.store.get(id);
  }

  async close(): Promise<void> {
    await this.events.close();
    await this.queue.close();
    for (const client of this.clients) await closeRedis(client);
  }
}
