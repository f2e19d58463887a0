import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fixturesDir } from '../../helpers/paths.js';
import { assignByWeights, assignmentPoint } from '../../../src/experiments/index.js';
import { normalQuantile, regularizedGammaQ } from '../../../src/experiments/special.js';
import { must } from '../../helpers/must.js';

// Written by tools/make_experiment_fixtures.py with Python's hashlib: a change here moves live sessions.
const fixture = JSON.parse(readFileSync(path.join(fixturesDir, 'experiments', 'assignment.json'), 'utf8')) as {
  weights: number[][];
  pairs: { experiment: string; session: string; point: number; indices: number[] }[];
};

test('hash points and variants are exactly those Python computes from the documented hash', () => {
  for (const p of fixture.pairs) {
    assert.equal(assignmentPoint(p.experiment, p.session), p.point, `${p.experiment}/${p.session}`);
    assert.deepEqual(
      fixture.weights.map((w) => assignByWeights(p.experiment, p.session, w)),
      p.indices,
      `${p.experiment}/${p.session}`,
    );
  }
  // The separator keeps ("ab", "c") and ("a", "bc") apart.
  assert.notEqual(assignmentPoint('ab', 'c'), assignmentPoint('a', 'bc'));
});

test('sessions spread by the weights (chi-square), stay put, and are reshuffled per experiment', () => {
  const weights = [0.2, 0.3, 0.5];
  const n = 60_000;
  const seen = weights.map(() => 0);
  let moved = 0;
  for (let i = 0; i < n; i++) {
    const session = `session-${i}`;
    const variant = assignByWeights('spring-dresses', session, weights);
    seen[variant] = must(seen[variant], `variant ${variant}'s count`) + 1;
    assert.equal(assignByWeights('spring-dresses', session, weights), variant);
    if (i < 10_000 && assignByWeights('autumn-coats', session, weights) !== variant) moved++;
  }
  const chi2 = weights.reduce((s, w, i) => s + (must(seen[i], `variant ${i}'s count`) - n * w) ** 2 / (n * w), 0);
  // P(χ²₂ ≥ x) = Q(1, x/2): the spread is what independent uniform points give.
  const p = regularizedGammaQ(1, chi2 / 2);
  assert.ok(p > 0.001, `χ² = ${chi2}, p = ${p}, counts ${seen.join(',')}`);
  // Another experiment assigns independently: a session lands elsewhere 1 − Σw² = 62% of the time.
  const share = moved / 10_000;
  const se = Math.sqrt((0.62 * 0.38) / 10_000);
  assert.ok(Math.abs(share - 0.62) < -normalQuantile(0.0005) * se, `moved ${share}`);
});

test('ids and weights are checked', () => {
  assert.throws(() => assignmentPoint('', 's'), /experiment id must be a non-empty string without U\+0000, got ""/);
  assert.throws(() => assignmentPoint('e', 'a\u0000b'), /session id must be a non-empty string without U\+0000/);
  assert.throws(() => assignByWeights('e', 's', [1]), /at least two variants, got 1/);
  assert.throws(() => assignByWeights('e', 's', [1, -1]), /variant weights must be finite and ≥ 0, got -1/);
  assert.throws(() => assignByWeights('e', 's', [0, 0]), /at least one variant weight must be positive/);
  assert.equal(assignByWeights('e', 's', [0, 3]), 1, 'a zero weight gets no one');
});
