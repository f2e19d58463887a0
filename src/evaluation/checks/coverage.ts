/**
 * Attribute coverage: the share of a product's attributes that its
 * description mentions, comparing Porter stems so "pleated" covers "pleats".
 */
import stopword from 'stopword';
import { porterStem } from '../metrics/porter.js';
import { wordTokens } from './text-tokens.js';

const STOP = new Set(stopword.eng);

/**
 * Share (0–1) of `attributes` mentioned in `text`. A multi-word attribute
 * counts when every one of its content words (stop words dropped) appears.
 * Returns null when there are no non-blank attributes.
 */
export function attributeCoverage(text: string, attributes: readonly string[]): number | null {
  const stems = new Set(wordTokens(text).map((t) => porterStem(t.word)));
  let total = 0;
  let covered = 0;
  for (const attribute of attributes) {
    const words = wordTokens(attribute).map((t) => t.word);
    if (words.length === 0) continue;
    const content = words.filter((w) => !STOP.has(w));
    const needed = (content.length > 0 ? content : words).map(porterStem);
    total += 1;
    if (needed.every((s) => stems.has(s))) covered += 1;
  }
  return total === 0 ? null : covered / total;
}
