/**
 * Token choice from one row's scores once its processors have run: greedy
 * (argmax), or Hugging Face's warpers in Hugging Face's order (temperature,
 * top-k, top-p, min-p) and a draw from a seeded PRNG. Ties go to the lower
 * id, in every setting, so the same scores and seed give the same token
 * whichever path chooses it.
 *
 * The reference is a full sort of the vocabulary (best first), softmax at
 * the temperature, the top-k prefix, the smallest prefix of it whose mass
 * reaches top_p, the prefix whose probability is at least min_p times the
 * best one's, and a draw walking that prefix best first. Nothing here sorts
 * the vocabulary: a small top-k keeps a bounded list in one pass (over only
 * the best blocks when the row has its blocks' maxima), a short candidate
 * list (a processor's) is sorted alone, and every other setting goes
 * through wide-sampling.ts. Pure: no I/O, no global randomness.
 */
import { seededRandom } from '../random.js';
import type { RowBlocks } from './block-max-session.js';
import { drawFromList, listId, listValue } from './draw.js';
import type { SamplingParams } from './sampling-params.js';
import { bestOfBlocks, drawWide, topIndices } from './wide-sampling.js';

export type { SamplingParams };

/** One seeded generator per row, so rows do not share a stream. */
export const createRng: (seed: number) => () => number = seededRandom;

/** argmax over `ids` only, with argmax's tie rule (the lower id). */
function argmaxOf(logits: Float32Array, ids: readonly number[]): number {
  let best = ids[0] ?? 0;
  let bestValue = -Infinity;
  for (const id of ids) {
    const v = logits[id];
    if (v !== undefined && before(v, id, bestValue, best)) {
      bestValue = v;
      best = id;
    }
  }
  return best;
}

export function argmax(logits: Float32Array): number {
  let best = 0;
  let bestValue = -Infinity;
  for (let i = 0; i < logits.length; i++) {
    const v = logits[i];
    if (v !== undefined && v > bestValue) {
      bestValue = v;
      best = i;
    }
  }
  return best;
}

/**
 * The k largest logits into `idx`/`val`, best first (ties: lower index
 * first); returns how many (min(k, length)). A bounded insertion list, in
 * two loops: the first k logits fill it, then the rest are compared with its
 * k-th best only, which most fail.
 */
function selectTopK(logits: Float32Array, k: number, idx: Int32Array, val: Float64Array): number {
  const n = logits.length;
  let size = 0;
  let i = 0;
  for (; i < n && size < k; i++) insert(idx, val, size++, logits[i] ?? Number.NaN, i);
  let least = listValue(val, size - 1); // the k-th best so far
  for (; i < n; i++) {
    const v = logits[i];
    if (v === undefined || v <= least) continue;
    insert(idx, val, k - 1, v, i);
    least = listValue(val, k - 1);
  }
  return size;
}

/**
 * selectTopK over the logits of `ids` only (in any order), with its order:
 * best first, ties by the lower id, so the same token is drawn as from the
 * whole vocabulary when every other logit is -Infinity.
 */
function selectTopKOf(
  logits: Float32Array,
  ids: readonly number[],
  k: number,
  idx: Int32Array,
  val: Float64Array,
): number {
  let size = 0;
  for (const id of ids) {
    const v = logits[id];
    if (v !== undefined) size = offer(v, id, k, size, idx, val);
  }
  return size;
}

/** Puts logit `v` of id `i` into the best-first list of `size` entries (at most k, ties by the lower id) if it belongs there; returns the list's new size. */
function offer(v: number, i: number, k: number, size: number, idx: Int32Array, val: Float64Array): number {
  if (size === k && !before(v, i, listValue(val, k - 1), listId(idx, k - 1))) return size;
  let j = size < k ? size : k - 1;
  while (j > 0 && before(v, i, listValue(val, j - 1), listId(idx, j - 1))) {
    val[j] = listValue(val, j - 1);
    idx[j] = listId(idx, j - 1);
    j--;
  }
  val[j] = v;
  idx[j] = i;
  return size < k ? size + 1 : size;
}

function before(v: number, i: number, w: number, j: number): boolean {
  return v > w || (v === w && i < j);
}

/** Puts logit `i` of value `v` into the best-first list at position `at` or above, moving worse entries down one. */
function insert(idx: Int32Array, val: Float64Array, at: number, v: number, i: number): void {
  let j = at;
  while (j > 0 && listValue(val, j - 1) < v) {
    val[j] = listValue(val, j - 1);
    idx[j] = listId(idx, j - 1);
    j--;
  }
  val[j] = v;
  idx[j] = i;
}

