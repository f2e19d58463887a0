/**
 * Sampling over a whole vocabulary (or a long candidate list) without
 * sorting it, with the reference's result (sampling.ts): what a 151,936-token
 * vocabulary needs when top-k is off or large, for top-p, min-p or plain
 * sampling.
 *
 * 1. The best score comes from the blocks' maxima when the row has them
 *    (block-max-session.ts), else from one pass.
 * 2. One pass over the tokens that can matter, those whose weight
 *    exp((score - best) / temperature) is at least 2^-54, puts each in a
 *    bucket of log-weight (4,096 of equal width between 0 and log 2^-54),
 *    counts it, links it into its bucket's list, and adds its weight to the
 *    bucket's sum. A smaller weight changes no sum that starts at the best
 *    token's weight 1 (it is under half a unit in the last place), so the
 *    reference, which adds best first, gets the same total, the same top-p
 *    prefix and the same draw without them; and a 32-bit draw never lands
 *    on them. With min-p and no top-p, only tokens of weight min_p or more
 *    can be kept, so those are all it looks at. A block whose best score is
 *    below the floor is skipped whole.
 * 3. Whole buckets are counted and summed; only a bucket that the top-k
 *    count, the top-p mass, the min-p floor or the draw falls in has its
 *    list sorted, and its tokens' weights are the reference's own. When few
 *    tokens are kept, or a top-k of at most SORT_LIMIT cuts them (its pass
 *    sums nothing), the best ones are sorted and the reference's arithmetic
 *    runs on them term by term (draw.ts). Bucket sums hold polynomial
 *    weights added in another order: a cut or a draw within their proven
 *    error of a token boundary takes the reference's arithmetic over every
 *    kept token instead (restWeight, fallBack).
 *
 * Ties go to the lower id throughout, as in the reference. Pure.
 */
import type { RowBlocks } from './block-max-session.js';
import { drawFromList } from './draw.js';
import type { SamplingParams } from './sampling-params.js';

// Every index read in this file is in range (ids below the vocabulary, buckets below BUCKETS, positions below the
// counts). Were one not, its stand-in changes no result: a score of -Infinity (never kept, weight 0), an id of -1 (no
// token, ends a list), a count or mass of 0, a block maximum of Infinity (the block is read) or NaN (the row is read
// whole); placeKept skips a missing one instead, as any stand-in there would be bucketed. V8 speculates typed-array
// reads in bounds, so in optimized code these checks are folded away.

/** log(2^-54): a weight below it is absorbed by any sum of weights that already holds 1. */
const ABSORBED = Math.log(2 ** -54);
/** Kept a little below the exact floor: the weights are computed exactly afterwards, and a token kept in excess is harmless. */
const SLACK = 1e-6;
/** Longest list sorted whole and drawn from term by term. */
const SORT_LIMIT = 2048;
const BUCKETS = 4096;
/** Log-weights bucketed: [-RANGE, 0], a little past the lowest kept. */
const RANGE = 1e-3 - ABSORBED;
const WIDTH = RANGE / BUCKETS;
const SCALE = 1 / WIDTH;
/** Each bucket's top weight, exp(-b * WIDTH): a bucket sums its tokens' rests and is multiplied by it once. */
const TOPS = Float64Array.from({ length: BUCKETS }, (_, b) => Math.exp(-b * WIDTH));
/** A bucket's lowest log-weight is within this of -(b + 1) * WIDTH after rounding; whole-bucket decisions leave room for it. */
const EDGE = 1e-9;
/** Ids are packed below this in a sort key (21 bits; 53 in all with the score's 32). */
const ID_SPACE = 2 ** 21;

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** A number whose ascending order is (score descending, id ascending), exact in a double. */
function sortKey(score: number, id: number): number {
  f32[0] = score === 0 ? 0 : score; // -0 ties with +0, as in the reference's comparisons
  const bits = u32[0] ?? 0;
  const ascending = bits & 0x80000000 ? ~bits >>> 0 : (bits | 0x80000000) >>> 0;
  return (0xffffffff - ascending) * ID_SPACE + id;
}

function idOfKey(key: number): number {
  return key % ID_SPACE;
}

