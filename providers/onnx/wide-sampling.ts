/**
 * Sampling over a whole vocabulary (or a long candidate list) without
 * sorting it, with the reference's result (sampling.ts): what a 151,936-token
 * vocabulary needs when top-k is off or large, for top-p, min-p or plain
 * sampling.
 *
 * 1. One pass finds the best score; a second keeps the tokens that can
 *    matter, those whose weight exp((score - best) / temperature) is at
 *    least 2^-54. A smaller weight changes no sum that starts at the best
 *    token's weight 1 (it is under half a unit in the last place), so the
 *    reference, which adds best first, gets the same total, the same top-p
 *    prefix and the same draw without them; and a 32-bit draw never lands
 *    on them. With min-p and no top-p, only tokens of weight min_p or more
 *    can be kept, so those are all it keeps.
 * 2. A short list (at most SORT_LIMIT) is put best first by one native sort
 *    of packed keys, and the reference's arithmetic runs on it term by term.
 * 3. A long one (a flat distribution) goes into buckets by weight: whole
 *    buckets are counted and summed, and only a bucket that the top-k
 *    count, the top-p mass or the draw falls in is sorted. The sums then
 *    add the same terms in another order, which can move a cut only where
 *    it falls within rounding of a boundary.
 *
 * Ties go to the lower id throughout, as in the reference. Pure.
 */
import { drawFromList } from './draw.js';
import type { SamplingParams } from './sampling.js';

/** log(2^-54): a weight below it is absorbed by any sum of weights that already holds 1. */
const ABSORBED = Math.log(2 ** -54);
/** Longest list sorted whole. */
const SORT_LIMIT = 2048;
const BUCKETS = 4096;
/** Ids are packed below this in a sort key (21 bits; 53 in all with the score's 32). */
const ID_SPACE = 2 ** 21;

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** A number whose ascending order is (score descending, id ascending), exact in a double. */
function sortKey(score: number, id: number): number {
  f32[0] = score === 0 ? 0 : score; // -0 ties with +0, as in the reference's comparisons
  const bits = u32[0] as number;
  const ascending = bits & 0x80000000 ? ~bits >>> 0 : (bits | 0x80000000) >>> 0;
  return (0xffffffff - ascending) * ID_SPACE + id;
}

function idOfKey(key: number): number {
  return key % ID_SPACE;
}

// Scratch, grown as needed and reused: a draw allocates nothing once warm.
let kept = new Int32Array(0);
let keys = new Float64Array(0);
let listIdx = new Int32Array(0);
let listVal = new Float64Array(0);
let bucketOf = new Uint16Array(0);
let byBucket = new Int32Array(0);
const counts = new Int32Array(BUCKETS);
const masses = new Float64Array(BUCKETS);
/** Per bucket, where its sorted members start in byBucket; -1 until a walk asks for them. */
const sorted = new Int32Array(BUCKETS);

/**
 * Widest bucket (in log-weight) whose weights expSmall gives to a unit in
 * the last place: there the Taylor remainder d^7/7! is under 2^-53. Buckets
 * over the absorbed range (37.4 / BUCKETS) are half as wide.
 */
const MAX_POLY_WIDTH = 0.0175;
const C3 = 1 / 6;
const C4 = 1 / 24;
const C5 = 1 / 120;
const C6 = 1 / 720;

/** exp(d) for -MAX_POLY_WIDTH <= d <= 0: Taylor to degree 6, in Estrin's order (a short chain of dependent operations, unlike Horner's). */
function expSmall(d: number): number {
  const d2 = d * d;
  return 1 + d + d2 * (0.5 + d * C3 + d2 * (C4 + d * C5 + d2 * C6));
}

function grow(n: number): void {
  if (kept.length >= n) return;
  const size = Math.max(n, 2 * kept.length);
  kept = new Int32Array(size);
  bucketOf = new Uint16Array(size);
  byBucket = new Int32Array(size);
  keys = new Float64Array(size);
  listIdx = new Int32Array(size);
  listVal = new Float64Array(size);
}

/** The best score among `ids` (or the whole array); -Infinity when every one is banned. */
function best(scores: Float32Array, ids: readonly number[] | null | undefined): number {
  let max = -Infinity;
  if (ids) {
    for (let i = 0; i < ids.length; i++) {
      const v = scores[ids[i] as number] as number;
      if (v > max) max = v;
    }
  } else {
    for (let i = 0; i < scores.length; i++) {
      const v = scores[i] as number;
      if (v > max) max = v;
    }
  }
  return max;
}

/** The least score keepAbove kept. */
let leastKept = 0;

