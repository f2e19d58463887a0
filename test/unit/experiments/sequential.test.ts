import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fixturesDir } from '../../helpers/paths.js';
import {
  confidenceHalfWidth,
  differenceEstimate,
  logMixtureLikelihoodRatio,
  sequentialLook,
} from '../../../src/experiments/index.js';
import { must } from '../../helpers/must.js';

interface Case {
  estimate: number;
  variance: number;
  mixing_sd: number;
  alpha: number;
  log_lr_at_zero: number;
  p_value: number;
  lower: number;
  upper: number;
  z_boundary: number;
}
// Written by tools/make_experiment_fixtures.py: the mixture likelihood ratio by quadrature over
// θ ~ N(θ0, τ²), and the confidence-sequence bounds by root finding on it (brentq).
const fixture = JSON.parse(readFileSync(path.join(fixturesDir, 'experiments', 'msprt.json'), 'utf8')) as {
  cases: Case[];
  counts: { treatment: [number, number]; control: [number, number] }[];
};

test('the closed-form mixture likelihood ratio and confidence sequence match quadrature and root finding', () => {
  const failures: string[] = [];
  for (const c of fixture.cases) {
    const d = { estimate: c.estimate, variance: c.variance };
    const logLr = logMixtureLikelihoodRatio(d, c.mixing_sd);
    if (Math.abs(logLr - c.log_lr_at_zero) > 1e-9 * Math.max(1, Math.abs(c.log_lr_at_zero)))
      failures.push(`ln Λ ${JSON.stringify(c)}: ${logLr}`);
    const half = confidenceHalfWidth(c.variance, c.mixing_sd, c.alpha);
    // Root finding stops at 1e-15 in θ; the bounds agree to that and rounding.
    if (Math.abs(c.estimate - half - c.lower) > 1e-13 || Math.abs(c.estimate + half - c.upper) > 1e-13)
      failures.push(`bounds ${JSON.stringify(c)}: ±${half}`);
    if (Math.abs(half / Math.sqrt(c.variance) - c.z_boundary) > 1e-10)
      failures.push(`z ${JSON.stringify(c)}: ${half / Math.sqrt(c.variance)}`);
    const look = sequentialLook(d, { alpha: c.alpha, mixingSd: c.mixing_sd });
    if (Math.abs(look.pValue - c.p_value) > 1e-12) failures.push(`p ${JSON.stringify(c)}: ${look.pValue}`);
  }
  assert.deepEqual(failures, []);
});

test("differenceEstimate takes each arm's variance from the smoothed rate (c + 1)/(n + 2)", () => {
  // The last cases of the fixture were made from these counts with that variance.
  const fromCounts = fixture.cases.slice(-fixture.counts.length);
  fixture.counts.forEach((c, i) => {
    const d = must(
      differenceEstimate(
        { id: 't', conversions: c.treatment[0], exposures: c.treatment[1] },
        { id: 'c', conversions: c.control[0], exposures: c.control[1] },
      ),
      `the estimate of case ${i}`,
    );
    const want = must(fromCounts[i], `case ${i}`);
    assert.ok(Math.abs(d.estimate - want.estimate) < 1e-15);
    assert.ok(Math.abs(d.variance - want.variance) < 1e-18);
  });
  const none = must(
    differenceEstimate({ id: 't', conversions: 0, exposures: 300 }, { id: 'c', conversions: 0, exposures: 300 }),
    'the estimate without conversions',
  );
  assert.ok(none.variance > 0, 'no conversions yet still gives a usable variance');
  assert.equal(
    differenceEstimate({ id: 't', conversions: 0, exposures: 0 }, { id: 'c', conversions: 0, exposures: 3 }),
    null,
  );
});

test('looks fold: the p-value never rises and the interval only narrows', () => {
  const strong = sequentialLook({ estimate: 0.015, variance: 1.083e-5 });
  assert.ok(strong.pValue < 0.001 && strong.lower > 0);
  // A later, weaker look keeps the earlier evidence.
  const later = sequentialLook({ estimate: 0.004, variance: 0.9e-5 }, {}, strong);
  assert.equal(later.pValue, strong.pValue);
  assert.ok(later.lower >= strong.lower && later.upper <= strong.upper);
  const alone = sequentialLook({ estimate: 0.004, variance: 0.9e-5 });
  assert.ok(alone.pValue > 0.05 && alone.lower < 0, 'the same look without history would not reject');
  // An empty intersection (estimates far apart) falls back to this look's own interval.
  const jumped = sequentialLook({ estimate: -0.05, variance: 1e-6 }, {}, strong);
  assert.ok(jumped.upper < 0 && jumped.lower < jumped.upper);
  // No estimate yet: the state is kept as it was.
  assert.deepEqual(sequentialLook(null, {}, strong), strong);
  assert.deepEqual(sequentialLook(null), { pValue: 1, lower: -1, upper: 1 });
  assert.throws(() => sequentialLook(null, { alpha: 0 }), /alpha must be between 0 and 1, got 0/);
  assert.throws(() => sequentialLook(null, { mixingSd: -1 }), /mixingSd must be a finite number > 0, got -1/);
});