/**
 * A token's weight is its bucket's top weight TOPS[b] times exp(-f * WIDTH),
 * f in [0, 1) its offset within the bucket in bucket widths; restWeight
 * gives the second factor from f by Taylor to degree 4 (Estrin's order: a
 * short chain of dependent operations), much cheaper than a Math.exp call.
 * Why the choice stays the reference's, with bucket sums that are not its
 * weights nor added in its order: relative to the reference's weight
 * exp((score - best) / t), a bucketed weight is off by at most
 * - the Lagrange remainder WIDTH^5 / 120 (times exp(-xi) <= 1), over the
 *   smallest value exp(-WIDTH): 5.4e-13;
 * - the rounding of f (exact: u - b, Sterbenz) and of u = (best - score) * K
 *   (K rounded, then the product: 3 units of 2^-53 of u < BUCKETS, so
 *   1.4e-12 bucket widths, 1.3e-14 in log-weight), of the polynomial (under
 *   8 units), of TOPS[b] and of the reference's own argument and exp
 *   (under 1e-14 together);
 * so REST_ERROR = 6e-13 bounds it. Sums of n positive terms are off by at
 * most (n - 1) units of 2^-53 of their sum, and the reference's running sums
 * (its top-p's divided by the total, a unit more per term) no less: every
 * mass this file compares is within errorOf(n) of the total of the reference's
 * counterpart. A cut or a draw whose target lies within twice that (both
 * sides off) of a token boundary may fall on either side of it, and goes to
 * the reference's arithmetic over the sorted tokens (fallBack); anywhere else
 * both fall in the same token.
 */
const W1 = -WIDTH;
const W2 = WIDTH ** 2 / 2;
const W3 = -(WIDTH ** 3) / 6;
const W4 = WIDTH ** 4 / 24;
export const REST_ERROR = 6e-13;
if (WIDTH ** 5 / 120 / Math.exp(-WIDTH) > REST_ERROR / 1.1) throw new RangeError('buckets too wide for restWeight');

/** exp(-f * WIDTH) for 0 <= f < 1, within REST_ERROR of it (relative). */
export function restWeight(f: number): number {
  const f2 = f * f;
  return 1 + f * W1 + f2 * (W2 + f * W3 + f2 * W4);
}

/** The bucket width in log-weight (exported for the tests of restWeight). */
export const BUCKET_WIDTH = WIDTH;

/** The bound, relative to the total mass, on how far a mass of `n` bucketed tokens can be from the reference's (see restWeight). */
function errorOf(n: number): number {
  return REST_ERROR + (2 * n + 2 * BUCKETS + 16) * 2 ** -53;
}

let fallbacks = 0;

/** How many wide draws, since the module loaded, fell within rounding of a token boundary and took the reference's arithmetic over every kept token. */
export function wideFallbacks(): number {
  return fallbacks;
}

// Scratch, grown as needed and reused from call to call.
const counts = new Int32Array(BUCKETS);
const masses = new Float64Array(BUCKETS);
/** Per bucket, the last id put in it (-1: none); links[id] is the one put before it. */
const heads = new Int32Array(BUCKETS);
/**
 * A second lane of the same, for every other id of a pass: on a flat row
 * neighbouring ids fall in the same few buckets, and each update of a bucket
 * would wait for the one before it to be stored; two lanes halve those
 * chains. Added into the first lane's counts and masses when a pass ends;
 * a bucket's members are both lanes' lists.
 */
const counts2 = new Int32Array(BUCKETS);
const masses2 = new Float64Array(BUCKETS);
const heads2 = new Int32Array(BUCKETS);
let links = new Int32Array(0);
/** The ids kept, in id order, where they are gathered before they are bucketed. */
let kept = new Int32Array(0);
/** Candidate lists may repeat an id: one placed in this call has stamps[id] === epoch, and is not placed twice (a list would loop). */
let stamps = new Int32Array(0);
let epoch = 0;
/** Per bucket, where its sorted members start in `sorted`; -1 until a walk asks for them. */
const firstOf = new Int32Array(BUCKETS);
let sorted = new Int32Array(0);
let used = 0;
let keys = new Float64Array(0);
let listIdx = new Int32Array(0);
let listVal = new Float64Array(0);

function grow(vocab: number): void {
  if (links.length >= vocab) return;
  const size = Math.max(vocab, 2 * links.length);
  links = new Int32Array(size);
  kept = new Int32Array(size);
  stamps = new Int32Array(size);
  sorted = new Int32Array(size);
  keys = new Float64Array(size);
  listIdx = new Int32Array(size);
  listVal = new Float64Array(size);
}