/** Puts into `kept` the ids with a score of at least `floor`, in id order; returns how many. */
function keepAbove(scores: Float32Array, floor: number, ids: readonly number[] | null | undefined): number {
  grow(ids ? ids.length : scores.length);
  const out = kept;
  let n = 0;
  let least = Infinity;
  if (ids) {
    const sortedIds = [...ids].sort((a, b) => a - b);
    for (let i = 0; i < sortedIds.length; i++) {
      const v = scores[sortedIds[i] as number] as number;
      if (!(v >= floor)) continue; // NaN too
      out[n++] = sortedIds[i] as number;
      if (v < least) least = v;
    }
  } else {
    for (let i = 0; i < scores.length; i++) {
      const v = scores[i] as number;
      if (!(v >= floor)) continue; // NaN too
      out[n++] = i;
      if (v < least) least = v;
    }
  }
  leastKept = least;
  return n;
}

/** Sorts ids[from, to) best first, in place (a slice of `kept` or `byBucket`). */
function sortIds(scores: Float32Array, ids: Int32Array, from: number, to: number): void {
  const n = to - from;
  for (let i = 0; i < n; i++) {
    const id = ids[from + i] as number;
    keys[i] = sortKey(scores[id] as number, id);
  }
  const view = keys.subarray(0, n).sort();
  for (let i = 0; i < n; i++) ids[from + i] = idOfKey(view[i] as number);
}

/**
 * Chooses a token as chooseToken does, for top-k off or above the list
 * limit, over the whole vocabulary or over `candidates` (every finite score
 * among them).
 */
export function drawWide(scores: Float32Array, params: SamplingParams, rand: () => number, candidates?: readonly number[] | null): number {
  if (scores.length > ID_SPACE) throw new RangeError(`a vocabulary of ${scores.length} tokens is over the ${ID_SPACE} that token choice packs in a sort key`);
  const max = best(scores, candidates);
  // Every score banned: the lowest id, as argmax picks it.
  if (max === -Infinity) return candidates && candidates.length > 0 ? candidates.reduce((a, b) => Math.min(a, b)) : 0;
  const t = params.temperature;
  const minP = params.minP ?? 0;
  // Without top-p no weight below min_p is ever kept, and none is needed for a sum.
  const floorWeight = params.topP >= 1 && minP > 0 ? Math.max(ABSORBED, Math.log(minP)) : ABSORBED;
  // A little below the exact floor: the weights are computed exactly afterwards, and a token kept in excess is harmless.
  const n = keepAbove(scores, max + (floorWeight - 1e-6) * t, candidates);
  const limit = params.topK > 0 ? Math.min(params.topK, n) : n;
  if (n <= SORT_LIMIT) {
    sortIds(scores, kept, 0, n);
    for (let i = 0; i < limit; i++) {
      listIdx[i] = kept[i] as number;
      listVal[i] = scores[kept[i] as number] as number;
    }
    return drawFromList(listIdx, listVal, limit, params, rand);
  }
  return new Buckets(scores, n, max, t, minP).draw(limit, params, rand);
}

/** The k best ids, best first (ties: the lower id first). */
export function topIndices(scores: Float32Array, k: number): number[] {
  const n = keepAbove(scores, -Infinity, null);
  // Banned (-Infinity) ids have no place in a bucket of weight: with any of them, the whole sort.
  if (n <= SORT_LIMIT || leastKept === -Infinity) {
    sortIds(scores, kept, 0, n);
    return Array.from(kept.subarray(0, Math.min(k, n)));
  }
  const buckets = new Buckets(scores, n, best(scores, null), 1, 0);
  const out: number[] = [];
  buckets.walk(Math.min(k, n), (id) => void out.push(id));
  return out;
}

/**
 * Puts the n `kept` tokens into buckets of log-weight between 0 and the
 * least kept (bucketOf, counts, masses); returns how many weigh `minP` or
 * more. The hot loops live in plain functions: a loop inside a method that
 * then writes `this` was deoptimised at every call once on-stack-replaced.
 */
function fillBuckets(scores: Float32Array, n: number, max: number, t: number, minP: number): number {
  const ids = kept;
  const least = (leastKept - max) / t;
  // Every kept token lands in [0, BUCKETS); all ties (least 0) share bucket 0, already in id order.
  const scale = least < 0 ? (BUCKETS / -least) * (1 - 1e-9) : 0;
  counts.fill(0);
  masses.fill(0);
  sorted.fill(-1);
  // A weight is its bucket's top weight times exp of the small rest, which a polynomial gives to a unit in the last
  // place, at a fraction of a Math.exp call's cost; a bucket sums the rests and is multiplied by its top once. Wide
  // buckets (a spread far past the absorbed weights, only for topIndices, which reads no weight) keep Math.exp.
  const width = scale > 0 ? 1 / scale : 0;
  const poly = width <= MAX_POLY_WIDTH;
  // A multiplication, not the reference's division: the bucket sums are not the reference's terms anyway (see above).
  const inv = 1 / t;
  const logMinP = minP > 0 ? Math.log(minP) : -Infinity;
  const of = bucketOf;
  let above = 0;
  for (let i = 0; i < n; i++) {
    const v = ((scores[ids[i] as number] as number) - max) * inv;
    // Truncation is floor here (-v * scale is at least 0), and the scale keeps it under BUCKETS.
    const b = (-v * scale) | 0;
    of[i] = b;
    counts[b]!++;
    masses[b]! += poly ? expSmall(v + b * width) : Math.exp(v);
    if (v >= logMinP) above++;
  }
  if (poly) for (let b = 0; b < BUCKETS; b++) masses[b]! *= Math.exp(-b * width);
  return above;
}

