import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { BlockMaxSession, type RowBlocks } from '../../../../providers/onnx/block-max-session.js';
import {
  bestNeeded,
  chooseToken,
  createRng,
  topKIndices,
  type SamplingParams,
} from '../../../../providers/onnx/sampling.js';
import { BUCKET_WIDTH, REST_ERROR, restWeight, wideFallbacks } from '../../../../providers/onnx/wide-sampling.js';
import { ranked } from './onnx-test-helpers.js';
import { must } from '../../../helpers/must.js';

// One real block-max session per vocabulary size, as the provider keeps one.
const sessions = new Map<number, Promise<BlockMaxSession | null>>();
after(async () => {
  for (const s of sessions.values()) await (await s)?.release();
});

/** The row's part of a real block-max run over `logits`, with the best tokens `params` needs (or null: no block size divides it). */
async function blocksOf(logits: Float32Array, params: SamplingParams): Promise<RowBlocks | null> {
  let pending = sessions.get(logits.length);
  if (pending === undefined) {
    pending = BlockMaxSession.create(logits.length);
    sessions.set(logits.length, pending);
  }
  const session = await pending;
  return session ? session.rowBlocks(await session.run(logits, 1, bestNeeded(params)), 0) : null;
}

/**
 * The reference token choice: the whole vocabulary sorted best first (ties:
 * the lower id), softmax at the temperature over the top-k prefix, the
 * top-p prefix, the min-p prefix, and a draw walking it best first.
 */
function reference(logits: Float32Array, p: SamplingParams, rand: () => number): number {
  const order = ranked(logits).filter(([, logit]) => logit > -Infinity);
  const [best] = order;
  if (best === undefined) return 0;
  if (!p.doSample || p.temperature <= 0) return best[0];
  const [, max] = best;
  const top = order
    .slice(0, p.topK > 0 ? Math.min(p.topK, order.length) : order.length)
    .map(([id, logit]) => ({ id, prob: Math.exp((logit - max) / p.temperature) }));
  const total = top.reduce((a, t) => a + t.prob, 0);
  let keep = top.length;
  if (p.topP < 1) {
    let mass = 0;
    for (const [i, t] of top.entries()) {
      mass += t.prob / total;
      if (mass >= p.topP) {
        keep = i + 1;
        break;
      }
    }
  }
  const minP = p.minP ?? 0;
  if (minP > 0) {
    // The best token's weight is 1: min-p keeps the prefix whose weights reach minP.
    const below = top.findIndex((t, i) => i > 0 && t.prob < minP);
    if (below !== -1) keep = Math.min(keep, below);
  }
  const kept = top.slice(0, keep);
  let r = rand() * kept.reduce((a, t) => a + t.prob, 0);
  for (const t of kept) {
    r -= t.prob;
    if (r < 0) return t.id;
  }
  return must(kept.at(-1), 'the last kept token').id;
}

type Shape = 'peaked' | 'flat' | 'ties' | 'banned';

/** Random logits of a given shape: a real model's spread, nearly flat (the bucket path), few distinct values, or mostly banned. */
function logitsOf(n: number, shape: Shape, rand: () => number): Float32Array {
  return Float32Array.from({ length: n }, () => {
    switch (shape) {
      case 'peaked':
        // Most ids far below the best few, as in a trained model's last layer.
        return rand() < 0.002 ? 10 + rand() * 8 : rand() * 6;
      case 'flat':
        return Math.round(rand() * 4000) / 1000;
      case 'ties':
        return Math.floor(rand() * 5) / 2;
      case 'banned':
        return rand() < 0.9 ? -Infinity : Math.floor(rand() * 40) / 4;
    }
  });
}

const SETTINGS: Array<[string, SamplingParams]> = [
  ['top-k off, top-p 0.9, T 0.7', { doSample: true, temperature: 0.7, topK: 0, topP: 0.9 }],
  ['top-p 0.8 alone (T 1)', { doSample: true, temperature: 1, topK: 0, topP: 0.8 }],
  ['min-p 0.05 alone', { doSample: true, temperature: 1, topK: 0, topP: 1, minP: 0.05 }],
  ['min-p 0.1 after top-p 0.95', { doSample: true, temperature: 0.8, topK: 0, topP: 0.95, minP: 0.1 }],
  ['plain sampling', { doSample: true, temperature: 1, topK: 0, topP: 1 }],
  ['top-k 1000, top-p 0.9', { doSample: true, temperature: 0.7, topK: 1000, topP: 0.9 }],
  ['top-k 20, top-p 0.8 (Qwen2.5)', { doSample: true, temperature: 0.7, topK: 20, topP: 0.8 }],
  ['top-k 200, T 0.8', { doSample: true, temperature: 0.8, topK: 200, topP: 1 }],
  ['greedy', { doSample: false, temperature: 1, topK: 0, topP: 1 }],
];