/** The best score among `ids` (or the whole array); -Infinity when every one is banned. NaN is never the best. */
function best(scores: Float32Array, ids: readonly number[] | null | undefined): number {
  let max = -Infinity;
  if (ids) {
    for (let i = 0; i < ids.length; i++) {
      const v = scores[ids[i] ?? -1] ?? -Infinity;
      if (v > max) max = v;
    }
  } else {
    for (let i = 0; i < scores.length; i++) {
      const v = scores[i] ?? -Infinity;
      if (v > max) max = v;
    }
  }
  return max;
}

/** The best of the blocks' maxima; NaN when one of them is NaN (onnxruntime's max of a block that holds a NaN), and then the blocks are not used. */
export function bestOfBlocks(blocks: RowBlocks): number {
  const { maxima, offset, count } = blocks;
  let max = -Infinity;
  for (let j = offset; j < offset + count; j++) {
    const v = maxima[j] ?? NaN;
    if (v > max) max = v;
    else if (v !== v) return NaN;
  }
  return max;
}

/**
 * Buckets ids [from, to) whose log-weight is at least `floor`: counted,
 * linked, and their weights added; returns how many. For a row where
 * nearly every score is kept, so the test is nearly always true.
 */
function placeRange(scores: Float32Array, from: number, to: number, max: number, inv: number, floor: number): number {
  // A local: `links` is reassigned when it grows, so its module binding is read again at every use. (The constant
  // arrays are not aliased: measured, the loops ran slower so.)
  const ln = links;
  // u is the log-weight in bucket widths, from the score in one step: its integer part is the bucket, the rest the
  // offset within it.
  const k = inv * SCALE;
  const top = -floor * SCALE;
  let n = 0;
  let i = from;
  for (; i + 1 < to; i += 2) {
    const u = (max - (scores[i] ?? -Infinity)) * k;
    const x = (max - (scores[i + 1] ?? -Infinity)) * k;
    if (u <= top) {
      // Truncation is floor here (u is at least 0), and RANGE keeps it under BUCKETS.
      const b = u | 0;
      counts[b] = (counts[b] ?? 0) + 1;
      ln[i] = heads[b] ?? -1;
      heads[b] = i;
      masses[b] = (masses[b] ?? 0) + restWeight(u - b);
      n++;
    }
    if (x <= top) {
      const b = x | 0;
      counts2[b] = (counts2[b] ?? 0) + 1;
      ln[i + 1] = heads2[b] ?? -1;
      heads2[b] = i + 1;
      masses2[b] = (masses2[b] ?? 0) + restWeight(x - b);
      n++;
    }
  }
  if (i < to) {
    const u = (max - (scores[i] ?? -Infinity)) * k;
    if (u <= top) {
      // NaN is never kept
      const b = u | 0;
      counts[b] = (counts[b] ?? 0) + 1;
      ln[i] = heads[b] ?? -1;
      heads[b] = i;
      masses[b] = (masses[b] ?? 0) + restWeight(u - b);
      n++;
    }
  }
  return n;
}

/** placeRange() for `ids[0, count)`, every one of them kept. */
function placeKept(scores: Float32Array, ids: Int32Array, count: number, max: number, inv: number): void {
  const ln = links;
  const k = inv * SCALE;
  for (let j = 0; j < count; j++) {
    const i = ids[j];
    if (i === undefined) continue;
    const s = scores[i];
    if (s === undefined) continue;
    const u = (max - s) * k;
    const b = u | 0;
    counts[b] = (counts[b] ?? 0) + 1;
    ln[i] = heads[b] ?? -1;
    heads[b] = i;
    masses[b] = (masses[b] ?? 0) + restWeight(u - b);
  }
}

/**
 * Appends to `kept` from `n` the ids [from, to) whose log-weight is at least
 * `floor`; returns the new length. Without a branch per score: every id is
 * written and the length moves on by the comparison's 0 or 1, where a
 * branch would be mispredicted for a good share of the ids whenever the
 * kept share is far from all or none (a peaked row keeps a fifth of them).
 */
function compactRange(
  scores: Float32Array,
  from: number,
  to: number,
  max: number,
  inv: number,
  floor: number,
  n: number,
): number {
  const out = kept;
  let m = n;
  for (let i = from; i < to; i++) {
    out[m] = i;
    m += +(((scores[i] ?? -Infinity) - max) * inv >= floor); // false (NaN too) is 0
  }
  return m;
}

