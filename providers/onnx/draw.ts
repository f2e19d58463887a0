/**
 * The warpers' arithmetic over candidates already in best-first order, the
 * same term by term whichever path ordered them (sampling.ts,
 * wide-sampling.ts): softmax at the temperature, top-p, min-p, then the draw.
 */
import type { SamplingParams } from './sampling-params.js';

// Reused from call to call: a draw allocates nothing.
let candProb = new Float64Array(64);

/**
 * `list[i]` for an `i` below the candidate list's size (its arrays are
 * allocated for at least that many). For the loops over candidates: NaN, not
 * a throw, were it ever out of range, so the read stays as cheap as a bare one.
 */
export function listValue(list: Float64Array, i: number): number {
  return list[i] ?? Number.NaN;
}

/** `idx[i]` for an `i` below the candidate list's size (see listValue); -1 were it ever out of range. */
export function listId(idx: Int32Array, i: number): number {
  return idx[i] ?? -1;
}

/**
 * The warpers and the draw over `size` candidates already best first
 * (`val` their scores, `idx` their ids): the reference's arithmetic, term
 * by term. wide-sampling.ts uses it for the lists it sorts.
 */
export function drawFromList(
  idx: Int32Array,
  val: Float64Array,
  size: number,
  params: SamplingParams,
  rand: () => number,
): number {
  if (candProb.length < size) candProb = new Float64Array(Math.max(size, 2 * candProb.length));
  const max = listValue(val, 0);
  const probs = candProb;
  let total = 0;
  for (let i = 0; i < size; i++) {
    const q = Math.exp((listValue(val, i) - max) / params.temperature);
    probs[i] = q;
    total += q;
  }
  // top-p: the smallest best-first prefix whose mass reaches topP (always at least one token).
  let keep = size;
  if (params.topP < 1) {
    let mass = 0;
    for (let i = 0; i < size; i++) {
      mass += listValue(probs, i) / total;
      if (mass >= params.topP) {
        keep = i + 1;
        break;
      }
    }
  }
  // min-p (after top-p, as in HF): probabilities relative to the best one's, which is exp(0) = 1.
  const minP = params.minP ?? 0;
  if (minP > 0) {
    let m = 1;
    while (m < keep && listValue(probs, m) >= minP) m++;
    keep = m;
  }
  let kept = 0;
  for (let i = 0; i < keep; i++) kept += listValue(probs, i);
  let r = rand() * kept;
  // Rounding can leave r at or above 0 after the last candidate: the last one that has any probability is chosen, never a banned (-Infinity) one.
  let last = 0;
  for (let i = 0; i < keep; i++) {
    const p = listValue(probs, i);
    if (p > 0) last = i;
    r -= p;
    if (r < 0) return listId(idx, i);
  }
  return listId(idx, last);
}
