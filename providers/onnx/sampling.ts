/**
 * Token choice from one row's last-position logits, with Hugging Face
 * semantics and order: repetition penalty, temperature, top-k, top-p, then a
 * draw from a seeded PRNG. Pure: no I/O, no global randomness.
 */
import type { BlockedNgrams } from './novelty.js';
import type { Lexicon } from './lexicon.js';
import type { FactPatterns } from './fact-grammar.js';
import { seededRandom } from '../random.js';

export interface SamplingParams {
  /** false: greedy (argmax after the repetition penalty). */
  doSample: boolean;
  temperature: number;
  /** 0 disables top-k. */
  topK: number;
  /** 1 disables top-p. */
  topP: number;
  /** 1 disables the penalty. */
  repetitionPenalty: number;
  /** HF's no_repeat_ngram_size: no n-gram of this size occurs twice in prompt + output. 0 disables. Default 0. */
  noRepeatNgramSize?: number;
  /**
   * generation_config's `output_no_repeat_ngram_size` (ours, not HF's): the
   * same rule over the generated tokens only, so the model may restate the
   * prompt's words (a product's title, its materials) but not loop on its
   * own. 0 disables. Default 0.
   */
  outputNoRepeatNgramSize?: number;
  /**
   * generation_config's `no_repeat_word_window` (ours, not HF's): a word of
   * four letters or more may not be written again within this many following
   * words (WordConstraint.banRepeats in lexicon.ts; needs a lexicon). 0
   * disables. Default 0.
   */
  noRepeatWordWindow?: number;
  /**
   * generation_config's `frame_sentences` (ours, not HF's): the first this
   * many sentences may use only the lexicon's frame words and the product's
   * own (lexicon.ts; needs a lexicon with `frame_words`). 0 disables. Default 0.
   */
  frameSentences?: number;
  /** Token n-grams that may never be completed (see novelty.ts). Default: none. */
  blockedNgrams?: BlockedNgrams | null;
  /**
   * generation_config's `prompt_copy_bias` (ours, not HF's): added to the logit
   * of a token that spells the next piece of the product's word the output is
   * in the middle of, or the next word of that fact's phrase (see
   * prompt-copy.ts). 0 disables. Default 0.
   */
  promptCopyBias?: number;
  /** The words the output may use besides the product's own (see lexicon.ts). Default: any. */
  lexicon?: Lexicon | null;
  /**
   * The patterns a row's first sentences must follow, filled with its
   * product's facts (see fact-grammar.ts; needs the row's `facts`). Default: none.
   */
  factPatterns?: FactPatterns | null;
  /**
   * generation_config's `fact_numbers_only` (ours, not HF's): every number the
   * output writes is one of the product's own (see numbers.ts). Default false.
   */
  factNumbersOnly?: boolean;
}

/**
 * HF's no_repeat_ngram_size: sets to -Infinity every token that would
 * complete an n-gram already present in `ids` (prompt and output), reading
 * `ids` from index `from` (so left padding need not be sliced off). In place;
 * with `undo`, each ban also pushes its id and the value it replaced.
 */
export function banRepeatedNgrams(logits: Float32Array, ids: readonly number[], n: number, from = 0, undo?: number[]): void {
  if (n <= 0 || ids.length - from < n) return;
  const start = ids.length - (n - 1);
  for (let i = from; i + n <= ids.length; i++) {
    let match = true;
    for (let j = 0; j < n - 1 && match; j++) match = ids[i + j] === ids[start + j];
    if (!match) continue;
    const id = ids[i + n - 1] as number;
    // undo: (id, value before) pairs, so a caller can take the bans back.
    if (undo) undo.push(id, logits[id] as number);
    logits[id] = -Infinity;
  }
}

// keepOnly's saved logits, reused from call to call.
let keptLogits = new Float32Array(64);

