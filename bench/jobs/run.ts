/**
 * Catalog regeneration throughput with 1, 2 and 4 worker processes
 * (`node dist/src/worker.js`, WORKERS=1 each) against a fake OpenAI server
 * with a fixed latency, reported as ratios against 1 worker measured in the
 * same run. The producer (JobService) runs here; products, descriptions and
 * the queue are shared through one SQLite file and one Redis.
 *
 *   npm run bench:jobs   [--products 1000] [--latency-ms 50] [--chunk 25] [--rounds 2]
 *
 * Redis: REDIS_URL or TEST_REDIS_URL, else a throwaway `redis-server` on a
 * free port. Database: a fresh one on TEST_DATABASE_URL's PostgreSQL when
 * set (as in production), else one SQLite file shared by the processes.
 * Writes the "jobs" section of docs/benchmarks.md.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { loadConfig } from '../../src/config.js';
import { openStorage } from '../../src/storage/index.js';
import { JobService } from '../../src/jobs/job.service.js';
import { createInterface } from 'node:readline';
import { spawnGateway, type ChildGateway } from '../../test/helpers/gateway-process.js';
import { createTestDatabase, type TestDatabase } from '../../test/helpers/postgres.js';
import { writeSection } from '../report.js';

function arg(name: string, fallback: number): number {
  const at = process.argv.indexOf(name);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
}

const PRODUCTS = arg('--products', 1000);
const LATENCY_MS = arg('--latency-ms', 50);
const CHUNK = arg('--chunk', 25);
const ROUNDS = arg('--rounds', 2);
const workersArg = process.argv.includes('--workers') ? process.argv[process.argv.indexOf('--workers') + 1] : '1,2,4';
if (workersArg === undefined) throw new Error('--workers needs a list of worker counts, as 1,2,4');
const WORKER_COUNTS = workersArg.split(',').map(Number);

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** REDIS_URL / TEST_REDIS_URL, or a redis-server of our own without persistence. */
async function redisUrl(): Promise<{ url: string; stop(): void }> {
  const given = process.env.REDIS_URL ?? process.env.TEST_REDIS_URL;
  if (given) return { url: given, stop: () => undefined };
  const port = await freePort();
  const child: ChildProcess = spawn(
    'redis-server',
    ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  await new Promise((resolve) => setTimeout(resolve, 300));
  if (child.exitCode !== null) throw new Error('redis-server did not start: set REDIS_URL');
  return { url: `redis://127.0.0.1:${port}`, stop: () => child.kill('SIGTERM') };
}

/** The fake in its own process, so that serving every worker's calls costs this process nothing. */
async function startFake(): Promise<{ baseURL: string; stop(): void }> {
  const script = path.join(
    path.dirname(new URL(import.meta.url).pathname),
    '..',
    '..',
    'test',
    'helpers',
    'fake-openai.js',
  );
  const child = spawn(process.execPath, [script, '--port', '0', '--latency-ms', String(LATENCY_MS)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const baseURL = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`fake-openai exited with ${code}`)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      const url = /listening on (?<url>\S+)/.exec(line)?.groups?.url;
      if (url !== undefined) resolve(url);
    });
  });
  child.removeAllListeners('exit');
  return { baseURL, stop: () => child.kill('SIGTERM') };
}

