/** Vector arithmetic shared by the embedding providers and the gateway's similarity scores. Pure. */

/**
 * Cosine of the angle between `a` and `b` (pure). NaN when either vector is
 * all zeros; throws RangeError when the lengths differ.
 */
export function cosineSimilarity(a: ArrayLike<number> & Iterable<number>, b: ArrayLike<number>): number {
  const lengthsDiffer = (): RangeError =>
    new RangeError(`cosineSimilarity: vectors differ in length (${a.length} vs ${b.length})`);
  if (a.length !== b.length) throw lengthsDiffer();
  let dot = 0;
  let na = 0;
  let nb = 0;
  let i = 0;
  for (const x of a) {
    const y = b[i++];
    if (y === undefined) throw lengthsDiffer();
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  if (na === 0 || nb === 0) return Number.NaN;
  // Rounding can push a cosine of parallel vectors a hair past 1.
  return Math.max(-1, Math.min(1, dot / Math.sqrt(na * nb)));
}
