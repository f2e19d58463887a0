/**
 * Catalog jobs' records in Redis: one hash per job (status, counts, times),
 * a set of the products done and a hash of the products that failed (with
 * the reason). The sets, not counters, are the truth: adding a product twice
 * (a retried chunk) cannot count it twice.
 */
import type { Redis } from 'ioredis';
import { redisKey } from '../redis.js';

export type JobStatus = 'queued' | 'running' | 'completed' | 'failed';

export interface JobRecord {
  id: string;
  status: JobStatus;
  /** Products in the job. */
  total: number;
  /** Products with a stored description from this job. */
  done: number;
  /** Products whose generation failed (a later retry may still succeed). */
  failed: number;
  chunks: number;
  policy: string;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

export interface NewJob {
  id: string;
  total: number;
  chunks: number;
  policy: string;
}

/** How long a finished job's records are kept, s (7 days). */
const FINISHED_TTL_S = 7 * 24 * 3600;

// Marks the job finished once every product is settled, exactly once (HSETNX), and keeps the records a week.
// KEYS: job hash, done set, failed hash. ARGV: now ISO, ttl s. Returns {done, failed, total, finishedNow}.
const SETTLE_SCRIPT = `
local done = redis.call('SCARD', KEYS[2])
local failed = redis.call('HLEN', KEYS[3])
local total = tonumber(redis.call('HGET', KEYS[1], 'total') or '0')
local finished = 0
redis.call('HSETNX', KEYS[1], 'startedAt', ARGV[1])
if done + failed >= total then
  if redis.call('HSETNX', KEYS[1], 'finishedAt', ARGV[1]) == 1 then
    finished = 1
    local status = 'completed'
    if done == 0 and total > 0 then status = 'failed' end
    redis.call('HSET', KEYS[1], 'status', status)
    for i = 1, 3 do redis.call('EXPIRE', KEYS[i], ARGV[2]) end
  end
elseif redis.call('HGET', KEYS[1], 'status') == 'queued' then
  redis.call('HSET', KEYS[1], 'status', 'running')
end
return {done, failed, total, finished}
`;

export class JobStore {
  constructor(
    private readonly client: Redis,
    private readonly prefix: string,
  ) {}

  private keys(id: string): [string, string, string] {
    return [
      redisKey(this.prefix, 'job', id),
      redisKey(this.prefix, 'job', id, 'done'),
      redisKey(this.prefix, 'job', id, 'failed'),
    ];
  }

  async create(job: NewJob, now = new Date()): Promise<JobRecord> {
    const [hash] = this.keys(job.id);
    await this.client.hset(hash, {
      id: job.id,
      status: 'queued',
      total: job.total,
      chunks: job.chunks,
      policy: job.policy,
      createdAt: now.toISOString(),
    });
    const stored = await this.get(job.id);
    if (!stored) throw new Error(`job store: job ${job.id} is not there after its insert`);
    return stored;
  }

  async get(id: string): Promise<JobRecord | null> {
    const [hash, done, failed] = this.keys(id);
    const [[, fields], [, doneCount], [, failedCount]] = (await this.client
      .multi()
      .hgetall(hash)
      .scard(done)
      .hlen(failed)
      .exec()) as [[unknown, Record<string, string>], [unknown, number], [unknown, number]];
    if (!fields.id) return null;
    return {
      id: fields.id,
      status: fields.status as JobStatus,
      total: Number(fields.total),
      done: doneCount,
      failed: failedCount,
      chunks: Number(fields.chunks),
      policy: fields.policy ?? '',
      createdAt: fields.createdAt ?? '',
      startedAt: fields.startedAt ?? null,
      finishedAt: fields.finishedAt ?? null,
    };
  }

  /** Which of `productIds` this job has already done, in order. */
  async doneAmong(id: string, productIds: readonly string[]): Promise<boolean[]> {
    if (!productIds.length) return [];
    const flags = await this.client.smismember(this.keys(id)[1], ...productIds);
    return flags.map((f) => f === 1);
  }

  /** Records outcomes: a success also clears an earlier failure of the same product. */
  async record(
    id: string,
    done: readonly string[],
    failed: ReadonlyArray<{ productId: string; message: string }>,
  ): Promise<void> {
    const [, doneKey, failedKey] = this.keys(id);
    const multi = this.client.multi();
    if (done.length) {
      multi.sadd(doneKey, ...done);
      multi.hdel(failedKey, ...done);
    }
    for (const f of failed) multi.hset(failedKey, f.productId, f.message);
    await multi.exec();
  }

  /** Recounts and marks the job running or finished; `finishedNow` is true for exactly one caller. */
  async settle(
    id: string,
    now = new Date(),
  ): Promise<{ done: number; failed: number; total: number; finishedNow: boolean }> {
    if (!('stylesprintSettleJob' in this.client))
      this.client.defineCommand('stylesprintSettleJob', { numberOfKeys: 3, lua: SETTLE_SCRIPT });
    const settle = (
      this.client as unknown as { stylesprintSettleJob: (...args: Array<string | number>) => Promise<number[]> }
    ).stylesprintSettleJob.bind(this.client);
    const [done = 0, failed = 0, total = 0, finished = 0] = await settle(
      ...this.keys(id),
      now.toISOString(),
      FINISHED_TTL_S,
    );
    return { done, failed, total, finishedNow: finished === 1 };
  }
}
