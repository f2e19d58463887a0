import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fixturesDir } from '../../helpers/paths.js';
import {
  logBeta,
  logGamma,
  normalCdf,
  normalQuantile,
  regularizedBeta,
  regularizedGammaQ,
} from '../../../src/experiments/special.js';

// Written by tools/make_experiment_fixtures.py with SciPy 1.10.
interface Special {
  gammaln: { x: number; value: number }[];
  gammaincc: { a: number; x: number; value: number }[];
  norm_cdf: { x: number; value: number }[];
  norm_ppf: { p: number; value: number }[];
  betainc: { x: number; a: number; b: number; value: number; precise: number }[];
}
const fixture = JSON.parse(readFileSync(path.join(fixturesDir, 'experiments', 'special.json'), 'utf8')) as Special;

/** |actual − expected| within rel × |expected|, or within abs near zero. */
function close(failures: string[], label: string, actual: number, expected: number, rel: number, abs = 0): void {
  if (!(Math.abs(actual - expected) <= Math.max(abs, rel * Math.abs(expected))))
    failures.push(`${label}: ${actual} vs SciPy ${expected}`);
}

test('logGamma matches scipy.special.gammaln to 1e-14 relative', () => {
  const failures: string[] = [];
  for (const { x, value } of fixture.gammaln) close(failures, `lnΓ(${x})`, logGamma(x), value, 1e-14, 1e-15);
  assert.deepEqual(failures, []);
  assert.throws(() => logGamma(0), /logGamma needs x > 0, got 0/);
});

test('regularizedGammaQ matches scipy.special.gammaincc to 1e-12 relative, far tail included', () => {
  // Its prefix a ln x − x − ln Γ(a) cancels digits at large a (5e-13 at a = 500);
  // the normal CDF uses only a = 1/2.
  const failures: string[] = [];
  for (const { a, x, value } of fixture.gammaincc)
    close(failures, `Q(${a}, ${x})`, regularizedGammaQ(a, x), value, 1e-12, 1e-300);
  assert.deepEqual(failures, []);
});

test('normalCdf and normalQuantile match scipy.stats.norm to 1e-13 relative, in both tails', () => {
  const failures: string[] = [];
  // SciPy's cdf underflows to 0 below about −37.5; ours keeps the subnormal value, so those points compare absolutely.
  for (const { x, value } of fixture.norm_cdf) close(failures, `Φ(${x})`, normalCdf(x), value, 1e-13, 1e-300);
  for (const { p, value } of fixture.norm_ppf) close(failures, `Φ⁻¹(${p})`, normalQuantile(p), value, 1e-13, 1e-15);
  assert.deepEqual(failures, []);
  assert.equal(normalQuantile(0), -Infinity);
  assert.equal(normalQuantile(1), Infinity);
  assert.throws(() => normalQuantile(1.5), /normalQuantile needs p in \[0, 1\], got 1.5/);
  for (const x of [-7, -2.5, -0.3, 0.8, 4])
    assert.ok(Math.abs(normalQuantile(normalCdf(x)) - x) < 1e-12, `round trip at ${x}`);
});

test('regularizedBeta matches 30-digit quadrature to 1e-11 relative, and SciPy to its own drift', () => {
  // SciPy 1.10's betainc (Cephes) drifts by up to 1e-9 relative at parameters
  // in the hundreds of thousands, so the script also integrates the density
  // with mpmath; ours is held to that, and to SciPy within SciPy's drift.
  const failures: string[] = [];
  for (const { x, a, b, value, precise } of fixture.betainc) {
    const ours = regularizedBeta(x, a, b);
    close(failures, `I_${x}(${a}, ${b}) vs mpmath`, ours, precise, 1e-11, 1e-300);
    close(failures, `I_${x}(${a}, ${b})`, ours, value, 2e-9, 1e-300);
  }
  assert.deepEqual(failures, []);
  assert.equal(regularizedBeta(0, 2, 3), 0);
  assert.equal(regularizedBeta(1, 2, 3), 1);
  assert.throws(() => regularizedBeta(0.5, 0, 1), RangeError);
});

test('logBeta keeps its digits at large arguments (exact values: ln B(1, n) = −ln n, ln B(a, b) from Γ recurrences)', () => {
  assert.ok(Math.abs(logBeta(1, 1001) + Math.log(1001)) < 1e-14);
  assert.ok(Math.abs(logBeta(400_000, 1) + Math.log(400_000)) < 1e-14);
  // B(a, b + 1) = B(a, b) · b / (a + b): the recurrence ties the Stirling branch to itself at neighbouring arguments.
  for (const [a, b] of [
    [20_001, 380_001],
    [12.5, 9.5],
    [3, 50],
  ] as const) {
    const diff = logBeta(a, b + 1) - logBeta(a, b);
    assert.ok(Math.abs(diff - Math.log(b / (a + b))) < 1e-11, `recurrence at (${a}, ${b}): ${diff}`);
  }
  // Across the switch to Stirling's form at 10 the two branches agree.
  assert.ok(Math.abs(logBeta(9.999999, 3) - logBeta(10, 3)) < 1e-5);
});