/** Sets every logit but those of `ids` to -Infinity, in place: one fill, the kept values put back after it. */
export function keepOnly(logits: Float32Array, ids: readonly number[]): void {
  if (keptLogits.length < ids.length) keptLogits = new Float32Array(ids.length * 2);
  const kept = keptLogits;
  for (let i = 0; i < ids.length; i++) kept[i] = logits[ids[i]!]!;
  logits.fill(-Infinity);
  for (let i = 0; i < ids.length; i++) logits[ids[i]!] = kept[i]!;
}

/** One seeded generator per row, so rows do not share a stream. */
export const createRng: (seed: number) => () => number = seededRandom;

/**
 * The ids a row has seen (prompt and output), each once, also kept in a
 * plain list: the repetition penalty walks it on every token, and a loop over
 * an array costs a fifth of a Set's forEach (0.2 against 1.2 µs for 150 ids).
 */
export class SeenIds implements Iterable<number> {
  private readonly set = new Set<number>();
  readonly list: number[] = [];

  constructor(ids: Iterable<number> = []) {
    for (const id of ids) this.add(id);
  }

  add(id: number): void {
    if (this.set.has(id)) return;
    this.set.add(id);
    this.list.push(id);
  }

  has(id: number): boolean {
    return this.set.has(id);
  }

  [Symbol.iterator](): Iterator<number> {
    return this.list[Symbol.iterator]();
  }
}

/**
 * HF's repetition penalty: for every id already in the sequence (prompt
 * included), a positive logit is divided by the penalty and a negative one
 * multiplied, so the token always becomes less likely. In place.
 */
export function applyRepetitionPenalty(logits: Float32Array, seen: Iterable<number>, penalty: number): void {
  if (penalty === 1) return;
  if (seen instanceof SeenIds) {
    const ids = seen.list;
    for (let i = 0; i < ids.length; i++) penalise(logits, ids[i] as number, penalty);
    return;
  }
  // Each id once, however often it occurs (HF gathers and scatters by id).
  for (const id of new Set(seen)) penalise(logits, id, penalty);
}

function penalise(logits: Float32Array, id: number, penalty: number): void {
  const l = logits[id];
  if (l === undefined) return;
  logits[id] = l < 0 ? l * penalty : l / penalty;
}

