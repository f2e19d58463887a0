import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadLabelledSet, runCase, score } from '../../../../bench/fact-check/labelled-set.js';
import { chapter4Dir } from '../../../helpers/paths.js';

// The targets of docs/fact-check.md: recall on faulty texts, false positives on clean ones.
const MIN_RECALL = 0.9;
const MAX_FALSE_POSITIVE_RATE = 0.05;

const cases = loadLabelledSet(chapter4Dir);

test('the labelled set: at least 80 cases, half faulty, 10 products of several categories, a held-out part of 30%', () => {
  assert.ok(cases.length >= 80, `${cases.length} cases`);
  assert.ok(cases.filter((c) => c.case.verdict !== 'PASS').length * 2 >= cases.length);
  const products = new Set(cases.map((c) => c.case.product));
  assert.ok(products.size >= 10, `${products.size} products`);
  const categories = new Set(cases.map((c) => c.product.category).filter(Boolean));
  assert.ok(categories.size >= 6, `${categories.size} categories`);
  assert.ok(cases.filter((c) => c.case.split === 'held-out').length >= 0.3 * cases.length);
  assert.deepEqual(new Set(cases.map((c) => c.source)), new Set(['onnx', 'gpt35', 'written']));
});

for (const split of ['all', 'held-out'] as const) {
  test(`the checker meets its targets on the labelled set (${split}): recall ≥ ${MIN_RECALL}, false positives ≤ ${MAX_FALSE_POSITIVE_RATE * 100}%`, () => {
    const outcomes = cases.filter((c) => split === 'all' || c.case.split === split).map(runCase);
    const s = score(outcomes);
    const missed = outcomes
      .filter((o) => o.resolved.case.verdict !== 'PASS' && o.verdict === 'PASS')
      .map((o) => o.resolved.case.id);
    const flagged = outcomes
      .filter((o) => o.resolved.case.verdict === 'PASS' && o.verdict !== 'PASS')
      .map((o) => `${o.resolved.case.id} (${o.codes.join(', ')})`);
    assert.ok(s.recall >= MIN_RECALL, `recall ${s.recall.toFixed(3)}; missed: ${missed.join(', ')}`);
    assert.ok(
      s.falsePositiveRate <= MAX_FALSE_POSITIVE_RATE,
      `false-positive rate ${s.falsePositiveRate.toFixed(3)}; flagged: ${flagged.join(', ')}`,
    );
  });
}
