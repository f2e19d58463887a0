import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fixturesDir } from '../../helpers/paths.js';
import { posterior, probabilityBeats } from '../../../src/experiments/index.js';

// Written by tools/make_experiment_fixtures.py: scipy.integrate.quad of f_C(x)·P(T > x), and for
// whole parameters the exact finite sum in 30-digit arithmetic, which the script checked agree to 1e-11.
const fixture = JSON.parse(readFileSync(path.join(fixturesDir, 'experiments', 'beta.json'), 'utf8')) as {
  treatment: [number, number];
  control: [number, number];
  prior: [number, number];
  value: number;
  exact_sum?: number;
}[];
const TOL = 1e-9;

test('P(treatment beats control) matches SciPy quadrature (and the exact sum) to 1e-9', () => {
  const failures: string[] = [];
  for (const c of fixture) {
    const got = probabilityBeats(
      { id: 't', conversions: c.treatment[0], exposures: c.treatment[1] },
      { id: 'c', conversions: c.control[0], exposures: c.control[1] },
      { alpha: c.prior[0], beta: c.prior[1] },
    );
    const want = c.exact_sum ?? c.value;
    if (!(Math.abs(got - want) <= TOL)) failures.push(`${JSON.stringify(c)}: ${got}`);
  }
  assert.deepEqual(failures, []);
});

test('the two orders sum to one, equal counts give one half, and the posterior adds the counts to the prior', () => {
  const a = { id: 'a', exposures: 3000, conversions: 160 };
  const b = { id: 'b', exposures: 120, conversions: 9 };
  assert.ok(Math.abs(probabilityBeats(a, b) + probabilityBeats(b, a) - 1) < 1e-10);
  assert.ok(Math.abs(probabilityBeats(a, { ...a, id: 'a2' }) - 0.5) < 1e-10);
  assert.deepEqual(posterior(b, { alpha: 2, beta: 3 }), { alpha: 11, beta: 114 });
  assert.throws(
    () => probabilityBeats(a, b, { alpha: 0, beta: 1 }),
    /a Beta prior needs finite alpha > 0 and beta > 0, got alpha=0, beta=1/,
  );
});
