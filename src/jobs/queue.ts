/** Names and options shared by the producer (JobService) and the workers, so they always meet on the same queue. */
import type { JobsOptions } from 'bullmq';
import { redisKey } from '../redis.js';

export const CATALOG_QUEUE = 'catalog-regeneration';

/** BullMQ's key prefix under the gateway's own. */
export const bullPrefix = (prefix: string): string => redisKey(prefix, 'bull');

/** BullMQ job id of a chunk; BullMQ refuses ':' in custom ids, and `jobIdOfChunk` reads it back. */
export const chunkJobId = (jobId: string, chunk: number): string => `${jobId}_${chunk}`;
export const jobIdOfChunk = (chunkId: string | undefined): string | undefined =>
  chunkId?.slice(0, chunkId.lastIndexOf('_')) || undefined;

/**
 * Attempts with backoff for errors thrown by a chunk (Redis or the database
 * gone for a moment); provider failures are per product and are not thrown.
 * Completed chunks are kept a day, failed ones a week, for inspection.
 */
export const CHUNK_JOB_OPTIONS: JobsOptions = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 1000 },
  removeOnComplete: { age: 24 * 3600 },
  removeOnFail: { age: 7 * 24 * 3600 },
};