/** placeRange() for the candidates whose log-weight is at least `floor`, each id once; returns how many. */
function placeIds(scores: Float32Array, ids: readonly number[], max: number, inv: number, floor: number): number {
  // Wrapping to 0 would match every stamp never written: start again from 1 with none written.
  if (epoch === 0x7fffffff) {
    stamps.fill(0);
    epoch = 0;
  }
  const stamp = ++epoch;
  let n = 0;
  for (let k = 0; k < ids.length; k++) {
    const i = ids[k] ?? -1;
    const v = ((scores[i] ?? -Infinity) - max) * inv;
    if (!(v >= floor) || stamps[i] === stamp) continue;
    stamps[i] = stamp;
    kept[n++] = i;
  }
  placeKept(scores, kept, n, max, inv);
  return n;
}

/**
 * Scores sampled to tell a row that keeps nearly all of them, at least
 * DENSE of them (placeRange, whose test is then well predicted), from one
 * that does not (compactRange, then placeKept).
 */
const PROBES = 64;
const DENSE = 7 / 8;

/** Calls `visit` with each range of ids that can hold a kept token: the blocks whose best is not below the floor, or the whole row. */
function eachRange(
  length: number,
  blocks: RowBlocks | null,
  max: number,
  inv: number,
  floor: number,
  visit: (from: number, to: number) => void,
): void {
  if (!blocks) return visit(0, length);
  const { maxima, offset, count, size } = blocks;
  for (let j = 0; j < count; j++) {
    // Weight is monotone in the score: a block whose best is below the floor holds nothing to keep.
    if (((maxima[offset + j] ?? Infinity) - max) * inv >= floor) visit(j * size, (j + 1) * size);
  }
}

/** Buckets every token of log-weight at least `floor` (of `candidates`, of the blocks that can hold one, or of the row); returns how many. */
function fill(
  scores: Float32Array,
  max: number,
  inv: number,
  floor: number,
  candidates: readonly number[] | null | undefined,
  blocks: RowBlocks | null,
): number {
  grow(scores.length);
  counts.fill(0);
  masses.fill(0);
  heads.fill(-1);
  counts2.fill(0);
  masses2.fill(0);
  heads2.fill(-1);
  firstOf.fill(-1);
  used = 0;
  let n = 0;
  if (candidates) n = placeIds(scores, candidates, max, inv, floor);
  else {
    let probes = 0;
    let probed = 0;
    for (let i = 0, step = Math.max(1, Math.floor(scores.length / PROBES)); i < scores.length; i += step, probes++)
      probed += +(((scores[i] ?? -Infinity) - max) * inv >= floor);
    if (probed >= DENSE * probes)
      eachRange(
        scores.length,
        blocks,
        max,
        inv,
        floor,
        (from, to) => void (n += placeRange(scores, from, to, max, inv, floor)),
      );
    else {
      eachRange(
        scores.length,
        blocks,
        max,
        inv,
        floor,
        (from, to) => void (n = compactRange(scores, from, to, max, inv, floor, n)),
      );
      placeKept(scores, kept, n, max, inv);
    }
  }
  for (let b = 0; b < BUCKETS; b++) {
    counts[b] = (counts[b] ?? 0) + (counts2[b] ?? 0);
    masses[b] = ((masses[b] ?? 0) + (masses2[b] ?? 0)) * (TOPS[b] ?? 0);
  }
  return n;
}

/** Sorts ids[from, to) best first, in place. */
function sortIds(scores: Float32Array, ids: Int32Array, from: number, to: number): void {
  const n = to - from;
  for (let i = 0; i < n; i++) {
    const id = ids[from + i] ?? -1;
    keys[i] = sortKey(scores[id] ?? -Infinity, id);
  }
  const view = keys.subarray(0, n).sort();
  for (let i = 0; i < n; i++) ids[from + i] = idOfKey(view[i] ?? -1);
}

/** Where bucket b's members start in `sorted`, best first: gathered from its list and sorted when first asked for. */
function membersOf(scores: Float32Array, b: number): number {
  const first = firstOf[b] ?? -1;
  if (first >= 0) return first;
  const from = used;
  for (let id = heads[b] ?? -1; id >= 0; id = links[id] ?? -1) sorted[used++] = id;
  for (let id = heads2[b] ?? -1; id >= 0; id = links[id] ?? -1) sorted[used++] = id;
  sortIds(scores, sorted, from, used);
  firstOf[b] = from;
  return from;
}

/** The best `limit` bucketed tokens, best first, into listIdx/listVal (their scores); returns how many (fewer when fewer are bucketed). */
function collect(scores: Float32Array, limit: number): number {
  let size = 0;
  for (let b = 0; b < BUCKETS && size < limit; b++) {
    const c = counts[b] ?? 0;
    if (c === 0) continue;
    const from = membersOf(scores, b);
    for (let j = 0; j < c && size < limit; j++, size++) {
      const id = sorted[from + j] ?? -1;
      listIdx[size] = id;
      listVal[size] = scores[id] ?? -Infinity;
    }
  }
  return size;
}

