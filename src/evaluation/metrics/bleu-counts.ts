/**
 * BLEU's n-gram counting (NLTK's `modified_precision`), kept apart from the
 * scoring in bleu.ts because it is where the speed work lives.
 */
import { isPySpace } from './python.js';

/** Counts of each n-gram, keyed by its tokens joined with a space (tokens never contain whitespace). */
export function ngramCounts(tokens: readonly string[], n: number): Map<string, number> {
  const counts = new Map<string, number>();
  if (n === 1) {
    for (const t of tokens) counts.set(t, (counts.get(t) ?? 0) + 1);
    return counts;
  }
  for (let i = 0; i + n <= tokens.length; i++) {
    const key = tokens.slice(i, i + n).join(' ');
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

/** References and hypothesis as word ids (see intern). */
export interface Interned {
  readonly base: number;
  readonly references: readonly Int32Array[];
  readonly hypothesis: Int32Array;
}

// Reads of word ids, counts and table slots at an index the loop bounds keep
// below the array's length, so the fallback is never taken (the typed arrays'
// own iterators are several times slower in these loops).
const inRange = (xs: Int32Array, i: number): number => xs[i] ?? 0;

/** Each reference as ids over `vocab`, which it extends with new words (ids from 1, in order of first occurrence). */
function internReferences(references: readonly (readonly string[])[], vocab: Map<string, number>): Int32Array[] {
  return references.map((reference) => {
    const ids = new Int32Array(reference.length);
    let i = 0;
    for (const w of reference) {
      let id = vocab.get(w);
      if (id === undefined) vocab.set(w, (id = vocab.size + 1));
      ids[i++] = id;
    }
    return ids;
  });
}

/** References and hypothesis as small integers over the references' vocabulary (0: a word in no reference). */
export function intern(references: readonly (readonly string[])[], hypothesis: readonly string[]): Interned {
  const vocab = new Map<string, number>();
  const refs = internReferences(references, vocab);
  const base = vocab.size + 1;
  const hyp = new Int32Array(hypothesis.length);
  for (const [i, w] of hypothesis.entries()) hyp[i] = vocab.get(w) ?? 0;
  return { base, references: refs, hypothesis: hyp };
}

/**
 * `intern(refs, pySplit(candidate))` without making a string per candidate
 * word: the scan hashes each word in place (FNV-1a) and probes a small
 * open-addressing table of the reference words. Long generated candidates
 * against short references are the common case, and this is most of BLEU's time.
 */
export function internCandidate(references: readonly (readonly string[])[], candidate: string): Interned {
  // intern() gives ids in order of first occurrence; its vocabulary's keys are the reference words in that order.
  const vocab = new Map<string, number>();
  const refs = internReferences(references, vocab);
  const base = vocab.size + 1;
  let size = 8;
  while (size < vocab.size * 2) size *= 2;
  const mask = size - 1;
  const slotWord: string[] = new Array<string>(size);
  const slotId = new Int32Array(size);
  const slotHash = new Int32Array(size);
  for (const [w, id] of vocab) {
    let h = 0x811c9dc5 | 0;
    for (let k = 0; k < w.length; k++) h = Math.imul(h ^ w.charCodeAt(k), 16777619);
    let idx = h & mask;
    while (slotId[idx] !== 0) idx = (idx + 1) & mask;
    slotWord[idx] = w;
    slotId[idx] = id;
    slotHash[idx] = h;
  }
  // The scan state stays in locals (not captured by a closure), so V8 keeps it in registers.
  const ids = new Int32Array((candidate.length >> 1) + 1);
  let count = 0;
  let start = -1;
  let h = 0;
  const lookup = (from: number, end: number, hash: number): number => {
    let idx = hash & mask;
    for (let id = inRange(slotId, idx); id !== 0; id = inRange(slotId, idx)) {
      const w = slotWord[idx];
      if (slotHash[idx] === hash && w !== undefined && w.length === end - from && candidate.startsWith(w, from))
        return id;
      idx = (idx + 1) & mask;
    }
    return 0;
  };
  for (let i = 0; i < candidate.length; i++) {
    const c = candidate.charCodeAt(i);
    if (c > 32 && c < 127 ? false : isPySpace(c)) {
      if (start >= 0) {
        ids[count++] = lookup(start, i, h);
        start = -1;
      }
    } else {
      if (start < 0) {
        start = i;
        h = 0x811c9dc5 | 0;
      }
      h = Math.imul(h ^ c, 16777619);
    }
  }
  if (start >= 0) ids[count++] = lookup(start, candidate.length, h);
  return { base, references: refs, hypothesis: ids.subarray(0, count) };
}

/** One count map per n = 0…maxN (0 and 1 unused: unigrams are counted in arrays). */
function gramMaps(maxN: number): Map<number, number>[] {
  return Array.from({ length: maxN + 1 }, () => new Map<number, number>());
}

/** The map for n, which gramMaps made for every n up to maxN. */
function mapAt(maps: readonly Map<number, number>[], n: number): Map<number, number> {
  const m = maps[n];
  if (m === undefined) throw new RangeError(`bleu: no n-gram counts for n = ${n}`);
  return m;
}

/**
 * NLTK's `modified_precision` for n = 1…maxN at once, as unreduced
 * numerators and denominators (index n; index 0 unused).
 *
 * Only hypothesis n-grams that occur in some reference can be clipped to a
 * non-zero count, and the denominator is just the number of hypothesis
 * n-grams. So n-grams are keyed by numbers built from interned word ids, and
 * from each hypothesis position we extend the n-gram only while its prefix
 * occurs in a reference. Same result as NLTK's full Counter, far less work.
 */
export function modifiedPrecisions(interned: Interned, maxN: number): { numerators: number[]; denominators: number[] } {
  const { base, hypothesis } = interned;
  // Unigrams are word ids below `base`: plain arrays count them, Maps only the longer n-grams.
  const referenceCounts = (reference: Int32Array): { unigrams: Int32Array; grams: Map<number, number>[] } => {
    const unigrams = new Int32Array(base);
    const grams = gramMaps(maxN);
    for (let i = 0; i < reference.length; i++) {
      let key = inRange(reference, i);
      unigrams[key] = inRange(unigrams, key) + 1;
      for (let n = 2; n <= maxN && i + n <= reference.length; n++) {
        key = key * base + inRange(reference, i + n - 1);
        const counts = mapAt(grams, n);
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
    }
    return { unigrams, grams };
  };
  // One reference (the usual case) is its own maximum; several are merged.
  const [first, ...rest] = interned.references;
  const max = first ? referenceCounts(first) : referenceCounts(new Int32Array(0));
  for (const reference of rest) {
    const counts = referenceCounts(reference);
    for (let id = 1; id < base; id++) {
      const c = inRange(counts.unigrams, id);
      if (c > inRange(max.unigrams, id)) max.unigrams[id] = c;
    }
    for (let n = 2; n <= maxN; n++) {
      const m = mapAt(max.grams, n);
      for (const [key, c] of mapAt(counts.grams, n)) if (c > (m.get(key) ?? 0)) m.set(key, c);
    }
  }
  const hypUnigrams = new Int32Array(base);
  const hypCounts = gramMaps(maxN);
  for (let i = 0; i < hypothesis.length; i++) {
    let key = inRange(hypothesis, i);
    if (key === 0) continue; // a word in no reference: no n-gram from here can match
    hypUnigrams[key] = inRange(hypUnigrams, key) + 1;
    for (let n = 2; n <= maxN && i + n <= hypothesis.length; n++) {
      const id = inRange(hypothesis, i + n - 1);
      if (id === 0) break;
      key = key * base + id;
      if (!mapAt(max.grams, n).has(key)) break;
      const counts = mapAt(hypCounts, n);
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  let unigramMatches = 0;
  for (let id = 1; id < base; id++) unigramMatches += Math.min(inRange(hypUnigrams, id), inRange(max.unigrams, id));
  const numerators = [0];
  const denominators = [0];
  for (let n = 1; n <= maxN; n++) {
    let numerator = n === 1 ? unigramMatches : 0;
    // Only n-grams found in max.grams[n] were counted, so each has a reference count.
    if (n > 1) for (const [key, c] of mapAt(hypCounts, n)) numerator += Math.min(c, mapAt(max.grams, n).get(key) ?? 0);
    numerators.push(numerator);
    denominators.push(Math.max(1, hypothesis.length - n + 1));
  }
  return { numerators, denominators };
}

/** The plain form of `modifiedPrecision`, for vocabularies too large for numeric keys. */
export function modifiedPrecisionByString(
  references: readonly (readonly string[])[],
  hypothesis: readonly string[],
  n: number,
): [number, number] {
  const counts = ngramCounts(hypothesis, n);
  const maxCounts = new Map<string, number>();
  for (const reference of references) {
    const refCounts = ngramCounts(reference, n);
    for (const gram of counts.keys()) {
      maxCounts.set(gram, Math.max(maxCounts.get(gram) ?? 0, refCounts.get(gram) ?? 0));
    }
  }
  let numerator = 0;
  let total = 0;
  for (const [gram, count] of counts) {
    numerator += Math.min(count, maxCounts.get(gram) ?? 0);
    total += count;
  }
  return [numerator, Math.max(1, total)];
}
