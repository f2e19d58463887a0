import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fixturesDir } from '../../helpers/paths.js';
import {
  bleu,
  corpusBleu,
  meteor,
  porterStem,
  pySplit,
  type BleuSmoothing,
} from '../../../src/evaluation/metrics/index.js';
import { must } from '../../helpers/must.js';

// Written by tools/make_metric_fixtures.py with NLTK 3.8; an {error} object
// means NLTK raised for that input, and then ours must throw.
type Value = number | { error: string };
interface Fixture {
  meta: { weights: number[][] };
  pairs: ({
    reference: string;
    candidate: string;
    bleu_weights: Value[];
    bleu_auto_reweigh: Value;
    meteor: Value;
  } & Record<string, unknown>)[];
  multi_reference: ({ references: string[]; candidate: string; meteor: Value } & Record<string, unknown>)[];
  corpus: ({ references: string[]; candidates: string[]; bleu_weights: Value[] } & Record<string, unknown>)[];
  split: { text: string; tokens: string[] }[];
  porter: Record<string, string>;
}

const fixture = JSON.parse(readFileSync(path.join(fixturesDir, 'metrics', 'nltk-bleu-meteor.json'), 'utf8')) as Fixture;
const METHODS: BleuSmoothing[] = ['method0', 'method1', 'method2', 'method3', 'method4'];
const TOL = 1e-9;

function check(failures: string[], label: string, expected: Value, compute: () => number): void {
  if (typeof expected === 'object') {
    assert.throws(compute, `${label}: NLTK raised ${expected.error}, ours must throw`);
    return;
  }
  const actual = compute();
  if (!(Math.abs(actual - expected) <= TOL)) failures.push(`${label}: ${actual} vs NLTK ${expected}`);
}

test('fixture covers edge cases and catalog pairs', () => {
  assert.ok(fixture.pairs.length > 150);
  assert.ok(fixture.pairs.some((p) => p.candidate === '') && fixture.pairs.some((p) => p.reference === ''));
});

test('sentence BLEU, every smoothing method, custom weights and auto-reweigh equal NLTK', () => {
  const failures: string[] = [];
  for (const [i, p] of fixture.pairs.entries()) {
    for (const m of METHODS) {
      check(failures, `#${i} ${m}`, p[`bleu_${m}`] as Value, () => bleu(p.reference, p.candidate, { smoothing: m }));
    }
    fixture.meta.weights.forEach((weights, w) =>
      check(failures, `#${i} weights ${weights.join(',')}`, must(p.bleu_weights[w], `BLEU for weights ${w}`), () =>
        bleu(p.reference, p.candidate, { weights }),
      ),
    );
    check(failures, `#${i} auto_reweigh`, p.bleu_auto_reweigh, () =>
      bleu(p.reference, p.candidate, { autoReweigh: true }),
    );
  }
  assert.deepEqual(failures, []);
});

test('multi-reference BLEU (closest reference length) and METEOR (best reference) equal NLTK', () => {
  const failures: string[] = [];
  for (const [i, p] of fixture.multi_reference.entries()) {
    for (const m of METHODS) {
      check(failures, `multi #${i} ${m}`, p[`bleu_${m}`] as Value, () =>
        bleu(p.references, p.candidate, { smoothing: m }),
      );
    }
    check(failures, `multi #${i} meteor`, p.meteor, () => meteor(p.references, p.candidate));
  }
  assert.deepEqual(failures, []);
});

test('corpus BLEU equals NLTK corpus_bleu', () => {
  const failures: string[] = [];
  for (const [i, c] of fixture.corpus.entries()) {
    for (const m of METHODS) {
      check(failures, `corpus #${i} ${m}`, c[`bleu_${m}`] as Value, () =>
        corpusBleu(c.references, c.candidates, { smoothing: m }),
      );
    }
    fixture.meta.weights.forEach((weights, w) =>
      check(failures, `corpus #${i} weights`, must(c.bleu_weights[w], `corpus BLEU for weights ${w}`), () =>
        corpusBleu(c.references, c.candidates, { weights }),
      ),
    );
  }
  assert.deepEqual(failures, []);
});

test('corpusBleu rejects mismatched lists, as NLTK asserts', () => {
  assert.throws(() => corpusBleu(['a b'], ['a b', 'c d']), /2 candidates but 1 reference lists/);
});

test('METEOR equals NLTK on every fixture pair', () => {
  const failures: string[] = [];
  for (const [i, p] of fixture.pairs.entries())
    check(failures, `#${i} meteor`, p.meteor, () => meteor(p.reference, p.candidate));
  assert.deepEqual(failures, []);
});

test("Porter stems equal NLTK's PorterStemmer (NLTK_EXTENSIONS)", () => {
  const wrong = Object.entries(fixture.porter).filter(([w, s]) => porterStem(w) !== s);
  assert.ok(Object.keys(fixture.porter).length > 500);
  assert.deepEqual(
    wrong.map(([w, s]) => `${w}: ${porterStem(w)} vs ${s}`),
    [],
  );
});

test("pySplit tokenises as Python's str.split()", () => {
  for (const { text, tokens } of fixture.split) assert.deepEqual(pySplit(text), tokens, JSON.stringify(text));
});
