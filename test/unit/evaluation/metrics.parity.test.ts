import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parityDir } from '../../helpers/paths.js';
import { bleu, meteor, rougeL, rougeN } from '../../../src/evaluation/metrics/index.js';

interface ParityPair {
  reference: string;
  candidate: string;
  bleu: number | null;
  bleu_method1: number | null;
  rouge1: number | null;
  rouge2: number | null;
  rougeL: number | null;
  meteor: number | null;
}

const parity = JSON.parse(readFileSync(path.join(parityDir, 'text-metrics.json'), 'utf8')) as {
  meta: { tolerance: number };
  pairs: ParityPair[];
};
const TOL = 1e-9;

const metrics: Record<Exclude<keyof ParityPair, 'reference' | 'candidate'>, (r: string, c: string) => number> = {
  bleu: (r, c) => bleu(r, c),
  bleu_method1: (r, c) => bleu(r, c, { smoothing: 'method1' }),
  rouge1: (r, c) => rougeN(r, c, 1),
  rouge2: (r, c) => rougeN(r, c, 2),
  rougeL: (r, c) => rougeL(r, c),
  meteor: (r, c) => meteor(r, c),
};

test('the shared parity file has the pairs it promises', () => {
  assert.ok(parity.pairs.length >= 400, `only ${parity.pairs.length} pairs`);
  assert.ok(parity.meta.tolerance <= TOL);
});

for (const [name, fn] of Object.entries(metrics)) {
  test(`${name} equals the reference implementation on every shared parity pair (1e-9)`, () => {
    const failures: string[] = [];
    for (const [i, pair] of parity.pairs.entries()) {
      const expected = pair[name as keyof typeof metrics];
      if (expected === null) {
        // The reference raised for this pair; ours must throw too.
        assert.throws(() => fn(pair.reference, pair.candidate), `pair ${i}: expected an error`);
        continue;
      }
      const actual = fn(pair.reference, pair.candidate);
      if (!(Math.abs(actual - expected) <= TOL)) {
        failures.push(`#${i} ${JSON.stringify(pair.candidate).slice(0, 60)}: ${actual} vs ${expected}`);
      }
    }
    assert.deepEqual(failures, []);
  });
}