/**
 * Largest top-k kept in a bounded list; above it (or with top-k off) the
 * whole-vocabulary path is cheaper than insertion, which is O(V·k).
 */
const LIST_LIMIT = 256;

/** Indices of the k largest logits, best first (ties: lower index first). */
export function topKIndices(logits: Float32Array, k: number): number[] {
  if (k > LIST_LIMIT) return topIndices(logits, k);
  const idx = new Int32Array(k);
  const size = selectTopK(logits, k, idx, new Float64Array(k));
  return Array.from(idx.subarray(0, size));
}

// chooseToken's candidates, reused from call to call: sampling a token allocates nothing.
let candIdx = new Int32Array(64);
let candVal = new Float64Array(64);

function room(k: number): void {
  if (candIdx.length >= k) return;
  candIdx = new Int32Array(k);
  candVal = new Float64Array(k);
}

/**
 * selectTopK over the ids of the `k` best blocks only: they hold the k best
 * ids. (Each block that holds one of them has its own best among them, and
 * every block's best is better than any id outside them, ties by the lower
 * id as blocks are in id order.) Returns how many, or -1 when a block's
 * maximum is NaN (a NaN score), whose blocks cannot be ranked.
 */
function selectTopKInBlocks(
  logits: Float32Array,
  blocks: RowBlocks,
  k: number,
  idx: Int32Array,
  val: Float64Array,
): number {
  const { maxima, offset, count, size } = blocks;
  if (Number.isNaN(bestOfBlocks(blocks))) return -1;
  const kb = Math.min(k, count);
  roomBlocks(kb);
  const nb = selectTopK(maxima.subarray(offset, offset + count), kb, blockIdx, blockVal);
  // At least k ids score as much as the k-th best block's best, so no id below it is among the k best: most fail this test.
  const least = nb === k ? listValue(blockVal, k - 1) : -Infinity;
  let got = 0;
  for (let n = 0; n < nb; n++) {
    const first = listId(blockIdx, n) * size;
    for (let i = first; i < first + size; i++) {
      // The last block may run past the vocabulary.
      const v = logits[i];
      if (v !== undefined && v >= least) got = offer(v, i, k, got, idx, val);
    }
  }
  return got;
}

// The best blocks' list, reused from call to call.
let blockIdx = new Int32Array(64);
let blockVal = new Float64Array(64);

function roomBlocks(k: number): void {
  if (blockIdx.length >= k) return;
  blockIdx = new Int32Array(k);
  blockVal = new Float64Array(k);
}

/**
 * How many best tokens the row's choice needs: 1 for greedy, top-k when it
 * is on (the choice is then made among them), else 0 (the whole
 * distribution).
 */
export function bestNeeded(params: SamplingParams): number {
  if (!params.doSample || params.temperature <= 0) return 1;
  return params.topK > 0 ? params.topK : 0;
}

/**
 * Chooses the next token. `logits` are the row's scores, which may be
 * changed. `candidates`, when given, holds every id whose score is finite
 * (a processor's short list): only those are looked at, with the same
 * result. `blocks`, when given, are the row's part of a block-max run over
 * these scores (block-max-session.ts): its best tokens when they are all the
 * choice needs, else only the blocks that can hold the token are read, with
 * the same result.
 */
export function chooseToken(
  logits: Float32Array,
  params: SamplingParams,
  rand: () => number,
  candidates?: readonly number[] | null,
  blocks?: RowBlocks | null,
): number {
  const greedy = !params.doSample || params.temperature <= 0;
  if (greedy && candidates) return argmaxOf(logits, candidates);
  const k = greedy ? 1 : params.topK > 0 ? Math.min(params.topK, logits.length) : logits.length;
  if (candidates) {
    const n = Math.min(k, candidates.length);
    if (n > LIST_LIMIT) return drawWide(logits, params, rand, candidates);
    room(n);
    return drawFromList(candIdx, candVal, selectTopKOf(logits, candidates, n, candIdx, candVal), params, rand);
  }
  if (k > LIST_LIMIT) return drawWide(logits, params, rand, null, blocks);
  room(k);
  let size: number;
  if (blocks && k <= blocks.k) {
    candIdx.set(blocks.topIds.subarray(blocks.topOffset, blocks.topOffset + k));
    candVal.set(blocks.topValues.subarray(blocks.topOffset, blocks.topOffset + k));
    size = k;
  } else size = blocks ? selectTopKInBlocks(logits, blocks, k, candIdx, candVal) : -1;
  if (greedy) return size > 0 ? listId(candIdx, 0) : argmax(logits);
  return drawFromList(candIdx, candVal, size >= 0 ? size : selectTopK(logits, k, candIdx, candVal), params, rand);
}