for (const [name, params] of SETTINGS) {
  test(`token choice without a full sort equals the full-sort reference, seeded, ties included: ${name}`, async () => {
    const rand = createRng(2024);
    const shapes: Shape[] = ['peaked', 'flat', 'ties', 'banned'];
    // Small vocabularies (the sorted list), large ones (the buckets), and Qwen2.5's own size; the large ones also
    // through a block-max run (blocks of 160 and of 128).
    const sizes = [50, 3000, 20_000, 151_936];
    for (const n of sizes) {
      for (const shape of shapes) {
        const trials = n > 10_000 ? 2 : 10;
        for (let t = 0; t < trials; t++) {
          const logits = logitsOf(n, shape, rand);
          const seed = Math.floor(rand() * 2 ** 32);
          const expected = reference(logits, params, createRng(seed));
          const got = chooseToken(Float32Array.from(logits), params, createRng(seed));
          assert.equal(got, expected, `${name}: vocabulary ${n}, ${shape} logits, trial ${t}`);
          if (n < 10_000) continue;
          const blocks = await blocksOf(logits, params);
          assert.ok(blocks, `vocabulary ${n} has blocks`);
          assert.equal(
            chooseToken(Float32Array.from(logits), params, createRng(seed), null, blocks),
            expected,
            `${name}: vocabulary ${n}, ${shape} logits, trial ${t}, with blocks`,
          );
        }
      }
    }
  });
}

test('many draws from one row follow the reference token for token (the draws are where the buckets are cut), with blocks too', async () => {
  const rand = createRng(99);
  const logits = logitsOf(151_936, 'flat', rand);
  const params: SamplingParams = { doSample: true, temperature: 0.7, topK: 0, topP: 0.9 };
  const blocks = await blocksOf(logits, params);
  const [fast, withBlocks, slow] = [createRng(5), createRng(5), createRng(5)];
  // The reference sorts the row at every call: a few draws keep this test short.
  for (let i = 0; i < 8; i++) {
    const want = reference(logits, params, slow);
    assert.equal(chooseToken(Float32Array.from(logits), params, fast), want, `draw ${i}`);
    assert.equal(
      chooseToken(Float32Array.from(logits), params, withBlocks, null, blocks),
      want,
      `draw ${i}, with blocks`,
    );
  }
});

test('top-k above the list limit equals a stable full sort, on flat and tied logits', () => {
  const rand = createRng(17);
  for (const shape of ['flat', 'ties', 'peaked'] as const) {
    for (const [n, k] of [
      [3300, 2000],
      [40_000, 600],
      [151_936, 300],
    ] as const) {
      const logits = logitsOf(n, shape, rand);
      const expected = ranked(logits)
        .slice(0, k)
        .map(([id]) => id);
      assert.deepEqual(topKIndices(logits, k), expected, `${shape}, vocabulary ${n}, k ${k}`);
    }
  }
});

test("with blocks, a top-k above the list limit keeps its k-th best when each of the k best is its own block's best", async () => {
  // The floor the blocks give (the k-th best block's best) is then the k-th best score itself, and a draw of almost 1 takes it.
  const logits = new Float32Array(151_936).fill(-20);
  for (let j = 0; j < 1187; j++) logits[j * 128 + (j % 128)] = 10 + j / 4096;
  const params: SamplingParams = { doSample: true, temperature: 1, topK: 1000, topP: 1 };
  const last = () => 1 - 2 ** -32;
  const expected = reference(logits, params, last);
  assert.equal(expected, 187 * 128 + (187 % 128));
  assert.equal(chooseToken(Float32Array.from(logits), params, last, null, await blocksOf(logits, params)), expected);
});

test('with blocks, a wide draw skips only the blocks whose best is below the floor', async () => {
  // Every other block is full of tokens of log-weight -20 (2e-9 each, 1.6e-4 in all): they count, and a draw near 1
  // lands among them. (Far lighter ones, each under the rounding of the running sum they are added to, would make the
  // reference's own sum drift from any other order's by tokens.)
  const logits = new Float32Array(151_936).fill(-Infinity);
  logits[7] = 0;
  for (let j = 1; j < 1187; j += 2) logits.fill(-20, j * 128, (j + 1) * 128);
  const params: SamplingParams = { doSample: true, temperature: 1, topK: 0, topP: 1 };
  const last = () => 1 - 2 ** -32;
  const expected = reference(logits, params, last);
  assert.ok(logits[expected] === -20, `the draw lands in the tail (${expected})`);
  assert.equal(chooseToken(Float32Array.from(logits), params, last), expected);
  assert.equal(chooseToken(Float32Array.from(logits), params, last, null, await blocksOf(logits, params)), expected);
});

