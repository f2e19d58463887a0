/** Vector arithmetic shared by the embedding providers and the gateway's similarity scores. Pure. */

/**
 * Cosine of the angle between `a` and `b` (pure). NaN when either vector is
 * all zeros; throws RangeError when the lengths differ.
 */
export function cosineSimilarity(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length)
    throw new RangeError(`cosineSimilarity: vectors differ in length (${a.length} vs ${b.length})`);
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  if (na === 0 || nb === 0) return Number.NaN;
  // Rounding can push a cosine of parallel vectors a hair past 1.
  return Math.max(-1, Math.min(1, dot / Math.sqrt(na * nb)));
}
