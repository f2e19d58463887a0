import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeExperiment, analyzeLooks, type VariantCounts } from '../../../src/experiments/index.js';
import { must } from '../../helpers/must.js';

const v = (id: string, exposures: number, conversions: number): VariantCounts => ({ id, exposures, conversions });
/** Variant `i`'s comparison with the control (the control, variant 0, has none). */
const comparisonOf = (analysis: ReturnType<typeof analyzeExperiment>, i: number) =>
  must(analysis.variants[i]?.comparison, `variant ${i}'s comparison`);

test('a clear winner stops the test, with every number the page shows', () => {
  const a = analyzeExperiment([v('control', 10_000, 500), v('warm-tone', 10_000, 650)]);
  assert.equal(a.decision, 'STOP_WINNER');
  assert.equal(a.winnerId, 'warm-tone');
  assert.match(a.reason, /^warm-tone beats control \(always-valid p = 2\.8e-4 ≤ 0\.050\)$/);
  const [control, treatment] = a.variants;
  assert.ok(control && treatment, 'both variants analysed');
  assert.equal(control.control, true);
  assert.equal(control.comparison, null);
  assert.equal(treatment.rate, 0.065);
  assert.ok(treatment.interval.lower < 0.065 && 0.065 < treatment.interval.upper);
  const c = must(treatment.comparison, "the treatment's comparison");
  const difference = must(c.difference, 'the difference');
  assert.equal(c.verdict, 'BETTER');
  assert.ok(Math.abs(difference.estimate - 0.015) < 1e-15);
  assert.ok(Math.abs(must(c.lift, 'the lift').estimate - 0.3) < 1e-12);
  assert.ok(c.probabilityBeatsControl > 0.9999);
  // The always-valid interval is wider than the fixed-sample one: the price of looking every day.
  assert.ok(c.sequential.lower < difference.lower && c.sequential.upper > difference.upper);
  assert.deepEqual(
    { ...a.method, prior: undefined },
    {
      level: 0.95,
      minSample: 1000,
      minimumEffect: 0.1,
      alpha: 0.05,
      mixingSd: 0.01,
      prior: undefined,
      comparisonAlpha: 0.05,
      test: 'mSPRT',
    },
  );
});

test('nothing stops before the minimum sample, however large the gap', () => {
  const a = analyzeExperiment([v('a', 900, 10), v('b', 900, 90)]);
  assert.equal(comparisonOf(a, 1).verdict, 'BETTER');
  assert.equal(a.decision, 'KEEP_RUNNING');
  assert.match(a.reason, /minimum sample of 1000 per variant not reached \(a, b\)/);
  assert.equal(analyzeExperiment([v('a', 900, 10), v('b', 900, 90)], { minSample: 500 }).decision, 'STOP_WINNER');
});

test('the control wins when every treatment is worse; no difference when the sequence sits inside the margin', () => {
  const worse = analyzeExperiment([v('a', 10_000, 650), v('b', 10_000, 500)]);
  assert.deepEqual([worse.decision, worse.winnerId, comparisonOf(worse, 1).verdict], ['STOP_WINNER', 'a', 'WORSE']);
  // 400,000 a side at 5%: the confidence sequence is about ±0.0016, inside ±10% of 5% = ±0.005.
  const same = analyzeExperiment([v('a', 400_000, 20_000), v('b', 400_000, 20_100)]);
  assert.equal(comparisonOf(same, 1).verdict, 'EQUIVALENT');
  assert.deepEqual([same.decision, same.winnerId], ['STOP_NO_DIFFERENCE', null]);
  // A 2% margin is tighter than that interval: keep running.
  const strict = analyzeExperiment([v('a', 400_000, 20_000), v('b', 400_000, 20_100)], { minimumEffect: 0.02 });
  assert.equal(strict.decision, 'KEEP_RUNNING');
  // Too early to tell either way.
  assert.equal(analyzeExperiment([v('a', 5000, 250), v('b', 5000, 262)]).decision, 'KEEP_RUNNING');
});

test('with several treatments each comparison runs at alpha / treatments, and the surest winner is named', () => {
  const a = analyzeExperiment([
    v('control', 20_000, 1000),
    v('b', 20_000, 1180),
    v('c', 20_000, 1300),
    v('d', 20_000, 990),
  ]);
  assert.equal(a.method.comparisonAlpha, 0.05 / 3);
  assert.deepEqual(
    a.variants.slice(1).map((x) => x.comparison?.verdict),
    ['BETTER', 'BETTER', 'UNDECIDED'],
  );
  assert.equal(a.winnerId, 'c');
  // b alone would beat control at 0.05 but not at 0.05/3.
  const single = analyzeExperiment([v('control', 20_000, 1000), v('b', 20_000, 1150)]);
  const triple = analyzeExperiment([
    v('control', 20_000, 1000),
    v('b', 20_000, 1150),
    v('c', 20_000, 1000),
    v('d', 20_000, 1000),
  ]);
  assert.equal(comparisonOf(single, 1).verdict, 'BETTER');
  assert.equal(comparisonOf(triple, 1).verdict, 'UNDECIDED');
});

test('the previous look carries over, and analyzeLooks folds daily roll-ups the same way', () => {
  const day1 = [v('a', 6000, 260), v('b', 6000, 380)];
  const day2 = [v('a', 12_000, 590), v('b', 12_000, 650)];
  const first = analyzeExperiment(day1);
  assert.equal(first.decision, 'STOP_WINNER');
  assert.equal(analyzeExperiment(day2).decision, 'KEEP_RUNNING', 'alone, the second look would not reject');
  const second = analyzeExperiment(day2, {}, first);
  assert.equal(second.decision, 'STOP_WINNER', 'the crossing on day 1 stands');
  assert.equal(comparisonOf(second, 1).sequential.pValue, comparisonOf(first, 1).sequential.pValue);
  assert.deepEqual(analyzeLooks([day1, day2]), second);
  assert.throws(() => analyzeLooks([]), /analyzeLooks needs at least one look/);
});

test('bad input is refused with a message that names it', () => {
  assert.throws(() => analyzeExperiment([v('a', 10, 1)]), /an experiment needs at least two variants, got 1/);
  assert.throws(
    () => analyzeExperiment([v('a', 10, 1), v('a', 10, 2)]),
    /variant ids must be unique: "a" appears twice/,
  );
  assert.throws(
    () => analyzeExperiment([v('a', 10, 1), v('b', -1, 0)]),
    /variant "b": exposures must be a whole number ≥ 0, got -1/,
  );
  assert.throws(
    () => analyzeExperiment([v('a', 10, 1), v('b', 10, 2)], { minSample: 2.5 }),
    /minSample must be a whole number ≥ 0, got 2.5/,
  );
  assert.throws(
    () => analyzeExperiment([v('a', 10, 1), v('b', 10, 2)], { minimumEffect: Number.NaN }),
    /minimumEffect must be a finite number ≥ 0, got NaN/,
  );
  assert.throws(
    () => analyzeExperiment([v('a', 10, 1), v('b', 10, 2), v('c', 10, 2)], { alpha: 1.5 }),
    /alpha must be between 0 and 1, got 1.5/,
  );
  assert.equal(
    analyzeExperiment([v('a', 10, 1), v('b', 10, 2)], {}).method.alpha,
    0.05,
    'an option left out takes its default',
  );
  const empty = analyzeExperiment([v('a', 0, 0), v('b', 0, 0)]);
  assert.deepEqual(
    [empty.variants[0]?.rate, comparisonOf(empty, 1).difference, empty.decision],
    [null, null, 'KEEP_RUNNING'],
  );
});
