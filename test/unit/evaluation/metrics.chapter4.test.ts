import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { chapter4Dir, fixturesDir } from '../../helpers/paths.js';
import { scorePair } from '../../../src/evaluation/metrics/index.js';
import { must } from '../../helpers/must.js';

interface Row {
  product_description: string;
}
interface Expected {
  row: number;
  candidate_chars: number;
  bleu: number;
  rouge1: number;
  rouge2: number;
  rougeL: number;
  meteor: number;
}

const readCsv = (name: string): Row[] =>
  parse<Row>(readFileSync(path.join(chapter4Dir, name), 'utf8'), { columns: true });

test('chapter-4 GPT-3.5 rows score finitely and equal NLTK/sumeval (fixture from tools/make_metric_fixtures.py)', () => {
  const references = readCsv('reference_data.csv');
  const candidates = readCsv('gpt3_descriptions.csv');
  const expected = (
    JSON.parse(readFileSync(path.join(fixturesDir, 'metrics', 'chapter4-scores.json'), 'utf8')) as { rows: Expected[] }
  ).rows;
  assert.equal(candidates.length, references.length);
  assert.equal(expected.length, candidates.length);
  for (const e of expected) {
    const reference = must(references[e.row], `reference row ${e.row}`).product_description;
    const candidate = must(candidates[e.row], `candidate row ${e.row}`).product_description;
    // Same text as Python's csv module read (length in code points).
    assert.equal(Array.from(candidate).length, e.candidate_chars, `row ${e.row} parsed differently`);
    const scores = scorePair(reference, candidate);
    for (const key of ['bleu', 'rouge1', 'rouge2', 'rougeL', 'meteor'] as const) {
      const v = scores[key];
      assert.ok(v !== null && Number.isFinite(v) && v >= 0 && v <= 1, `row ${e.row} ${key} = ${v}`);
      assert.ok(Math.abs(v - e[key]) <= 1e-9, `row ${e.row} ${key}: ${v} vs ${e[key]}`);
    }
  }
});

test('scorePair computes only the metrics asked for and rejects unknown ones', () => {
  const s = scorePair('a red dress', 'a red dress', ['rouge1']);
  assert.equal(s.rouge1, 1);
  assert.equal(s.bleu, null);
  assert.equal(s.meteor, null);
  assert.throws(() => scorePair('a', 'a', ['nope' as never]), /unknown metric "nope"/);
});