/**
 * Chooses a token as chooseToken does, for top-k off or above the list
 * limit, over the whole vocabulary, over `candidates` (every finite score
 * among them), or over the row's `blocks` (their maxima).
 */
export function drawWide(
  scores: Float32Array,
  params: SamplingParams,
  rand: () => number,
  candidates?: readonly number[] | null,
  blocks?: RowBlocks | null,
): number {
  if (scores.length > ID_SPACE)
    throw new RangeError(
      `a vocabulary of ${scores.length} tokens is over the ${ID_SPACE} that token choice packs in a sort key`,
    );
  let max = candidates ? best(scores, candidates) : blocks ? bestOfBlocks(blocks) : best(scores, null);
  // A NaN among the maxima (a NaN score): the row is read whole, where a NaN is never kept.
  let within = blocks && !candidates ? blocks : null;
  if (max !== max) {
    within = null;
    max = best(scores, null);
  }
  // Every score banned: the lowest id, as argmax picks it.
  if (max === -Infinity) return candidates && candidates.length > 0 ? candidates.reduce((a, b) => Math.min(a, b)) : 0;
  // An infinite best has no finite weights to draw by: the first such token, as argmax picks it.
  if (max === Infinity) return firstInfinite(scores, candidates);
  const t = params.temperature;
  const inv = 1 / t;
  const minP = params.minP ?? 0;
  // Without top-p no weight below min_p is ever kept, and none is needed for a sum.
  let floor = (params.topP >= 1 && minP > 0 ? Math.max(ABSORBED, Math.log(minP)) : ABSORBED) - SLACK;
  const topK = params.topK > 0 ? params.topK : Infinity;
  // At least k ids score as much as the k-th best block's best, so the top-k keeps none below it (a token kept in excess
  // is harmless): most blocks are then skipped.
  if (within && topK <= within.count) floor = Math.max(floor, (kthBest(within, topK) - max) * inv);
  const n = fill(scores, max, inv, floor, candidates, within);
  const limit = Math.min(topK, n);
  if (limit <= SORT_LIMIT) return drawFromList(listIdx, listVal, collect(scores, limit), params, rand);
  return drawBuckets(scores, max, limit, params, rand);
}

let blockScratch = new Float32Array(0);

/** The k-th best of the blocks' maxima (none NaN). */
function kthBest(blocks: RowBlocks, k: number): number {
  if (blockScratch.length < blocks.count) blockScratch = new Float32Array(blocks.count);
  const row = blockScratch.subarray(0, blocks.count);
  row.set(blocks.maxima.subarray(blocks.offset, blocks.offset + blocks.count));
  return row.sort()[blocks.count - k] ?? -Infinity;
}

function firstInfinite(scores: Float32Array, candidates: readonly number[] | null | undefined): number {
  if (candidates) return candidates.filter((id) => scores[id] === Infinity).reduce((a, b) => Math.min(a, b));
  return scores.indexOf(Infinity);
}

/** The k best ids, best first (ties: the lower id first). */
export function topIndices(scores: Float32Array, k: number): number[] {
  const want = Math.min(k, scores.length);
  const max = best(scores, null);
  // Tokens far below the best are not bucketed: when the k best reach down to them (or every score is banned), the whole sort.
  const n = Number.isFinite(max) ? fill(scores, max, 1, ABSORBED - SLACK, null, null) : 0;
  if (n >= want) return Array.from(listIdx.subarray(0, collect(scores, want)));
  grow(scores.length);
  const all = Int32Array.from(scores.keys());
  sortIds(scores, all, 0, all.length);
  return Array.from(all.subarray(0, want));
}

/** The reference's weight of `id`: exp((score - best) / temperature), the same arithmetic. */
function weightOf(scores: Float32Array, id: number, max: number, t: number): number {
  return Math.exp(((scores[id] ?? -Infinity) - max) / t);
}

/** The summed weight of the first `count` bucketed tokens. */
function massOf(scores: Float32Array, max: number, t: number, count: number): number {
  let mass = 0;
  let left = count;
  for (let b = 0; b < BUCKETS && left > 0; b++) {
    const c = counts[b] ?? 0;
    if (c <= left) {
      mass += masses[b] ?? 0;
      left -= c;
      continue;
    }
    const from = membersOf(scores, b);
    for (let j = 0; j < left; j++) mass += weightOf(scores, sorted[from + j] ?? -1, max, t);
    left = 0;
  }
  return mass;
}