test("a long candidate list (a processor's) gives the same token as the whole vocabulary with the rest banned", () => {
  const rand = createRng(3);
  const params: SamplingParams = { doSample: true, temperature: 1, topK: 0, topP: 0.9 };
  for (let t = 0; t < 10; t++) {
    const logits = new Float32Array(20_000).fill(-Infinity);
    const ids: number[] = [];
    for (let i = 0; i < 5000; i++) {
      const id = Math.floor(rand() * logits.length);
      if (logits[id] !== -Infinity) continue;
      logits[id] = Math.floor(rand() * 40) / 8;
      ids.push(id);
    }
    const seed = t + 100;
    assert.equal(
      chooseToken(Float32Array.from(logits), params, createRng(seed), ids),
      reference(logits, params, createRng(seed)),
    );
  }
});

test('every score banned: the lowest id, as argmax picks it', () => {
  const banned = new Float32Array(151_936).fill(-Infinity);
  assert.equal(chooseToken(banned, { doSample: true, temperature: 1, topK: 0, topP: 0.9 }, createRng(1)), 0);
});

test("the bucket weights' polynomial stays within its stated error of exp over the whole bucket width", () => {
  const rand = createRng(41);
  const fs = [0, 2 ** -30, 0.5, 1 - 2 ** -52, ...Array.from({ length: 100_000 }, (_, i) => i / 100_000)];
  for (let i = 0; i < 100_000; i++) fs.push(rand());
  let worst = 0;
  for (const f of fs) {
    const exact = Math.exp(-f * BUCKET_WIDTH);
    worst = Math.max(worst, Math.abs(restWeight(f) - exact) / exact);
  }
  assert.ok(worst <= REST_ERROR, `worst relative error ${worst} over ${REST_ERROR}`);
  // The bound is not slack by orders of magnitude: the remainder at the far edge is near it.
  assert.ok(worst > REST_ERROR / 4, `worst relative error ${worst}`);
});

/** The reference's running sums over `logits` best first at temperature `t`: weights, their running sum, and the same divided by the total term by term (top-p's). */
function runningSums(logits: Float32Array, t: number): { sums: number[]; shares: number[]; total: number } {
  const order = ranked(logits);
  const max = must(order[0], 'a best token')[1];
  const probs = order.map(([, logit]) => Math.exp((logit - max) / t));
  const total = probs.reduce((a, p) => a + p, 0);
  const sums: number[] = [];
  const shares: number[] = [];
  let sum = 0;
  let share = 0;
  for (const p of probs) {
    sums.push((sum += p));
    shares.push((share += p / total));
  }
  return { sums, shares, total };
}

/** Values at and next to `x` (a few units in the last place either side). */
function around(x: number): number[] {
  const eps = Math.abs(x) * 2 ** -52;
  return [x - 4 * eps, x - eps, x, x + eps, x + 4 * eps];
}

test('draws and top-p cuts forced onto token boundaries follow the reference, through the exact fallback', () => {
  const rand = createRng(77);
  const before = wideFallbacks();
  for (const n of [20_000, 151_936]) {
    const logits = Float32Array.from({ length: n }, () => rand() * 4);
    const plain: SamplingParams = { doSample: true, temperature: 1, topK: 0, topP: 1 };
    const { sums, shares, total } = runningSums(logits, 1);
    // Boundaries spread over the row: near the start, the middle, and the tail (at Qwen2.5's size, the middle only: the
    // reference sorts the row at every call).
    for (const k of n < 100_000 ? [3, Math.floor(n / 3), Math.floor(n / 2), n - 40] : [Math.floor(n / 2)]) {
      for (const x of around(must(sums[k], 'a running sum') / total)) {
        if (!(x >= 0 && x < 1)) continue;
        const draw = () => x;
        assert.equal(
          chooseToken(Float32Array.from(logits), plain, draw),
          reference(logits, plain, draw),
          `n ${n}, draw at ${k}`,
        );
      }
      for (const topP of around(must(shares[k], 'a running share'))) {
        const params: SamplingParams = { doSample: true, temperature: 1, topK: 0, topP };
        // A draw of almost 1 takes the last kept token, so the cut shows in the token.
        const last = () => 1 - 2 ** -32;
        assert.equal(
          chooseToken(Float32Array.from(logits), params, last),
          reference(logits, params, last),
          `n ${n}, top-p cut at ${k}`,
        );
      }
    }
  }
  assert.ok(wideFallbacks() > before, 'the boundary cases went through the fallback');
});
