import { test } from 'node:test';
import assert from 'node:assert/strict';
import { seededRandom } from '../../../providers/random.js';
import {
  betaSample,
  createThompsonAllocator,
  gammaSample,
  thompsonWeights,
  type VariantCounts,
} from '../../../src/experiments/index.js';
import { must } from '../../helpers/must.js';

const v = (id: string, exposures: number, conversions: number): VariantCounts => ({ id, exposures, conversions });

function moments(draw: () => number, n: number): { mean: number; variance: number } {
  let s = 0;
  let s2 = 0;
  for (let i = 0; i < n; i++) {
    const x = draw();
    s += x;
    s2 += x * x;
  }
  const mean = s / n;
  return { mean, variance: s2 / n - mean * mean };
}

test('Gamma and Beta draws have the right mean and variance, below shape 1 too', () => {
  const random = seededRandom(11);
  const n = 200_000;
  for (const shape of [0.4, 1, 3.5, 250]) {
    const m = moments(() => gammaSample(shape, random), n);
    // Mean within 5 standard errors; variance within 5%.
    assert.ok(Math.abs(m.mean - shape) < 5 * Math.sqrt(shape / n), `Gamma(${shape}) mean ${m.mean}`);
    assert.ok(Math.abs(m.variance / shape - 1) < 0.05, `Gamma(${shape}) variance ${m.variance}`);
  }
  const [a, b] = [51, 951];
  const m = moments(() => betaSample({ alpha: a, beta: b }, random), n);
  const mean = a / (a + b);
  const variance = (a * b) / ((a + b) ** 2 * (a + b + 1));
  assert.ok(Math.abs(m.mean - mean) < 5 * Math.sqrt(variance / n));
  assert.ok(Math.abs(m.variance / variance - 1) < 0.05);
  assert.throws(() => gammaSample(0, random), /gammaSample needs a finite shape > 0, got 0/);
});

test('weights follow P(best), keep the floor, sum to one, and repeat for a seed', () => {
  const counts = [v('a', 2000, 100), v('b', 2000, 130)];
  const w = thompsonWeights(counts, 7);
  assert.deepEqual(thompsonWeights(counts, 7), w);
  assert.notDeepEqual(thompsonWeights(counts, 8), w);
  const [wa, wb] = w;
  assert.ok(wa !== undefined && wb !== undefined, 'a weight per variant');
  assert.ok(Math.abs(wa + wb - 1) < 1e-12);
  // P(b best) is about 0.97 here: b's weight ≈ 0.3 / 2 + 0.7 × 0.97.
  assert.ok(wb > 0.82 && wb < 0.85, `weights ${w.join(',')}`);
  const settled = thompsonWeights([v('a', 50_000, 2500), v('b', 50_000, 3250), v('c', 50_000, 2400)], 1, {
    explore: 0.6,
  });
  assert.deepEqual(
    settled.map((x) => x.toFixed(3)),
    ['0.200', '0.600', '0.200'],
  );
  const even = thompsonWeights([v('a', 0, 0), v('b', 0, 0)], 3, { draws: 20_000 });
  assert.ok(Math.abs(must(even[0], "a's weight") - 0.5) < 0.02, 'no data: an even split');
  assert.throws(() => thompsonWeights(counts, 1, { explore: 1.5 }), /explore must be between 0 and 1, got 1.5/);
  assert.throws(() => thompsonWeights(counts.slice(0, 1), 1), /at least two variants/);
});

test('the allocator reads the roll-ups once per epoch, as of its start, and replicas agree', async () => {
  let clock = 1_700_000_123_000;
  const reads: number[] = [];
  let counts: VariantCounts[] = [v('a', 0, 0), v('b', 0, 0)];
  const readCounts = async (asOf: Date): Promise<VariantCounts[]> => {
    reads.push(asOf.getTime());
    return counts;
  };
  const options = { experimentId: 'spring', readCounts, refreshSeconds: 60, now: () => clock, draws: 2000 };
  const replica1 = createThompsonAllocator(options);
  const replica2 = createThompsonAllocator(options);

  const [w1, w1again] = await Promise.all([replica1.weights(), replica1.weights()]);
  assert.equal(w1, w1again, 'concurrent callers share one computation');
  assert.equal(w1.asOf.getTime(), 1_700_000_100_000, 'the epoch starts on a multiple of 60 s');
  clock += 20_000; // same epoch
  await replica1.weights();
  assert.equal(reads.length, 1);
  assert.deepEqual((await replica2.weights()).weights, w1.weights, 'a second replica computes the same weights');

  // New data and a new epoch: b has pulled ahead, and only now is it read.
  counts = [v('a', 3000, 150), v('b', 3000, 200)];
  clock += 60_000;
  const w2 = await replica1.weights();
  assert.ok(w2.epoch === w1.epoch + 1 && must(w2.weights[1], "b's weight") > 0.75, `weights ${w2.weights.join(',')}`);
  assert.deepEqual(reads, [1_700_000_100_000, 1_700_000_100_000, 1_700_000_160_000]);
  for (let i = 0; i < 50; i++) {
    assert.equal(await replica1.assign(`s${i}`), await replica2.assign(`s${i}`), 'replicas assign alike');
  }
  assert.equal(await replica1.assign('s-old', 0), 0, 'a session keeps the variant it was first given');
  assert.equal(reads.length, 4);
});

test('a failed read rejects its callers and the next call reads again', async () => {
  let fail = true;
  const allocator = createThompsonAllocator({
    experimentId: 'e',
    now: () => 0,
    draws: 100,
    readCounts: () => {
      if (fail) throw new Error('database down');
      return [v('a', 10, 1), v('b', 10, 2)];
    },
  });
  await assert.rejects(allocator.weights(), /database down/);
  fail = false;
  const w = await allocator.weights();
  assert.equal(w.weights.length, 2);
  assert.throws(
    () => createThompsonAllocator({ experimentId: 'e', readCounts: () => [], refreshSeconds: 0 }),
    /refreshSeconds must be a finite number > 0, got 0/,
  );
  await assert.rejects(allocator.assign('s', -1), /previous must be a variant index, got -1/);
});
