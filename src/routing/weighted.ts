/** Weighted random selection: the one helper every weighted choice in routing goes through. */

/**
 * Picks an index with probability proportional to `weightOf(item)`.
 * Non-finite or negative weights count as 0; when every weight is 0 the
 * first item wins (a policy of zero weights still has an order).
 * `random` returns a number in [0, 1), like Math.random.
 */
export function weightedIndex<T>(items: readonly T[], weightOf: (item: T) => number, random: () => number): number {
  if (items.length === 0) throw new TypeError('weightedIndex needs at least one item');
  const weights = items.map((item) => {
    const w = weightOf(item);
    return Number.isFinite(w) && w > 0 ? w : 0;
  });
  const total = weights.reduce((sum, w) => sum + w, 0);
  if (total === 0) return 0;
  let point = random() * total;
  for (const [i, w] of weights.entries()) {
    point -= w;
    if (point < 0) return i;
  }
  // Floating point can leave a sliver past the last weight: it belongs to the last positive one.
  return weights.findLastIndex((w) => w > 0);
}

/** `items` with a weighted pick moved to the front and the rest in their order: load balancing with failover. */
export function weightedFirst<T>(items: readonly T[], weightOf: (item: T) => number, random: () => number): T[] {
  if (items.length <= 1) return [...items];
  const first = weightedIndex(items, weightOf, random);
  const picked = items[first];
  if (picked === undefined) throw new Error(`weightedIndex gave ${first} for ${items.length} items`);
  return [picked, ...items.filter((_, i) => i !== first)];
}