/**
 * The first position among the first `count` (1-based) where the running
 * weight passes `target` (`strict`: goes above it; else reaches it); `count`
 * when it never does, and -1 when the crossing lies within `tol` of the
 * target, where the reference's sums may cross one token earlier or later.
 */
function reach(
  scores: Float32Array,
  max: number,
  t: number,
  target: number,
  count: number,
  strict: boolean,
  tol: number,
): number {
  let mass = 0;
  let pos = 0;
  /** The running weight before the last token read one by one. */
  let before = -Infinity;
  for (let b = 0; b < BUCKETS && pos < count; b++) {
    const c = counts[b] ?? 0;
    if (c === 0) continue;
    const whole = mass + (masses[b] ?? 0);
    // Whole buckets are passed only clear of the target; a bucket read token by token gives the same answer, so
    // reading one more than needed is harmless.
    if (pos + c < count && whole < target - tol) {
      mass = whole;
      pos += c;
      continue;
    }
    const from = membersOf(scores, b);
    for (let j = 0; j < c && pos < count; j++) {
      before = mass;
      mass += weightOf(scores, sorted[from + j] ?? -1, max, t);
      pos++;
      if (strict ? mass > target : mass >= target) {
        // Crossing later than the last position gives `count` too.
        if ((pos > 1 && before >= target - tol) || (pos < count && mass <= target + tol)) return -1;
        return pos;
      }
    }
  }
  // Never crossed: the reference's sums may cross at the last token (the same `count`), or one earlier. Before the
  // first token both sums are exactly 0.
  return pos > 1 && before >= target - tol ? -1 : count;
}

/** How many of the first `count` weigh min_p or more (the reference's test, on its weights); whole buckets clear of the boundary are counted unsorted. */
function aboveMinP(scores: Float32Array, max: number, t: number, minP: number, count: number): number {
  const logMinP = Math.log(minP);
  let pos = 0;
  for (let b = 0; b < BUCKETS && pos < count; b++) {
    const c = counts[b] ?? 0;
    if (c === 0) continue;
    if (-(b + 1) * WIDTH > logMinP + EDGE) {
      pos += c;
      continue;
    }
    if (-b * WIDTH < logMinP - EDGE) break;
    const from = membersOf(scores, b);
    for (let j = 0; j < c && pos < count; j++, pos++)
      if (!(weightOf(scores, sorted[from + j] ?? -1, max, t) >= minP)) return pos;
  }
  return Math.min(pos, count);
}

/** The bucketed id at 1-based position `pos`. */
function idAt(scores: Float32Array, pos: number): number {
  let left = pos;
  for (let b = 0; b < BUCKETS; b++) {
    const c = counts[b] ?? 0;
    if (c < left) {
      left -= c;
      continue;
    }
    return sorted[membersOf(scores, b) + left - 1] ?? -1;
  }
  return 0;
}

/** The reference's warpers and draw over the first `limit` bucketed tokens (the top-k prefix), from the bucket sums. */
function drawBuckets(
  scores: Float32Array,
  max: number,
  limit: number,
  params: SamplingParams,
  rand: () => number,
): number {
  const t = params.temperature;
  const total = massOf(scores, max, t, limit);
  const tol = 2 * errorOf(limit) * total;
  let keep = limit;
  if (params.topP < 1) keep = reach(scores, max, t, params.topP * total, limit, false, tol);
  if (keep < 0) return fallBack(scores, limit, params, rand);
  // Weight is monotone in the order, so min-p keeps a prefix: the tokens of weight min_p or more (at least one).
  const minP = params.minP ?? 0;
  if (minP > 0) keep = Math.max(1, aboveMinP(scores, max, t, minP, keep));
  const x = rand();
  const kept = keep === limit ? total : massOf(scores, max, t, keep);
  const pos = reach(scores, max, t, x * kept, keep, true, tol);
  return pos < 0 ? fallBack(scores, limit, params, () => x) : idAt(scores, pos);
}

/** The reference's arithmetic term by term over the first `limit` bucketed tokens, every bucket sorted: for a cut or a draw too close to a token boundary for the bucket sums to place it. */
function fallBack(scores: Float32Array, limit: number, params: SamplingParams, rand: () => number): number {
  fallbacks++;
  return drawFromList(listIdx, listVal, collect(scores, limit), params, rand);
}