/** CPU seconds a process has used (Linux /proc; 0 elsewhere). */
function cpuSeconds(pid: number | undefined): number {
  try {
    // Fields after the command name: utime and stime are the 12th and 13th, in clock ticks (100 per second on Linux).
    const [, afterName] = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ');
    if (afterName === undefined) return 0;
    const fields = afterName.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'stylesprint-bench-jobs-'));
  const redis = await redisUrl();
  const fake = await startFake();
  const prefix = `benchjobs${process.pid}`;
  const pg = process.env.TEST_DATABASE_URL ? await createTestDatabase() : undefined;
  const database: TestDatabase | undefined = pg?.ok ? pg.database : undefined;
  const env = {
    PROVIDERS: 'openai',
    OPENAI_BASE_URL: fake.baseURL,
    OPENAI_API_KEY: 'sk-bench-jobs-not-a-key',
    DATABASE_PATH: path.join(dir, 'bench.db'),
    ...(database ? { DATABASE_URL: database.url } : {}),
    REDIS_URL: redis.url,
    REDIS_PREFIX: prefix,
    JOB_CHUNK_SIZE: String(CHUNK),
    LOG_LEVEL: 'warn',
  };
  const config = loadConfig(
    {
      databasePath: env.DATABASE_PATH,
      ...(database ? { databaseUrl: database.url } : {}),
      redisUrl: redis.url,
      redisPrefix: prefix,
      jobChunkSize: CHUNK,
    },
    {},
  );
  const storage = await openStorage(config);
  await storage.catalog.upsertProducts(
    Array.from({ length: PRODUCTS }, (_, i) => ({
      sku: `BENCH-${i}`,
      title: `Bench Tee ${i}`,
      category: 'benchtops',
      attributes: ['cotton', 'crew neck'],
      colors: ['navy'],
      sizes: ['M'],
      materials: ['cotton'],
    })),
  );
  const logger = pino({ level: 'warn' });
  const jobs = await JobService.open({
    redisUrl: redis.url,
    prefix,
    chunkSize: CHUNK,
    catalog: storage.catalog,
    logger,
  });

  const seconds: Record<number, number[]> = {};
  const cpuMsPerProduct: Record<number, number[]> = {};
  try {
    for (let round = 0; round < ROUNDS; round++) {
      for (const count of WORKER_COUNTS) {
        const workers: ChildGateway[] = [];
        for (let i = 0; i < count; i++)
          workers.push(
            await spawnGateway('worker', { ...env, WORKERS: '1', LOG_LEVEL: 'info' }, `bench-jobs-worker-${i}`),
          );
        const cpuBefore = workers.reduce((sum, w) => sum + cpuSeconds(w.child.pid), 0);
        const started = performance.now();
        const job = await jobs.start({
          filter: { category: 'benchtops' },
          policy: 'internal',
          personalization: undefined,
          promptVersion: 'v3',
        });
        let record = job;
        while (record.status !== 'completed' && record.status !== 'failed') {
          await new Promise((resolve) => setTimeout(resolve, 20));
          record = (await jobs.get(job.id)) ?? record;
        }
        const elapsed = (performance.now() - started) / 1000;
        const cpu = workers.reduce((sum, w) => sum + cpuSeconds(w.child.pid), 0) - cpuBefore;
        (cpuMsPerProduct[count] ??= []).push((cpu * 1000) / PRODUCTS);
        if (record.done !== PRODUCTS)
          throw new Error(`job ended with ${record.done} of ${PRODUCTS} done (${record.failed} failed)`);
        (seconds[count] ??= []).push(elapsed);
        console.log(
          `round ${round + 1}: ${count} worker(s): ${PRODUCTS} products in ${elapsed.toFixed(2)} s (${(PRODUCTS / elapsed).toFixed(0)}/s)`,
        );
        await Promise.all(workers.map((w) => w.stop()));
      }
    }
  } finally {
    await jobs.close();
    await storage.close();
    await database?.drop();
    fake.stop();
    redis.stop();
    rmSync(dir, { recursive: true, force: true });
  }

  /** The least of the rounds' values with `count` workers (every count has its rounds). */
  const least = (perCount: Record<number, number[]>, count: number): number => {
    const values = perCount[count];
    if (!values) throw new Error(`no runs with ${count} workers`);
    return Math.min(...values);
  };
  const best = (count: number): number => least(seconds, count);
  const base = PRODUCTS / best(1);
  const rows = WORKER_COUNTS.map((count) => {
    const rate = PRODUCTS / best(count);
    const cpuMs = least(cpuMsPerProduct, count);
    return `| ${count} | ${best(count).toFixed(2)} | ${rate.toFixed(0)} | ${(rate / base).toFixed(2)}× | ${cpuMs.toFixed(2)} | ${((cpuMs * rate) / 1000).toFixed(2)} |`;
  });
  const body = [
    `Command: \`npm run bench:jobs -- --products ${PRODUCTS} --latency-ms ${LATENCY_MS} --chunk ${CHUNK} --rounds ${ROUNDS}\``,
    '',
    `One \`regenerateCatalog\` job over ${PRODUCTS} products in chunks of ${CHUNK}, worked by separate \`node dist/src/worker.js\` processes (BullMQ concurrency 1 each) against a fake OpenAI server (its own process) answering every call after ${LATENCY_MS} ms. Products, descriptions and the queue are shared through ${database ? 'one PostgreSQL database' : 'one SQLite file'} and one Redis. Time from queueing to the last chunk recorded; workers were started before the job. Best of ${ROUNDS} rounds; the baseline is 1 worker in the same run.`,
    '',
    '| workers | seconds | products/s | vs 1 worker | worker CPU ms per product | worker CPU cores busy |',
    '|---|---|---|---|---|---|',
    ...rows,
    '',
    `Within one worker the ${CHUNK} products of a chunk are generated concurrently, up to the router's bulkhead (16 calls in flight per provider), so one worker is bound by the provider's latency, and more workers add their own bulkheads. Each product also costs worker CPU (the HTTP client, the quality checks, the database write): "worker CPU cores busy" is that CPU times the rate. Once it nears the cores the machine can spare (${os.cpus().length} here, shared with the fake provider, the database, Redis and anything else running), more workers stop helping: that, not the queue, is where the curve flattens.`,
  ].join('\n');
  writeSection('jobs', 'Catalog jobs: throughput by worker count', body);
  console.log(body);
}

await main();
