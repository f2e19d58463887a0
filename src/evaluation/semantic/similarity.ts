/**
 * Semantic similarity between a reference description and a candidate, as
 * the cosine of their sentence embeddings. With no embedder configured, or
 * when it fails, the score is null with a reason: a made-up number would be
 * read as a measurement.
 */
import type { Embedder } from '../../../providers/types.js';
import { isProviderError } from '../../../providers/types.js';
import { cosineSimilarity } from '../../../providers/vectors.js';

export type SemanticReason =
  /** No embedding model is configured. */
  | 'EMBEDDINGS_NOT_CONFIGURED'
  /** The embedder threw or returned something unusable. */
  | 'EMBEDDINGS_FAILED'
  /** The reference or the candidate is empty (or only whitespace). */
  | 'EMPTY_TEXT'
  /** An embedding was all zeros, so its direction (and the cosine) is undefined. */
  | 'ZERO_VECTOR';

export interface SemanticPair {
  reference: string;
  candidate: string;
}

export interface SemanticScore {
  /** Cosine similarity in [-1, 1], or null with a reason. */
  score: number | null;
  reason?: SemanticReason;
  /** For EMBEDDINGS_FAILED: the ProviderError kind or the error message. */
  detail?: string;
}

function failed(pairs: readonly SemanticPair[], detail: string): SemanticScore[] {
  return pairs.map(() => ({ score: null, reason: 'EMBEDDINGS_FAILED' as const, detail }));
}

/**
 * One score per pair, in order. Each distinct text is embedded once, in one
 * call. Never rejects for a model failure (the scores say it); rejects only
 * when `signal` aborts.
 */
export async function semanticSimilarity(
  embedder: Embedder | null,
  pairs: readonly SemanticPair[],
  options: { signal?: AbortSignal } = {},
): Promise<SemanticScore[]> {
  if (!embedder) return pairs.map(() => ({ score: null, reason: 'EMBEDDINGS_NOT_CONFIGURED' }));
  const blank = (s: string): boolean => s.trim() === '';
  const texts = [...new Set(pairs.flatMap((p) => [p.reference, p.candidate]).filter((s) => !blank(s)))];
  let vectors: number[][] = [];
  if (texts.length > 0) {
    try {
      vectors = await embedder.embed(texts, options.signal ? { signal: options.signal } : {});
    } catch (err) {
      options.signal?.throwIfAborted();
      return failed(pairs, isProviderError(err) ? err.kind : err instanceof Error ? err.message : String(err));
    }
    if (!Array.isArray(vectors) || vectors.length !== texts.length) {
      return failed(
        pairs,
        `embedder returned ${Array.isArray(vectors) ? vectors.length : 'no'} vectors for ${texts.length} texts`,
      );
    }
  }
  const byText = new Map(texts.map((t, i) => [t, vectors[i]]));
  return pairs.map((p): SemanticScore => {
    if (blank(p.reference) || blank(p.candidate)) return { score: null, reason: 'EMPTY_TEXT' };
    const a = byText.get(p.reference);
    const b = byText.get(p.candidate);
    // Every non-blank text has a vector (the count is checked above).
    if (!a || !b) return { score: null, reason: 'EMBEDDINGS_FAILED', detail: 'no vector for a text' };
    let score: number;
    try {
      score = cosineSimilarity(a, b);
    } catch (err) {
      return { score: null, reason: 'EMBEDDINGS_FAILED', detail: (err as Error).message };
    }
    return Number.isNaN(score) ? { score: null, reason: 'ZERO_VECTOR' } : { score };
  });
}
