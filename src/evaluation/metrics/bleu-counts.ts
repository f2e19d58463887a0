/**
 * BLEU's n-gram counting (NLTK's `modified_precision`), kept apart from the
 * scoring in bleu.ts because it is where the speed work lives.
 */
import { isPySpace } from './python.js';

/** Counts of each n-gram, keyed by its tokens joined with a space (tokens never contain whitespace). */
export function ngramCounts(tokens: readonly string[], n: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (let i = 0; i + n <= tokens.length; i++) {
    const key = n === 1 ? tokens[i]! : tokens.slice(i, i + n).join(' ');
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

/** References and hypothesis as small integers over the references' vocabulary (0: a word in no reference). */
export interface Interned {
  readonly base: number;
  readonly references: readonly Int32Array[];
  readonly hypothesis: Int32Array;
}

export function intern(references: readonly (readonly string[])[], hypothesis: readonly string[]): Interned {
  const vocab = new Map<string, number>();
  const refs = references.map((reference) => {
    const ids = new Int32Array(reference.length);
    for (let i = 0; i < reference.length; i++) {
      const w = reference[i]!;
      let id = vocab.get(w);
      if (id === undefined) vocab.set(w, (id = vocab.size + 1));
      ids[i] = id;
    }
    return ids;
  });
  const base = vocab.size + 1;
  const hyp = new Int32Array(hypothesis.length);
  for (let i = 0; i < hypothesis.length; i++) hyp[i] = vocab.get(hypothesis[i]!) ?? 0;
  return { base, references: refs, hypothesis: hyp };
}

/**
 * `intern(refs, pySplit(candidate))` without making a string per candidate
 * word: the scan hashes each word in place (FNV-1a) and probes a small
 * open-addressing table of the reference words. Long generated candidates
 * against short references are the common case, and this is most of BLEU's time.
 */
export function internCandidate(references: readonly (readonly string[])[], candidate: string): Interned {
  const { base, references: refs } = intern(references, []);
  const words: string[] = [];
  for (const reference of references) for (const w of reference) if (!words.includes(w)) words.push(w);
  let size = 8;
  while (size < words.length * 2) size *= 2;
  const mask = size - 1;
  const slotWord: string[] = new Array<string>(size);
  const slotId = new Int32Array(size);
  const slotHash = new Int32Array(size);
  words.forEach((w, i) => {
    let h = 0x811c9dc5 | 0;
    for (let k = 0; k < w.length; k++) h = Math.imul(h ^ w.charCodeAt(k), 16777619);
    let idx = h & mask;
    while (slotId[idx] !== 0) idx = (idx + 1) & mask;
    slotWord[idx] = w;
    slotId[idx] = i + 1; // the same ids intern() gives: order of first occurrence
    slotHash[idx] = h;
  });
  // The scan state stays in locals (not captured by a closure), so V8 keeps it in registers.
  const ids = new Int32Array((candidate.length >> 1) + 1);
  let count = 0;
  let start = -1;
  let h = 0;
  const lookup = (from: number, end: number, hash: number): number => {
    let idx = hash & mask;
    while (slotId[idx] !== 0) {
      const w = slotWord[idx]!;
      if (slotHash[idx] === hash && w.length === end - from && candidate.startsWith(w, from)) return slotId[idx]!;
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
  const hypCounts: Map<number, number>[] = [];
  for (let n = 0; n <= maxN; n++) hypCounts.push(new Map());
  const referenceCounts = (reference: Int32Array): Map<number, number>[] => {
    const counts: Map<number, number>[] = [];
    for (let n = 0; n <= maxN; n++) counts.push(new Map());
    for (let i = 0; i < reference.length; i++) {
      let key = 0;
      for (let n = 1; n <= maxN && i + n <= reference.length; n++) {
        key = key * base + reference[i + n - 1]!;
        counts[n]!.set(key, (counts[n]!.get(key) ?? 0) + 1);
      }
    }
    return counts;
  };
  // One reference (the usual case) is its own maximum; several are merged.
  const [first, ...rest] = interned.references;
  const maxCounts = first ? referenceCounts(first) : Array.from({ length: maxN + 1 }, () => new Map<number, number>());
  for (const reference of rest) {
    const counts = referenceCounts(reference);
    for (let n = 1; n <= maxN; n++) {
      const max = maxCounts[n]!;
      for (const [key, c] of counts[n]!) if (c > (max.get(key) ?? 0)) max.set(key, c);
    }
  }
  for (let i = 0; i < hypothesis.length; i++) {
    let key = 0;
    for (let n = 1; n <= maxN && i + n <= hypothesis.length; n++) {
      const id = hypothesis[i + n - 1]!;
      if (id === 0) break; // a word in no reference: no longer n-gram from here can match
      key = key * base + id;
      if (!maxCounts[n]!.has(key)) break;
      hypCounts[n]!.set(key, (hypCounts[n]!.get(key) ?? 0) + 1);
    }
  }
  const numerators = [0];
  const denominators = [0];
  for (let n = 1; n <= maxN; n++) {
    let numerator = 0;
    for (const [key, c] of hypCounts[n]!) numerator += Math.min(c, maxCounts[n]!.get(key)!);
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

