import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isProviderError } from '../../../../providers/types.js';
import { MicroBatcher } from '../../../../providers/onnx/micro-batcher.js';
import { openFixture, request } from './onnx-test-helpers.js';
import { must } from '../../../helpers/must.js';

/** The promise of an item the batcher took; enqueue's null (a full queue) fails the test. */
function queued<R>(p: Promise<R> | null): Promise<R> {
  assert.ok(p, 'the batcher took the item');
  return p;
}

test('N concurrent one-request calls run in ceil(N / maxBatch) forward batches', async () => {
  const maxBatch = 4;
  const n = 10;
  const p = await openFixture('tiny-gpt2', { maxBatch, maxQueueDelayMs: 50 });
  try {
    const results = await Promise.all(
      Array.from({ length: n }, (_, i) => p.generate([request(`Denim ${i}`, { maxTokens: 4, temperature: 0 })])),
    );
    assert.ok(results.every(([r]) => r && !(r instanceof Error)));
    const s = p.stats();
    assert.equal(s.batches, Math.ceil(n / maxBatch));
    assert.deepEqual(s.batchSizes, { 4: 2, 2: 1 });
    assert.equal(s.items, n);
    assert.equal(s.queueDepth, 0);
    assert.equal(s.generatedTokens, 4 * n);
    assert.ok(s.forwardPasses >= 3 * 4 && s.sessionRunMs > 0 && s.batchMs >= s.sessionRunMs);
  } finally {
    await p.close();
  }
});

test('a full queue answers ProviderError unavailable at once, and the queued requests still finish', async () => {
  const p = await openFixture('tiny-gpt2', { maxBatch: 1, maxQueue: 2, maxQueueDelayMs: 0 });
  try {
    const slow = (q: string) => p.generate([request(q, { maxTokens: 30, temperature: 0 })]);
    const running = [slow('a'), slow('b'), slow('c')]; // one runs, two wait
    assert.equal(p.stats().queueDepth, 2);
    let finished = 0;
    for (const r of running) void r.then(() => finished++);
    const [rejected] = await p.generate([request('d', { maxTokens: 30 })]);
    assert.equal(finished, 0, 'answered before any queued request finished: it did not wait for the running batch');
    assert.equal(p.stats().queueDepth, 2);
    assert.ok(isProviderError(rejected));
    assert.equal(rejected.kind, 'unavailable');
    assert.equal(rejected.providerId, 'onnx');
    assert.equal(p.stats().running, true);
    const done = await Promise.all(running);
    assert.ok(done.every(([r]) => r && !(r instanceof Error)));
    assert.equal(p.stats().rejected, 1);
  } finally {
    await p.close();
  }
});

test('a loop that throws rejects every item it took and had not finished, and later items still run', async () => {
  let loops = 0;
  const b = new MicroBatcher<number, number>(
    async (take) => {
      loops++;
      for (let group = take(2); group.length > 0; group = take(2)) {
        // An item finished before the failure keeps its result.
        for (const t of group) if (t.item === 1) t.resolve(100);
        if (group.some((t) => t.item === -1)) throw new Error('boom');
        for (const t of group) t.resolve(t.item * 2);
      }
    },
    { maxBatch: 2, maxQueueDelayMs: 1 },
  );
  const first = [queued(b.enqueue(1)), queued(b.enqueue(-1))];
  const outcomes = await Promise.allSettled(first);
  assert.deepEqual(
    outcomes.map((o) => o.status),
    ['fulfilled', 'rejected'],
  );
  assert.equal((outcomes[0] as PromiseFulfilledResult<number>).value, 100);
  assert.equal(await b.enqueue(21), 42);
  assert.equal(loops, 2);
  b.close(new Error('closed'));
  assert.equal(b.enqueue(1), null);
});

test('a loop that returns without a result for an item rejects it rather than leaving it hanging', async () => {
  const b = new MicroBatcher<number, number>(async (take) => void take(4), { maxBatch: 4, maxQueueDelayMs: 0 });
  await assert.rejects(b.enqueue(1) as Promise<number>, /ended without a result/);
});

test('items that arrive while the loop runs join it between steps, up to maxBatch running at once', async () => {
  const running: number[] = [];
  let started!: () => void;
  const loopStarted = new Promise<void>((resolve) => (started = resolve));
  const b = new MicroBatcher<number, number>(
    async (take) => {
      const active: Array<{ t: { item: number; resolve(r: number): void }; left: number }> = [];
      for (;;) {
        for (const t of take(3 - active.length)) active.push({ t, left: t.item });
        if (active.length === 0) return;
        running.push(active.length);
        started();
        // One decoding step: a turn of the event loop, in which new items can arrive.
        await new Promise((resolve) => setImmediate(resolve));
        for (const a of active) a.left--;
        for (const a of active.filter((x) => x.left <= 0)) a.t.resolve(a.t.item);
        active.splice(0, active.length, ...active.filter((x) => x.left > 0));
      }
    },
    { maxBatch: 3, maxQueueDelayMs: 0 },
  );
  const long = b.enqueue(20);
  await loopStarted;
  // The long item is running (20 steps); these arrive mid-loop and join it.
  const short = [queued(b.enqueue(2)), queued(b.enqueue(2)), queued(b.enqueue(2)), queued(b.enqueue(2))];
  const done = await Promise.all(short);
  assert.deepEqual(done, [2, 2, 2, 2]);
  assert.equal(b.stats().running, true, 'the short items resolved while the long one still ran');
  assert.equal(await long, 20);
  assert.ok(Math.max(...running) <= 3, `at most maxBatch running: ${running.join(',')}`);
  const s = b.stats();
  assert.equal(s.items, 5);
  assert.ok(s.joined >= 2, `groups that joined a running loop: ${s.joined}`);
});

test('waiting items join a running loop together: once a quarter of the slots are free, or once the oldest has waited maxQueueDelayMs', async () => {
  for (const delay of [1000, 5]) {
    const seen: number[][] = [];
    let clock = 0;
    const b = new MicroBatcher<number, number>(
      async (take) => {
        // The eighth item started the loop; the ninth and tenth are queued in the same turn.
        await Promise.resolve();
        const running = take(8);
        seen.push(running.map((t) => t.item));
        const log = (group: typeof running) => {
          seen.push(group.map((t) => t.item));
          running.push(...group);
        };
        must(running[0], 'the first running item').resolve(0);
        if (delay > 5) {
          // One slot free, two waiting, neither has waited a second: no join yet.
          log(take(1));
          must(running[1], 'the second running item').resolve(1);
          // Two free: both join.
          log(take(2));
        } else {
          // One slot free, and the oldest has waited the delay: it joins alone.
          clock += delay;
          log(take(1));
          must(running[1], 'the second running item').resolve(1);
          log(take(1));
        }
        for (const t of running.slice(2)) t.resolve(t.item);
        for (let more = take(8); more.length > 0; more = take(8)) for (const t of more) t.resolve(t.item);
      },
      { maxBatch: 8, maxQueueDelayMs: delay, now: () => clock },
    );
    const all = Array.from({ length: 10 }, (_, i) => queued(b.enqueue(i)));
    assert.deepEqual(await Promise.all(all), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.deepEqual(seen, delay > 5 ? [[0, 1, 2, 3, 4, 5, 6, 7], [], [8, 9]] : [[0, 1, 2, 3, 4, 5, 6, 7], [8], [9]]);
    assert.equal(b.stats().maxRunning, 8);
  }
});
