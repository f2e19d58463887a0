/**
 * Attribute coverage: the share of a product's attributes that its
 * description mentions, comparing Porter stems so "pleated" covers "pleats".
 */
import stopword from 'stopword';
import { porterStem } from '../metrics/porter.js';
import { wordTokens, type Token } from './text-tokens.js';

const STOP = new Set(stopword.eng);

/**
 * Stems by word. Every stored description is checked, and descriptions of
 * one catalog share most of their words, so stemming each word once instead
 * of per description takes most of the check's time away. Bounded: cleared
 * when full (a word list, not a cache worth being clever about).
 */
const STEMS = new Map<string, string>();
const MAX_STEMS = 20_000;

function stem(word: string): string {
  let stemmed = STEMS.get(word);
  if (stemmed === undefined) {
    stemmed = porterStem(word);
    if (STEMS.size >= MAX_STEMS) STEMS.clear();
    STEMS.set(word, stemmed);
  }
  return stemmed;
}

/**
 * Share (0–1) of `attributes` mentioned in `text`. A multi-word attribute
 * counts when every one of its content words (stop words dropped) appears.
 * Returns null when there are no non-blank attributes.
 */
export function attributeCoverage(text: string, attributes: readonly string[]): number | null {
  return coverageOfTokens(wordTokens(text), attributes);
}

/**
 * `attributeCoverage` of a text already split into tokens; sentence breaks
 * (`sentenceTokens`'s empty words) are skipped, so either split will do.
 */
export function coverageOfTokens(tokens: readonly Token[], attributes: readonly string[]): number | null {
  const stems = new Set<string>();
  for (const { word } of tokens) if (word !== '') stems.add(stem(word));
  let total = 0;
  let covered = 0;
  for (const attribute of attributes) {
    const words = wordTokens(attribute).map((t) => t.word);
    if (words.length === 0) continue;
    const content = words.filter((w) => !STOP.has(w));
    const needed = (content.length > 0 ? content : words).map(stem);
    total += 1;
    if (needed.every((s) => stems.has(s))) covered += 1;
  }
  return total === 0 ? null : covered / total;
}
