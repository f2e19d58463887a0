import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  bootstrapCI,
  mean,
  pairedPermutationTest,
  percentile,
  seededRandom,
  seededShuffle,
  trainTestSplit,
} from '../../../src/evaluation/benchmark/stats.js';
import { summarize } from '../../../src/evaluation/benchmark/summarize.js';
import type { BenchmarkSpec, RowResult } from '../../../src/evaluation/benchmark/types.js';
import { must } from '../../helpers/must.js';

/** Synthetic scores: a deterministic noisy sample around `centre`. */
function sample(n: number, centre: number, spread: number, seed: number): number[] {
  const rand = seededRandom(seed);
  return Array.from({ length: n }, () => centre + (rand() - 0.5) * 2 * spread);
}

test('seeded shuffle and split are deterministic, disjoint and sized by testShare', () => {
  assert.deepEqual(seededShuffle([1, 2, 3, 4, 5, 6], 7), seededShuffle([1, 2, 3, 4, 5, 6], 7));
  assert.notDeepEqual(seededShuffle([...Array(20).keys()], 1), seededShuffle([...Array(20).keys()], 2));
  const split = trainTestSplit(20, 0.2, 42);
  assert.equal(split.test.length, 4);
  assert.equal(split.train.length, 16);
  assert.deepEqual(
    [...split.test, ...split.train].sort((a, b) => a - b),
    [...Array(20).keys()],
  );
  assert.deepEqual(trainTestSplit(20, 0.2, 42), split);
  assert.notDeepEqual(trainTestSplit(20, 0.2, 43).test, split.test);
  assert.equal(trainTestSplit(3, 0.1, 42).test.length, 1, 'at least one test row');
  assert.throws(() => trainTestSplit(10, 0, 1), RangeError);
});

test('percentile interpolates like numpy', () => {
  assert.equal(percentile([1, 2, 3, 4], 50), 2.5);
  assert.equal(percentile([10, 0, 5], 100), 10);
  assert.ok(Math.abs(percentile([1, 2, 3, 4, 5], 95) - 4.8) < 1e-12);
});

test('bootstrap CI contains the mean, narrows with n, and is reproducible', () => {
  const small = sample(20, 0.5, 0.2, 1);
  const large = sample(2000, 0.5, 0.2, 1);
  const a = bootstrapCI(small, { seed: 3 });
  assert.ok(a.lower <= a.mean && a.mean <= a.upper);
  assert.ok(Math.abs(a.mean - mean(small)) < 1e-12);
  assert.deepEqual(bootstrapCI(small, { seed: 3 }), a);
  const b = bootstrapCI(large, { seed: 3 });
  assert.ok(b.upper - b.lower < (a.upper - a.lower) / 4, 'interval shrinks roughly with sqrt(n)');
  // For a uniform(-0.2, 0.2) spread the standard error is 0.2/sqrt(3n); the 95% half-width is about 1.96 of them.
  const halfWidth = (b.upper - b.lower) / 2;
  const expected = (1.96 * 0.2) / Math.sqrt(3 * 2000);
  assert.ok(Math.abs(halfWidth - expected) / expected < 0.15, `half-width ${halfWidth} vs ${expected}`);
  assert.ok(b.lower < 0.5 && 0.5 < b.upper, 'the true mean is inside');
  const one = bootstrapCI([0.3]);
  assert.deepEqual([one.lower, one.upper], [0.3, 0.3]);
});

test('paired test: identical models give p = 1; clearly different ones p < 0.05', () => {
  const x = sample(30, 0.4, 0.2, 5);
  const same = pairedPermutationTest(x, x);
  assert.equal(same.pValue, 1);
  assert.equal(same.meanDifference, 0);
  const better = x.map((v, i) => v + 0.1 + (i % 3) * 0.01);
  const diff = pairedPermutationTest(better, x);
  assert.ok(diff.pValue < 0.05, `p = ${diff.pValue}`);
  assert.ok(Math.abs(diff.meanDifference - mean(better.map((v, i) => v - must(x[i], `x[${i}]`)))) < 1e-12);
  // Independent noise around the same centre: no evidence of a difference.
  const noise = pairedPermutationTest(sample(30, 0.4, 0.2, 6), sample(30, 0.4, 0.2, 7));
  assert.ok(noise.pValue > 0.05, `p = ${noise.pValue}`);
});

test('paired test is exact for small n: 4 pairs all favouring A give p = 2/16', () => {
  const t = pairedPermutationTest([0.5, 0.6, 0.7, 0.8], [0.1, 0.2, 0.3, 0.4]);
  assert.equal(t.exact, true);
  assert.equal(t.pValue, 2 / 16, 'only the all-plus and all-minus sign patterns are as extreme');
});

function result(model: string, rowIndex: number, meteor: number, flags: string[] = []): RowResult {
  return {
    model,
    rowIndex,
    text: 't',
    error: null,
    scores: { bleu: null, rouge1: null, rouge2: null, rougeL: null, meteor },
    semantic: null,
    semanticReason: 'EMBEDDINGS_NOT_CONFIGURED',
    clipScore: null,
    clipReferenceDelta: null,
    clipReason: 'CLIP_NOT_CONFIGURED',
    flags: flags.map((code) => ({ code, category: 'integrity', message: code })),
    excluded: flags.some((f) => f === 'REFERENCE_LEAK' || f === 'PROMPT_ECHO'),
    latencyMs: 10 + rowIndex,
    promptTokens: 5,
    completionTokens: 7,
    costUsd: 0,
  };
}

test('summarize leaves excluded rows out of the means and the paired test, and lists them', () => {
  const spec: BenchmarkSpec = {
    rows: [],
    models: [
      { kind: 'candidates', name: 'a', texts: [] },
      { kind: 'candidates', name: 'b', texts: [] },
    ],
    testShare: 1,
    seed: 42,
    allRows: true,
    metrics: ['meteor'],
    promptVersion: 'v3',
    resamples: 1000,
  };
  const results = [
    result('a', 0, 0.2),
    result('a', 1, 0.4),
    result('a', 2, 0.9, ['REFERENCE_LEAK']),
    result('b', 0, 0.1),
    result('b', 1, 0.1),
    result('b', 2, 0.1),
  ];
  const s = summarize(spec, [0, 1, 2], results);
  const model = must(s.models[0], 'the first model');
  const a = must(
    model.metrics.find((m) => m.metric === 'meteor'),
    'its METEOR summary',
  );
  assert.ok(Math.abs(must(a.mean, 'the METEOR mean') - 0.3) < 1e-12, 'mean of the two kept rows');
  assert.equal(a.n, 2);
  assert.deepEqual(s.excludedRows, [{ model: 'a', rowIndex: 2, codes: ['REFERENCE_LEAK'] }]);
  const c = must(
    s.comparisons.find((x) => x.metric === 'meteor'),
    'the METEOR comparison',
  );
  assert.equal(c.n, 2);
  assert.ok(Math.abs(must(c.meanDifference, 'the mean difference') - 0.2) < 1e-12);
  const sem = must(
    model.metrics.find((m) => m.metric === 'semantic'),
    'its semantic summary',
  );
  assert.equal(sem.mean, null);
  assert.equal(sem.reason, 'EMBEDDINGS_NOT_CONFIGURED');
  assert.equal(model.latencyP50Ms, 11);
});
