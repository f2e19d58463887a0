import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  connectionsFor,
  rssSlopeMiBPerMin,
  frontier,
  percentile,
  ratio,
  stepSeconds,
  summarizeLatencies,
  withinBudget,
  type RateStep,
} from '../../../bench/gateway/stats.js';

const step = (rate: number, p99: number, errors = 0, achievedRps = rate): RateStep => ({
  rate,
  p99,
  errors,
  achievedRps,
});

describe('gateway benchmark stats', () => {
  it('takes nearest-rank percentiles', () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
    assert.equal(percentile(sorted, 0.5), 50);
    assert.equal(percentile(sorted, 0.99), 99);
    assert.equal(percentile(sorted, 1), 100);
    assert.equal(percentile([7], 0.99), 7);
    assert.ok(Number.isNaN(percentile([], 0.5)));
  });

  it('sorts numerically, not as strings, and leaves the input alone', () => {
    const input = [10, 9, 100, 2.5];
    const summary = summarizeLatencies(input);
    assert.deepEqual(input, [10, 9, 100, 2.5]);
    assert.equal(summary.samples, 4);
    assert.equal(summary.p50, 9);
    assert.equal(summary.max, 100);
  });

  it('keeps a step within budget only with no errors, enough rate and p99 above the baseline under budget', () => {
    assert.equal(withinBudget(step(100, 9.9), 10), true);
    assert.equal(withinBudget(step(100, 10), 10), false);
    assert.equal(withinBudget(step(100, 1, 1), 10), false);
    assert.equal(withinBudget(step(100, 1, 0, 89), 10), false);
    assert.equal(withinBudget(step(100, 59, 0, 90), 10, 50), true);
    assert.equal(withinBudget(step(100, 61), 10, 50), false);
  });

  it('takes the highest step within budget, whatever the order of the steps', () => {
    const steps = [step(400, 30), step(100, 2), step(200, 5), step(300, 12)];
    assert.equal(frontier(steps, 10), 200);
    assert.equal(frontier(steps, 50), 400);
    // One stalled lower step does not cap it; a step that fell behind or erred never counts.
    assert.equal(frontier([step(100, 20), step(200, 3), step(300, 3, 0, 200)], 10), 200);
    assert.equal(frontier([step(100, 2), step(200, 3, 1)], 10), 100);
    assert.equal(frontier([step(100, 20)], 10), 0);
  });

  it('lengthens short-rate steps to enough samples, within bounds', () => {
    assert.equal(stepSeconds(25, 3, 8), 8);
    assert.equal(stepSeconds(50, 3, 8), 4);
    assert.equal(stepSeconds(1000, 3, 8), 3);
    assert.equal(stepSeconds(10, 3, 8, 20), 3);
  });

  it('formats ratios and refuses meaningless ones', () => {
    assert.equal(ratio(3, 2), '1.50×');
    assert.equal(ratio(1, 0), 'n/a');
    assert.equal(ratio(NaN, 2), 'n/a');
  });

  it('sizes connections from the rate and the latency', () => {
    assert.equal(connectionsFor(1, 0), 8);
    assert.equal(connectionsFor(1000, 0), 40);
    assert.equal(connectionsFor(1000, 50), 140);
    assert.equal(connectionsFor(10_000, 50), 512);
  });

  it('fits the RSS slope of a soak in MiB per minute', () => {
    assert.ok(Number.isNaN(rssSlopeMiBPerMin([{ tSec: 0, kib: 1 }])));
    const flat = Array.from({ length: 60 }, (_, i) => ({ tSec: i, kib: 200 * 1024 + (i % 2 ? 512 : -512) }));
    assert.ok(Math.abs(rssSlopeMiBPerMin(flat)) < 0.5);
    // 1 MiB every 10 s: 6 MiB per minute.
    const growing = Array.from({ length: 60 }, (_, i) => ({ tSec: i, kib: 200 * 1024 + (i * 1024) / 10 }));
    assert.ok(Math.abs(rssSlopeMiBPerMin(growing) - 6) < 1e-9);
  });
});
