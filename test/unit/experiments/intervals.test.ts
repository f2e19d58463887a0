import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fixturesDir } from '../../helpers/paths.js';
import { criticalValue, differenceInterval, liftInterval, wilsonInterval } from '../../../src/experiments/index.js';

type Pair = {
  treatment: [number, number];
  control: [number, number];
  level: number;
  estimate: number;
  lower: number;
  upper: number;
};
// Written by tools/make_experiment_fixtures.py: SciPy's binomtest(...).proportion_ci('wilson'),
// Newcombe's method 10 from those bounds, and SciPy's relative_risk(...).confidence_interval() − 1.
const fixture = JSON.parse(readFileSync(path.join(fixturesDir, 'experiments', 'intervals.json'), 'utf8')) as {
  wilson: { conversions: number; exposures: number; level: number; lower: number; upper: number }[];
  newcombe: Pair[];
  katz: Pair[];
};
const TOL = 1e-12;
const counts = ([conversions, exposures]: [number, number], id: string) => ({ id, conversions, exposures });

test('Wilson intervals match SciPy at 90, 95 and 99%', () => {
  const failures: string[] = [];
  for (const c of fixture.wilson) {
    const got = wilsonInterval(c.conversions, c.exposures, c.level);
    if (Math.abs(got.lower - c.lower) > TOL || Math.abs(got.upper - c.upper) > TOL)
      failures.push(`${c.conversions}/${c.exposures} @${c.level}: ${JSON.stringify(got)} vs [${c.lower}, ${c.upper}]`);
  }
  assert.deepEqual(failures, []);
  assert.deepEqual(wilsonInterval(0, 0), { lower: 0, upper: 1 }, 'no exposures: nothing is known');
  assert.equal(wilsonInterval(0, 50).lower, 0);
  assert.equal(wilsonInterval(50, 50).upper, 1);
});

test('Newcombe difference and Katz lift intervals match the SciPy-based references', () => {
  const failures: string[] = [];
  const check = (label: string, got: { estimate: number; lower: number; upper: number } | null, want: Pair): void => {
    if (
      !got ||
      [got.estimate - want.estimate, got.lower - want.lower, got.upper - want.upper].some((d) => Math.abs(d) > TOL)
    )
      failures.push(`${label} ${JSON.stringify(want)}: ${JSON.stringify(got)}`);
  };
  for (const c of fixture.newcombe)
    check('newcombe', differenceInterval(counts(c.treatment, 't'), counts(c.control, 'c'), c.level), c);
  for (const c of fixture.katz)
    check('katz', liftInterval(counts(c.treatment, 't'), counts(c.control, 'c'), c.level), c);
  assert.deepEqual(failures, []);
  assert.ok(fixture.katz.length >= 10 && fixture.newcombe.length >= 20);
});

test('comparisons are null where they are undefined, and bad counts are refused by name', () => {
  assert.equal(
    differenceInterval({ id: 't', exposures: 0, conversions: 0 }, { id: 'c', exposures: 10, conversions: 1 }),
    null,
  );
  assert.equal(
    liftInterval({ id: 't', exposures: 10, conversions: 2 }, { id: 'c', exposures: 10, conversions: 0 }),
    null,
  );
  assert.throws(() => wilsonInterval(5, 4), /conversions must be a whole number from 0 to exposures \(4\), got 5/);
  assert.throws(
    () => differenceInterval({ id: 'b', exposures: 1.5, conversions: 0 }, { id: 'a', exposures: 1, conversions: 0 }),
    /variant "b": exposures must be a whole number ≥ 0, got 1.5/,
  );
  assert.throws(() => criticalValue(1), /level must be between 0 and 1, got 1/);
  assert.ok(Math.abs(criticalValue(0.95) - 1.959963984540054) < 1e-14);
});
