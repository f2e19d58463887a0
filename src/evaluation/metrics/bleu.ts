/**
 * BLEU, computed exactly as NLTK 3.8's `nltk.translate.bleu_score` does
 * (`sentence_bleu`, `corpus_bleu`, `SmoothingFunction.method0`–`method4`).
 * Texts are tokenised with Python's `str.split()`.
 */
import { intern, internCandidate, modifiedPrecisionByString, modifiedPrecisions } from './bleu-counts.js';
import { fsum, pySplit } from './python.js';

/** The smoothing methods of NLTK's `SmoothingFunction` that we implement. */
export type BleuSmoothing = 'method0' | 'method1' | 'method2' | 'method3' | 'method4';

export interface BleuOptions {
  /** N-gram weights, unigrams first. Default `[0.25, 0.25, 0.25, 0.25]` (BLEU-4). */
  readonly weights?: readonly number[];
  /** Smoothing method as in NLTK's `SmoothingFunction`. Default `'method0'` (none). */
  readonly smoothing?: BleuSmoothing;
  /** Count added to zero-match precisions by `method1`. Default `0.1` (NLTK's epsilon). */
  readonly epsilon?: number;
  /** The `k` of `method4`. Default `5` (NLTK's default). */
  readonly k?: number;
  /** NLTK's `auto_reweigh`: for hypotheses shorter than 4 tokens, use uniform weights over their length. Default `false`. */
  readonly autoReweigh?: boolean;
}

const DEFAULT_WEIGHTS: readonly number[] = [0.25, 0.25, 0.25, 0.25];
/** Python's `sys.float_info.min`, which NLTK's method0 puts in place of a zero precision. */
const FLOAT_MIN = 2.2250738585072014e-308;

/** A precision: an unreduced fraction (NLTK keeps `Fraction(..., _normalize=False)`) or, once smoothed, a float. */
type Precision = { readonly num: number; readonly den: number } | number;

/**
 * Sentence BLEU of `candidate` against one or more references, equal to NLTK 3.8
 * `sentence_bleu([r.split() for r in references], candidate.split(), ...)`.
 * Returns 0 when no candidate unigram matches (as NLTK does); without smoothing,
 * zero higher-order matches give a tiny positive value, as in NLTK.
 * @throws TypeError when `references` is an empty list (NLTK raises ValueError).
 */
export function bleu(reference: string | readonly string[], candidate: string, options: BleuOptions = {}): number {
  const refs = (typeof reference === 'string' ? [reference] : reference).map(pySplit);
  const maxN = (options.weights ?? DEFAULT_WEIGHTS).length;
  if (refs.length === 0) return bleuTokens([refs], [pySplit(candidate)], options); // throws as NLTK does
  const interned = internCandidate(refs, candidate);
  if (interned.base ** maxN >= Number.MAX_SAFE_INTEGER) return bleuTokens([refs], [pySplit(candidate)], options);
  const { numerators, denominators } = modifiedPrecisions(interned, maxN);
  const hypLen = interned.hypothesis.length;
  return combine(numerators, denominators, hypLen, closestRefLength(refs, hypLen), options);
}

/**
 * Corpus BLEU (micro-averaged n-gram precisions, one brevity penalty over the
 * corpus), equal to NLTK 3.8 `corpus_bleu`. `references[i]` holds the
 * reference text(s) of `candidates[i]`.
 * @throws TypeError when the two lists differ in length or a reference list is empty.
 */
export function corpusBleu(
  references: readonly (string | readonly string[])[],
  candidates: readonly string[],
  options: BleuOptions = {},
): number {
  const refs = references.map((r) => (typeof r === 'string' ? [pySplit(r)] : r.map(pySplit)));
  return bleuTokens(refs, candidates.map(pySplit), options);
}

/** Corpus BLEU over already tokenised texts (the core shared by `bleu` and `corpusBleu`). */
export function bleuTokens(
  listOfReferences: readonly (readonly (readonly string[])[])[],
  hypotheses: readonly (readonly string[])[],
  options: BleuOptions = {},
): number {
  if (listOfReferences.length !== hypotheses.length) {
    throw new TypeError(
      `corpusBleu: ${hypotheses.length} candidates but ${listOfReferences.length} reference lists; they must be the same`,
    );
  }
  const maxN = (options.weights ?? DEFAULT_WEIGHTS).length;
  const numerators = new Array<number>(maxN + 1).fill(0);
  const denominators = new Array<number>(maxN + 1).fill(0);
  let hypLengths = 0;
  let refLengths = 0;
  for (const [s, hypothesis] of hypotheses.entries()) {
    const references = listOfReferences[s];
    if (references === undefined || references.length === 0)
      throw new TypeError(`corpusBleu: candidate ${s} has no reference`);
    const interned = intern(references, hypothesis);
    // Numeric n-gram keys are exact only while base^maxN stays a safe integer.
    const counts =
      interned.base ** maxN < Number.MAX_SAFE_INTEGER
        ? modifiedPrecisions(interned, maxN)
        : precisionsByString(references, hypothesis, maxN);
    for (let n = 1; n <= maxN; n++) {
      numerators[n] = countAt(numerators, n) + countAt(counts.numerators, n);
      denominators[n] = countAt(denominators, n) + countAt(counts.denominators, n);
    }
    hypLengths += hypothesis.length;
    refLengths += closestRefLength(references, hypothesis.length);
  }
  return combine(numerators, denominators, hypLengths, refLengths, options);
}

