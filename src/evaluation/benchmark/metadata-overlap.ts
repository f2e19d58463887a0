/**
 * How much of a text restates its product's metadata: the title and
 * attributes, which are the facts a prompt gives the model. Word-overlap
 * metrics (BLEU, ROUGE, METEOR) reward shared words with the reference; when
 * the references are written around the same words as the metadata, a model
 * that only restates the metadata scores well without describing anything.
 * These numbers let a report tell the two apart. Pure.
 *
 * Words are compared as Porter stems of content words (stop words dropped),
 * so "pleated" restates "pleats" and "the" restates nothing.
 */
import stopword from 'stopword';
import { wordTokens } from '../checks/text-tokens.js';
import { porterStem } from '../metrics/porter.js';

const STOP = new Set(stopword.eng);

export interface MetadataOverlap {
  /** Share (0–1) of the text's content words that are metadata words; null for a text with no content words. */
  restated: number | null;
  /** Share (0–1) of the text's words that match the reference which are metadata words; null when no word matches. */
  matchedFromMetadata: number | null;
  /**
   * Unigram F1 (clipped counts, as ROUGE-1) of the text against the reference
   * over content words, with every metadata word left out of both: the
   * overlap a model earns beyond restating the metadata. Null when the
   * reference has no word left.
   */
  beyondMetadata: number | null;
}

export interface MetadataSource {
  title: string;
  attributes: readonly string[];
}

const contentStems = (text: string): string[] =>
  wordTokens(text)
    .map((t) => t.word)
    .filter((w) => !STOP.has(w))
    .map(porterStem);

/** The metadata's content-word stems: what a text restates when it uses them. */
export function metadataStems(source: MetadataSource): Set<string> {
  return new Set(contentStems([source.title, ...source.attributes].join(' ')));
}

/** Words of `candidate` that match `reference`, each reference word matching at most as often as it occurs there. */
function matched(candidate: readonly string[], reference: readonly string[]): string[] {
  const left = new Map<string, number>();
  for (const w of reference) left.set(w, (left.get(w) ?? 0) + 1);
  return candidate.filter((w) => {
    const n = left.get(w) ?? 0;
    if (n > 0) left.set(w, n - 1);
    return n > 0;
  });
}

function f1(candidate: readonly string[], reference: readonly string[]): number | null {
  if (reference.length === 0) return null;
  const m = matched(candidate, reference).length;
  if (m === 0) return 0;
  const p = m / candidate.length;
  const r = m / reference.length;
  return (2 * p * r) / (p + r);
}

/** The metadata overlap of `text` for a product with `reference` as its human description. */
export function metadataOverlap(source: MetadataSource & { reference: string }, text: string): MetadataOverlap {
  const meta = metadataStems(source);
  const words = contentStems(text);
  const reference = contentStems(source.reference);
  const hits = matched(words, reference);
  const isMeta = (w: string) => meta.has(w);
  const notMeta = (w: string) => !meta.has(w);
  return {
    restated: words.length ? words.filter(isMeta).length / words.length : null,
    matchedFromMetadata: hits.length ? hits.filter(isMeta).length / hits.length : null,
    beyondMetadata: f1(words.filter(notMeta), reference.filter(notMeta)),
  };
}
