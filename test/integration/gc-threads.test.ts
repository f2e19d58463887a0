/**
 * The gateway process (`node dist/src/index.js`) and the job worker
 * (`node dist/src/worker.js`) lower the priority of V8's helper threads at
 * start (GC_THREAD_NICE), and leave the event loop and every other thread as
 * they were.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { spawnGateway, type ChildGateway } from '../helpers/gateway-process.js';
import { createTestRedis, skipWithoutRedis } from '../helpers/redis.js';
import { processNice, threadNices } from '../helpers/thread-nices.js';
import { tempDir } from '../helpers/temp-dir.js';

const linux = process.platform === 'linux';

function assertNices(child: ChildGateway, expected: number | undefined): void {
  const threads = threadNices(child.child.pid);
  const base = processNice();
  const workers = threads.filter((t) => t.name === 'V8Worker');
  assert.ok(workers.length > 0);
  for (const t of workers) assert.equal(t.nice, expected ?? base, `V8Worker at ${t.nice}`);
  for (const t of threads.filter((x) => x.name !== 'V8Worker')) assert.equal(t.nice, base, `${t.name} at ${t.nice}`);
}

for (const [setting, expected] of [
  [undefined, 19],
  ['9', 9],
  ['0', undefined],
] as const) {
  // Under a runner that is niced already past the setting, only a privileged gateway could go back down to it.
  const skip = !linux
    ? 'Linux only'
    : expected !== undefined && processNice() > expected
      ? `this process already runs at nice ${processNice()}`
      : false;
  test(
    `GC_THREAD_NICE=${setting ?? '(unset)'}: V8 worker threads at ${expected ?? 'the gateway priority'}`,
    { skip },
    async (t) => {
      const dir = tempDir('gc-threads', t);
      const env: Record<string, string> = { DATABASE_PATH: path.join(dir, 'gw.db'), PROVIDERS: 'onnx' };
      if (setting !== undefined) env.GC_THREAD_NICE = setting;
      const gateway = await spawnGateway('index', env, 'gc-threads');
      try {
        assertNices(gateway, expected);
        // It still serves.
        assert.equal((await fetch(`${gateway.url}/healthz`)).status, 200);
      } finally {
        await gateway.stop();
      }
    },
  );
}

test(
  'the job worker process sets its GC helper threads too (default 19)',
  { skip: !linux ? 'Linux only' : processNice() > 19 ? 'niced already' : false },
  async (t) => {
    const r = await createTestRedis();
    if (!r.ok) return skipWithoutRedis(t, r.reason);
    const dir = tempDir('gc-threads-worker', t);
    const worker = await spawnGateway(
      'worker',
      {
        DATABASE_PATH: path.join(dir, 'gw.db'),
        PROVIDERS: 'onnx',
        REDIS_URL: r.redis.url,
        REDIS_PREFIX: r.redis.prefix,
      },
      'gc-threads-worker',
    );
    try {
      assertNices(worker, 19);
    } finally {
      await worker.stop();
      await r.redis.drop();
    }
  },
);