/** Copies bucket b's members (of the n kept, in id order) into byBucket from `at`; returns where they end. */
function gather(b: number, n: number, at: number): number {
  const of = bucketOf;
  const ids = kept;
  const out = byBucket;
  let to = at;
  for (let i = 0; i < n; i++) if (of[i] === b) out[to++] = ids[i] as number;
  return to;
}

/** sortIds, skipped when every score in the slice is the same (they are in id order already). */
function orderIds(scores: Float32Array, ids: Int32Array, from: number, to: number): void {
  const first = scores[ids[from] as number];
  for (let i = from + 1; i < to; i++) {
    if (scores[ids[i] as number] !== first) return sortIds(scores, ids, from, to);
  }
}

/**
 * The `kept` tokens in buckets of weight, best bucket first (linear in
 * log-weight between the best and the least kept): counts and sums per
 * bucket, and a bucket's members sorted best first only when a walk goes
 * into it.
 */
class Buckets {
  /** How many kept tokens weigh min_p or more (all of them without min-p). */
  private readonly aboveMinP: number;

  constructor(
    private readonly scores: Float32Array,
    n: number,
    private readonly max: number,
    private readonly t: number,
    minP: number,
  ) {
    this.n = n;
    this.aboveMinP = fillBuckets(scores, n, max, t, minP);
  }

  private readonly n: number;
  /** Where each sorted bucket's members are in `byBucket` (the next free place after them). */
  private used = 0;

  private logWeight(id: number): number {
    return ((this.scores[id] as number) - this.max) / this.t;
  }

  private weight(id: number): number {
    return Math.exp(this.logWeight(id));
  }

  /** Bucket b's members, best first: gathered (in id order) when first asked for, then sorted. */
  private members(b: number): Int32Array {
    if (sorted[b]! < 0) {
      const from = this.used;
      this.used = gather(b, this.n, from);
      sorted[b] = from;
      orderIds(this.scores, byBucket, from, this.used);
    }
    const from = sorted[b] as number;
    return byBucket.subarray(from, from + (counts[b] as number));
  }

  /** Calls `visit` with the first `count` tokens best first. */
  walk(count: number, visit: (id: number) => void): void {
    let left = count;
    for (let b = 0; b < BUCKETS && left > 0; b++) {
      if (counts[b] === 0) continue;
      const m = this.members(b);
      for (let j = 0; j < m.length && left > 0; j++, left--) visit(m[j] as number);
    }
  }

  /** The summed weight of the first `count` tokens. */
  private massOf(count: number): number {
    let mass = 0;
    let left = count;
    for (let b = 0; b < BUCKETS && left > 0; b++) {
      const c = counts[b] as number;
      if (c <= left) {
        mass += masses[b] as number;
        left -= c;
        continue;
      }
      const m = this.members(b);
      for (let j = 0; j < left; j++) mass += this.weight(m[j] as number);
      left = 0;
    }
    return mass;
  }

  /**
   * The first position among the first `limit` (1-based: how many tokens up
   * to it) where the running weight passes `target` (`strict`: goes above it;
   * else reaches it). `limit` when it never does.
   */
  private reach(target: number, limit: number, strict: boolean): number {
    let mass = 0;
    let pos = 0;
    for (let b = 0; b < BUCKETS && pos < limit; b++) {
      const c = counts[b] as number;
      if (c === 0) continue;
      const whole = mass + (masses[b] as number);
      if (pos + c < limit && (strict ? whole <= target : whole < target)) {
        mass = whole;
        pos += c;
        continue;
      }
      const m = this.members(b);
      for (let j = 0; j < m.length && pos < limit; j++) {
        mass += this.weight(m[j] as number);
        pos++;
        if (strict ? mass > target : mass >= target) return pos;
      }
    }
    return limit;
  }

  /** The id at 1-based position `pos`. */
  private at(pos: number): number {
    let left = pos;
    for (let b = 0; b < BUCKETS; b++) {
      const c = counts[b] as number;
      if (c < left) {
        left -= c;
        continue;
      }
      return this.members(b)[left - 1] as number;
    }
    return 0;
  }

  /** The reference's warpers and draw over the first `limit` tokens (the top-k prefix). */
  draw(limit: number, params: SamplingParams, rand: () => number): number {
    let keep = limit;
    if (params.topP < 1) keep = this.reach(params.topP * this.massOf(limit), limit, false);
    // Weight is monotone in the order, so min-p keeps a prefix: the tokens of weight min_p or more.
    if ((params.minP ?? 0) > 0) keep = Math.min(keep, Math.max(1, this.aboveMinP));
    const r = rand() * this.massOf(keep);
    return this.at(this.reach(r, keep, true));
  }
}