/** argmax over `ids` only, with argmax's tie rule (the lower id). */
function argmaxOf(logits: Float32Array, ids: readonly number[]): number {
  let best = ids[0] ?? 0;
  let bestValue = -Infinity;
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i] as number;
    const v = logits[id] as number;
    if (before(v, id, bestValue, best)) {
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
    const v = logits[i] as number;
    if (v > bestValue) {
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
 * k-th best only, which most fail (about 190 of the bundled model's 3,164
 * get in). 11.5 against 14.4 µs a call on 3,000 logit rows of the bundled
 * model as the decoding rules leave them (one loop that also checked
 * whether the list was full), same results.
 */
function selectTopK(logits: Float32Array, k: number, idx: Int32Array, val: Float64Array): number {
  const n = logits.length;
  let size = 0;
  let i = 0;
  for (; i < n && size < k; i++) insert(idx, val, size++, logits[i] as number, i);
  let least = val[size - 1] as number; // the k-th best so far
  for (; i < n; i++) {
    const v = logits[i] as number;
    if (v <= least) continue;
    insert(idx, val, k - 1, v, i);
    least = val[k - 1] as number;
  }
  return size;
}

/**
 * selectTopK over the logits of `ids` only (in any order), with its order:
 * best first, ties by the lower id, so the same token is drawn as from the
 * whole vocabulary when every other logit is -Infinity.
 */
function selectTopKOf(logits: Float32Array, ids: readonly number[], k: number, idx: Int32Array, val: Float64Array): number {
  let size = 0;
  for (let n = 0; n < ids.length; n++) {
    const i = ids[n] as number;
    const v = logits[i] as number;
    if (size === k && !before(v, i, val[k - 1] as number, idx[k - 1] as number)) continue;
    let j = size < k ? size++ : k - 1;
    while (j > 0 && before(v, i, val[j - 1] as number, idx[j - 1] as number)) {
      val[j] = val[j - 1] as number;
      idx[j] = idx[j - 1] as number;
      j--;
    }
    val[j] = v;
    idx[j] = i;
  }
  return size;
}

function before(v: number, i: number, w: number, j: number): boolean {
  return v > w || (v === w && i < j);
}

/** Puts logit `i` of value `v` into the best-first list at position `at` or above, moving worse entries down one. */
function insert(idx: Int32Array, val: Float64Array, at: number, v: number, i: number): void {
  let j = at;
  while (j > 0 && (val[j - 1] as number) < v) {
    val[j] = val[j - 1] as number;
    idx[j] = idx[j - 1] as number;
    j--;
  }
  val[j] = v;
  idx[j] = i;
}

/** Indices of the k largest logits, best first (ties: lower index first). */
export function topKIndices(logits: Float32Array, k: number): number[] {
  if (k > 256) {
    // Insertion would be quadratic here; a full sort is O(V log V).
    const all = Array.from({ length: logits.length }, (_, i) => i);
    all.sort((a, b) => (logits[b] as number) - (logits[a] as number));
    return all.slice(0, k);
  }
  const idx = new Int32Array(k);
  const size = selectTopK(logits, k, idx, new Float64Array(k));
  return Array.from(idx.subarray(0, size));
}

// chooseToken's candidates, reused from call to call: sampling a token allocates nothing.
let candIdx = new Int32Array(64);
let candVal = new Float64Array(64);
let candProb = new Float64Array(64);

/**
 * Chooses the next token. `logits` is a scratch copy the caller owns (it is
 * modified). `candidates`, when given, holds every id whose logit is finite
 * (constrainRow's answer): only those are looked at, with the same result.
 */
export function chooseToken(logits: Float32Array, seen: Iterable<number>, params: SamplingParams, rand: () => number, candidates?: readonly number[] | null): number {
  applyRepetitionPenalty(logits, seen, params.repetitionPenalty);
  if (!params.doSample || params.temperature <= 0) return candidates ? argmaxOf(logits, candidates) : argmax(logits);
  const k = params.topK > 0 ? Math.min(params.topK, logits.length) : logits.length;
  if (candIdx.length < k) {
    candIdx = new Int32Array(k);
    candVal = new Float64Array(k);
    candProb = new Float64Array(k);
  }
  let size: number;
  if (candidates) size = selectTopKOf(logits, candidates, k, candIdx, candVal);
  else if (k > 256) {
    const top = topKIndices(logits, k);
    size = top.length;
    for (let i = 0; i < size; i++) {
      candIdx[i] = top[i] as number;
      candVal[i] = logits[top[i] as number] as number;
    }
  } else size = selectTopK(logits, k, candIdx, candVal);
  const max = candVal[0] as number;
  const probs = candProb;
  let total = 0;
  for (let i = 0; i < size; i++) {
    const q = Math.exp(((candVal[i] as number) - max) / params.temperature);
    probs[i] = q;
    total += q;
  }
  // top-p: the smallest best-first prefix whose mass reaches topP (always at least one token).
  let keep = size;
  if (params.topP < 1) {
    let mass = 0;
    for (let i = 0; i < size; i++) {
      mass += (probs[i] as number) / total;
      if (mass >= params.topP) {
        keep = i + 1;
        break;
      }
    }
  }
  let kept = 0;
  for (let i = 0; i < keep; i++) kept += probs[i] as number;
  let r = rand() * kept;
  // Rounding can leave r at or above 0 after the last candidate: the last one that has any probability is chosen, never a banned (-Infinity) one.
  let last = 0;
  for (let i = 0; i < keep; i++) {
    const p = probs[i] as number;
    if (p > 0) last = i;
    r -= p;
    if (r < 0) return candIdx[i] as number;
  }
  return candIdx[last] as number;
}