/** `modifiedPrecisions`' shape from the string-keyed counting, for vocabularies too large for numeric keys. */
function precisionsByString(
  references: readonly (readonly string[])[],
  hypothesis: readonly string[],
  maxN: number,
): { numerators: number[]; denominators: number[] } {
  const numerators = [0];
  const denominators = [0];
  for (let n = 1; n <= maxN; n++) {
    const [num, den] = modifiedPrecisionByString(references, hypothesis, n);
    numerators.push(num);
    denominators.push(den);
  }
  return { numerators, denominators };
}

/** Entry n of a count array of maxN + 1 entries (index 0 unused); n is always in range. */
function countAt(counts: readonly number[], n: number): number {
  const c = counts[n];
  if (c === undefined) throw new RangeError(`bleu: no count for n = ${n} of ${counts.length - 1}`);
  return c;
}

/** From summed n-gram match counts and lengths to the score (NLTK's corpus_bleu after its counting loop). */
function combine(
  numerators: readonly number[],
  denominators: readonly number[],
  hypLengths: number,
  refLengths: number,
  options: BleuOptions,
): number {
  let weights = options.weights ?? DEFAULT_WEIGHTS;
  const maxN = weights.length;
  const bp = brevityPenalty(refLengths, hypLengths);
  if (numerators[1] === 0) return 0;

  let pn: Precision[] = [];
  for (let n = 1; n <= maxN; n++) pn.push({ num: countAt(numerators, n), den: countAt(denominators, n) });
  pn = smooth(pn, options, hypLengths);

  if (options.autoReweigh && hypLengths < 4 && sameWeights(weights, DEFAULT_WEIGHTS)) {
    weights = new Array<number>(hypLengths).fill(1 / hypLengths);
  }
  const terms: number[] = [];
  // zip(weights, pn), as NLTK's loop: the shorter one ends it.
  for (const [i, p] of pn.slice(0, weights.length).entries()) {
    const w = weights[i];
    const v = value(p);
    if (w !== undefined && v > 0) terms.push(w * Math.log(v));
  }
  return bp * Math.exp(fsum(terms));
}

function value(p: Precision): number {
  return typeof p === 'number' ? p : p.num / p.den;
}

function numeratorIsZero(p: Precision): boolean {
  return typeof p === 'number' ? p === 0 : p.num === 0;
}

function sameWeights(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((w, i) => w === b[i]);
}

/** NLTK's SmoothingFunction methods 0–4, applied to the corpus precisions. */
function smooth(pn: Precision[], options: BleuOptions, hypLen: number): Precision[] {
  const method = options.smoothing ?? 'method0';
  switch (method) {
    case 'method0':
      return pn.map((p) => (numeratorIsZero(p) ? FLOAT_MIN : p));
    case 'method1': {
      const epsilon = options.epsilon ?? 0.1;
      return pn.map((p) => (typeof p !== 'number' && p.num === 0 ? (p.num + epsilon) / p.den : p));
    }
    case 'method2':
      return pn.map((p, i) => (i !== 0 && typeof p !== 'number' ? { num: p.num + 1, den: p.den + 1 } : p));
    case 'method3': {
      let incvnt = 1; // mteval-v13a.pl's k
      return pn.map((p) => {
        if (typeof p === 'number' || p.num !== 0) return p;
        const smoothed = 1 / (2 ** incvnt * p.den);
        incvnt += 1;
        return smoothed;
      });
    }
    case 'method4': {
      const k = options.k ?? 5;
      let incvnt = 1;
      return pn.map((p) => {
        if (typeof p === 'number' || p.num !== 0 || !(hypLen > 1)) return p;
        const numerator = 1 / ((2 ** incvnt * k) / Math.log(hypLen));
        incvnt += 1;
        return numerator / p.den;
      });
    }
    default: {
      const unknown: never = method;
      throw new TypeError(`bleu: unknown smoothing method ${String(unknown)}`);
    }
  }
}

/** The reference length closest to the hypothesis length; ties go to the shorter reference. */
function closestRefLength(references: readonly (readonly string[])[], hypLen: number): number {
  let best = Number.POSITIVE_INFINITY; // the first reference always replaces it
  for (const reference of references) {
    const len = reference.length;
    const d = Math.abs(len - hypLen);
    const bd = Math.abs(best - hypLen);
    if (d < bd || (d === bd && len < best)) best = len;
  }
  return best;
}

function brevityPenalty(closestRefLen: number, hypLen: number): number {
  if (hypLen > closestRefLen) return 1;
  if (hypLen === 0) return 0;
  return Math.exp(1 - closestRefLen / hypLen);
}
