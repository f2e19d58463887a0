/**
 * CLIP scores of generated descriptions against their product images, and
 * how the human reference compares. With no CLIP model configured every
 * score is null with CLIP_NOT_CONFIGURED: a made-up number would be read as
 * a measurement.
 */
import type { ImageTextPair, ImageTextScore, ImageTextScorer } from '../../../providers/types.js';
import { isProviderError, type ProviderError } from '../../../providers/types.js';
import { type ImageErrorCode, isImageLoadError } from '../../../providers/images/load.js';

export type ClipReason =
  /** No CLIP model is configured. */
  | 'CLIP_NOT_CONFIGURED'
  /** The model failed (session error, or a broken answer). */
  | 'CLIP_FAILED'
  /** The image could not be loaded or decoded (which of the four says why). */
  | ImageErrorCode;

export interface ClipItem {
  /** A file path or an http(s) URL. */
  image: string;
  candidate: string;
  /** The human reference description, when there is one. */
  reference?: string | null;
}

export interface ClipItemScore {
  /** 100 × max(cos, 0) for the candidate (CLIPScore), or null with `reason`. */
  clipScore: number | null;
  /** exp(logit_scale) × cos for the candidate, as the prototype reported it. */
  logitScore: number | null;
  cosine: number | null;
  /** The reference's clipScore minus the candidate's; null without a (scorable) reference. */
  referenceDelta: number | null;
  /** Why the candidate has no score. */
  reason?: ClipReason;
  /** Why a given reference has no score (so referenceDelta is null). */
  referenceReason?: ClipReason;
  /** The error message behind a reason, for logs; never shown as a score. */
  detail?: string;
}

const NONE = { clipScore: null, logitScore: null, cosine: null, referenceDelta: null } as const;

function reasonOf(err: unknown): ClipReason {
  const cause = isProviderError(err) ? err.cause : err;
  return isImageLoadError(cause) ? cause.code : 'CLIP_FAILED';
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * One score per item, in order, from one scorer call (each image is loaded
 * once even when a reference is scored too). Never rejects for a model or
 * image failure (the scores say it); rejects only when `signal` aborts.
 */
export async function clipScores(
  scorer: ImageTextScorer | null,
  items: readonly ClipItem[],
  options: { signal?: AbortSignal } = {},
): Promise<ClipItemScore[]> {
  if (!scorer) return items.map(() => ({ ...NONE, reason: 'CLIP_NOT_CONFIGURED' }));
  const pairs: ImageTextPair[] = [];
  const refIndex: Array<number | null> = [];
  for (const item of items) pairs.push({ image: item.image, text: item.candidate });
  for (const item of items) {
    const ref = typeof item.reference === 'string' && item.reference.trim() !== '' ? item.reference : null;
    refIndex.push(ref !== null ? pairs.push({ image: item.image, text: ref }) - 1 : null);
  }
  let results: Array<ImageTextScore | ProviderError>;
  try {
    results = await scorer.score(pairs, options.signal ? { signal: options.signal } : {});
    if (!Array.isArray(results) || results.length !== pairs.length) {
      throw new Error(
        `scorer returned ${Array.isArray(results) ? results.length : 'no'} results for ${pairs.length} pairs`,
      );
    }
  } catch (err) {
    options.signal?.throwIfAborted();
    return items.map(() => ({ ...NONE, reason: reasonOf(err), detail: messageOf(err) }));
  }
  // From here results has one entry per pair (checked above).
  const resultOf = (k: number): ImageTextScore | ProviderError => {
    const result = results[k];
    if (result === undefined) throw new Error(`clip: no result for pair ${k} of ${pairs.length}`);
    return result;
  };
  return items.map((_, i): ClipItemScore => {
    const cand = resultOf(i);
    if (isProviderError(cand)) return { ...NONE, reason: reasonOf(cand), detail: cand.message };
    const out: ClipItemScore = {
      clipScore: cand.clipScore,
      logitScore: cand.logitScore,
      cosine: cand.cosine,
      referenceDelta: null,
    };
    const r = refIndex[i];
    if (r !== null && r !== undefined) {
      const ref = resultOf(r);
      if (isProviderError(ref)) out.referenceReason = reasonOf(ref);
      else out.referenceDelta = ref.clipScore - cand.clipScore;
    }
    return out;
  });
}
